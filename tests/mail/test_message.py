"""reviewbot.mail.message: raw bytes -> Message, with hostile encodings handled, not fatal."""

from __future__ import annotations

import base64
import quopri
from datetime import UTC, datetime

import pytest

from reviewbot.errors import MessageParseError
from reviewbot.mail.message import (
    SYNTHETIC_DOMAIN,
    decode_header,
    find_msgids,
    parse_address,
    parse_date,
    parse_message,
    synthetic_msgid,
)

PATCH = (
    "qemu: fix the thing\n"
    "\n"
    "Signed-off-by: Alice Author <alice@example.org>\n"
    "---\n"
    " src/qemu/qemu_domain.c | 2 +-\n"
    " 1 file changed, 1 insertion(+), 1 deletion(-)\n"
    "\n"
    "diff --git a/src/qemu/qemu_domain.c b/src/qemu/qemu_domain.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/src/qemu/qemu_domain.c\n"
    "+++ b/src/qemu/qemu_domain.c\n"
    "@@ -10,3 +10,3 @@ qemuDomainThing(void)\n"
    " context one\n"
    "-old line\n"
    "+new line\n"
    " context two\n"
)


def raw_mail(
    *headers: str, body: bytes = b"Hello.\n", msgid: str | None = "m1@example.org"
) -> bytes:
    """A message as bytes: the given header lines, a From/Subject default, then the body."""
    head = list(headers)
    names = {h.split(":", 1)[0].lower() for h in head}
    if "from" not in names:
        head.append("From: Alice Author <alice@example.org>")
    if "subject" not in names:
        head.append("Subject: [PATCH] test")
    if msgid is not None and "message-id" not in names:
        head.append(f"Message-ID: <{msgid}>")
    return ("\n".join(head) + "\n\n").encode("latin-1") + body


# -- RFC 2047 headers --------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("=?utf-8?B?W1BBVENIXSBxZW11OiBjYWbDqSBmaXg=?=", "[PATCH] qemu: café fix"),
        ("=?UTF-8?b?W1BBVENIXSBxZW11OiBjYWbDqSBmaXg=?=", "[PATCH] qemu: café fix"),
        ("=?utf-8?Q?[PATCH]_qemu:_caf=C3=A9_fix?=", "[PATCH] qemu: café fix"),
        ("=?iso-8859-1?Q?[PATCH]_qemu:_caf=E9_fix?=", "[PATCH] qemu: café fix"),
        ("=?ISO-8859-1?B?W1BBVENIXSBxZW11OiBjYWbpIGZpeA==?=", "[PATCH] qemu: café fix"),
        # plain text around an encoded word keeps its spaces
        ("Re: [PATCH] =?utf-8?q?caf=C3=A9?= fix", "Re: [PATCH] café fix"),
        # whitespace between two adjacent encoded words is not part of the text
        ("=?utf-8?q?[PATCH]_caf?= =?utf-8?q?=C3=A9_fix?=", "[PATCH] café fix"),
    ],
)
def test_encoded_subject(header: str, expected: str) -> None:
    msg = parse_message(raw_mail(f"Subject: {header}"))
    assert msg.subject == expected
    assert msg.warnings == ()


def test_folded_subject_is_unfolded() -> None:
    msg = parse_message(raw_mail("Subject: [PATCH v2 03/10] qemu: a subject that\n goes on"))
    assert msg.subject == "[PATCH v2 03/10] qemu: a subject that goes on"


@pytest.mark.parametrize(
    ("header", "name", "address"),
    [
        ("=?utf-8?B?SsO2cmcgTcO8bGxlcg==?= <jm@example.org>", "Jörg Müller", "jm@example.org"),
        ("=?utf-8?q?J=C3=B6rg_M=C3=BCller?= <jm@example.org>", "Jörg Müller", "jm@example.org"),
        ("=?iso-8859-1?q?J=F6rg_M=FCller?= <JM@Example.ORG>", "Jörg Müller", "jm@example.org"),
        ('"Alice Author" <alice@example.org>', "Alice Author", "alice@example.org"),
        ("alice@example.org (=?utf-8?q?Al=C3=AFce?=)", "Alïce", "alice@example.org"),
        ("alice@example.org", "alice@example.org", "alice@example.org"),
        # an encoded word may hide a comma (RFC 2047 section 5): "Smith, John"
        ("=?utf-8?q?Smith=2C_John?= <js@example.org>", "Smith, John", "js@example.org"),
        ("=?utf-8?B?TcO8bGxlciwgSsO2cmc=?= <jm@example.org>", "Müller, Jörg", "jm@example.org"),
        ('"=?utf-8?q?Smith=2C_John?=" <js@example.org>', "Smith, John", "js@example.org"),
        # a mailer that encoded the whole header, address included
        ("=?utf-8?q?J=C3=B6rg_=3Cjm=40example=2Eorg=3E?=", "Jörg", "jm@example.org"),
    ],
)
def test_encoded_from(header: str, name: str, address: str) -> None:
    msg = parse_message(raw_mail(f"From: {header}"))
    assert (msg.from_name, msg.from_email) == (name, address)


