"""Scraping and fetching from hostile or broken archives (issue 14, items 5, 6 and 11).

Real servers on 127.0.0.1 (the pipermail, HyperKitty and public-inbox doubles):
a text archive that is listed but answers 404, or is damaged, gives way to the
message pages; redirects and links to other hosts are refused and reported;
pages, bodies and exports over the bounds are reported, and the run goes on.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from reviewbot.config import KiB, Limits, MiB
from reviewbot.errors import OffSite, OverLimit
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.mbox import read_path
from reviewbot.mail.message import parse_message
from reviewbot.pipeline.archives import Archive, Kind
from reviewbot.pipeline.fetch import fetch_thread
from reviewbot.pipeline.hyperkitty import HyperKittyScraper
from reviewbot.pipeline.scrape import Scraper, ScrapeReport
from tests.archive_server import ArchiveServer, Reply
from tests.conftest import LIST
from tests.hostile import zeros_gzip
from tests.hyperkitty_server import LIBVIRT, HyperKittyServer, mbox_messages
from tests.publicinbox_server import PublicInboxServer

pytestmark = pytest.mark.sqlite_only(
    "scraping (pages, bounds, resuming) is the same on both backends; what it stores "
    "goes through the importer, tested on both in tests/pipeline/test_import_*.py and "
    "tests/store/"
)

JULY = {parse_message(m.raw).msgid for m in read_path(LIST / "2023-July.txt.gz")}
AUGUST = {parse_message(m.raw).msgid for m in read_path(LIST / "2023-August.txt.gz")}
CORPUS = mbox_messages(LIST / "backports-2023.mbox")
REVIEW = "r011-ada@example.org"


@pytest.fixture
def server() -> Iterator[ArchiveServer]:
    with ArchiveServer(LIST) as running:
        yield running


@pytest.fixture
def elsewhere() -> Iterator[ArchiveServer]:
    """Another host (another port is another origin) serving the same archive."""
    with ArchiveServer(LIST) as running:
        yield running


def fetcher(cache: Path, **kw: Any) -> Fetcher:
    return Fetcher(cache, rate=0, timeout=5.0, retries=1, backoff=0.01, **kw)


def scrape(engine: Engine, url: str, cache: Path, months: list[str], **kw: Any) -> ScrapeReport:
    with fetcher(cache, **kw) as f:
        return Scraper(engine, f, url).run(months, None, False)


def stored(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("select msgid from message")).scalars())


def open_errors(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        query = text("select url from scrapeerror where not resolved")
        return set(conn.execute(query).scalars())


# -- pipermail: the text archive gives way to the pages ---------------------------


def test_a_listed_text_archive_that_answers_404(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    server.not_found("/2023-July.txt.gz")
    report = scrape(engine, server.url("/"), tmp_path / "cache", ["2023-July", "2023-August"])
    assert report.errors == [] and report.messages_new == 29
    assert [(w.url, w.error) for w in report.warnings] == [
        (server.url("/2023-July.txt.gz"), "HTTP 404: the message pages are read instead")
    ]
    assert stored(engine) == JULY | AUGUST and open_errors(engine) == set()
    # read completely: the next run costs one conditional request per month
    server.clear_requests()
    again = scrape(engine, server.url("/"), tmp_path / "cache", ["2023-July", "2023-August"])
    assert (again.errors, again.messages_new) == ([], 0)
    assert [r.path for r in server.requests] == [
        "/index.html",
        "/2023-July/thread.html",
        "/2023-August/thread.html",
    ]


def test_a_damaged_text_archive_gives_way_to_the_pages(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    whole = (LIST / "2023-July.txt.gz").read_bytes()
    server.override("/2023-July.txt.gz", whole[: len(whole) // 3], "application/x-gzip")
    report = scrape(engine, server.url("/"), tmp_path / "cache", ["2023-July"])
    assert report.errors == []
    assert [w.url for w in report.warnings] == [server.url("/2023-July.txt.gz")]
    assert "damaged or truncated" in report.warnings[0].error
    assert stored(engine) == JULY  # what the archive lacked came from the pages


def test_a_text_archive_that_is_a_gzip_bomb(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    bomb = zeros_gzip(40 * MiB)
    server.override("/2023-July.txt.gz", bomb, "application/x-gzip")
    report = scrape(engine, server.url("/"), tmp_path / "cache", ["2023-July", "2023-August"])
    assert [e.url for e in report.errors] == [server.url("/2023-July.txt.gz")]
    assert "REVIEWBOT_MAX_GZIP_RATIO" in report.errors[0].error
    assert stored(engine) == JULY | AUGUST  # the pages, and August, all the same


def test_an_endless_text_archive(tmp_path: Path, server: ArchiveServer, engine: Engine) -> None:
    server.always("/2023-July.txt.gz", Reply(endless=True))
    report = scrape(
        engine, server.url("/"), tmp_path / "cache", ["2023-July"], limits=Limits(body_bytes=MiB)
    )
    assert [e.url for e in report.errors] == [server.url("/2023-July.txt.gz")]
    assert "body over 1,048,576 bytes (REVIEWBOT_MAX_BODY_SIZE)" in report.errors[0].error
    assert stored(engine) == JULY


# -- pipermail: staying home, pages within bounds ---------------------------------


def test_a_redirect_to_another_host_is_refused(
    tmp_path: Path, server: ArchiveServer, elsewhere: ArchiveServer, engine: Engine
) -> None:
    away = Reply(status=302, headers={"Location": elsewhere.url("/2023-August/thread.html")})
    server.always("/2023-July/thread.html", away)
    report = scrape(engine, server.url("/"), tmp_path / "cache", ["2023-July", "2023-August"])
    assert [e.url for e in report.errors] == [server.url("/2023-July/thread.html")]
    assert "not the archive's scheme and host" in report.errors[0].error
    assert elsewhere.requests == []  # never asked, never used as July's thread.html
    assert stored(engine) >= AUGUST


def test_links_and_base_to_other_hosts_are_not_fetched(
    tmp_path: Path, server: ArchiveServer, elsewhere: ArchiveServer, engine: Engine
) -> None:
    page = (LIST / "2023-July/thread.html").read_bytes()
    foreign = elsewhere.url("/2023-July/msg00000.html").encode()
    page = page.replace(b'HREF="msg00000.html"', b'HREF="' + foreign + b'"', 1)
    page = page.replace(b"<HEAD>", b'<HEAD><BASE HREF="' + elsewhere.url("/").encode() + b'">', 1)
    assert foreign in page and b"<BASE" in page
    server.override("/2023-July/thread.html", page, "text/html")
    for path in ("/2023-July.txt.gz", "/2023-August.txt.gz"):
        server.not_found(path)
    report = scrape(engine, server.url("/"), tmp_path / "cache", ["2023-July"])
    assert elsewhere.requests == []
    assert [e.url for e in report.errors] == [foreign.decode()]
    assert len(stored(engine)) == len(JULY) - 1  # every other page, from home


def test_a_thread_page_over_the_link_bound(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    rows = "".join(f'<LI><A HREF="x{i}.html">s</A>' for i in range(5000))
    server.override("/2023-July/thread.html", f"<UL>{rows}</UL>".encode(), "text/html")
    report = scrape(
        engine,
        server.url("/"),
        tmp_path / "cache",
        ["2023-July", "2023-August"],
        limits=Limits(page_links=1000),
    )
    assert [e.url for e in report.errors] == [server.url("/2023-July/thread.html")]
    assert "more than 1,000 links" in report.errors[0].error
    assert report.messages_new == 29  # the text archives; August's pages too


def test_a_message_page_over_the_page_bound(
    tmp_path: Path, server: ArchiveServer, engine: Engine
) -> None:
    for path in ("/2023-July.txt.gz", "/2023-August.txt.gz"):
        server.not_found(path)
    server.always("/2023-July/msg00004.html", Reply(endless=True))
    report = scrape(
        engine,
        server.url("/"),
        tmp_path / "cache",
        ["2023-July"],
        limits=Limits(page_bytes=256 * KiB),
    )
    assert [e.url for e in report.errors] == [server.url("/2023-July/msg00004.html")]
    assert "REVIEWBOT_MAX_PAGE_SIZE" in report.errors[0].error
    assert len(stored(engine)) == len(JULY) - 1


# -- HyperKitty and fetch ------------------------------------------------------------


@pytest.fixture
def hk() -> Iterator[HyperKittyServer]:
    with HyperKittyServer({LIBVIRT: CORPUS}) as running:
        yield running


def hk_scrape(engine: Engine, hk: HyperKittyServer, cache: Path, **kw: Any) -> ScrapeReport:
    with fetcher(cache, **kw) as f:
        scraper = HyperKittyScraper(engine, f, hk.list_url(LIBVIRT), today=lambda: date(2024, 1, 1))
        return scraper.run(["2023-07", "2023-08"], None, False)


def test_an_endless_export_is_reported_and_the_next_month_read(
    tmp_path: Path, hk: HyperKittyServer, engine: Engine
) -> None:
    export = hk.list_url(LIBVIRT).removeprefix(hk.base_url) + "export/devel-2023-07.mbox.gz"
    hk.always(export, Reply(endless=True))
    report = hk_scrape(engine, hk, tmp_path / "cache", limits=Limits(body_bytes=2 * MiB))
    assert len(report.errors) == 1 and "REVIEWBOT_MAX_BODY_SIZE" in report.errors[0].error
    assert stored(engine) == AUGUST


def test_an_export_holding_a_bomb(tmp_path: Path, hk: HyperKittyServer, engine: Engine) -> None:
    export = hk.list_url(LIBVIRT).removeprefix(hk.base_url) + "export/devel-2023-07.mbox.gz"
    bomb = gzip.compress(b"From nobody\nSubject: x\n\n" + bytes(40 * MiB))
    hk.override(export, bomb, "application/gzip")
    report = hk_scrape(engine, hk, tmp_path / "cache", limits=Limits(message_bytes=MiB))
    assert len(report.errors) == 1 and "REVIEWBOT_MAX_GZIP_RATIO" in report.errors[0].error
    assert stored(engine) == AUGUST


def test_a_list_page_over_the_link_bound(
    tmp_path: Path, hk: HyperKittyServer, engine: Engine
) -> None:
    page = "".join(f'<a href="{2000 + i % 20}/{i % 12 + 1}/">m</a>' for i in range(3000))
    hk.override(hk.list_url(LIBVIRT).removeprefix(hk.base_url), page.encode(), "text/html")
    report = hk_scrape(engine, hk, tmp_path / "cache", limits=Limits(page_links=2000))
    assert "more than 2,000 links" in report.errors[0].error and report.months == []


def test_fetch_refuses_a_redirect_to_another_host(
    tmp_path: Path, elsewhere: ArchiveServer, engine: Engine
) -> None:
    with PublicInboxServer("libvir-list", CORPUS) as pi:
        pi.always(f"/libvir-list/{REVIEW}/t.mbox.gz", Reply(status=302, headers={
            "Location": elsewhere.url("/2023-July.txt.gz")}))  # fmt: skip
        with fetcher(tmp_path / "cache") as f, pytest.raises(OffSite):
            fetch_thread(engine, f, REVIEW, Archive(Kind.PUBLIC_INBOX, pi.inbox_url()))
    assert elsewhere.requests == [] and stored(engine) == set()


def test_fetch_of_a_thread_export_over_the_bound(
    tmp_path: Path, hk: HyperKittyServer, engine: Engine
) -> None:
    archive = Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT))
    with (
        fetcher(tmp_path / "cache", limits=Limits(body_bytes=KiB)) as f,
        pytest.raises(OverLimit, match="REVIEWBOT_MAX_BODY_SIZE"),
    ):
        fetch_thread(engine, f, REVIEW, archive)
    with fetcher(tmp_path / "cache") as f:  # the thread read in two passes over the cache
        report = fetch_thread(engine, f, REVIEW, archive)
    assert report.imported.messages_new == 16 and stored(engine) == JULY
