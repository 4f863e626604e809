"""Scraping the pipermail archive from a real local HTTP server (tests/data/libvir-list)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.db import open_engine
from reviewbot.ingest.http import Fetcher
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.scrape import Scraper, ScrapeReport
from reviewbot.read.messages import message_detail
from tests import reads as queries
from tests.archive_server import ArchiveServer, Reply
from tests.conftest import LIST, migrated_sqlite, run_cli

pytestmark = pytest.mark.sqlite_only(
    "scraping (pages, bounds, resuming) is the same on both backends; what it stores "
    "goes through the importer, tested on both in tests/pipeline/test_import_*.py and "
    "tests/store/"
)

MONTHS = ["2023-July", "2023-August"]
TEXT_ARCHIVES = ["/2023-July.txt.gz", "/2023-August.txt.gz", "/2016-October.txt.gz"]


@pytest.fixture
def server() -> Iterator[ArchiveServer]:
    with ArchiveServer(LIST) as running:
        yield running


@pytest.fixture
def pages_only(server: ArchiveServer) -> ArchiveServer:
    """The same archive with its text archives gone: every message comes from a page."""
    for path in TEXT_ARCHIVES:
        server.not_found(path)
    return server


def scrape(
    engine: Engine, server: ArchiveServer, cache: Path, months: list[str], **kw: Any
) -> ScrapeReport:
    fetcher = Fetcher(cache, rate=0, timeout=kw.pop("timeout", 5.0), retries=2, backoff=0.01)
    with fetcher:
        return Scraper(engine, fetcher, server.url("/"), **kw).run(months, None, False)


def summary(session: Session) -> list[dict[str, Any]]:
    """Series as a reader sees them, without database ids."""
    out = []
    for row in sorted(queries.list_series(session), key=lambda r: r["version"]):
        shown = queries.show_series(session, row["id"])
        out.append(
            {
                "title": shown["title"],
                "version": shown["version"],
                "state": shown["state"],
                "cover": shown["cover_msgid"],
                "missing": shown["missing"],
                "replies": shown["replies"],
                "superseded": bool(shown["superseded_by"]),
                "trailers": [(t["name"], t["value"]) for t in shown["trailers"]],
                "patches": [
                    (
                        p["msgid"],
                        p["state"],
                        p["replies"],
                        len(p["hunks"]),
                        sorted((t["name"], t["value"], t["source"]) for t in p["trailers"]),
                    )
                    for p in shown["patches"]
                ],
            }
        )
    return out


def imported_summary(tmp_path: Path) -> list[dict[str, Any]]:
    """What import-mbox makes of the same two months."""
    imported = open_engine(migrated_sqlite(tmp_path / "imported.db"))
    import_paths(imported, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    with Session(imported) as session:
        return summary(session)


def test_scrape_equals_import(tmp_path: Path, server: ArchiveServer, engine: Engine) -> None:
    report = scrape(engine, server, tmp_path / "cache", MONTHS)
    assert report.errors == [] and report.months == MONTHS
    assert (report.messages_new, report.messages_duplicate) == (29, 0)
    with Session(engine) as a:
        assert summary(a) == imported_summary(tmp_path)
        assert [s["state"] for s in summary(a)] == ["superseded", "accepted"]


def test_every_message_keeps_its_archive_url(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    scrape(engine, server, tmp_path / "cache", MONTHS)
    with engine.connect() as conn:
        urls = dict(conn.execute(text("select msgid, archive_url from message")).all())
    assert urls["r013-ada@example.org"] == server.url("/2023-July/msg00014.html")
    assert urls["r028-lin@example.org"] == server.url("/2023-August/msg00012.html")
    assert all(urls.values())


def test_pages_only_rebuilds_both_series(
    tmp_path: Path, pages_only: ArchiveServer, engine: Engine
) -> None:
    report = scrape(engine, pages_only, tmp_path / "cache", MONTHS)
    # a listed text archive that answers 404 is done without: the pages stand in
    assert report.errors == []
    assert {w.url for w in report.warnings} == {pages_only.url(p) for p in TEXT_ARCHIVES[:2]}
    assert all("HTTP 404" in w.error and "pages" in w.error for w in report.warnings)
    assert report.messages_new == 29
    with Session(engine) as a:
        assert summary(a) == imported_summary(tmp_path)


def test_seed_page_read_with_its_quote_levels(
    tmp_path: Path, pages_only: ArchiveServer, engine: Engine
) -> None:
    scrape(engine, pages_only, tmp_path / "cache", ["2016-October"])
    with Session(engine) as session:
        detail = message_detail(session, "invented-seed-0001@virtuozzo.com")
    row, body = detail.message, detail.body
    assert (row.from_name, row.from_email) == (
        "Nikolay Shirokovskiy",
        "nshirokovskiy@virtuozzo.com",
    )
    assert row.date.strftime("%Y-%m-%d %H:%M:%S") == "2016-10-27 10:04:02"
    assert body.startswith("On 27.10.2016 11:21, Nikolay Shirokovskiy wrote:")
    starts = {line.split(" ")[0] for line in body.split("\n") if line.startswith(">")}
    assert {">", ">>", ">>>"} <= starts
    assert row.kind == "reply" and row.archive_url.endswith("/2016-October/msg01174.html")


def test_same_message_by_mbox_and_by_scrape_is_stored_once(
    tmp_path: Path, pages_only: ArchiveServer, engine: Engine
) -> None:
    import_paths(engine, [LIST / "backports-2023.mbox"])
    report = scrape(engine, pages_only, tmp_path / "cache", MONTHS)
    assert report.messages_new == 0 and report.messages_duplicate == 29
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from message")).scalar_one() == 29
        assert (
            conn.execute(
                text("select count(*) from message where archive_url is null")
            ).scalar_one()
            == 0
        )


def test_second_scrape_is_conditional_and_adds_nothing(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    scrape(engine, server, tmp_path / "cache", MONTHS)
    server.clear_requests()
    again = scrape(engine, server, tmp_path / "cache", MONTHS)
    assert (again.messages_new, again.pages_fetched, again.errors) == (0, 0, [])
    assert server.requests, "the months must still be checked"
    assert all(r.conditional for r in server.requests)
    # a month read completely costs one request for its thread index, nothing else
    assert sorted(r.path for r in server.requests) == [
        "/2023-August/thread.html",
        "/2023-July/thread.html",
        "/index.html",
    ]


def test_faults_are_reported_and_the_rest_goes_on(
    tmp_path: Path, pages_only: ArchiveServer, engine: Engine
) -> None:
    s = pages_only
    s.queue("/2023-July/msg00003.html", Reply(status=500), Reply(status=500))  # then fine
    s.always("/2023-July/msg00005.html", Reply(delay=2.0))  # slower than the timeout
    s.always("/2023-July/msg00011.html", Reply(truncate=400))  # cut mid-page, retried, still cut
    original = (LIST / "2023-July/msg00013.html").read_bytes()
    s.override("/2023-July/msg00013.html", original, "text/html; charset=us-ascii")
    report = scrape(engine, s, tmp_path / "cache", ["2023-July", "1999-January"], timeout=0.5)
    failed = {e.url: e.error for e in report.errors}
    assert set(failed) == {
        s.url("/2023-July/msg00005.html"),
        s.url("/2023-July/msg00011.html"),
        s.url("/1999-January"),
    }
    assert "timed out" in failed[s.url("/2023-July/msg00005.html")]
    assert "no such month" in failed[s.url("/1999-January")]
    assert report.messages_new == 14  # 16 in the month, two pages unreadable
    with engine.connect() as conn:
        ids = {r[0] for r in conn.execute(text("select msgid from message"))}
        kept = conn.execute(
            text("select count(*) from scrapeerror where not resolved")
        ).scalar_one()
    assert {"v1p03.1689665401.git.backports@example.org", "r015-ada@example.org"} <= ids
    assert kept == 3

    # the faults clear: the next run fetches only what failed and completes the month
    s.clear_faults()
    s.not_found("/2023-July.txt.gz")
    s.clear_requests()
    retry = scrape(engine, s, tmp_path / "cache", ["2023-July"])
    assert retry.messages_new == 2
    fetched_pages = {r.path for r in s.requests if r.path.endswith(".html") and "msg" in r.path}
    assert fetched_pages == {"/2023-July/msg00005.html", "/2023-July/msg00011.html"}
    with engine.connect() as conn:
        open_errors = (
            conn.execute(text("select url from scrapeerror where not resolved")).scalars().all()
        )
    assert set(open_errors) == {s.url("/1999-January")}


def test_404_month_listed_in_the_index(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    for path in ("/2023-July/thread.html", "/2023-July.txt.gz"):
        server.not_found(path)
    report = scrape(engine, server, tmp_path / "cache", ["2023-July", "2023-August"])
    assert {e.url for e in report.errors} == {server.url("/2023-July/thread.html")}
    assert [w.url for w in report.warnings] == [server.url("/2023-July.txt.gz")]
    assert report.messages_new == 13  # August still read


def test_refresh_rereads_and_counts_each_message_once(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    scrape(engine, server, tmp_path / "cache", MONTHS)
    again = scrape(engine, server, tmp_path / "cache", MONTHS, refresh=True)
    assert (again.messages_new, again.messages_duplicate, again.errors) == (0, 29, [])


def test_pages_as_real_mailman_writes_them(
    tmp_path: Path, pages_only: ArchiveServer, engine: Engine
) -> None:
    """Real Mailman strips every "Re:" before building the reply link: no page says "Re:".

    Replies are then told from patches by thread.html (nested under the same subject)
    and by content, and both series come out as from the text archive.
    """
    for page in sorted((LIST / "2023-July").glob("msg*.html")) + sorted(
        (LIST / "2023-August").glob("msg*.html")
    ):
        body = page.read_bytes().replace(b"Subject=Re%3A%20Re%3A%20", b"Subject=Re%3A%20")
        pages_only.override(f"/{page.parent.name}/{page.name}", body, "text/html; charset=utf-8")
    report = scrape(engine, pages_only, tmp_path / "cache", MONTHS)
    assert report.messages_new == 29
    with Session(engine) as a:
        assert summary(a) == imported_summary(tmp_path)


def test_failed_month_is_retried_by_a_later_run(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    server.not_found("/2023-July/thread.html")
    first = scrape(engine, server, tmp_path / "cache", ["2023-July"])
    assert [e.url for e in first.errors] == [server.url("/2023-July/thread.html")]
    server.clear_faults()
    later = scrape(engine, server, tmp_path / "cache", ["2023-August"])  # July not asked for
    assert later.months == ["2023-July", "2023-August"] and later.errors == []
    with engine.connect() as conn:
        assert (
            conn.execute(text("select count(*) from scrapeerror where not resolved")).scalar_one()
            == 0
        )
        assert (
            conn.execute(
                text("select count(*) from message where archive_url is not null")
            ).scalar_one()
            == 29
        )


def test_killed_scrape_resumes_without_refetching(
    tmp_path: Path, pages_only: ArchiveServer
) -> None:
    """The killed run is a real process; the run that resumes it runs in-process."""
    pages_only.always("/2023-July/msg00009.html", Reply(delay=30.0))  # the run hangs here
    env = dict(os.environ, REVIEWBOT_DATA_DIR=str(tmp_path / "data"))
    args = [
        "scrape",
        pages_only.url("/"),
        "--month",
        "2023-July",
        "--rate",
        "0",
        "--db",
        str(tmp_path / "k.db"),
        "--json",
    ]
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewbot", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120  # generous: a loaded machine starts Python slowly
    while not pages_only.requests_for("/2023-July/msg00009.html") and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {r.path for r in pages_only.requests if "/msg" in r.path}
    assert len(before) > 5
    pages_only.clear_faults("/2023-July/msg00009.html")
    pages_only.clear_requests()
    done = run_cli(*args, env={"REVIEWBOT_DATA_DIR": env["REVIEWBOT_DATA_DIR"]})
    report = json.loads(done.stdout)  # (exit code 2: the month's text archive is a 404)
    again = {r.path for r in pages_only.requests if "/msg" in r.path}
    assert report["messages_new"] == 16
    assert again.isdisjoint(before - {"/2023-July/msg00009.html"})
    assert "/2023-July/msg00009.html" in again


def stock_thread_index(month: str) -> bytes:
    """thread.html as stock Mailman writes it: thread-sort keys, no Message-IDs."""
    html = (LIST / month / "thread.html").read_bytes()
    return re.sub(rb"<!--(\d+) <[^>]+> -->", rb"<!--\1 01689665400.1234- -->", html)


def test_stock_thread_index_counts_each_message_once(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    for month in MONTHS:
        server.override(
            f"/{month}/thread.html", stock_thread_index(month), "text/html; charset=utf-8"
        )
    report = scrape(engine, server, tmp_path / "cache", MONTHS)
    assert (report.messages_new, report.messages_duplicate, report.errors) == (29, 0, [])
    with engine.connect() as conn:
        assert (
            conn.execute(
                text("select count(*) from message where archive_url is null")
            ).scalar_one()
            == 0
        )
    with Session(engine) as a:
        assert summary(a) == imported_summary(tmp_path)


def test_unreadable_page_stays_an_open_error(
    tmp_path: Path, pages_only: ArchiveServer, engine: Engine
) -> None:
    page = (LIST / "2023-July/msg00013.html").read_bytes()
    cut = page[: page.index(b"<!--endarticle-->")]  # served whole, but without its end
    pages_only.override("/2023-July/msg00013.html", cut, "text/html; charset=utf-8")
    report = scrape(engine, pages_only, tmp_path / "cache", ["2023-July"])
    assert pages_only.url("/2023-July/msg00013.html") in {e.url for e in report.errors}
    with engine.connect() as conn:
        open_urls = set(
            conn.execute(text("select url from scrapeerror where not resolved")).scalars()
        )
    assert pages_only.url("/2023-July/msg00013.html") in open_urls