def test_decode_header_helper() -> None:
    assert decode_header(None) == ""
    assert decode_header("  plain \n\t text ") == "plain text"
    assert decode_header("=?utf-8?q?caf=C3=A9?=") == "café"


def test_unknown_charset_in_header_is_replaced_not_fatal() -> None:
    msg = parse_message(raw_mail("Subject: =?x-no-such-charset?q?caf=C3=A9_=FF?="))
    assert msg.subject.startswith("caf")
    assert "é" in msg.subject  # the UTF-8 bytes decode; the stray byte is replaced
    assert "\ufffd" in msg.subject
    assert msg.body == "Hello.\n"


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        # base64 of impossible length: the header is kept as written
        ("=?utf-8?b?a?=", "=?utf-8?b?a?="),
        ("[PATCH] =?utf-8?b?Zm9v?= =?utf-8?b?x?=", "[PATCH] =?utf-8?b?Zm9v?= =?utf-8?b?x?="),
        ("=?utf-8?b?!!!!?=", ""),  # junk only: decodes to nothing
        ("=?utf-8?q?unterminated", "=?utf-8?q?unterminated"),
    ],
)
def test_malformed_encoded_word_is_not_fatal(subject: str, expected: str) -> None:
    """One bad encoded word must not make the whole mail unparseable."""
    msg = parse_message(raw_mail(f"Subject: {subject}"))
    assert msg.body == "Hello.\n"
    assert msg.subject == expected


@pytest.mark.parametrize("charset", ["idna", "undefined", "punycode"])
def test_codec_that_refuses_replace_is_not_fatal_in_header(charset: str) -> None:
    msg = parse_message(raw_mail(f"Subject: =?{charset}?q?caf=E9?="))
    assert msg.subject.startswith("caf")
    assert msg.msgid == "m1@example.org"


def test_raw_utf8_headers_are_decoded() -> None:
    """RFC 6532 / sloppy mailers: UTF-8 straight in the header, no encoded words."""
    raw = raw_mail(body=b"hi\n").replace(
        b"From: Alice Author <alice@example.org>",
        "From: Daniel P. Berrangé <berrange@example.org>".encode(),
    )
    raw = raw.replace(b"Subject: [PATCH] test", "Subject: [PATCH] qemu: café".encode())
    msg = parse_message(raw)
    assert msg.from_name == "Daniel P. Berrangé"
    assert msg.from_email == "berrange@example.org"
    assert msg.subject == "[PATCH] qemu: café"


@pytest.mark.parametrize(
    "raw",
    [
        # utf-7 "+2AA-" decodes to a lone surrogate even with errors="replace"
        b"Subject: =?utf-7?q?+2AA-?=\nMessage-ID: <s@x>\n"
        b"Content-Type: text/plain; charset=utf-7\n\nhi +2AA- there\n",
        b"Subject: x\nMessage-ID: <s@x>\nContent-Type: text/plain; charset=x\xff\n\nhi\n",
        # a raw 8-bit filename (compat32 hands back a Header object here)
        b"Subject: x\nMessage-ID: <s@x>\nContent-Type: text/plain\n"
        b"Content-Disposition: attachment; filename=a\xff.bin\n\nhi\n",
        "Subject: x\nMessage-ID: <s@x>\nContent-Type: application/pdf\n"
        "Content-Disposition: attachment; filename=résumé.pdf\n\n%PDF\n".encode(),
    ],
)
def test_no_lone_surrogates_reach_the_message(raw: bytes) -> None:
    """Every text field must be encodable, or the database INSERT fails."""
    msg = parse_message(raw)
    texts = [msg.msgid, msg.subject, msg.from_name, msg.from_email, msg.body]
    for text in [*texts, *msg.attachments, *msg.warnings]:
        text.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate
    assert msg.msgid == "s@x"


def test_raw_8bit_header_bytes_do_not_break_parsing() -> None:
    raw = b"From: J\xf6rg <jm@example.org>\nSubject: caf\xe9 \xff\nMessage-ID: <8bit@x.org>\n\nhi\n"
    msg = parse_message(raw)
    assert msg.msgid == "8bit@x.org"
    assert msg.from_email == "jm@example.org"
    assert msg.subject.startswith("caf")
    assert msg.body == "hi\n"


