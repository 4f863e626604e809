"""Benchmark ``reviewbot scrape`` on a generated pipermail month served from 127.0.0.1.

    python bench/bench_scrape.py [--messages 2000] [--repeat 3]

Renders bench/out/pipermail/ (pipermail_month.py: the first N messages of
bench/out/corpus.mbox, one page each, no text archive) when missing or stale,
serves it with tests/archive_server.py (ETag, Last-Modified, 304s, keep-alive)
and scrapes it with reviewbot.pipeline.scrape.Scraper and Fetcher(rate=0) into a fresh
SQLite database and HTTP cache:

1. cold: every page over HTTP; time split into fetcher (network and cache
   writes), page parsing, index parsing, importing, and the rest;
2. warm: the same cache and database again (conditional requests only);
3. refresh: the same with ``refresh=True`` (every page from the cache, parsed
   and offered to the importer again; no page requests);

then parses every cached page again on its own (``--repeat`` passes, best kept)
for the parse-only rate, checks the stored messages and series against the
source mbox (scrape_check.py), prints a table and writes bench/out/scrape_results.json.
Exits 1 if a scrape reports errors or stores fewer messages than were rendered.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import bench_import
import pipermail_month
import scrape_check

import reviewbot.pipeline.scrape
from reviewbot.db import open_engine
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.pipermail_message import parse_message_page
from reviewbot.pipeline.scrape import Scraper

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
ARCHIVE = OUT / "pipermail"
CORPUS = OUT / "corpus.mbox"
CORPUS_MESSAGES = 50_000  # bench_import's full corpus; the month is its first N messages
GOAL = 500  # message pages parsed per second
sys.path.insert(0, str(ROOT / "tests"))
from archive_server import ArchiveServer  # noqa: E402

F = TypeVar("F", bound=Callable[..., Any])


class Timers:
    """Seconds and calls per named section, filled by wrapped functions."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def wrap(self, name: str, func: F) -> F:
        """func, timed into section name."""

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - started
                self.calls[name] = self.calls.get(name, 0) + 1

        return timed  # type: ignore[return-value]


@contextmanager
def instrumented(timers: Timers) -> Iterator[None]:
    """Time the parsers reviewbot.pipeline.scrape calls, for the duration of the block."""
    names = ("parse_message_page", "parse_thread_index", "parse_month_list", "_ancestors")
    # _ancestors (References from thread.html's nesting) is private: timed if present
    saved = {
        name: getattr(reviewbot.pipeline.scrape, name)
        for name in names
        if hasattr(reviewbot.pipeline.scrape, name)
    }
    try:
        for name, func in saved.items():
            setattr(reviewbot.pipeline.scrape, name, timers.wrap(name, func))
        yield
    finally:
        for name, func in saved.items():
            setattr(reviewbot.pipeline.scrape, name, func)


def scrape(
    db: Path, cache: Path, archive_url: str, month: str, *, refresh: bool = False
) -> dict[str, Any]:
    """One timed scrape run; its report, fetcher counters and time split."""
    timers = Timers()
    engine = open_engine(f"sqlite:///{db}")
    with Fetcher(cache, rate=0) as fetcher, instrumented(timers):
        fetcher.get = timers.wrap("fetcher", fetcher.get)  # type: ignore[method-assign]
        scraper = Scraper(engine, fetcher, archive_url, refresh=refresh)
        importer = scraper.importer
        importer.add = timers.wrap("import", importer.add)  # type: ignore[method-assign]
        importer.finish = timers.wrap("import", importer.finish)  # type: ignore[method-assign]
        started = time.perf_counter()
        report = scraper.run([month], None, False)
        wall = time.perf_counter() - started
        stats = fetcher.stats
    engine.dispose()
    t = timers.seconds
    pages = timers.calls.get("parse_message_page", 0)
    fetch = t.get("fetcher", 0.0)
    parse = t.get("parse_message_page", 0.0)
    index = t.get("parse_thread_index", 0.0) + t.get("parse_month_list", 0.0)
    imported = t.get("import", 0.0)
    return {
        "report": report.as_dict() | {"errors": len(report.errors)},
        "errors": [{"url": e.url, "error": e.error} for e in report.errors],
        "pages_parsed": pages,
        "requests": stats.requests,
        "not_modified": stats.not_modified,
        "cache_hits": stats.cache_hits,
        "retries": stats.retries,
        "seconds": {
            "wall": round(wall, 3),
            "fetcher": round(fetch, 3),
            "network": round(stats.network_seconds, 3),
            "fetcher_cache_io": round(fetch - stats.network_seconds, 3),
            "parse_pages": round(parse, 3),
            "parse_indexes": round(index, 3),
            "import": round(imported, 3),
            "ancestors": round(t.get("_ancestors", 0.0), 3),  # part of "other"
            "other": round(wall - fetch - parse - index - imported, 3),
        },
        "pages_per_second": round(pages / wall, 1) if pages and wall else None,
    }


