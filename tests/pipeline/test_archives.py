"""One list, two archives: libvir-list's pipermail up to its last month, then HyperKitty
from its first, into one database (the doubles: tests/archive_server.py, hyperkitty_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.db import open_engine
from reviewbot.errors import InputError
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.mbox import read_path
from reviewbot.mail.message import parse_message
from reviewbot.pipeline import incoming, link
from reviewbot.pipeline.archives import (
    LIBVIRT_DEVEL,
    Archive,
    Kind,
    archive_at,
    archives_named,
    archives_of,
    inbox_at,
    scrape_archives,
)
from reviewbot.pipeline.scrape import LIBVIR_LIST, ScrapeReport
from reviewbot.read.messages import thread_of
from tests.archive_server import ArchiveServer, Reply
from tests.conftest import LIST, NewDatabases, mail
from tests.dump import full_dump
from tests.hyperkitty_server import LIBVIRT, HyperKittyServer
from tests.libvirt_archives import frozen_index

pytestmark = pytest.mark.sqlite_only(
    "scraping (pages, bounds, resuming) is the same on both backends; what it stores "
    "goes through the importer, tested on both in tests/pipeline/test_import_*.py and "
    "tests/store/"
)

AUGUST = [m.raw for m in read_path(LIST / "2023-August.txt.gz")]
# a reply, on the new list, to a review made on the old one: the thread moved
MOVED = mail(
    "moved-ada@example.org",
    "Re: [libvirt] [PATCH 08/10] storage: Fix returning of locked objects from"
    " 'virStoragePoolObjListSearch'",
    "> Good point, I'll mention the reference too in v2.\n\nThanks, that settles it.\n",
    sender="Ada Reviewer <ada@example.org>",
    date="Sat, 5 Aug 2023 08:00:00 +0000",
    reply_to="r012-lin@example.org",
)


@pytest.fixture
def pipermail() -> Iterator[ArchiveServer]:
    """libvir-list's archive as it is frozen: its last month is July 2023."""
    with ArchiveServer(LIST) as server:
        server.override("/index.html", frozen_index(), "text/html; charset=utf-8")
        yield server


@pytest.fixture
def hk() -> Iterator[HyperKittyServer]:
    """devel@lists.libvirt.org from its first month, August 2023."""
    with HyperKittyServer({LIBVIRT: [*AUGUST, MOVED.encode()]}) as server:
        yield server


def scrape(
    engine: Engine,
    tmp_path: Path,
    archives: list[Archive],
    months: list[str],
    since: str | None = None,
) -> ScrapeReport:
    with Fetcher(tmp_path / "cache", rate=0, retries=1, backoff=0.01) as fetcher:
        return scrape_archives(
            engine, fetcher, archives, months, since, False, today=lambda: date(2023, 12, 1)
        )


def both(pipermail: ArchiveServer, hk: HyperKittyServer) -> list[Archive]:
    return [
        Archive(Kind.PIPERMAIL, pipermail.url("/")),
        Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT)),
    ]


def test_both_archives_make_one_database(
    tmp_path: Path, pipermail: ArchiveServer, hk: HyperKittyServer, engine: Engine
) -> None:
    report = scrape(engine, tmp_path, both(pipermail, hk), [], since="2023-01")
    assert report.months == ["2023-July", "2023-08"] and report.errors == []
    assert (report.messages_new, report.messages_duplicate) == (30, 0)
    with engine.connect() as conn:
        urls = dict(conn.execute(text("select msgid, archive_url from message")).all())
    assert urls["r012-lin@example.org"].startswith(pipermail.url("/2023-July/"))
    assert urls["moved-ada@example.org"].startswith(hk.list_url(LIBVIRT) + "message/")
    # the thread that moved is one thread, placed under the patch it discusses
    with Session(engine) as session:
        root = thread_of(session, "moved-ada@example.org")
        assert root.msgid == "cover.1689665401.git.backports@example.org"
        assert "moved-ada@example.org" in {n.msgid for _d, n in root.walk()}
    with engine.connect() as conn:
        placed = conn.execute(
            text(
                "select pm.msgid from message m join patch p on p.id = m.patch_id"
                " join message pm on pm.id = p.message_id where m.msgid = 'moved-ada@example.org'"
            )
        ).scalar_one()
    assert placed == "v1p08.1689665401.git.backports@example.org"


