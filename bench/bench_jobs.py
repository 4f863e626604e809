"""Benchmark --jobs: import-mbox and link with one process and with a worker per CPU.

    python bench/bench_jobs.py [--corpus corpus|corpus-10k] [--jobs N] [--reviewbot PATH]

Imports the generated corpus (bench/out/corpus.mbox, 50,000 messages, made by
gen_corpus.py from tests/data when missing) into two fresh SQLite files, with
`--jobs 1` and with `--jobs N` (default: one per CPU), and checks that both hold
the same rows. Then marks every series of the second file as changed and times
`reviewbot link` over it with each --jobs. Reports messages/s, peak RSS (the
largest process of the run) and replies/s (goal: >= 2,000); writes
bench/out/jobs.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_import import CORPORA, ensure_corpus, parse_report
from bench_startup import about_the_run

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
DEFAULT_REVIEWBOT = ROOT / ".venv" / "bin" / "reviewbot"
LINK_GOAL = 2000  # replies per second


def run(command: list[str]) -> tuple[float, float, str]:
    """Run a command; (wall seconds, peak RSS MiB of its largest process, stdout)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-15:]
            raise RuntimeError(f"{' '.join(command)} failed:\n" + "\n".join(tail))
        return seconds, usage.ru_maxrss / 1024, out.read().decode("utf-8", "replace")


def rows_of(db: Path) -> dict[str, str]:
    """A digest of every row of every table (ids included, times and the search index
    left out), read as a stream: holding the rows would grow this process by hundreds
    of MiB, and a command forked from it would count them in its own peak RSS."""
    with sqlite3.connect(db) as conn:
        tables = [
            name
            for (name,) in conn.execute("select name from sqlite_master where type = 'table'")
            if not name.startswith(("message_fts", "sqlite_", "alembic"))
        ]
        dump = {}
        for table in sorted(tables):
            names = [r[1] for r in conn.execute(f'pragma table_info("{table}")')]
            keep = ", ".join(f'"{n}"' for n in names if not n.endswith("_at"))
            digest = hashlib.sha256()
            for row in conn.execute(f'select {keep} from "{table}" order by 1'):
                digest.update(repr(row).encode())
            dump[table] = digest.hexdigest()
        return dump


def bench_import(bot: str, corpus: Path, db: Path, jobs: int) -> dict[str, Any]:
    """Import the corpus with `jobs` into a new file: its row of the table."""
    command = [bot, "import-mbox", str(corpus), "--db", str(db), "--json", "--jobs", str(jobs)]
    seconds, rss, stdout = run(command)
    report = parse_report(stdout)
    messages = report["messages_new"] + report["messages_duplicate"] + report["messages_failed"]
    return row("import", jobs, messages, seconds, rss)


def bench_link(bot: str, db: Path, jobs: int) -> dict[str, Any]:
    """Link every series of the file again with `jobs`: its row of the table."""
    with sqlite3.connect(db) as conn:
        conn.execute("update series set review_dirty = 1")
        replies = conn.execute(
            "select count(*) from message where kind in ('reply', 'other')"
            " and series_id is not null"
        ).fetchone()[0]
    seconds, rss, _ = run([bot, "link", "--db", str(db), "--json", "--jobs", str(jobs)])
    return row("link", jobs, replies, seconds, rss)


def row(step: str, jobs: int, items: int, seconds: float, rss: float) -> dict[str, Any]:
    """One row of the table: `items` (messages, replies) done in `seconds`."""
    return {
        "step": step,
        "jobs": jobs,
        "items": items,
        "seconds": round(seconds, 2),
        "per_second": round(items / seconds),
        "peak_rss_mib": round(rss, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=[name for name, _ in CORPORA], default="corpus")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--reviewbot", type=Path, default=DEFAULT_REVIEWBOT)
    args = parser.parse_args(argv)
    corpus = OUT / f"{args.corpus}.mbox"
    ensure_corpus(corpus, dict(CORPORA)[args.corpus])
    bot = str(args.reviewbot)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-jobs-") as tmp:
        dbs = {jobs: Path(tmp) / f"jobs{jobs}.db" for jobs in (1, args.jobs)}
        rows = [bench_import(bot, corpus, db, jobs) for jobs, db in dbs.items()]
        same = rows_of(dbs[1]) == rows_of(dbs[args.jobs])
        rows += [bench_link(bot, dbs[args.jobs], jobs) for jobs in dbs]
    load = (load_before, os.getloadavg()[0])
    print(f"{'step':<7} {'jobs':>4} {'items':>7} {'seconds':>8} {'per second':>11} {'RSS MiB':>8}")
    for r in rows:
        print(
            f"{r['step']:<7} {r['jobs']:>4} {r['items']:>7} {r['seconds']:>8.2f}"
            f" {r['per_second']:>11} {r['peak_rss_mib']:>8.1f}"
        )
    print(f"import: messages/s; link: replies/s (goal >= {LINK_GOAL})")
    print(f"databases of --jobs 1 and --jobs {args.jobs}: {'identical' if same else 'DIFFER'}")
    print(f"load average {load[0]:.1f} -> {load[1]:.1f} on {os.cpu_count()} CPUs")
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"corpus": args.corpus, "identical": same, "link_goal": LINK_GOAL}
    result |= about_the_run(load) | {"runs": rows}
    (OUT / "jobs.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {OUT / 'jobs.json'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
