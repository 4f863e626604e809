"""reviewbot.ingest.mbox: files and folders -> raw messages, bad input named by path."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest

from reviewbot.errors import (
    CorruptSource,
    InputError,
    SourceNotFound,
    UnsupportedSource,
)
from reviewbot.ingest.mbox import SEPARATOR, RawMail, read_mbox_stream, read_path

# A pipermail monthly archive as mailman 2 writes it: "user at host" addresses,
# and body lines starting with "From " left unescaped.
PIPERMAIL = b"""\
From alice at example.org  Thu Oct 27 10:04:02 2016
From: alice at example.org (Alice Author)
Date: Thu, 27 Oct 2016 10:04:02 +0000
Subject: [libvirt] [PATCH] qemu: fix the agent
Message-ID: <p1@example.org>

From what I've seen in the logs the agent goes away.
From 2016 onwards this has been broken.
From alice at example.org the fix is below.
>From quoted, and not an mboxrd escape in pipermail.

From bob at example.org  Thu Oct 27 11:00:00 2016
From: bob at example.org (Bob Reviewer)
Date: Thu, 27 Oct 2016 11:00:00 +0000
Subject: [libvirt] [PATCH] qemu: fix the agent
In-Reply-To: <p1@example.org>
References: <p1@example.org>
Message-ID: <p2@example.org>

From my side: looks good.

From carol at example.org  Fri Oct 28 09:15:42 2016
From: carol at example.org (Carol)
Date: Fri, 28 Oct 2016 09:15:42 +0000
Subject: [libvirt] [PATCH] qemu: fix the agent
In-Reply-To: <p2@example.org>
Message-ID: <p3@example.org>

Agreed.

