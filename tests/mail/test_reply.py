"""Reply mails: threading headers, Re: subject, the quote with its attribution, and no
header injection from mail or form text."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from reviewbot.mail.reply import (
    GAP,
    Original,
    compose_reply,
    mailto_url,
    quote_lines,
    recipients,
    reply_bytes,
    reply_subject,
)

ORIGINAL = Original(
    msgid="v1p08.1@example.org",
    subject="[PATCH 08/10] storage: fix it",
    author="Backport Robot <backports@example.org>",
    date=datetime(2023, 7, 18, 7, 30, tzinfo=UTC),
    date_header="Tue, 18 Jul 2023 09:30:08 +0200",
    references=("cover.1@example.org",),
    to=("libvir-list@redhat.com",),
    cc=("Ada Reviewer <ada@example.org>", "Lin <lin@example.org>"),
)


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("[PATCH] x", "Re: [PATCH] x"),
        ("Re: [PATCH] x", "Re: [PATCH] x"),
        ("RE: re: AW: x", "Re: x"),
        ("x\r\nBcc: evil@example.com", "Re: x Bcc: evil@example.com"),
    ],
)
def test_reply_subject(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_quote_lines_and_gaps() -> None:
    assert quote_lines(["-old", "", GAP, "+new", GAP]) == ["> -old", ">", "> [...]", "> +new"]


def test_the_eml_parses_with_threading_headers_quote_and_comment() -> None:
    reply = compose_reply(
        ORIGINAL,
        ["-    VIR_LOCK_GUARD lock = virObjectLockGuard(obj);", GAP, "+    virObjectLock(obj);"],
        "Please keep a comment here.\r\n",
        sender="ada <ada@example.org>",
        sender_addresses=["ada@example.org"],
    )
    msg = email.message_from_bytes(reply_bytes(reply), policy=email.policy.default)
    assert msg["Subject"] == "Re: [PATCH 08/10] storage: fix it"
    assert msg["In-Reply-To"] == "<v1p08.1@example.org>"
    assert msg["References"] == "<cover.1@example.org> <v1p08.1@example.org>"
    assert msg["To"] == "Backport Robot <backports@example.org>"
    assert msg["Cc"] == "libvir-list@redhat.com, Lin <lin@example.org>"  # not me
    assert msg["From"] == "ada <ada@example.org>"
    body = msg.get_content()
    assert body.splitlines() == [
        "On Tue, 18 Jul 2023 09:30:08 +0200, Backport Robot <backports@example.org> wrote:",
        "> -    VIR_LOCK_GUARD lock = virObjectLockGuard(obj);",
        "> [...]",
        "> +    virObjectLock(obj);",
        "",
        "Please keep a comment here.",
    ]


def test_no_header_injection_from_mail_or_form() -> None:
    evil = Original(
        msgid="a@b>\r\nBcc: evil@example.com",
        subject="hi\nBcc: evil@example.com",
        author="Eve\r\nBcc: x@example.com <eve@example.org>",
        date=None,
        date_header="Mon\r\nBcc: y@example.com",
        references=("r@b\nX-Evil: 1",),
        to=(),
        cc=(),
    )
    reply = compose_reply(evil, ["line\r\nBcc: z@example.com"], "ok", sender="Me\n<me@x.org>")
    raw = reply_bytes(reply)
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert "Bcc" not in msg and "X-Evil" not in msg
    assert all("\n" not in v and "\r" not in v for _, v in reply.headers)
    assert "\r\n" not in mailto_url(reply).split("body=")[0]


def test_mailto_link_carries_the_reply() -> None:
    url = mailto_url(compose_reply(ORIGINAL, ["+x"], "LGTM"))
    assert url.startswith("mailto:backports@example.org?cc=libvir-list%40redhat.com")
    assert "in-reply-to=%3Cv1p08.1%40example.org%3E" in url
    assert "subject=Re%3A%20%5BPATCH%2008%2F10%5D" in url
    assert "body=On%20Tue" in url and "%0D%0A%3E%20%2Bx%0D%0A" in url


def test_recipients_from_raw_headers() -> None:
    raw = (
        b"From: a@example.org\nTo: List <list@example.org>\nCc: =?utf-8?q?J=C3=A1n?= "
        b"<jan@example.org>, b@example.org\nDate: Tue, 18 Jul 2023 09:30:08 +0200\n\nbody\n"
    )
    date, to, cc = recipients(raw)
    assert date == "Tue, 18 Jul 2023 09:30:08 +0200"
    assert to == ("List <list@example.org>",)
    assert cc[1] == "b@example.org" and "jan@example.org" in cc[0]
