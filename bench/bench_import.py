"""Benchmark ``reviewbot import-mbox``: wall time, throughput and peak RSS per corpus.

    python bench/bench_import.py [--reviewbot PATH]

Generates bench/out/corpus-10k.mbox and bench/out/corpus.mbox (50000 messages) when
they are missing or were made with other settings, imports each into a fresh
database in a temporary directory, prints a table and writes it as JSON to
bench/out/results.json. Peak RSS is the import process's own (``os.wait4``), so
the numbers are not cumulative across runs. Exits 1 if an import fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import gen_corpus

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_REVIEWBOT = ROOT / ".venv" / "bin" / "reviewbot"
GOAL = 3000  # messages per second, 50k corpus (issue 18)
CORPORA = [("corpus-10k", 10_000), ("corpus", 50_000)]
REPORT_KEYS = (
    "messages_new",
    "messages_duplicate",
    "messages_failed",
    "series_new",
    "series_updated",
)


class ImportFailed(Exception):
    """The import command exited non-zero or printed no usable JSON report."""


def ensure_corpus(path: Path, messages: int) -> dict[str, Any]:
    """Return the corpus manifest, generating the corpus first if missing or stale."""
    manifest_path = Path(str(path) + ".json")
    if path.exists() and manifest_path.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        if (
            manifest.get("messages") == messages
            and manifest.get("seed") == gen_corpus.DEFAULT_SEED
            and manifest.get("generator_version") == gen_corpus.GENERATOR_VERSION
            and manifest.get("bytes") == path.stat().st_size
        ):
            return manifest
    print(f"generating {path.name} ({messages} messages) ...", flush=True)
    return gen_corpus.generate(path, messages)


def parse_report(stdout: str) -> dict[str, Any]:
    """The JSON object the import printed: the whole output, else its last JSON line."""
    candidates = [stdout, *reversed(stdout.strip().splitlines())]
    for text in candidates:
        try:
            report = json.loads(text)
        except ValueError:
            continue
        if isinstance(report, dict) and all(key in report for key in REPORT_KEYS):
            return report
    raise ImportFailed(f"no JSON report with keys {', '.join(REPORT_KEYS)} in the output")


def run_import(reviewbot: Path, corpus: Path, db: Path) -> tuple[float, int, str, str, int]:
    """Run one import; return (seconds, peak RSS in KiB, stdout, stderr, exit code)."""
    command = [str(reviewbot), "import-mbox", str(corpus), "--db", str(db), "--json"]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    # ru_maxrss is in KiB on Linux (bytes on macOS)
    rss_kib = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return seconds, rss_kib, stdout, stderr, proc.returncode


def bench_one(reviewbot: Path, name: str, messages: int) -> dict[str, Any]:
    """Import one corpus into a fresh database and return its result row."""
    corpus = OUT / f"{name}.mbox"
    manifest = ensure_corpus(corpus, messages)
    with tempfile.TemporaryDirectory(prefix="reviewbot-bench-") as tmp:
        db = Path(tmp) / "bench.db"
        seconds, rss_kib, stdout, stderr, code = run_import(reviewbot, corpus, db)
        db_bytes = db.stat().st_size if db.exists() else 0
    if code != 0:
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        raise ImportFailed(f"{name}: import exited with status {code}\n{tail}")
    report = parse_report(stdout)
    processed = sum(int(report[k]) for k in REPORT_KEYS[:3])
    return {
        "corpus": name,
        "path": gen_corpus.relative_to_repo(corpus),
        "corpus_messages": manifest["messages"],
        "corpus_bytes": manifest["bytes"],
        "messages": processed,
        **{key: report[key] for key in REPORT_KEYS},
        "count_matches": processed == manifest["messages"],
        "seconds": round(seconds, 3),
        "messages_per_second": round(processed / seconds, 1) if seconds else None,
        "peak_rss_mib": round(rss_kib / 1024, 1),
        "db_bytes": db_bytes,
        "meets_goal": processed / seconds >= GOAL if seconds else False,
    }


def print_table(rows: list[dict[str, Any]]) -> None:
    """Print the results table."""
    print(f"{'corpus':<12} {'messages':>9} {'seconds':>8} {'messages/s':>11} {'peak RSS MiB':>13}")
    for row in rows:
        print(
            f"{row['corpus']:<12} {row['messages']:>9} {row['seconds']:>8.2f}"
            f" {row['messages_per_second']:>11.0f} {row['peak_rss_mib']:>13.1f}"
            f"  {'meets' if row['meets_goal'] else 'BELOW'} goal"
        )
        if not row["count_matches"]:
            print(
                f"  warning: import reported {row['messages']} messages"
                f" (new+duplicate+failed), the corpus has {row['corpus_messages']}"
            )
        if row["messages_failed"]:
            print(f"  warning: {row['messages_failed']} messages failed to import")
    print(f"goal: >= {GOAL} messages/s")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviewbot", type=Path, default=DEFAULT_REVIEWBOT)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    results_path = OUT / "results.json"
    results_path.unlink(missing_ok=True)  # never leave stale numbers behind
    rows = []
    for name, messages in CORPORA:
        try:
            rows.append(bench_one(args.reviewbot, name, messages))
        except (ImportFailed, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    print_table(rows)
    results = {
        "goal_messages_per_second": GOAL,
        "reviewbot": gen_corpus.relative_to_repo(args.reviewbot),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "runs": rows,
    }
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {results_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
