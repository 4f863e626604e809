"""Benchmark storage: database size against the mbox, and full-text search timings.

    python bench/bench_store.py [--reviewbot PATH] [--before PATH] [--corpora 10k,50k]

Imports each corpus into a fresh SQLite file with `reviewbot import-mbox` and
reports the file's size beside the mbox's. `--before` names another reviewbot
executable (an older checkout, say) to import the same files with, so the two
sizes come from one run. Then, on the 10k corpus, times the search of a few
words (read/search.py's message_ids, median of runs) on that SQLite file and on
a PostgreSQL database imported from the same mbox (a throw-away cluster,
tests/pgcluster.py, unless $REVIEWBOT_BENCH_PG names a server), and reports the
PostgreSQL database's size. Writes bench/out/store_results.json.
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

import bench_import
import bench_pg
from sqlalchemy import text
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from reviewbot.db import open_engine  # noqa: E402
from reviewbot.read.search import message_ids  # noqa: E402
from tests.pgcluster import PgCluster, find_bindir  # noqa: E402

OUT = ROOT / "bench" / "out"
CORPORA = {"10k": ("corpus-10k", 10_000), "50k": ("corpus", 50_000)}
# a common word, a rarer one, two words together, an identifier with punctuation
WORDS = [("patch",), ("qemu",), ("memory", "leak"), ("virDomainObjGetState",)]
RUNS = 15


def imported_size(reviewbot: Path, corpus: Path, db: Path) -> dict[str, Any]:
    """Import `corpus` into a fresh `db`; its size and the import's time."""
    seconds, _rss, _out, err, code = bench_import.run_import(reviewbot, corpus, db)
    if code != 0:
        raise bench_import.ImportFailed(f"{reviewbot}: exited {code}: {err[-2000:]}")
    size = db.stat().st_size
    return {"seconds": round(seconds, 2), "db_bytes": size}


def search_timings(url: str) -> dict[str, Any]:
    """Median milliseconds and hit count of each search in WORDS."""
    engine = open_engine(url)
    out = {}
    try:
        with Session(engine) as session:
            for words in WORDS:
                times, hits = [], 0
                for _ in range(RUNS):
                    started = time.perf_counter()
                    hits = len(session.execute(message_ids(session, words)).all())
                    times.append((time.perf_counter() - started) * 1000)
                out[" ".join(words)] = {"ms": round(statistics.median(times), 2), "hits": hits}
    finally:
        engine.dispose()
    return out


def bench_sizes(args: argparse.Namespace, tmp: Path) -> list[dict[str, Any]]:
    """One row per corpus: mbox size and the database size after and (if asked) before."""
    rows = []
    for key in args.corpora.split(","):
        name, messages = CORPORA[key]
        corpus = OUT / f"{name}.mbox"
        bench_import.ensure_corpus(corpus, messages)
        row: dict[str, Any] = {"corpus": name, "messages": messages}
        row["mbox_bytes"] = corpus.stat().st_size
        row["after"] = imported_size(args.reviewbot, corpus, tmp / f"{name}.db")
        if args.before:
            row["before"] = imported_size(args.before, corpus, tmp / f"{name}-before.db")
        rows.append(row)
    return rows


def bench_pg_search(reviewbot: Path, corpus: Path) -> dict[str, Any]:
    """The 10k corpus imported into PostgreSQL: its size and the search timings."""
    cluster = None
    if given := os.environ.get("REVIEWBOT_BENCH_PG"):
        server = bench_pg.Server(given)
    else:
        bindir = find_bindir()
        if bindir is None:
            return {"skipped": "no PostgreSQL server binaries (make postgresql)"}
        cluster = PgCluster(bindir)
        cluster.start()
        server = bench_pg.Server(cluster.url())
    try:
        url = server.fresh("bench_store")
        command = [str(reviewbot), "import-mbox", str(corpus), "--db", url, "--json"]
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
        engine = open_engine(url)
        with engine.connect() as conn:
            size = conn.execute(text("SELECT pg_database_size(current_database())")).scalar()
        engine.dispose()
        return {"db_bytes": size, "search": search_timings(url)}
    finally:
        server.admin.dispose()
        if cluster:
            cluster.stop()


def print_report(result: dict[str, Any]) -> None:
    """The sizes and the timings as tables."""
    head = f"{'corpus':<11} {'mbox MiB':>9} {'db MiB':>8} {'db/mbox':>8}"
    print(f"{head} {'before MiB':>11} {'db/mbox':>7}")
    for row in result["sizes"]:
        mbox, after = row["mbox_bytes"], row["after"]["db_bytes"]
        before = row.get("before", {}).get("db_bytes")
        was = f"{before / 2**20:>11.1f} {before / mbox:>7.2f}" if before else ""
        print(
            f"{row['corpus']:<11} {mbox / 2**20:>9.1f} {after / 2**20:>8.1f}"
            f" {after / mbox:>8.2f} {was}"
        )
    pg = result["postgresql"]
    print(f"{'search (10k)':<24} {'SQLite ms':>10} {'PostgreSQL ms':>14} {'hits':>6}")
    for words, lite in result["sqlite_search"].items():
        on_pg = pg.get("search", {}).get(words, {}).get("ms", float("nan"))
        print(f"{words:<24} {lite['ms']:>10.2f} {on_pg:>14.2f} {lite['hits']:>6}")
    if "db_bytes" in pg:
        print(f"PostgreSQL database (10k): {pg['db_bytes'] / 2**20:.1f} MiB")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviewbot", type=Path, default=bench_import.DEFAULT_REVIEWBOT)
    parser.add_argument("--before", type=Path, help="another reviewbot to compare sizes with")
    parser.add_argument("--corpora", default="10k,50k")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-store-") as name:
        tmp = Path(name)
        try:
            sizes = bench_sizes(args, tmp)
            small = OUT / f"{CORPORA['10k'][0]}.mbox"
            if not (tmp / "corpus-10k.db").exists():
                imported_size(args.reviewbot, small, tmp / "corpus-10k.db")
            lite = search_timings(f"sqlite:///{tmp / 'corpus-10k.db'}")
            pg = bench_pg_search(args.reviewbot, small)
        except (bench_import.ImportFailed, subprocess.CalledProcessError, OSError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    result = {
        "sizes": sizes,
        "sqlite_search": lite,
        "postgresql": pg,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }
    print_report(result)
    (OUT / "store_results.json").write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
