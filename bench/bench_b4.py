"""Side by side: the same mbox imported by reviewbot and by b4's library, in one run.

    python bench/bench_b4.py [--corpus corpus-10k] [--runs 1]

reviewbot: `reviewbot import-mbox` into a fresh SQLite file (series, trailers,
versions, concerns, the full-text index). b4: bench/b4_import.py in b4's own
venv (`make bench` makes bench/out/b4-venv; b4 is never a reviewbot
dependency): every thread through `b4 am`'s steps, series grouped and follow-up
trailers collected. Each runs in a subprocess of its own measuring process, which
reads its child's peak RSS with getrusage(RUSAGE_CHILDREN). Prints both times,
the ratio and both peaks; writes bench/out/b4.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import bench_import

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
B4_PYTHON = OUT / "b4-venv" / "bin" / "python"
SIZES = {"corpus-10k": 10_000, "corpus": 50_000}


def measured(command: list[str]) -> dict[str, Any]:
    """Run `command` from a fresh measuring process: its wall time, peak RSS and stdout."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "s = time.perf_counter() - t\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
        "print(json.dumps({'seconds': s, 'peak_kib': peak, 'code': p.returncode,"
        " 'stdout': p.stdout, 'stderr': p.stderr[-2000:]}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, *command], capture_output=True, text=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout)
    if result["code"] != 0:
        raise SystemExit(f"{command[0]} failed ({result['code']}): {result['stderr']}")
    return result


def run_reviewbot(corpus: Path) -> dict[str, Any]:
    """`reviewbot import-mbox` into a fresh database."""
    with tempfile.TemporaryDirectory(prefix="bench-b4-") as tmp:
        db = Path(tmp) / "side-by-side.db"
        command = [str(bench_import.DEFAULT_REVIEWBOT), "import-mbox", str(corpus)]
        got = measured([*command, "--db", str(db), "--json"])
    report = bench_import.parse_report(got["stdout"])
    return {
        "seconds": round(got["seconds"], 2),
        "peak_rss_mib": round(got["peak_kib"] / 1024, 1),
        "series": report["series_new"],
    }


def run_b4(corpus: Path) -> dict[str, Any]:
    """b4's library over the same file (bench/b4_import.py)."""
    got = measured([str(B4_PYTHON), str(ROOT / "bench" / "b4_import.py"), str(corpus)])
    report = json.loads(got["stdout"])
    return {
        "seconds": round(got["seconds"], 2),
        "peak_rss_mib": round(got["peak_kib"] / 1024, 1),
        "series": report["series"],
        "patches": report["patches"],
        "trailers": report["trailers"],
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=sorted(SIZES), default="corpus-10k")
    parser.add_argument("--runs", type=int, default=1, help="alternate runs of each")
    args = parser.parse_args(argv)
    corpus = OUT / f"{args.corpus}.mbox"
    messages = SIZES[args.corpus]
    if not B4_PYTHON.exists() or subprocess.run([B4_PYTHON, "-c", "import b4"]).returncode:
        # b4 comes from PyPI for this run only: offline, the comparison is skipped
        print(f"skipped: no b4 in {B4_PYTHON.parent.parent} (`make bench` installs b4 0.16.0)")
        return 0
    bench_import.ensure_corpus(corpus, messages)
    runs = []
    for _ in range(args.runs):  # alternated, so a load change hits both alike
        runs.append({"reviewbot": run_reviewbot(corpus), "b4": run_b4(corpus)})
    best = {k: min((r[k] for r in runs), key=lambda x: x["seconds"]) for k in ("reviewbot", "b4")}
    ratio = best["b4"]["seconds"] / best["reviewbot"]["seconds"]
    print(f"{args.corpus}: {messages} messages, {corpus.stat().st_size / 2**20:.1f} MiB")
    print(f"{'':10} {'seconds':>8} {'messages/s':>11} {'peak RSS MiB':>13} {'series':>7}")
    for name, row in best.items():
        rate = messages / row["seconds"]
        print(
            f"{name:10} {row['seconds']:>8.2f} {rate:>11.0f} {row['peak_rss_mib']:>13.1f}"
            f" {row['series']:>7}"
        )
    print(f"reviewbot is {ratio:.1f}x b4's library on the same file")
    OUT.mkdir(parents=True, exist_ok=True)
    result = {
        "corpus": args.corpus,
        "messages": messages,
        "runs": runs,
        "best": best,
        "ratio": round(ratio, 2),
        "machine": f"{platform.system()} {platform.machine()}",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "b4": "0.16.0",
    }
    (OUT / "b4.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
