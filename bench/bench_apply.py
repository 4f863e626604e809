"""Benchmark `reviewbot apply` against plain `git am` of the same series on the same tree.

    python bench/bench_apply.py [--runs N]

Builds the libvirt 9.0.0 fixture repository from tests/data, imports "qemu: backport
fixes for 9.0.0" v2 (10 patches), then times, in one run on one tree:
  - git am of the same ten mails on a detached checkout of the base (reset between runs),
  - reviewbot's apply_series in-process (worktree, base detection, per-hunk report, DB),
  - the `reviewbot apply` command end to end (includes Python start-up).
Reports medians and the ratio; the goal is <= 2x git am. Writes bench/out/apply_results.json.
"""

from __future__ import annotations

import argparse
import json
import mailbox
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
OUT = ROOT / "bench" / "out"
GOAL = 2.0
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.org",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.org",
}

sys.path.insert(0, str(ROOT))
from reviewbot.db import open_engine  # noqa: E402
from reviewbot.pipeline.apply import apply_series  # noqa: E402
from reviewbot.pipeline.importer import import_paths  # noqa: E402


def git(repo: Path, *args: str) -> str:
    """Run git in repo and return its output."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=ENV
    )
    return done.stdout


def build_tree(work: Path) -> Path:
    """The fixture repository: the nine libvirt 9.0.0 files in one commit."""
    with tarfile.open(DATA / "libvirt-9.0.0-subset.tar.xz") as tar:
        tar.extractall(work, filter="data")
    repo = work / "libvirt-9.0.0"
    git(repo, "init", "-q", "-b", "master")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "libvirt 9.0.0 subset")
    return repo


def v2_mbox(work: Path) -> Path:
    """The ten v2 patch mails, in order, as an mbox for git am."""
    path = work / "v2.mbox"
    box = mailbox.mbox(str(DATA / "libvir-list" / "backports-2023.mbox"))
    mails = sorted(
        (m for m in box if (m["Message-ID"] or "").startswith("<v2p")),
        key=lambda m: m["Message-ID"],
    )
    with open(path, "wb") as out:
        for m in mails:
            out.write(m.as_bytes(unixfrom=True) + b"\n")
    return path


def time_git_am(repo: Path, mbox: Path, runs: int) -> list[float]:
    """git am of the mbox on a detached checkout of HEAD, reset between runs."""
    base = git(repo, "rev-parse", "HEAD").strip()
    times = []
    for _ in range(runs):
        git(repo, "checkout", "-q", "--detach", base)
        start = time.perf_counter()
        git(repo, "am", "-q", str(mbox))
        times.append(time.perf_counter() - start)
        git(repo, "checkout", "-q", "master")
    return times


def main() -> int:
    """Run the comparison and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-apply-") as tmp:
        work = Path(tmp)
        repo = build_tree(work)
        db = work / "bench.db"
        engine = open_engine(f"sqlite:///{db}")
        import_paths(engine, [DATA / "libvir-list" / "2023-August.txt.gz"])
        am = time_git_am(repo, v2_mbox(work), args.runs)
        ours, statuses = [], set()
        for _ in range(args.runs):
            start = time.perf_counter()
            result = apply_series(engine, 1, repo)
            ours.append(time.perf_counter() - start)
            statuses |= {p.status for p in result.patches}
        cli = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "reviewbot",
                    "apply",
                    "1",
                    "--tree",
                    str(repo),
                    "--db",
                    str(db),
                    "--json",
                ],
                check=True,
                capture_output=True,
            )
            cli.append(time.perf_counter() - start)
    rows = {
        "git am": statistics.median(am),
        "reviewbot apply (library)": statistics.median(ours),
        "reviewbot apply (command)": statistics.median(cli),
    }
    ratio = rows["reviewbot apply (library)"] / rows["git am"]
    print(f"{'what':28s} {'median s':>9s}")
    for name, seconds in rows.items():
        print(f"{name:28s} {seconds:9.3f}")
    print(f"ratio library / git am: {ratio:.2f} (goal <= {GOAL}); patch statuses: {statuses}")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "apply_results.json").write_text(
        json.dumps(
            {"median_seconds": rows, "ratio": ratio, "goal": GOAL, "runs": args.runs}, indent=2
        )
    )
    return 0 if statuses == {"applied"} else 1


if __name__ == "__main__":
    sys.exit(main())
