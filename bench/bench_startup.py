"""Benchmark start-up: `reviewbot --help` and `reviewbot series list` on a small database.

    python bench/bench_startup.py [--runs N] [--reviewbot PATH]

Imports one month of the test archive (tests/data) into a temporary SQLite file
(not timed), then runs each command N times (default 15) as a new process and
reports the wall time (min, median, max) and the CPU time the process used
(user + system, from os.wait4; on a busy machine it moves less than the wall
time). Goal: under 0.3 s each. Writes bench/out/startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_REVIEWBOT = ROOT / ".venv" / "bin" / "reviewbot"
MONTH = ROOT / "tests" / "data" / "libvir-list" / "2023-July.txt.gz"
GOAL = 0.3  # seconds


def run_once(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run; raises when it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        said = proc.stderr.read().decode() if proc.stderr else ""
        raise RuntimeError(f"{' '.join(command)} failed: {said}")
    return wall, usage.ru_utime + usage.ru_stime


def measure(name: str, command: list[str], runs: int) -> dict[str, Any]:
    """Run a command `runs` times (after one warm-up) and summarise."""
    run_once(command)  # warm: .pyc files written, the file cache filled
    walls, cpus = zip(*(run_once(command) for _ in range(runs)), strict=True)
    return {
        "command": name,
        "runs": runs,
        "wall_min": round(min(walls), 3),
        "wall_median": round(statistics.median(walls), 3),
        "wall_max": round(max(walls), 3),
        "cpu_min": round(min(cpus), 3),
        "cpu_median": round(statistics.median(cpus), 3),
        "meets_goal": statistics.median(walls) < GOAL,
    }


def about_the_run(load: tuple[float, float]) -> dict[str, Any]:
    """Python, machine, load average before and after, date: what a result is read with."""
    return {
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": [round(x, 1) for x in load],
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reviewbot", type=Path, default=DEFAULT_REVIEWBOT)
    args = parser.parse_args(argv)
    bot = str(args.reviewbot)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        db = str(Path(tmp) / "small.db")
        made = [bot, "import-mbox", str(MONTH), "--db", db]
        subprocess.run(made, check=True, capture_output=True)
        load_before = os.getloadavg()[0]
        rows = [
            measure("reviewbot --help", [bot, "--help"], args.runs),
            measure("reviewbot series list", [bot, "series", "list", "--db", db], args.runs),
        ]
    print(f"{'command':<24} {'wall min':>9} {'median':>7} {'max':>6} {'CPU median':>11}")
    for r in rows:
        print(
            f"{r['command']:<24} {r['wall_min']:>9.3f} {r['wall_median']:>7.3f}"
            f" {r['wall_max']:>6.3f} {r['cpu_median']:>11.3f}"
            f"  {'meets' if r['meets_goal'] else 'BELOW'} goal (< {GOAL} s)"
        )
    load = (load_before, os.getloadavg()[0])
    print(f"load average {load[0]:.1f} -> {load[1]:.1f} on {os.cpu_count()} CPUs")
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"goal_seconds": GOAL, **about_the_run(load), "runs": rows}
    (OUT / "startup.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {OUT / 'startup.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