# -- bodies --------------------------------------------------------------------


def test_unknown_charset_in_body_is_replaced_and_warned() -> None:
    raw = raw_mail(
        "Content-Type: text/plain; charset=x-no-such-charset",
        body="café\n".encode() + b"bad \xff byte\n",
    )
    msg = parse_message(raw)
    assert msg.body == "café\nbad \ufffd byte\n"
    assert len(msg.warnings) == 1
    assert "x-no-such-charset" in msg.warnings[0]


@pytest.mark.parametrize("charset", ["idna", "undefined"])
def test_codec_that_refuses_replace_is_not_fatal_in_body(charset: str) -> None:
    raw = raw_mail(f"Content-Type: text/plain; charset={charset}", body=b"plain \xff text\n")
    msg = parse_message(raw)
    assert msg.body.startswith("plain ")
    assert msg.body.endswith(" text\n")
    assert any(charset in w for w in msg.warnings)


@pytest.mark.parametrize(
    ("charset", "payload"),
    [
        ("utf-8", "Grüße, café\n".encode()),
        ("iso-8859-1", "Grüße, café\n".encode("iso-8859-1")),
        ("windows-1252", "Grüße, café\n".encode("cp1252")),
    ],
)
def test_known_body_charsets(charset: str, payload: bytes) -> None:
    msg = parse_message(raw_mail(f"Content-Type: text/plain; charset={charset}", body=payload))
    assert msg.body == "Grüße, café\n"
    assert msg.warnings == ()


def test_crlf_line_endings() -> None:
    raw = (
        b"From: Alice Author <alice@example.org>\r\n"
        b"Subject: [PATCH] crlf\r\n"
        b" continued\r\n"
        b"Message-ID: <crlf@example.org>\r\n"
        b"In-Reply-To: <parent@example.org>\r\n"
        b"\r\n"
        b"line one\r\n"
        b"line two\r\n"
    )
    msg = parse_message(raw)
    assert msg.subject == "[PATCH] crlf continued"
    assert msg.msgid == "crlf@example.org"
    assert msg.in_reply_to == "parent@example.org"
    assert msg.body == "line one\nline two\n"
    assert "\r" not in msg.body
    assert msg.raw == raw  # kept byte for byte


@pytest.mark.parametrize("encoding", ["base64", "quoted-printable"])
def test_transfer_encoded_patch_body(encoding: str) -> None:
    data = PATCH.replace("old line", "old línë").encode()
    encoded = base64.encodebytes(data) if encoding == "base64" else quopri.encodestring(data)
    raw = raw_mail(
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Transfer-Encoding: {encoding}",
        body=encoded,
    )
    msg = parse_message(raw)
    assert msg.body == data.decode()
    assert "-old línë\n+new line\n" in msg.body


@pytest.mark.parametrize(
    ("payload", "body"),
    [
        (b"SGVsbG8sI\n", "SGVsbG8sI\n"),  # impossible length: kept undecoded
        (b"SGVsbG8s\n!!!\n===\n", "Hello,\n"),  # junk characters skipped
        (b"\xff\xfe\x00\n", ""),  # nothing decodable
    ],
)
def test_broken_base64_body_is_not_fatal(payload: bytes, body: str) -> None:
    raw = raw_mail("Content-Transfer-Encoding: base64", body=payload)
    msg = parse_message(raw)
    assert msg.msgid == "m1@example.org"
    assert msg.body == body


def multipart(*parts: bytes, subtype: str = "mixed", boundary: str = "==BOUNDARY==") -> bytes:
    """A multipart message made of the given parts (each: headers, blank line, body)."""
    body = b"This is a multi-part message in MIME format.\n"
    for part in parts:
        body += f"--{boundary}\n".encode() + part + b"\n"
    body += f"--{boundary}--\n".encode()
    return raw_mail(
        "MIME-Version: 1.0",
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"',
        body=body,
    )


TEXT_PART = b"Content-Type: text/plain; charset=utf-8\n\nHere is the fix, see attached.\n"


