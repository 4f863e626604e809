"""Benchmark ``reviewbot scrape`` of a HyperKitty month served from 127.0.0.1.

    python bench/bench_hyperkitty.py [--messages 2000]

Takes the first N messages of bench/out/corpus-10k.mbox (generated when missing)
dated in its busiest month (February 2023), archives them in the HyperKitty double
(tests/hyperkitty_server.py: HyperKitty's rendering, gzip'd export, no validators
on it, conditional list page) and scrapes that month with
reviewbot.pipeline.hyperkitty.HyperKittyScraper and Fetcher(rate=0):

1. cold: a fresh database and HTTP cache; the month is over, so this is its
   final, whole read: the list page and one export;
2. warm: the same again: the month is finished, only the list page is asked
   (a conditional request, 304);
3. open, cold then warm: a fresh database, "today" the month's last day, so the
   month is still open; the warm run asks the export again from the day of the
   newest mail stored, re-reading that day only.

For each run: requests the server received, seconds, messages/s, and the time
split into network (Fetcher.stats.network_seconds), parse (each mail of the
export parsed), import (Importer.add and finish: classifying, storing, placing,
rebuilding, linking) and the rest (gunzip, mbox split, bookkeeping). Then the
series built are compared with an import of the same messages from the mbox
(bench/scrape_check.py): a HyperKitty export has no References, so a reply whose
thread began in a month not read can be placed differently; such differences are
printed, not failures. Writes bench/out/hyperkitty_results.json; exits 1 if a run
reports errors or the cold run stores fewer messages than were archived.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date
from pathlib import Path
from typing import Any, TypeVar

import bench_import
import httpx
import scrape_check

import reviewbot.pipeline.hyperkitty
from reviewbot.db import open_engine
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.mbox import RawMail, read_path
from reviewbot.mail.message import parse_message
from reviewbot.pipeline.hyperkitty import HyperKittyScraper
from reviewbot.pipeline.importer import Importer
from reviewbot.pipeline.incoming import BATCH, incoming_from_raw

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CORPUS = OUT / "corpus-10k.mbox"
CORPUS_MESSAGES = 10_000
LIST = "devel@lists.libvirt.org"
sys.path.insert(0, str(ROOT))
from tests.hyperkitty_server import HyperKittyServer  # noqa: E402

F = TypeVar("F", bound=Callable[..., Any])


def month_of_corpus(count: int) -> tuple[tuple[int, int], list[bytes]]:
    """The corpus' busiest month and its first `count` messages (raw), in file order."""
    bench_import.ensure_corpus(CORPUS, CORPUS_MESSAGES)
    dated = []
    for mail in read_path(CORPUS):
        sent = parse_message(mail.raw).date
        if sent is not None:
            utc = sent.astimezone(UTC)
            dated.append(((utc.year, utc.month), mail.raw))
    busiest = Counter(m for m, _raw in dated).most_common(1)[0][0]
    chosen = [raw for m, raw in dated if m == busiest][:count]
    if len(chosen) < count:
        raise SystemExit(f"the corpus' busiest month has only {len(chosen)} messages")
    return busiest, chosen


