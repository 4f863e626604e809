"""A reply mail, ready for `git send-email` or mutt: headers that thread it under the
mail it answers, the chosen lines quoted under an attribution, the comment after.  (pure)

Everything here comes from mail or from a form: no CR, LF or other control
character ever reaches a header (they become blanks), and the message is built
by the email package, which encodes what is not ASCII.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from urllib.parse import quote

from reviewbot.mail.message import decode_header

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]+")
_RE = re.compile(r"^\s*(re|aw|sv)\s*:\s*", re.I)
MAX_COMMENT = 20_000
GAP = None  # in a list of quoted lines: lines left out between two chosen ones


@dataclass(frozen=True)
class Original:
    """The mail being answered, as far as the reply needs it."""

    msgid: str
    subject: str
    author: str  # "Name <address>"
    date: datetime | None
    date_header: str  # its Date: as written, for the attribution ("" if none)
    references: tuple[str, ...]  # its References, oldest first
    to: tuple[str, ...]  # its To: and Cc: addresses, "Name <address>"
    cc: tuple[str, ...]


@dataclass(frozen=True)
class ReplyMail:
    """A composed reply: its headers in order and its text."""

    headers: tuple[tuple[str, str], ...]
    body: str

    def header(self, name: str) -> str:
        """One header's value ("" when absent)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


def one_line(text: str) -> str:
    """Text safe for a header: control characters (CR and LF above all) become blanks."""
    return " ".join(_CONTROL.sub(" ", text).split())


def reply_subject(subject: str) -> str:
    """ "Re: " and the subject, said once ("Re: Re: x" and "AW: x" become "Re: x")."""
    subject = one_line(subject)
    while _RE.match(subject):
        subject = _RE.sub("", subject, count=1)
    return f"Re: {subject}"


def attribution(original: Original) -> str:
    """ "On <date>, <author> wrote:" — the date as the mail wrote it."""
    when = one_line(original.date_header)
    if not when and original.date is not None:
        when = email.utils.format_datetime(original.date)
    who = one_line(original.author) or "someone"
    return f"On {when}, {who} wrote:" if when else f"{who} wrote:"


def quote_lines(lines: Sequence[str | None]) -> list[str]:
    """Each line as quoted text ("> " + line; a blank line as ">"); a gap as "> [...]"."""
    out: list[str] = []
    for line in lines:
        if line is None:
            if out and out[-1] != "> [...]":
                out.append("> [...]")
            continue
        clean = _CONTROL.sub(" ", line.rstrip("\r\n")).rstrip()
        out.append(f"> {clean}" if clean else ">")
    while out and out[-1] == "> [...]":
        out.pop()
    return out


def bare(value: str) -> str:
    """The address alone of "Name <address>", lower case."""
    return email.utils.parseaddr(value)[1].lower()


def _addresses(values: Sequence[str], leave_out: set[str]) -> list[str]:
    """Addresses deduplicated (by address), minus `leave_out`, each on one line."""
    seen = set(leave_out)
    out = []
    for value in values:
        name, addr = email.utils.parseaddr(one_line(value))
        if "@" not in addr or addr.lower() in seen:
            continue
        seen.add(addr.lower())
        out.append(email.utils.formataddr((name, addr)) if name else addr)
    return out


def compose_reply(
    original: Original,
    quoted: Sequence[str | None],
    comment: str,
    sender: str | None = None,
    sender_addresses: Sequence[str] = (),
) -> ReplyMail:
    """The reply to `original`: to its author, copied to its other recipients (but not
    the sender), threaded under it, with the quoted lines and the comment."""
    me = {a.lower() for a in sender_addresses}
    to = _addresses([original.author], me)
    cc = _addresses([*original.to, *original.cc], me | {bare(a) for a in to})
    msgid = f"<{one_line(original.msgid).strip('<>')}>"
    refs = [f"<{one_line(r).strip('<>')}>" for r in original.references if one_line(r)]
    if msgid not in refs:
        refs.append(msgid)
    headers = [("From", one_line(sender))] if sender and one_line(sender) else []
    headers += [("To", ", ".join(to))] if to else []
    headers += [("Cc", ", ".join(cc))] if cc else []
    headers += [
        ("Subject", reply_subject(original.subject)),
        ("In-Reply-To", msgid),
        ("References", " ".join(refs)),
    ]
    text = comment.replace("\r\n", "\n").replace("\r", "\n")[:MAX_COMMENT].strip("\n")
    body = "\n".join([attribution(original), *quote_lines(quoted), "", text, ""])
    return ReplyMail(tuple(headers), body)


def reply_bytes(reply: ReplyMail) -> bytes:
    """The reply as an .eml file (RFC 5322, LF line ends, UTF-8 8bit text)."""
    msg = EmailMessage(policy=email.policy.default)
    for name, value in reply.headers:
        msg[name] = value  # the policy refuses CR/LF in a value: one_line removed them
    cte = "8bit" if all(len(line.encode()) < 990 for line in reply.body.split("\n")) else None
    msg.set_content(reply.body, charset="utf-8", cte=cte or "quoted-printable")
    return msg.as_bytes()


def mailto_url(reply: ReplyMail) -> str:
    """A mailto: link for the same reply (RFC 6068): the mail client fills in the rest."""
    to = ",".join(a.lower() for _, a in email.utils.getaddresses([reply.header("To")]) if a)
    fields = [(k.lower(), v) for k, v in reply.headers if k not in ("From", "To", "Cc")]
    if cc := ",".join(a.lower() for _, a in email.utils.getaddresses([reply.header("Cc")]) if a):
        fields.insert(0, ("cc", cc))
    fields.append(("body", reply.body.replace("\n", "\r\n")))
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in fields)
    return f"mailto:{quote(to, safe='@,')}?{query}"


def recipients(raw: bytes) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """A mail's Date as written and its To and Cc addresses ("Name <address>")."""
    head = raw.split(b"\n\n", 1)[0].split(b"\r\n\r\n", 1)[0]
    parsed = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)

    def addresses(name: str) -> tuple[str, ...]:
        values = [decode_header(v) for v in parsed.get_all(name) or []]
        found = email.utils.getaddresses([one_line(v) for v in values])
        return tuple(email.utils.formataddr((n, a)) if n else a for n, a in found if "@" in a)

    return one_line(decode_header(parsed.get("Date") or "")), addresses("To"), addresses("Cc")
