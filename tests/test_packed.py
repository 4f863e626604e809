"""reviewbot/packed.py: raw bytes compressed and back, bodies derived or kept."""

from __future__ import annotations

import pytest

from reviewbot.mail.message import parse_message
from reviewbot.packed import (
    body_from,
    derived_body,
    derived_section,
    pack,
    pack_texts,
    slice_or_text,
    stored_body,
    stored_section,
    unpack,
    unpack_texts,
)
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


@pytest.mark.parametrize(
    "texts", [(), ("",), ("", ""), ("a\x00b", "3,4:x"), ("caf\xe9\n" * 20, "\u2603")]
)
def test_packed_texts_come_back_exactly(texts: tuple[str, ...]) -> None:
    assert unpack_texts(pack_texts(*texts)) == texts


def test_a_quote_and_its_evidence_cost_less_packed_together() -> None:
    quoted = "@@ -10,6 +10,7 @@ qemuProcessStop(virDomainObj *vm,\n     int ret;\n+    bool x;"
    evidence = (
        f"under quoted new line 12 of src/a.c, hunk 0 ({quoted.splitlines()[0]}): '+ bool x;'"
    )
    together = len(pack_texts(quoted, evidence))
    assert together < len(pack_texts(quoted)) + len(pack_texts(evidence)) - 40


SECTIONS = [
    ("@@ -1,2 +1,3 @@ static int foo(void)", "static int foo(void)"),
    ("@@ -1,2 +1,3 @@", ""),
    ("@@ -1,2 +1,3 @@  two spaces ", "two spaces"),
    ("@@ -1,2 +1,3 @@ a @@ b", "a @@ b"),
    ("@@ -1,2 +1,3 @@ caf\xe9\t", "caf\xe9\t"),
    ("no closing", None),
]


@pytest.mark.parametrize(("header", "section"), SECTIONS)
def test_a_hunk_section_comes_from_its_header(header: str, section: str | None) -> None:
    assert derived_section(header) == section


def test_a_section_the_header_does_not_give_is_kept() -> None:
    assert stored_section("@@ -1,2 +1,3 @@ foo", "foo") is None
    assert stored_section("@@ -1,2 +1,3 @@ foo\t", "foo") == "foo"  # unidiff strips more
