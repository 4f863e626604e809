"""reviewbot/packed.py: raw bytes compressed and back, bodies derived or kept."""

from __future__ import annotations

import pytest

from reviewbot.mail.message import parse_message
from reviewbot.packed import body_from, derived_body, pack, slice_or_text, stored_body, unpack
from tests.conftest import diff_body, mail

HOSTILE = [
    b"",
    b"\x00",
    b"From: a@x\n\nNUL \x00 inside\n",
    b"From: a@x\nSubject: \xff\xfe latin-1 \xe9\n\nbody \xe9t\xe9\n",
    b"From: a@x\r\nSubject: crlf\r\n\r\nline\r\n",
    bytes(range(256)) * 40,
]


@pytest.mark.parametrize("raw", HOSTILE + [mail("m@x", "[PATCH] x", diff_body()).encode()])
def test_raw_bytes_come_back_exactly(raw: bytes) -> None:
    assert unpack(pack(raw)) == raw


def test_list_mail_shrinks_with_the_dictionary() -> None:
    raw = mail("m@x", "[PATCH 1/3] qemu: fix it", diff_body()).encode()
    assert len(pack(raw)) < len(raw) / 2


def test_a_plain_mail_needs_no_stored_body() -> None:
    raw = mail("m@x", "[PATCH] x", diff_body()).encode()
    parsed = parse_message(raw)
    assert stored_body(raw, parsed.body) is None
    assert body_from(pack(raw)) == parsed.body


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@x\nContent-Transfer-Encoding: base64\n\naGVsbG8K\n",
        b"From: a@x\n\nNUL \x00 inside\n",  # stored with a visible replacement
        b"From: a@x\r\n\r\ncrlf\r\n",
        b"From: a@x\nContent-Type: text/plain; charset=latin-1\n\n\xe9t\xe9\n",
    ],
)
def test_a_body_the_bytes_do_not_give_is_kept(raw: bytes) -> None:
    body = parse_message(raw).body
    assert stored_body(raw, body) == body


def test_derived_body_needs_a_header_block_and_utf8() -> None:
    assert derived_body(b"no blank line") is None
    assert derived_body(b"From: a@x\n\n\xff\n") is None
    assert derived_body(b"From: a@x\n\n") == ""
    assert derived_body(b"From: a@x\n\ntext\n\n\n") == "text\n"


def test_a_text_is_a_slice_of_its_body_or_kept() -> None:
    body = "commit message\n---\n diff\n"
    assert slice_or_text(body, " diff\n") == (None, 19, 6)
    assert slice_or_text(body, "elsewhere") == ("elsewhere", None, None)
    assert slice_or_text(body, "commit", start=5) == ("commit", None, None)
    assert slice_or_text(body, "") == (None, 0, 0)
