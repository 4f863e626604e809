"""Scraping a HyperKitty list from the real local double (tests/hyperkitty_server.py),
built from the corpus: the same database as import-mbox, incremental, polite, resumable."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from reviewbot.db import open_engine
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.hyperkitty import message_id_hash
from reviewbot.pipeline.hyperkitty import HyperKittyScraper
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.scrape import ScrapeReport
from tests.archive_server import Reply
from tests.conftest import LIST, mail
from tests.dump import dump
from tests.hyperkitty_server import LIBVIRT, HyperKittyServer, mbox_messages

pytestmark = pytest.mark.sqlite_only(
    "scraping (pages, bounds, resuming) is the same on both backends; what it stores "
    "goes through the importer, tested on both in tests/pipeline/test_import_*.py and "
    "tests/store/"
)

MONTHS = ["2023-07", "2023-08"]
CORPUS = mbox_messages(LIST / "backports-2023.mbox")
AFTER = date(2023, 12, 1)  # long after both months: they are over
EXPORTS = f"/archives/list/{LIBVIRT}/export/"


@pytest.fixture
def hk() -> Iterator[HyperKittyServer]:
    with HyperKittyServer({LIBVIRT: CORPUS}, empty_months={LIBVIRT: [(2023, 9)]}) as server:
        yield server


class Sleeps(list[float]):
    """The sleeps a Fetcher asked for (none really happens)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def scrape(
    url: str,
    hk: HyperKittyServer,
    cache: Path,
    months: list[str],
    *,
    today: date = AFTER,
    sleeps: Sleeps | None = None,
    **kw: Any,
) -> ScrapeReport:
    """One scrape run of the double's libvirt list into the database at url."""
    engine = open_engine(url)
    sleep = sleeps if sleeps is not None else Sleeps()
    fetcher = Fetcher(cache, rate=0, timeout=5, retries=2, backoff=0.01, sleep=sleep)
    try:
        with fetcher:
            scraper = HyperKittyScraper(
                engine, fetcher, hk.list_url(LIBVIRT), today=lambda: today, **kw
            )
            return scraper.run(months, None, False)
    finally:
        engine.dispose()