class Timer:
    """Seconds spent inside wrapped functions; a wrapped call inside another (finish
    calls add for the mail it rebuilds from quotes) is counted once."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.depth = 0

    def wrap(self, func: F) -> F:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            self.depth += 1
            try:
                return func(*args, **kwargs)
            finally:
                self.depth -= 1
                if self.depth == 0:
                    self.seconds += time.perf_counter() - started

        return timed  # type: ignore[return-value]


def scrape(db: Path, cache: Path, hk: HyperKittyServer, month: str, today: date) -> dict[str, Any]:
    """One timed scrape of the month; its report, requests and time split."""
    engine = open_engine(f"sqlite:///{db}")
    hk.clear_requests()
    imports, parses = Timer(), Timer()
    module = reviewbot.pipeline.hyperkitty
    parse = module.incoming_from_export
    module.incoming_from_export = parses.wrap(parse)  # type: ignore[assignment]
    with Fetcher(cache, rate=0) as fetcher:
        scraper = HyperKittyScraper(engine, fetcher, hk.list_url(LIST), today=lambda: today)
        scraper.importer.add = imports.wrap(scraper.importer.add)  # type: ignore[method-assign]
        scraper.importer.finish = imports.wrap(scraper.importer.finish)  # type: ignore[method-assign]
        started = time.perf_counter()
        report = scraper.run([month], None, False)
        wall = time.perf_counter() - started
        stats = fetcher.stats
    module.incoming_from_export = parse  # type: ignore[assignment]
    engine.dispose()
    read = report.messages_new + report.messages_duplicate
    return {
        "report": report.as_dict() | {"errors": len(report.errors)},
        "errors": [{"url": e.url, "error": e.error} for e in report.errors],
        "requests": len(hk.requests),
        "exports": [r.target for r in hk.requests if "/export/" in r.path],
        "not_modified": stats.not_modified,
        "cache_hits": stats.cache_hits,
        "messages_read": read,
        "seconds": {
            "wall": round(wall, 3),
            "network": round(stats.network_seconds, 3),
            "parse": round(parses.seconds, 3),
            "import": round(imports.seconds, 3),
            "other": round(wall - stats.network_seconds - parses.seconds - imports.seconds, 3),
        },
        "messages_per_second": round(read / wall, 1) if read and wall else None,
    }


def import_baseline(raws: list[bytes], db: Path) -> None:
    """The same messages as import-mbox stores them (their own headers, References kept)."""
    engine = open_engine(f"sqlite:///{db}")
    importer = Importer(engine)
    mails = [incoming_from_raw(m) for m in _raw_mails(raws)]
    for start in range(0, len(mails), BATCH):
        importer.add(mails[start : start + BATCH])
    importer.finish()
    engine.dispose()


def _raw_mails(raws: list[bytes]) -> list[RawMail]:
    return [RawMail(raw, "corpus", i) for i, raw in enumerate(raws)]


def print_table(runs: dict[str, dict[str, Any]]) -> None:
    """One line per run."""
    print(
        f"{'run':<11} {'requests':>8} {'304':>4} {'new':>5} {'dup':>5} {'err':>3}"
        f" {'seconds':>8} {'msgs/s':>8} {'network':>8} {'parse':>8} {'import':>8} {'other':>8}"
    )
    for name, run in runs.items():
        r, s = run["report"], run["seconds"]
        rate = f"{run['messages_per_second']:.0f}" if run["messages_per_second"] else "-"
        print(
            f"{name:<11} {run['requests']:>8} {run['not_modified']:>4} {r['messages_new']:>5}"
            f" {r['messages_duplicate']:>5} {r['errors']:>3} {s['wall']:>8.2f} {rate:>8}"
            f" {s['network']:>8.2f} {s['parse']:>8.2f} {s['import']:>8.2f} {s['other']:>8.2f}"
        )
    print(
        "(requests: what the server received; network = Fetcher.stats.network_seconds,"
        " the double's gzip included; parse = each mail of the export parsed, addresses"
        " restored; import = Importer.add + finish; other = gunzip, mbox split, the rest)"
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    results_path = OUT / "hyperkitty_results.json"
    results_path.unlink(missing_ok=True)  # never leave stale numbers behind
    (year, number), raws = month_of_corpus(args.messages)
    month = f"{year}-{number:02d}"
    last_day = (date(year + number // 12, number % 12 + 1, 1)).toordinal() - 1
    with (
        tempfile.TemporaryDirectory(prefix="reviewbot-hk-") as tmp,
        HyperKittyServer({LIST: raws}) as hk,
    ):
        t = Path(tmp)
        after = date.today()
        runs = {"cold": scrape(t / "a.db", t / "a-cache", hk, month, after)}
        runs["warm"] = scrape(t / "a.db", t / "a-cache", hk, month, after)
        open_day = date.fromordinal(last_day)
        runs["open cold"] = scrape(t / "b.db", t / "b-cache", hk, month, open_day)
        runs["open warm"] = scrape(t / "b.db", t / "b-cache", hk, month, open_day)
        export_bytes = len(hk_export(hk, month))
        import_baseline(raws, t / "mbox.db")
        series = scrape_check.compare_series(t / "mbox.db", t / "a.db")
    print(
        f"{month}: {len(raws)} messages, export {export_bytes / 2**20:.1f} MiB gzip'd,"
        f" served by the HyperKitty double"
    )
    print_table(runs)
    print(f"open warm asked: {', '.join(runs['open warm']['exports'])}")
    print(
        f"series: {series['series_scrape']} from the export, {series['series_mbox']} from the"
        f" mbox; trailers {series['trailers_scrape']} vs {series['trailers_mbox']}"
    )
    for kind, count in series["differences"].items():
        print(f"  difference {kind}: {count}")
        for sample in series["samples"][kind][:2]:
            print(f"    {sample}")
    failures = [
        f"{name}: {len(run['errors'])} errors" for name, run in runs.items() if run["errors"]
    ]
    if runs["cold"]["report"]["messages_new"] < len(raws):
        failures.append(f"cold run stored {runs['cold']['report']['messages_new']} of {len(raws)}")
    if runs["warm"]["exports"]:
        failures.append("the warm run asked for the finished month's export")
    results = {
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "month": month,
        "messages": len(raws),
        "export_bytes": export_bytes,
        "runs": {n: {k: v for k, v in r.items() if k != "errors"} for n, r in runs.items()},
        "errors": {n: r["errors"] for n, r in runs.items()},
        "check_series": series,
        "failures": failures,
    }
    results_path.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"wrote {results_path}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


def hk_export(hk: HyperKittyServer, month: str) -> bytes:
    """The month's export as the server sends it (for its size)."""
    year, number = (int(x) for x in month.split("-"))
    end = f"{year + number // 12}-{number % 12 + 1:02d}-01"
    url = f"{hk.list_url(LIST)}export/size.mbox.gz?start={month}-01&end={end}"
    return httpx.get(url, timeout=60).content


if __name__ == "__main__":
    sys.exit(main())