"""


def message(n: int, body: str = "Body text.\n") -> bytes:
    return (
        f"From: Dev {n} <dev{n}@example.org>\n"
        f"Subject: [PATCH {n}/3] part {n}\n"
        f"Message-ID: <m{n}@example.org>\n"
        "Date: Tue, 18 Jul 2023 09:30:00 +0200\n"
        f"\n{body}"
    ).encode()


def mbox(*messages: bytes, separator: bytes = b"From mboxrd@z Thu Jan  1 00:00:00 1970") -> bytes:
    return b"".join(separator + b"\n" + m.rstrip(b"\n") + b"\n\n" for m in messages)


def read_all(path: Path) -> list[RawMail]:
    return list(read_path(path))


# -- splitting -----------------------------------------------------------------


@pytest.mark.parametrize("compressed", [False, True], ids=["txt", "txt.gz"])
def test_pipermail_not_split_on_body_from_lines(tmp_path: Path, compressed: bool) -> None:
    path = tmp_path / ("2016-October.txt.gz" if compressed else "2016-October.txt")
    path.write_bytes(gzip.compress(PIPERMAIL) if compressed else PIPERMAIL)
    mails = read_all(path)
    assert len(mails) == 3
    assert [m.position for m in mails] == [0, 1, 2]
    assert all(m.source == str(path) for m in mails)
    assert not any(m.truncated for m in mails)
    first = mails[0].raw
    assert first.startswith(b"From: alice at example.org (Alice Author)\n")
    assert b"\nFrom what I've seen in the logs the agent goes away.\n" in first
    assert b"\nFrom 2016 onwards this has been broken.\n" in first
    assert b"\nFrom alice at example.org the fix is below.\n" in first
    # pipermail does not escape, so ">From" is the author's own text and stays
    assert b"\n>From quoted, and not an mboxrd escape in pipermail." in first
    assert first.endswith(b"in pipermail.\n")  # the blank line before a separator dropped
    assert b"From my side: looks good.\n" in mails[1].raw
    assert b"Message-ID: <p3@example.org>" in mails[2].raw
    assert mails[2].raw.endswith(b"Agreed.\n")


def test_plain_mbox_not_split_on_unescaped_from(tmp_path: Path) -> None:
    """mboxo files written by careless tools have bare "From " body lines too."""
    path = tmp_path / "sloppy.mbox"
    path.write_bytes(mbox(message(1, "From what I've seen ...\nFrom here on.\n"), message(2)))
    mails = read_all(path)
    assert len(mails) == 2
    assert b"\nFrom what I've seen ...\nFrom here on.\n" in mails[0].raw


def test_mboxrd_from_escaping_is_undone(tmp_path: Path) -> None:
    body = ">From the start.\n>>From a quote.\n>>>From deeper.\n> From not an escape\n"
    path = tmp_path / "rd.mbox"
    path.write_bytes(mbox(message(1, body), message(2, ">From again.\n")))
    mails = read_all(path)
    assert len(mails) == 2
    assert mails[0].raw.endswith(
        b"\nFrom the start.\n>From a quote.\n>>From deeper.\n> From not an escape\n"
    )
    assert mails[1].raw.endswith(b"\nFrom again.\n")


@pytest.mark.parametrize(
    "separator",
    [
        b"From mboxrd@z Thu Jan  1 00:00:00 1970",
        b"From MAILER-DAEMON Wed Nov 25 16:49:39 2026",
        b"From 3f786850e387550fdab836ed7e6dc881de23001b Mon Sep 17 00:00:00 2001",  # git
        b"From alice@example.org Tue Jul 18 09:30:00 +0200 2023",
        b"From - Tue Jul 18 09:30:00 2023",  # Thunderbird
    ],
)
def test_separator_variants(tmp_path: Path, separator: bytes) -> None:
    assert SEPARATOR.match(separator)
    path = tmp_path / "x.mbox"
    path.write_bytes(mbox(message(1), message(2), message(3), separator=separator))
    mails = read_all(path)
    assert [m.raw for m in mails] == [message(n) for n in (1, 2, 3)]


@pytest.mark.parametrize(
    "line",
    [
        b"From what I've seen ...",
        b"From: Alice <alice@example.org>",
        b"From alice@example.org",
        b"From alice at example.org on Thu Oct 27 2016, replying",
    ],
)
def test_prose_is_not_a_separator(line: bytes) -> None:
    assert not SEPARATOR.match(line)


def test_crlf_mbox(tmp_path: Path) -> None:
    path = tmp_path / "crlf.mbox"
    path.write_bytes(mbox(message(1), message(2)).replace(b"\n", b"\r\n"))
    mails = read_all(path)
    assert [m.raw for m in mails] == [message(1), message(2)]


def test_gzip_mbox_equals_plain(tmp_path: Path) -> None:
    data = mbox(message(1), message(2), message(3))
    plain, packed = tmp_path / "a.mbox", tmp_path / "a.mbox.gz"
    plain.write_bytes(data)
    packed.write_bytes(gzip.compress(data))
    assert [m.raw for m in read_all(packed)] == [m.raw for m in read_all(plain)]
    assert len(read_all(packed)) == 3


def test_gzip_is_detected_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "archive.mbox"  # no .gz suffix
    path.write_bytes(gzip.compress(mbox(message(1))))
    assert [m.raw for m in read_all(path)] == [message(1)]


@pytest.mark.parametrize("crlf", [False, True])
def test_single_eml(tmp_path: Path, crlf: bool) -> None:
    data = message(1, "From what I've seen, fine.\n")
    if crlf:
        data = data.replace(b"\n", b"\r\n")
    path = tmp_path / "one.eml"
    path.write_bytes(data)
    mails = read_all(path)
    assert len(mails) == 1
    assert mails[0].raw == data
    assert mails[0].position == 0
    assert mails[0].truncated is False


def test_eml_with_leading_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "one.eml"
    path.write_bytes(b"\n\n" + message(1))
    assert [m.raw for m in read_all(path)] == [message(1)]


def test_maildir(tmp_path: Path) -> None:
    box = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (box / sub).mkdir(parents=True)
    (box / "cur" / "1689665401.M1P1.host:2,S").write_bytes(message(1))
    (box / "cur" / "1689665402.M2P1.host:2,RS").write_bytes(message(2).replace(b"\n", b"\r\n"))
    (box / "new" / "1689665403.M3P1.host").write_bytes(message(3))
    (box / "new" / ".hidden").write_bytes(message(4))
    (box / "tmp" / "1689665404.M4P1.host").write_bytes(message(5))  # still being delivered
    mails = read_all(box)
    assert [m.raw for m in mails] == [message(1), message(2), message(3)]
    assert [m.position for m in mails] == [0, 1, 2]
    assert mails[2].source == str(box / "new" / "1689665403.M3P1.host")


def test_empty_maildir_yields_nothing(tmp_path: Path) -> None:
    for sub in ("cur", "new"):
        (tmp_path / sub).mkdir()
    assert read_all(tmp_path) == []


def test_missing_final_newline_is_not_truncation(tmp_path: Path) -> None:
    """Many tools write no newline after the last line; nothing in a plain file tells
    that from a cut one, so neither is called truncated (a cut gzip still is)."""
    data = mbox(message(1), message(2), message(3, "the last line, no newline\n"))
    path = tmp_path / "no-newline.mbox"
    path.write_bytes(data.rstrip(b"\n"))
    mails = read_all(path)
    assert len(mails) == 3
    assert [m.truncated for m in mails] == [False, False, False]
    assert mails[2].raw.endswith(b"the last line, no newline")
    assert mails[0].raw == message(1)
    single = tmp_path / "one.eml"
    single.write_bytes(message(4).rstrip(b"\n"))
    assert [m.truncated for m in read_all(single)] == [False]


def test_stream_reader_directly() -> None:
    mails = list(read_mbox_stream(io.BytesIO(mbox(message(1), message(2))), "<stdin>"))
    assert [m.source for m in mails] == ["<stdin>", "<stdin>"]
    assert [m.raw for m in mails] == [message(1), message(2)]


# -- bad input -----------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    path = tmp_path / "no-such.mbox"
    with pytest.raises(SourceNotFound) as info:
        read_all(path)
    assert str(path) in str(info.value)
    assert "no such file" in str(info.value)
    assert info.value.exit_code == 2


@pytest.mark.parametrize("content", [b"", b"\n", b"\n\n  \n\t\n"], ids=["zero", "nl", "blank"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "empty.mbox"
    path.write_bytes(content)
    with pytest.raises(UnsupportedSource) as info:
        read_all(path)
    assert str(path) in str(info.value)
    assert "empty" in str(info.value)


def test_empty_gzip_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mbox.gz"
    path.write_bytes(gzip.compress(b""))
    with pytest.raises(UnsupportedSource, match="empty"):
        read_all(path)


def test_directory_that_is_not_a_maildir(tmp_path: Path) -> None:
    folder = tmp_path / "archives"
    (folder / "cur").mkdir(parents=True)  # cur/ alone is not enough
    (folder / "2023-July.txt").write_bytes(PIPERMAIL)
    with pytest.raises(UnsupportedSource) as info:
        read_all(folder)
    assert str(folder) in str(info.value)
    assert "not a maildir" in str(info.value)


def test_truncated_gzip_raises_after_complete_messages(tmp_path: Path) -> None:
    messages = [message(n, f"line {n} with some text {n * 7919}\n" * 60) for n in range(40)]
    data = gzip.compress(mbox(*messages))
    path = tmp_path / "2023-July.txt.gz"
    path.write_bytes(data[: len(data) // 2])
    got: list[RawMail] = []
    with pytest.raises(CorruptSource) as info:
        for mail in read_path(path):
            got.append(mail)
    assert str(path) in str(info.value)
    assert "truncated" in str(info.value)
    assert 5 < len(got) < 40
    whole, partial = got[:-1], got[-1]
    assert [m.raw for m in whole] == messages[: len(whole)]  # every complete mail is whole
    assert not any(m.truncated for m in whole)
    # the part of the last message read before the damage is kept, and flagged
    assert partial.truncated and messages[len(whole)].startswith(partial.raw[:60])


def test_gzip_magic_with_garbage(tmp_path: Path) -> None:
    path = tmp_path / "bad.gz"
    path.write_bytes(b"\x1f\x8b" + b"this is not deflate data at all" * 10)
    with pytest.raises(CorruptSource) as info:
        read_all(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        b"Dear reviewers, here is my patch.\nFrom: nobody\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"<html><body>From the list</body></html>\n",
    ],
    ids=["png", "prose", "pdf", "html"],
)
def test_not_an_mbox(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.mbox"
    path.write_bytes(content)
    with pytest.raises(UnsupportedSource) as info:
        read_all(path)
    assert str(path) in str(info.value)
    assert "not an mbox" in str(info.value)


def test_all_input_errors_are_input_errors() -> None:
    for cls in (SourceNotFound, UnsupportedSource, CorruptSource):
        assert issubclass(cls, InputError)
        assert cls("x").exit_code == 2


# /proc/self/mem exists and is a regular file, but reading it from offset 0 fails
# with EIO even for root: a stand-in for an unreadable file (EACCES, a bad disk).
UNREADABLE = Path("/proc/self/mem")
needs_unreadable = pytest.mark.skipif(
    not UNREADABLE.is_file(), reason="needs Linux /proc/self/mem as an unreadable file"
)


@needs_unreadable
def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.mbox"
    path.symlink_to(UNREADABLE)
    with pytest.raises(CorruptSource) as info:
        read_all(path)
    assert str(path) in str(info.value)
    assert "cannot read" in str(info.value)


@needs_unreadable
def test_unreadable_maildir_file_does_not_hide_the_others(tmp_path: Path) -> None:
    for sub in ("cur", "new"):
        (tmp_path / sub).mkdir()
    (tmp_path / "cur" / "1.host:2,S").write_bytes(message(1))
    (tmp_path / "cur" / "2.host:2,S").symlink_to(UNREADABLE)
    (tmp_path / "new" / "3.host").write_bytes(message(3))
    got: list[RawMail] = []
    with pytest.raises(CorruptSource) as info:
        for mail in read_path(tmp_path):
            got.append(mail)
    assert [m.raw for m in got] == [message(1), message(3)]
    assert str(tmp_path / "cur" / "2.host:2,S") in str(info.value)