@pytest.mark.parametrize(
    "attachment_headers",
    [
        b'Content-Type: text/x-patch; charset=utf-8; name="0001-fix.patch"\n'
        b'Content-Disposition: attachment; filename="0001-fix.patch"\n',
        b'Content-Type: text/x-diff; name="fix.diff"\n'
        b'Content-Disposition: attachment; filename="fix.diff"\n',
        b'Content-Type: text/plain; charset=utf-8; name="0001-fix.patch"\n'
        b'Content-Disposition: attachment; filename="0001-fix.patch"\n',
        b'Content-Type: application/octet-stream; name="0001-fix.patch"\n'
        b'Content-Disposition: attachment; filename="0001-fix.patch"\n',
    ],
    ids=["text/x-patch", "text/x-diff", "text/plain+.patch", "octet-stream+.patch"],
)
def test_patch_attachment_ends_up_in_body(attachment_headers: bytes) -> None:
    attachment = attachment_headers + b"Content-Transfer-Encoding: 8bit\n\n" + PATCH.encode()
    msg = parse_message(multipart(TEXT_PART, attachment))
    assert msg.body.startswith("Here is the fix, see attached.\n")
    assert PATCH in msg.body
    assert msg.attachments == ()


def test_base64_patch_attachment_is_decoded_into_body() -> None:
    attachment = (
        b'Content-Type: text/x-patch; name="0001-fix.patch"\n'
        b'Content-Disposition: attachment; filename="0001-fix.patch"\n'
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(PATCH.encode())
    )
    msg = parse_message(multipart(TEXT_PART, attachment))
    assert PATCH in msg.body


def test_html_only_mail_keeps_text_drops_tags() -> None:
    raw = raw_mail(
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=utf-8",
        body=b"<html><body><p>Looks <b>good</b> to me.</p>"
        b"<p>Reviewed-by: Bob &lt;bob@example.org&gt;</p></body></html>\n",
    )
    msg = parse_message(raw)
    assert "Looks" in msg.body
    assert "good" in msg.body
    assert "Reviewed-by: Bob <bob@example.org>" in msg.body
    assert "<" + "p>" not in msg.body
    assert "<b>" not in msg.body
    assert "html" not in msg.body


def test_html_alternative_is_ignored_when_text_exists() -> None:
    html = b"Content-Type: text/html; charset=utf-8\n\n<p>HTML VERSION</p>\n"
    msg = parse_message(multipart(TEXT_PART, html, subtype="alternative"))
    assert msg.body == "Here is the fix, see attached.\n"
    assert "HTML VERSION" not in msg.body


def test_binary_attachment_is_listed_not_in_body() -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    attachment = (
        b'Content-Type: image/png; name="screenshot.png"\n'
        b'Content-Disposition: attachment; filename="screenshot.png"\n'
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(png)
    )
    blob = (
        b"Content-Type: application/octet-stream\n"
        b"Content-Transfer-Encoding: base64\n\n" + base64.encodebytes(b"\x00\x01\x02" * 50)
    )
    msg = parse_message(multipart(TEXT_PART, attachment, blob))
    assert msg.body == "Here is the fix, see attached.\n"
    assert msg.attachments == ("screenshot.png", "application/octet-stream")
    assert "PNG" not in msg.body
    assert base64.encodebytes(png)[:20].decode() not in msg.body


# -- Message-ID, threading headers ---------------------------------------------


def test_message_id_without_brackets_and_case_kept() -> None:
    msg = parse_message(raw_mail("Message-ID:  <Cover.1689665401.GIT.a@Example.org> "))
    assert msg.msgid == "Cover.1689665401.GIT.a@Example.org"
    assert msg.msgid_synthetic is False


def test_missing_message_id_gets_stable_synthetic_id() -> None:
    raw = raw_mail(msgid=None)
    first, again = parse_message(raw), parse_message(bytes(raw))
    assert first.msgid_synthetic is True
    assert first.msgid == again.msgid == synthetic_msgid(raw)
    assert first.msgid.endswith("@" + SYNTHETIC_DOMAIN)
    other = parse_message(raw.replace(b"Hello.", b"Hello!"))
    assert other.msgid != first.msgid
    assert other.msgid_synthetic is True


def test_garbage_message_id_counts_as_missing() -> None:
    raw = raw_mail("Message-ID: no brackets here")
    msg = parse_message(raw)
    assert msg.msgid_synthetic is True
    assert msg.msgid == synthetic_msgid(raw)


def test_references_and_in_reply_to_in_order() -> None:
    raw = raw_mail(
        "References: <root@example.org>\n <mid@example.org>\t<leaf@example.org>",
        "In-Reply-To: <leaf@example.org> (Alice's message of Tue)",
    )
    msg = parse_message(raw)
    assert msg.references == ("root@example.org", "mid@example.org", "leaf@example.org")
    assert msg.in_reply_to == "leaf@example.org"
    assert msg.parent == "leaf@example.org"


