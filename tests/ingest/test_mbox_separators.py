"""mbox files as the tools that write them do (issue 14, item 9).

mbox, mboxo and mboxrd split on any "From " line after a blank line (or at the
start) that headers follow, dated or not; pipermail's text archives keep their
strict separator, since pipermail escapes nothing; one odd separator never costs
the whole file, and a missing final newline is not truncation.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from reviewbot.errors import CorruptSource, UnsupportedSource
from reviewbot.ingest.mbox import RawMail, read_path
from tests.conftest import run_cli
from tests.ingest.test_mbox import message


def mbox(*separators: bytes, bodies: tuple[str, ...] = ()) -> bytes:
    """One message after each separator line, each followed by a blank line."""
    out = b""
    for n, separator in enumerate(separators, 1):
        body = bodies[n - 1] if n <= len(bodies) else "Body text.\n"
        out += separator + b"\n" + message(n, body) + b"\n"
    return out


def read(tmp_path: Path, data: bytes, name: str = "x.mbox") -> list[RawMail]:
    path = tmp_path / name
    path.write_bytes(data)
    return list(read_path(path))


@pytest.mark.parametrize(
    "separator",
    [b"From nobody", b"From A", b"From somebody", b"From MAILER-DAEMON", b"From "],
)
def test_separators_without_a_date(tmp_path: Path, separator: bytes) -> None:
    mails = read(tmp_path, mbox(separator, separator, separator))
    assert [m.raw for m in mails] == [message(1), message(2), message(3)]
    assert [m.envelope_date for m in mails] == [None, None, None]


def test_dated_and_undated_separators_mixed(tmp_path: Path) -> None:
    data = mbox(b"From alice@example.org Tue Jul 18 09:30:00 2023", b"From nobody", b"From A")
    mails = read(tmp_path, data)
    assert [m.raw for m in mails] == [message(1), message(2), message(3)]
    assert mails[0].envelope_date is not None and mails[1].envelope_date is None


@pytest.mark.parametrize(
    "first",
    [
        b"From",  # nothing after it
        b"\xef\xbb\xbfFrom nobody",  # a byte-order mark in front
        b">From nobody Tue Jul 18 09:30:00 2023",  # escaped by a confused tool
        b"FROM nobody",
        b"Fromalice@example.org Tue Jul 18 09:30:00 2023",  # the space lost
    ],
)
def test_a_damaged_first_separator_still_starts_the_first_message(
    tmp_path: Path, first: bytes
) -> None:
    mails = read(tmp_path, mbox(first, b"From nobody", b"From nobody"))
    assert [m.raw for m in mails] == [message(1), message(2), message(3)]


def test_bytes_that_are_not_mail_before_the_first_separator(tmp_path: Path) -> None:
    junk = b"\x00\x01 garbage left by a crashed writer\n" * 20 + b"\n"
    path = tmp_path / "x.mbox"
    path.write_bytes(junk + mbox(b"From nobody", b"From nobody"))
    got: list[RawMail] = []
    with pytest.raises(CorruptSource) as info:
        got.extend(read_path(path))
    assert [m.raw for m in got] == [message(1), message(2)]  # read first, then reported
    assert str(path) in str(info.value) and f"{len(junk):,} bytes" in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        "From what I've seen ...\nFrom here on.\n",  # prose right after the headers
        "Hello,\n\nFrom my side: fine.\n\nFrom A to B it works.\nThanks.\n",
        "Quoted:\n\nFrom nobody\n> not a header line\n",
    ],
)
def test_prose_is_not_split(tmp_path: Path, body: str) -> None:
    mails = read(tmp_path, mbox(b"From nobody", b"From nobody", bodies=(body,)))
    assert [m.raw for m in mails] == [message(1, body), message(2)]


def test_a_from_line_needs_a_blank_line_before_it(tmp_path: Path) -> None:
    body = "Some text\nFrom nobody\nSubject: not a new mail\n"
    mails = read(tmp_path, mbox(b"From nobody", b"From nobody", bodies=(body,)))
    assert [m.raw for m in mails] == [message(1, body), message(2)]


def test_pipermail_keeps_its_strict_separator(tmp_path: Path) -> None:
    """pipermail escapes nothing: a body's blank line, "From x" and a header-like line
    stay in the body there."""
    body = "Forwarded:\n\nFrom nobody\nSubject: the original\n\nText.\n"
    data = (
        b"From alice at example.org  Thu Oct 27 10:04:02 2016\n"
        + message(1, body)
        + b"\nFrom bob at example.org  Thu Oct 27 11:00:00 2016\n"
        + message(2)
    )
    mails = read(tmp_path, data, "2016-October.txt")
    assert [m.raw for m in mails] == [message(1, body), message(2)]
    # the same body in a plain mbox is two mails: mbox writers escape a real "From "
    assert len(read(tmp_path, mbox(b"From nobody", bodies=(body,)))) == 2


def test_one_odd_separator_does_not_cost_the_file(tmp_path: Path) -> None:
    data = mbox(b"From mboxrd@z Thu Jan  1 00:00:00 1970", b"From ???", b"From nobody 12:00")
    assert [m.raw for m in read(tmp_path, data)] == [message(1), message(2), message(3)]


def test_missing_final_newline_is_neither_truncation_nor_lost(tmp_path: Path) -> None:
    mails = read(tmp_path, mbox(b"From nobody", b"From nobody").rstrip(b"\n"))
    assert [m.raw for m in mails] == [message(1), message(2).rstrip(b"\n")]
    assert not any(m.truncated for m in mails)


def test_gzip_with_undated_separators(tmp_path: Path) -> None:
    data = gzip.compress(mbox(b"From nobody", b"From A"))
    assert [m.raw for m in read(tmp_path, data, "x.mbox.gz")] == [message(1), message(2)]


@pytest.mark.parametrize(
    "content",
    [b"Dear reviewers, here is my patch.\nFrom: nobody\n", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"],
)
def test_still_not_an_mbox(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(UnsupportedSource, match="not an mbox"):
        read(tmp_path, content)


def test_import_mbox_of_undated_separators_exits_0(tmp_path: Path) -> None:
    path = tmp_path / "nobody.mbox"
    path.write_bytes(mbox(b"From nobody", b"From somebody", b"From A").rstrip(b"\n"))
    done = run_cli("import-mbox", "--db", tmp_path / "t.db", "--json", path)
    assert done.exit_code == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["messages_new"], report["errors"]) == (3, [])
