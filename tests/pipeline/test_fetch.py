"""`fetch`: one thread by Message-ID from the HyperKitty and public-inbox doubles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.errors import InputError, NotFound
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.hyperkitty import message_id_hash
from reviewbot.ingest.mbox import read_path
from reviewbot.mail.message import parse_message
from reviewbot.pipeline.archives import Archive, Kind
from reviewbot.pipeline.fetch import FetchReport, fetch_thread, normalise_msgid
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.messages import message_detail
from reviewbot.read.series import series_detail
from tests.conftest import LIST, mail
from tests.hyperkitty_server import LIBVIRT, HyperKittyServer, mbox_messages
from tests.publicinbox_server import PublicInboxServer

pytestmark = pytest.mark.sqlite_only(
    "scraping (pages, bounds, resuming) is the same on both backends; what it stores "
    "goes through the importer, tested on both in tests/pipeline/test_import_*.py and "
    "tests/store/"
)

CORPUS = mbox_messages(LIST / "backports-2023.mbox")
V1 = "cover.1689665401.git.backports@example.org"
V2 = "cover.1689665402.git.backports@example.org"
REVIEW = "r011-ada@example.org"  # Ada's review of v1's patch 08/10: two levels down
# July's text archive: v1 (cover and ten patches) and its five replies, one thread
JULY = {parse_message(m.raw).msgid for m in read_path(LIST / "2023-July.txt.gz")}


@pytest.fixture
def hk() -> Iterator[HyperKittyServer]:
    with HyperKittyServer({LIBVIRT: CORPUS}) as server:
        yield server


def fetch(engine: Engine, tmp_path: Path, msgid: str, archive: Archive) -> FetchReport:
    with Fetcher(tmp_path / "cache", rate=0, retries=1, backoff=0.01) as fetcher:
        return fetch_thread(engine, fetcher, msgid, archive)


def stored(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(text("select msgid from message")).scalars())


def series_of(engine: Engine, msgid: str) -> tuple[str, int]:
    with Session(engine) as session:
        sid = message_detail(session, msgid).message.series_id
        assert sid is not None
        detail = series_detail(session, sid)
        return detail.series.title, detail.series.version


def test_a_review_brings_its_whole_thread_and_names_its_series(
    tmp_path: Path, hk: HyperKittyServer, engine: Engine
) -> None:
    report = fetch(engine, tmp_path, f"<{REVIEW}>", Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT)))
    assert stored(engine) == JULY  # cover, ten patches, five replies
    assert report.imported.messages_new == 16 and report.msgid == REVIEW
    assert series_of(engine, REVIEW) == ("qemu: backport fixes for 9.0.0", 1)
    # the message, a wrong first guess (its parent, patch 08), the month before it,
    # then the thread of the cover letter, its root
    assert [
        q.get("message") or q.get("thread") or q["start"] for q in hk.export_requests(LIBVIRT)
    ] == [
        [message_id_hash(REVIEW)],
        [message_id_hash("v1p08.1689665401.git.backports@example.org")],
        ["2023-06-18"],
        [message_id_hash(V1)],
    ]
    with engine.connect() as conn:
        url = conn.execute(
            text("select archive_url from message where msgid = :m"), {"m": REVIEW}
        ).scalar_one()
    assert url == f"{hk.list_url(LIBVIRT)}message/{message_id_hash(REVIEW)}/"


def test_a_patch_needs_two_requests(tmp_path: Path, hk: HyperKittyServer, engine: Engine) -> None:
    report = fetch(
        engine,
        tmp_path,
        "v2p03.1689665402.git.backports@example.org",
        Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT)),
    )
    assert report.imported.messages_new == 13 and V2 in stored(engine)
    assert len(hk.export_requests(LIBVIRT)) == 2  # the message, then its cover's thread
    assert series_of(engine, V2) == ("qemu: backport fixes for 9.0.0", 2)


def test_a_server_that_ignores_the_filters(tmp_path: Path, engine: Engine) -> None:
    with HyperKittyServer({LIBVIRT: CORPUS}, thread_filter=False) as old:
        report = fetch(engine, tmp_path, REVIEW, Archive(Kind.HYPERKITTY, old.list_url(LIBVIRT)))
        assert len(old.export_requests(LIBVIRT)) == 1
    assert stored(engine) == JULY  # the thread only, not the archive
    assert any("ignored ?message=" in w for w in report.imported.warnings)


def test_an_unknown_message_is_not_found(
    tmp_path: Path, hk: HyperKittyServer, engine: Engine
) -> None:
    with pytest.raises(NotFound, match="no message <nosuch@example.org>"):
        fetch(
            engine, tmp_path, "nosuch@example.org", Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT))
        )
    assert stored(engine) == set()


def test_public_inbox_thread_mbox(tmp_path: Path, engine: Engine) -> None:
    with PublicInboxServer("libvir-list", CORPUS) as pi:
        report = fetch(engine, tmp_path, REVIEW, Archive(Kind.PUBLIC_INBOX, pi.inbox_url()))
        assert [r.path for r in pi.requests] == [f"/libvir-list/{REVIEW}/t.mbox.gz"]
        with pytest.raises(NotFound):
            fetch(engine, tmp_path, "nosuch@x.org", Archive(Kind.PUBLIC_INBOX, pi.inbox_url()))
        inbox = pi.inbox_url()
    assert report.imported.messages_new == 16
    assert stored(engine) == JULY
    assert series_of(engine, REVIEW)[1] == 1
    with engine.connect() as conn:
        url = conn.execute(
            text("select archive_url from message where msgid = :m"), {"m": V1}
        ).scalar_one()
    assert url == f"{inbox}{V1}/"


def test_fetching_what_was_imported_adds_only_the_links(
    tmp_path: Path, hk: HyperKittyServer, engine: Engine
) -> None:
    import_paths(engine, [LIST / "2023-July.txt.gz"])
    report = fetch(engine, tmp_path, REVIEW, Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT)))
    assert (report.imported.messages_new, report.imported.messages_duplicate) == (0, 16)
    with engine.connect() as conn:
        missing = conn.execute(text("select count(*) from message where archive_url is null"))
        assert missing.scalar_one() == 0


@pytest.mark.parametrize("typed", ["a@b", "<a@b>", " <a@b> "])
def test_angle_brackets_are_optional(typed: str) -> None:
    assert normalise_msgid(typed) == "a@b"


@pytest.mark.parametrize("typed", ["", "<>", "a b@c", "a<b@c"])
def test_not_a_message_id(typed: str) -> None:
    with pytest.raises(InputError):
        normalise_msgid(typed)


def test_a_message_archived_after_a_first_try_is_found(
    tmp_path: Path, hk: HyperKittyServer, engine: Engine
) -> None:
    late = mail("late@example.org", "Re: [libvirt] [PATCH 00/10] qemu: backport fixes",
                reply_to=V1, date="Fri, 21 Jul 2023 10:00:00 +0000")  # fmt: skip
    archive = Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT))
    with pytest.raises(NotFound):
        fetch(engine, tmp_path, "late@example.org", archive)
    hk.add(LIBVIRT, late.encode())
    assert fetch(engine, tmp_path, "late@example.org", archive).imported.messages_new == 17