def parse_only(cache: Path, urls: list[str], repeat: int) -> dict[str, Any]:
    """Parse every cached page (no network); the best of ``repeat`` passes."""
    with Fetcher(cache, rate=0) as fetcher:
        pages = [(url, fetcher.get(url, revalidate=False).content) for url in urls]
        assert fetcher.stats.requests == 0, "parse-only pages must all come from the cache"
    passes = []
    for _ in range(repeat):
        started = time.perf_counter()
        for url, content in pages:
            parse_message_page(content, url)
        passes.append(time.perf_counter() - started)
    best = min(passes)
    return {
        "pages": len(pages),
        "bytes": sum(len(c) for _, c in pages),
        "passes_seconds": [round(p, 3) for p in passes],
        "seconds": round(best, 3),
        "pages_per_second": round(len(pages) / best, 1),
        "ms_per_page": round(1000 * best / len(pages), 3),
        "meets_goal": len(pages) / best >= GOAL,
    }


def ensure_month(messages: int) -> dict[str, Any]:
    """The rendered month's manifest, rendering it (and the corpus) first if needed."""
    bench_import.ensure_corpus(CORPUS, CORPUS_MESSAGES)
    if not pipermail_month.is_current(ARCHIVE, CORPUS, messages):
        print(f"rendering {messages} pages under {ARCHIVE} ...", flush=True)
        pipermail_month.generate(ARCHIVE, CORPUS, messages)
    return json.loads(pipermail_month.manifest_path(ARCHIVE).read_text())


def print_table(runs: dict[str, dict[str, Any]], parse: dict[str, Any]) -> None:
    """Print the time split of each run and the parse-only rate."""
    columns = {
        "wall": "wall",
        "network": "network",
        "fetcher_cache_io": "cache",
        "parse_pages": "parse",
        "parse_indexes": "indexes",
        "import": "import",
    }
    keys = tuple(columns)
    print(
        f"{'run':<8} {'pages':>5} {'reqs':>5} {'304':>4} {'hits':>5} {'new':>5}"
        f" {'err':>3} {'pages/s':>8} "
        + " ".join(f"{label:>7}" for label in columns.values())
        + f" {'other':>7}"
    )
    for name, run in runs.items():
        s, r = run["seconds"], run["report"]
        rate = f"{run['pages_per_second']:.0f}" if run["pages_per_second"] else "-"
        print(
            f"{name:<8} {run['pages_parsed']:>5} {run['requests']:>5} {run['not_modified']:>4}"
            f" {run['cache_hits']:>5} {r['messages_new']:>5} {r['errors']:>3} {rate:>8} "
            + " ".join(f"{s[k]:>7.2f}" for k in keys)
            + f" {s['other']:>7.2f}"
        )
    print(
        "(seconds; network = Fetcher.stats.network_seconds, cache = the rest of"
        " Fetcher.get (cache files), parse = parse_message_page, indexes = month list and"
        " thread.html, import = Importer.add + finish, other = scraper and store outside"
        " those, of which _ancestors: "
        + ", ".join(f"{name} {run['seconds']['ancestors']:.2f}" for name, run in runs.items())
        + ")"
    )
    print(
        f"parse only: {parse['pages']} pages in {parse['seconds']:.2f} s ="
        f" {parse['pages_per_second']:.0f} pages/s ({parse['ms_per_page']:.2f} ms/page)"
    )
    print(f"goal: >= {GOAL} pages/s parsing: {'met' if parse['meets_goal'] else 'NOT met'}")