def test_a_month_is_read_where_it_is(
    tmp_path: Path, pipermail: ArchiveServer, hk: HyperKittyServer, engine: Engine
) -> None:
    report = scrape(engine, tmp_path, both(pipermail, hk), ["2023-08", "2023-July", "1999-01"])
    assert report.months == ["2023-July", "2023-08"]
    # only the month neither archive has is an error
    assert [(e.url, e.error) for e in report.errors] == [
        (hk.list_url(LIBVIRT) + "1999-01", "no such month in any archive of the list")
    ]


def test_nothing_asked_reads_the_newest_month_of_the_newest_archive(
    tmp_path: Path, pipermail: ArchiveServer, hk: HyperKittyServer, engine: Engine
) -> None:
    report = scrape(engine, tmp_path, both(pipermail, hk), [])
    assert report.months == ["2023-08"] and report.messages_new == 14
    assert pipermail.requests == []


def test_libvirt_is_both_archives_oldest_first() -> None:
    assert archives_of("libvirt") == (
        Archive(Kind.PIPERMAIL, LIBVIR_LIST),
        Archive(Kind.HYPERKITTY, LIBVIRT_DEVEL),
    )
    assert archives_named("libvirt") == archives_of("libvirt")
    assert archives_named(f"{LIBVIR_LIST} {LIBVIRT_DEVEL}") == archives_of("libvirt")
    with pytest.raises(InputError, match="known lists are libvirt"):
        archives_of("qemu")
    with pytest.raises(InputError, match="REVIEWBOT_LIST"):
        archives_named("qemu")


def test_kinds_from_urls_and_from_the_option() -> None:
    assert archive_at(LIBVIRT_DEVEL).kind is Kind.HYPERKITTY
    assert archive_at(LIBVIR_LIST).kind is Kind.PIPERMAIL
    assert archive_at("https://example.org/mm3/devel/", "hyperkitty").kind is Kind.HYPERKITTY
    with pytest.raises(InputError, match="expected one of pipermail, hyperkitty"):
        archive_at(LIBVIR_LIST, "mailman2")
    assert inbox_at(LIBVIRT_DEVEL).kind is Kind.HYPERKITTY
    assert inbox_at("https://lore.kernel.org/qemu-devel/").kind is Kind.PUBLIC_INBOX


def test_every_message_the_doubles_hold_is_in_the_database(
    tmp_path: Path, pipermail: ArchiveServer, hk: HyperKittyServer, engine: Engine
) -> None:
    scrape(engine, tmp_path, both(pipermail, hk), [], since="2023-07")
    expected = {parse_message(m.raw).msgid for m in read_path(LIST / "2023-July.txt.gz")}
    expected |= {parse_message(raw).msgid for raw in AUGUST} | {"moved-ada@example.org"}
    with engine.connect() as conn:
        assert set(conn.execute(text("select msgid from message")).scalars()) == expected


def test_an_unreadable_month_list_is_the_only_error(
    tmp_path: Path, pipermail: ArchiveServer, hk: HyperKittyServer, engine: Engine
) -> None:
    """July may well be in the archive whose month list failed: not 'no such month'."""
    pipermail.always("/index.html", Reply(status=500))
    report = scrape(engine, tmp_path, both(pipermail, hk), ["2023-07", "2023-08"])
    assert report.months == ["2023-08"]
    assert [e.url for e in report.errors] == [pipermail.url("/index.html")]


def test_a_scrape_with_workers_stores_what_one_process_stores(
    new_db: NewDatabases,
    tmp_path: Path,
    pipermail: ArchiveServer,
    hk: HyperKittyServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(incoming, "BATCH", 5)  # months of many batches, for the pool
    monkeypatch.setattr(link, "_POOLED", 2)  # and the threads reviewed there too
    monkeypatch.setattr(link, "_SHARE", 3)
    dumps = []
    for jobs in (1, 3):
        url = new_db(f"jobs{jobs}")
        engine = open_engine(url)
        with Fetcher(tmp_path / f"cache{jobs}", rate=0, retries=1, backoff=0.01) as fetcher:
            report = scrape_archives(
                engine,
                fetcher,
                both(pipermail, hk),
                ["2023-07", "2023-08"],
                None,
                False,
                today=lambda: date(2023, 12, 1),
                jobs=jobs,
            )
        dumps.append((report.messages_new, report.errors, full_dump(url)))
    assert dumps[0][0] > 10
    assert dumps[0] == dumps[1]
