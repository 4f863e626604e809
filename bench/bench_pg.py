"""Benchmark PostgreSQL: import the 50,000-message corpus with 1 and with 2 importers.

    python bench/bench_pg.py [--reviewbot PATH] [--messages 50000]

Starts a throw-away PostgreSQL cluster (tests/pgcluster.py: Debian's server
binaries, fsync off) unless $REVIEWBOT_BENCH_PG names a server URL to create
databases on. One importer reads the whole corpus; two importers read its two
halves (split at a message boundary) at the same time into one database. Both
must end with the same series count. Prints msg/s and the scaling, writes
bench/out/results-pg.json.

Then the REST API on the 1-importer database with `reviewbot serve --workers 1`
and `--workers 2`: requests/s and p99 of a patch detail and a filtered patch
list (bench_api.py's load generators: wrk when installed, else asyncio).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import bench_api as bench_api_module
import bench_import
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.pgcluster import PgCluster, find_bindir  # noqa: E402

OUT = ROOT / "bench" / "out"


def split_mbox(corpus: Path, first: Path, second: Path) -> None:
    """Write the corpus's first and second half (by bytes, cut at a From_ line)."""
    data = corpus.read_bytes()
    cut = data.find(b"\nFrom ", len(data) // 2) + 1
    first.write_bytes(data[:cut])
    second.write_bytes(data[cut:])


class Server:
    """Creates databases on the benchmark's PostgreSQL server."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def fresh(self, name: str) -> str:
        """An empty database (the first reviewbot command migrates it); its URL."""
        with self.admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            conn.execute(text(f"CREATE DATABASE {name}"))
        return self.url_of(name)

    def url_of(self, name: str) -> str:
        """URL of a database on this server."""
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)


def count_series(url: str) -> int:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = int(conn.execute(text("select count(*) from series")).scalar_one())
    engine.dispose()
    return n


def run_importers(reviewbot: Path, url: str, inputs: list[Path]) -> tuple[float, list[dict]]:
    """Start one importer per input at once; return wall seconds and their reports."""
    # migrate first, so the importers do not race to create the schema
    subprocess.run([str(reviewbot), "series", "list", "--db", url], check=True, capture_output=True)
    started = time.perf_counter()
    procs = [
        subprocess.Popen(
            [str(reviewbot), "import-mbox", str(path), "--db", url, "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in inputs
    ]
    outs = [p.communicate() for p in procs]
    seconds = time.perf_counter() - started
    for proc, (_out, err) in zip(procs, outs, strict=True):
        if proc.returncode != 0:
            raise bench_import.ImportFailed(f"import exited {proc.returncode}: {err[-2000:]}")
    return seconds, [bench_import.parse_report(out) for out, _err in outs]


def bench_imports(reviewbot: Path, server: Server, corpus: Path) -> list[dict[str, Any]]:
    """The 1-importer and 2-importer runs as result rows."""
    halves = [OUT / "corpus-half-1.mbox", OUT / "corpus-half-2.mbox"]
    split_mbox(corpus, *halves)
    rows = []
    for importers, inputs in ((1, [corpus]), (2, halves)):
        url = server.fresh(f"bench_{importers}")
        seconds, reports = run_importers(reviewbot, url, inputs)
        messages = sum(r["messages_new"] + r["messages_failed"] for r in reports)
        rows.append(
            {
                "importers": importers,
                "messages": messages,
                "seconds": round(seconds, 2),
                "messages_per_second": round(messages / seconds, 1),
                "series": count_series(url),
            }
        )
    for path in halves:
        path.unlink()
    return rows


def api_targets(url: str) -> dict[str, list[str]]:
    """Patch-detail and filtered-list URLs chosen from the database, as bench_api does."""
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("select id from patch order by id"))]
        busiest = conn.execute(
            text(
                "select author_email from patch where state = 'accepted'"
                " group by author_email order by count(*) desc limit 1"
            )
        ).scalar_one()
    engine.dispose()
    sample = ids[:: max(1, len(ids) // 500)][:500]
    return {
        "patch_detail": [f"/api/v1/patches/{i}" for i in sample],
        "filtered_list": [f"/api/v1/patches?state=accepted&submitter={busiest}&per_page=30"],
    }


def bench_api(url: str, workers: int, seconds: float = 10) -> dict[str, Any]:
    """The REST API served from PostgreSQL by `workers` processes, under load."""
    port = bench_api_module.free_port()
    proc = bench_api_module.serve(url, port, workers)
    try:
        runs = bench_api_module.measure(port, api_targets(url), seconds, 16)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return {"workers": workers, **runs}


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviewbot", type=Path, default=bench_import.DEFAULT_REVIEWBOT)
    parser.add_argument("--messages", type=int, default=50_000)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    name = "corpus" if args.messages == 50_000 else f"corpus-{args.messages}"
    corpus = OUT / f"{name}.mbox"
    bench_import.ensure_corpus(corpus, args.messages)
    cluster = None
    if given := os.environ.get("REVIEWBOT_BENCH_PG"):
        server = Server(given)
    else:
        bindir = find_bindir()
        if bindir is None:
            print("error: no PostgreSQL server binaries (make postgresql)", file=sys.stderr)
            return 1
        cluster = PgCluster(bindir)
        cluster.start()
        server = Server(cluster.url())
    try:
        rows = bench_imports(args.reviewbot, server, corpus)
        api = [bench_api(server.url_of("bench_1"), w) for w in (1, 2)]
    except (bench_import.ImportFailed, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        server.admin.dispose()
        if cluster:
            cluster.stop()
    report(rows, api)
    return 0


def report(rows: list[dict[str, Any]], api: list[dict[str, Any]]) -> None:
    """Print the table and write bench/out/results-pg.json."""
    print(f"{'importers':>9} {'messages':>9} {'seconds':>8} {'messages/s':>11} {'series':>7}")
    for row in rows:
        print(
            f"{row['importers']:>9} {row['messages']:>9} {row['seconds']:>8.2f}"
            f" {row['messages_per_second']:>11.0f} {row['series']:>7}"
        )
    scaling = rows[1]["messages_per_second"] / rows[0]["messages_per_second"]
    print(f"scaling with 2 importers: x{scaling:.2f}")
    if rows[0]["series"] != rows[1]["series"]:
        print("warning: the two runs found different series counts")
    for a in api:
        detail, listing = a["patch_detail"], a["filtered_list"]
        print(
            f"API, {a['workers']} worker(s): patch detail {detail['req_per_s']} req/s"
            f" (p99 {detail['p99_ms']} ms), filtered list {listing['req_per_s']} req/s"
            f" (p99 {listing['p99_ms']} ms)"
        )
    if len(api) == 2:
        gain = api[1]["patch_detail"]["req_per_s"] / max(1, api[0]["patch_detail"]["req_per_s"])
        print(f"API scaling with 2 workers (patch detail): x{gain:.2f}")
    results = {
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "imports": rows,
        "scaling_2_importers": round(scaling, 2),
        "api": api,
    }
    path = OUT / "results-pg.json"
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