def print_checks(messages: dict[str, Any], series: dict[str, Any]) -> None:
    """Print what the per-message and per-series checks found."""
    print(f"messages: {messages['stored']} stored of {messages['rendered']} rendered")
    for kind, count in messages["problems"].items():
        print(f"  PROBLEM {kind}: {count}")
        for sample in messages["samples"][kind]:
            print(f"    {sample}")
    for note, count in messages["notes"].items():
        print(f"  note: {count} x {note}")
    print(
        f"series: {series['series_scrape']} from the pages, {series['series_mbox']} from the mbox;"
        f" trailers {series['trailers_scrape']} vs {series['trailers_mbox']}"
    )
    for kind, count in series["differences"].items():
        print(f"  DIFFERENCE {kind}: {count}")
        for sample in series["samples"][kind]:
            print(f"    {sample}")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=pipermail_month.DEFAULT_MESSAGES)
    parser.add_argument("--repeat", type=int, default=3, help="parse-only passes (best kept)")
    args = parser.parse_args(argv)
    results_path = OUT / "scrape_results.json"
    results_path.unlink(missing_ok=True)  # never leave stale numbers behind
    manifest = ensure_month(args.messages)
    month = manifest["month"]
    articles = pipermail_month.build_articles(pipermail_month.load_messages(CORPUS, args.messages))
    with (
        tempfile.TemporaryDirectory(prefix="reviewbot-scrape-") as tmp,
        ArchiveServer(ARCHIVE) as server,
    ):
        db, cache, baseline = Path(tmp) / "scrape.db", Path(tmp) / "cache", Path(tmp) / "mbox.db"
        archive_url = server.url("/")
        month_url = server.url(f"/{month}/")
        runs = {"cold": scrape(db, cache, archive_url, month)}
        cold_requests = len(server.requests)
        runs["warm"] = scrape(db, cache, archive_url, month)
        runs["refresh"] = scrape(db, cache, archive_url, month, refresh=True)
        parse = parse_only(cache, [month_url + a.page for a in articles], args.repeat)
        messages = scrape_check.check_messages(db, articles, month_url)
        scrape_check.import_baseline(CORPUS, args.messages, baseline)
        series = scrape_check.compare_series(baseline, db)
    print(f"{month}: {manifest['messages']} pages, {manifest['page_bytes'] / 2**20:.1f} MiB,")
    print(f"  served from {archive_url} ({cold_requests} requests in the cold run)")
    print_table(runs, parse)
    print_checks(messages, series)
    failures = [
        f"{name}: {len(run['errors'])} errors" for name, run in runs.items() if run["errors"]
    ]
    if messages["stored"] < messages["rendered"] or messages["problems"].get("missing"):
        failures.append(f"{messages['rendered'] - messages['stored']} rendered messages not stored")
    if runs["cold"]["report"]["messages_new"] < manifest["messages"]:
        failures.append(
            f"cold run imported {runs['cold']['report']['messages_new']} new messages"
            f" of {manifest['messages']} rendered"
        )
    for name, run in runs.items():
        for error in run["errors"][:5]:
            print(f"error ({name}): {error['url']}: {error['error']}", file=sys.stderr)
    results = {
        "goal_parse_pages_per_second": GOAL,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "archive": manifest,
        "runs": {
            name: {k: v for k, v in run.items() if k != "errors"} for name, run in runs.items()
        },
        "errors": {name: run["errors"] for name, run in runs.items()},
        "parse_only": parse,
        "check_messages": messages,
        "check_series": series,
        "failures": failures,
    }
    results_path.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {results_path}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