def test_in_reply_to_outside_references_is_appended() -> None:
    raw = raw_mail("References: <a@x.org> <b@x.org>", "In-Reply-To: <c@x.org>")
    msg = parse_message(raw)
    assert msg.references == ("a@x.org", "b@x.org", "c@x.org")
    assert msg.in_reply_to == "c@x.org"


def test_references_without_in_reply_to() -> None:
    msg = parse_message(raw_mail("References: <a@x.org> <b@x.org> <a@x.org>"))
    assert msg.references == ("a@x.org", "b@x.org")  # duplicates dropped, order kept
    assert msg.in_reply_to is None
    assert msg.parent == "b@x.org"


def test_self_reference_is_dropped() -> None:
    raw = raw_mail("References: <a@x.org> <m1@example.org>", "In-Reply-To: <m1@example.org>")
    msg = parse_message(raw)
    assert msg.references == ("a@x.org",)
    assert msg.in_reply_to is None


@pytest.mark.parametrize(
    "header",
    ["In-Reply-To: cover.1@example.org", "In-Reply-To:  cover.1@example.org "],
)
def test_bare_in_reply_to_as_hyperkitty_exports_write_it(header: str) -> None:
    msg = parse_message(raw_mail(header))
    assert msg.in_reply_to == "cover.1@example.org"
    assert msg.references == ("cover.1@example.org",)


@pytest.mark.parametrize(
    "header", ["In-Reply-To: Alice's message of Tue", "In-Reply-To: a@x.org (Alice)"]
)
def test_in_reply_to_prose_is_no_message_id(header: str) -> None:
    assert parse_message(raw_mail(header)).in_reply_to is None


def test_find_msgids() -> None:
    # anything in angle brackets is an id (hand-written mails use ids without "@")
    assert find_msgids("<a@b> junk <c.d> <nodot> <e f@g>") == ["a@b", "c.d", "nodot"]
    assert find_msgids("") == []


# -- pipermail From, dates -----------------------------------------------------


@pytest.mark.parametrize(
    ("header", "name", "address"),
    [
        (
            "nshirokovskiy at virtuozzo.com (Nikolay Shirokovskiy)",
            "Nikolay Shirokovskiy",
            "nshirokovskiy@virtuozzo.com",
        ),
        (
            "berrange at Redhat.COM (Daniel P. Berrangé)",
            "Daniel P. Berrangé",
            "berrange@redhat.com",
        ),
        (
            "berrange at redhat.com (Daniel P. =?utf-8?q?Berrang=C3=A9?=)",
            "Daniel P. Berrangé",
            "berrange@redhat.com",
        ),
        ("jdenemar at redhat.com", "jdenemar@redhat.com", "jdenemar@redhat.com"),
    ],
)
def test_pipermail_obscured_from(header: str, name: str, address: str) -> None:
    msg = parse_message(raw_mail(f"From: {header}".encode().decode("latin-1")))
    assert (msg.from_name, msg.from_email) == (name, address)


def test_parse_address_helper() -> None:
    assert parse_address("Bob <BOB@Example.org>") == ("Bob", "bob@example.org")
    assert parse_address("bob at example.org (Bob B)") == ("Bob B", "bob@example.org")
    assert parse_address("") == ("", "")


def test_date_is_utc() -> None:
    msg = parse_message(raw_mail("Date: Tue, 18 Jul 2023 09:30:00 +0200"))
    assert msg.date == datetime(2023, 7, 18, 7, 30, tzinfo=UTC)
    assert msg.warnings == ()


@pytest.mark.parametrize(
    "value",
    [
        "yesterday, around noon",
        "Thu, 99 Foo 2020 99:99",
        "Thu, 31 Feb 2016 10:04:02 +0000",
        "Thu, 27 Oct 99999 10:04:02 +0000",
    ],
)
def test_unparsable_date_warns_and_is_none(value: str) -> None:
    msg = parse_message(raw_mail(f"Date: {value}"))
    assert msg.date is None
    assert len(msg.warnings) == 1
    assert "Date" in msg.warnings[0]
    assert value in msg.warnings[0]


def test_missing_date_is_none_without_warning() -> None:
    msg = parse_message(raw_mail())
    assert msg.date is None
    assert msg.warnings == ()
    assert parse_date(None) is None


# -- what cannot be parsed -----------------------------------------------------


@pytest.mark.parametrize("raw", [b"", b"\n\n  \n", b"just some text\nwith no headers\n"])
def test_unparsable_raises_message_parse_error(raw: bytes) -> None:
    with pytest.raises(MessageParseError):
        parse_message(raw)