def concerns(url: str) -> list[tuple[Any, ...]]:
    """Every concern, by the Message-IDs of its reply and patch (no row ids)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                text(
                    "select r.msgid, pm.msgid, c.file, c.hunk, c.side, c.line, c.kind,"
                    " c.status, c.status_reason, c.text from concern c"
                    " join message r on r.id = c.reply_id"
                    " left join patch p on p.id = c.patch_id"
                    " left join message pm on pm.id = p.message_id"
                )
            )
            return sorted((tuple(r) for r in found), key=repr)
    finally:
        engine.dispose()


def archive_urls(url: str) -> dict[str, str | None]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("select msgid, archive_url from message")).all())
    finally:
        engine.dispose()


def test_scrape_holds_exactly_what_import_mbox_holds(
    tmp_path: Path, hk: HyperKittyServer, new_db: Callable[[str], str]
) -> None:
    imported, scraped = new_db("imported"), new_db("scraped")
    import_paths(open_engine(imported), [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    report = scrape(scraped, hk, tmp_path / "cache", MONTHS)
    assert report.as_dict() == {
        "months": MONTHS,
        "pages_fetched": 3,  # the list page and one export per month
        "pages_cached": 0,
        "messages_new": 29,
        "messages_duplicate": 0,
        "errors": [],
        "warnings": [],
    }
    assert dump(scraped) == dump(imported)  # series, versions, states, trailers, hunks
    assert concerns(scraped) == concerns(imported) and len(concerns(scraped)) > 5
    assert [q["start"] for q in hk.export_requests(LIBVIRT)] == [["2023-07-01"], ["2023-08-01"]]
    assert [q["end"] for q in hk.export_requests(LIBVIRT)] == [["2023-08-01"], ["2023-09-01"]]


def test_every_message_links_to_its_hyperkitty_page(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    scrape(db_url, hk, tmp_path / "cache", MONTHS)
    urls = archive_urls(db_url)
    assert len(urls) == 29
    for msgid, url in urls.items():
        assert url == f"{hk.list_url(LIBVIRT)}message/{message_id_hash(msgid)}/"
    page = httpx.get(urls["r011-ada@example.org"])  # the double knows the page
    assert page.status_code == 200 and "PATCH 08/10" in page.text


def test_a_finished_month_is_not_fetched_again(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    scrape(db_url, hk, tmp_path / "cache", MONTHS)
    hk.clear_requests()
    again = scrape(db_url, hk, tmp_path / "cache", MONTHS)
    assert (again.messages_new, again.pages_fetched, again.errors) == (0, 0, [])
    assert again.months == MONTHS
    assert [r.path for r in hk.requests] == [f"/archives/list/{LIBVIRT}/"]  # no export
    assert hk.requests[0].conditional  # and the list page is a conditional request


def test_an_open_month_is_read_again_from_the_last_day_stored(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    """On 10 August July is over (read whole, once) and August still open."""
    today = date(2023, 8, 10)
    first = scrape(db_url, hk, tmp_path / "cache", MONTHS, today=today)
    assert first.messages_new == 29
    # the newest August mail is of 4 August: the next read starts that day
    late = mail(
        "late-ada@example.org",
        "Re: [libvirt] [PATCH v2 00/10] qemu: backport fixes for 9.0.0",
        "Tested-by: Ada Reviewer <ada@example.org>\n",
        sender="Ada Reviewer <ada@example.org>",
        date="Wed, 9 Aug 2023 10:00:00 +0000",
        reply_to="cover.1689665402.git.backports@example.org",
    )
    hk.add(LIBVIRT, late.encode())
    hk.clear_requests()
    second = scrape(db_url, hk, tmp_path / "cache", MONTHS, today=today)
    assert hk.export_requests(LIBVIRT) == [
        {"start": ["2023-08-04"], "end": ["2023-09-01"]}  # July: no request at all
    ]
    assert (second.messages_new, second.messages_duplicate) == (1, 1)  # 4 Aug again: harmless
    assert archive_urls(db_url)["late-ada@example.org"].endswith(
        f"/message/{message_id_hash('late-ada@example.org')}/"
    )


def test_a_month_over_is_read_whole_once_then_never(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    scrape(db_url, hk, tmp_path / "cache", ["2023-08"], today=date(2023, 8, 20))
    hk.clear_requests()
    scrape(db_url, hk, tmp_path / "cache", ["2023-08"], today=date(2023, 9, 10))
    assert hk.export_requests(LIBVIRT) == [{"start": ["2023-08-01"], "end": ["2023-09-01"]}]
    hk.clear_requests()
    scrape(db_url, hk, tmp_path / "cache", ["2023-08"], today=date(2023, 9, 11))
    assert hk.export_requests(LIBVIRT) == []


def test_a_run_without_months_reads_the_newest_and_finishes_open_ones(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    scrape(db_url, hk, tmp_path / "cache", ["2023-08"], today=date(2023, 8, 20))
    hk.clear_requests()
    report = scrape(db_url, hk, tmp_path / "cache", [], today=date(2023, 9, 10))
    assert report.months == ["2023-08", "2023-09"]  # August's last read, and the newest
    assert report.errors == []


def test_an_empty_month_is_read_without_error(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    report = scrape(db_url, hk, tmp_path / "cache", ["2023-09"])
    assert (report.months, report.errors, report.messages_new) == (["2023-09"], [], 0)
    hk.clear_requests()
    scrape(db_url, hk, tmp_path / "cache", ["2023-09"])
    assert hk.export_requests(LIBVIRT) == []  # complete, and over: finished


def test_too_many_requests_waits_as_long_as_retry_after_says(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    export = f"{EXPORTS}devel-2023-07.mbox.gz"
    hk.queue(export, Reply(status=429, headers={"Retry-After": "7"}))
    hk.queue(export, Reply(status=503, headers={"Retry-After": "3"}))
    sleeps = Sleeps()
    report = scrape(db_url, hk, tmp_path / "cache", ["2023-07"], sleeps=sleeps)
    assert report.errors == [] and report.messages_new == 16
    assert sleeps == [7.0, 3.0]
    assert len(hk.requests_for(export)) == 3
    assert all("reviewbot" in (r.user_agent or "") for r in hk.requests)


def test_an_unknown_list_is_reported(tmp_path: Path, hk: HyperKittyServer, db_url: str) -> None:
    engine = open_engine(db_url)
    with Fetcher(tmp_path / "cache", rate=0) as fetcher:
        url = hk.list_url("nosuch@lists.libvirt.org")
        report = HyperKittyScraper(engine, fetcher, url).run(MONTHS, None, False)
    assert report.months == [] and report.messages_new == 0
    assert [(e.url, e.error) for e in report.errors] == [
        (url, "HTTP 404: no such list in this archive")
    ]
    with engine.connect() as conn:
        kept = conn.execute(text("select url from scrapeerror where not resolved")).scalars()
        assert list(kept) == [url]
    engine.dispose()


def test_an_unknown_month_is_reported_and_the_rest_read(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    report = scrape(db_url, hk, tmp_path / "cache", ["2023-July", "1999-01"])
    assert report.months == ["2023-07"] and report.messages_new == 16
    assert [(e.url, e.error) for e in report.errors] == [
        (hk.list_url(LIBVIRT) + "1999-01", "no such month in the archive")
    ]


def test_a_damaged_export_is_an_error_then_retried_by_a_later_run(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    export = f"{EXPORTS}devel-2023-07.mbox.gz"
    whole = httpx.get(hk.url(export)).content
    hk.always(export, Reply(body=whole[: len(whole) // 2], content_type="application/gzip"))
    first = scrape(db_url, hk, tmp_path / "cache", ["2023-07"])
    assert [e.url for e in first.errors] == [hk.url(export) + "?start=2023-07-01&end=2023-08-01"]
    assert "damaged or truncated" in first.errors[0].error
    assert 0 < first.messages_new < 16  # the whole mails before the damage are kept
    kept = archive_urls(db_url)
    hk.clear_faults()
    later = scrape(db_url, hk, tmp_path / "cache", ["2023-08"])  # July not asked for
    assert later.months == MONTHS and later.errors == []
    assert later.messages_new == 29 - len(kept)  # the cut one among them, whole this time
    assert len(archive_urls(db_url)) == 29
    engine = create_engine(db_url)
    with engine.connect() as conn:
        still = conn.execute(text("select count(*) from scrapeerror where not resolved"))
        assert still.scalar_one() == 0
    engine.dispose()


def test_a_run_stopped_while_importing_resumes_from_the_cached_export(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    class Stop(Exception):
        pass

    def stop_at_messages(what: str, _n: int) -> None:
        if what == "messages":
            raise Stop

    with pytest.raises(Stop):
        scrape(db_url, hk, tmp_path / "cache", ["2023-07"], progress=stop_at_messages)
    hk.clear_requests()
    resumed = scrape(db_url, hk, tmp_path / "cache", ["2023-07"])
    assert hk.export_requests(LIBVIRT) == []  # the export came from the cache
    assert (resumed.pages_cached, resumed.errors) == (2, [])  # list page (304) and export
    assert len(archive_urls(db_url)) == 16


def test_refresh_reads_a_finished_month_again(
    tmp_path: Path, hk: HyperKittyServer, db_url: str
) -> None:
    scrape(db_url, hk, tmp_path / "cache", MONTHS)
    hk.clear_requests()
    again = scrape(db_url, hk, tmp_path / "cache", MONTHS, refresh=True)
    assert (again.messages_new, again.messages_duplicate, again.errors) == (0, 29, [])
    assert len(hk.export_requests(LIBVIRT)) == 2
