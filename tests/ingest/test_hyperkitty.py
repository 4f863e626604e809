"""HyperKitty and public-inbox URLs, message hashes, the month list; month names; exports
read from bytes (gzip'd, plain, empty, damaged)."""

from __future__ import annotations

import gzip
from datetime import date

import pytest

from reviewbot.errors import CorruptSource
from reviewbot.ingest import hyperkitty, publicinbox
from reviewbot.ingest.mbox import read_mbox_bytes
from reviewbot.ingest.months import iso_name, next_month, parse_month
from tests.conftest import LIST
from tests.hyperkitty_server import gzip_stream

DEVEL = "https://lists.libvirt.org/archives/list/devel@lists.libvirt.org/"


@pytest.mark.parametrize(
    ("msgid", "expected"),
    [
        # HyperKitty's own docstring example; the hash is of the id without brackets
        ("87myycy5eh.fsf@uwakimon.sk.tsukuba.ac.jp", "JJIGKPKB6CVDX6B2CUG4IHAJRIQIOUTP"),
        ("<87myycy5eh.fsf@uwakimon.sk.tsukuba.ac.jp>", "JJIGKPKB6CVDX6B2CUG4IHAJRIQIOUTP"),
    ],
)
def test_message_id_hash(msgid: str, expected: str) -> None:
    assert hyperkitty.message_id_hash(msgid) == expected


def test_message_url_is_the_list_url_and_the_hash() -> None:
    assert hyperkitty.message_url(DEVEL, "<a@b>") == (
        f"{DEVEL}message/{hyperkitty.message_id_hash('a@b')}/"
    )


@pytest.mark.parametrize(
    ("url", "is_list"),
    [
        (DEVEL, True),
        (DEVEL.rstrip("/"), True),
        ("https://mail.python.org/archives/list/python-dev@python.org/", True),
        ("https://lists.example.org/hyperkitty/list/dev@example.org/", True),
        ("https://listman.redhat.com/archives/libvir-list/", False),
        ("https://lore.kernel.org/qemu-devel/", False),
        ("ftp://lists.libvirt.org/archives/list/devel@lists.libvirt.org/", False),
    ],
)
def test_list_urls_are_told_from_other_archives(url: str, is_list: bool) -> None:
    assert hyperkitty.is_list_url(url) is is_list


def test_export_url_carries_the_filters() -> None:
    url = hyperkitty.export_url(
        DEVEL, "devel-2023-07", start=date(2023, 7, 1), end=date(2023, 8, 1)
    )
    assert url == f"{DEVEL}export/devel-2023-07.mbox.gz?start=2023-07-01&end=2023-08-01"
    assert hyperkitty.export_url(DEVEL, "t", thread="ABC") == f"{DEVEL}export/t.mbox.gz?thread=ABC"
    assert hyperkitty.list_name(DEVEL) == "devel"
    assert hyperkitty.list_url(DEVEL.rstrip("/") + "?x=1") == DEVEL


def test_month_list_from_hyperkitty_markup() -> None:
    """The links of HyperKitty's month_list.html; other links are not months."""
    html = b"""<html><body><div class="panel-group" id="months-list">
      <div class="panel-body"><ul class="list-unstyled">
        <li class="current"><a href="/archives/list/devel@lists.libvirt.org/2024/1/"
               >January</a></li>
        <li><a href="/archives/list/devel@lists.libvirt.org/2023/12/">December</a></li>
        <li><a href="https://lists.libvirt.org/archives/list/devel@lists.libvirt.org/2023/9/"
               >September</a></li>
      </ul></div></div>
      <a href="/archives/list/devel@lists.libvirt.org/latest">Recent</a>
      <a href="/archives/list/users@lists.libvirt.org/2023/8/">another list</a>
      <a href="/archives/list/devel@lists.libvirt.org/2023/13/">no such month</a>
    </body></html>"""
    assert hyperkitty.parse_month_list(html, DEVEL) == [(2023, 9), (2023, 12), (2024, 1)]


@pytest.mark.parametrize(
    ("name", "month"),
    [
        ("2023-07", (2023, 7)),
        ("2023-7", (2023, 7)),
        ("2023-July", (2023, 7)),
        ("2016-october", (2016, 10)),
    ],
)
def test_both_month_names_are_accepted(name: str, month: tuple[int, int]) -> None:
    assert parse_month(name) == month
    assert iso_name(month) == f"{month[0]}-{month[1]:02d}"


@pytest.mark.parametrize("name", ["2023-13", "2023-00", "July-2023", "2023-Juli", "23-07", ""])
def test_other_month_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="not a month"):
        parse_month(name)


def test_next_month_crosses_the_year() -> None:
    assert next_month((2023, 12)) == (2024, 1) and next_month((2023, 7)) == (2023, 8)


def test_public_inbox_urls_escape_the_message_id() -> None:
    inbox = publicinbox.inbox_url("https://lore.kernel.org/qemu-devel")
    assert publicinbox.thread_mbox_url(inbox, "<a/b@c>") == (
        "https://lore.kernel.org/qemu-devel/a%2Fb@c/t.mbox.gz"
    )
    assert publicinbox.message_url(inbox, "x.1@y") == "https://lore.kernel.org/qemu-devel/x.1@y/"


def test_exports_are_read_gzipd_plain_and_empty() -> None:
    plain = (LIST / "backports-2023.mbox").read_bytes()
    assert len(list(read_mbox_bytes(plain, "plain"))) == 29
    assert len(list(read_mbox_bytes(gzip.compress(plain), "gz"))) == 29
    # a month without mail: HyperKitty's compressor flushes an empty gzip member
    assert list(read_mbox_bytes(gzip_stream([]), "empty")) == []
    assert list(read_mbox_bytes(b"", "nothing")) == []


def test_a_damaged_export_keeps_what_came_before() -> None:
    data = gzip.compress((LIST / "backports-2023.mbox").read_bytes())
    mails = []
    with pytest.raises(CorruptSource, match="damaged or truncated"):
        for mail in read_mbox_bytes(data[: len(data) // 2], "cut"):
            mails.append(mail)
    assert 0 < len(mails) < 29 and mails[-1].truncated
