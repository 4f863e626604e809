"""Messages known only from their pipermail page: threaded by thread.html, rendered as mail.

A page has no References: its place in the thread is where thread.html nests it
(the enclosing entries, root first), and pipermail took the "Re:" off its title.
Its raw bytes are an RFC 5322 rendering of what the page shows, marked as such.
"""

from __future__ import annotations

from dataclasses import replace
from email.header import Header
from email.utils import format_datetime

from reviewbot.ingest.pipermail import ThreadEntry
from reviewbot.ingest.pipermail_message import ArchivedMessage
from reviewbot.mail.diff import has_diff
from reviewbot.mail.message import Message, restore_bracketed_addresses
from reviewbot.mail.subject import parse_subject
from reviewbot.pipeline.incoming import Incoming


def ancestors(
    entry: ThreadEntry, by_url: dict[str, ThreadEntry], msgids: dict[str, str]
) -> list[str]:
    """Message-IDs of the entry's enclosing entries, root first (its References)."""
    chain: list[str] = []
    parent = entry.parent_url
    while parent and parent in by_url and len(chain) < 100:
        if parent in msgids:
            chain.append(msgids[parent])
        parent = by_url[parent].parent_url
    return list(reversed(chain))


def as_reply_if_answering(
    page: ArchivedMessage, entry: ThreadEntry, by_url: dict[str, ThreadEntry]
) -> ArchivedMessage:
    """Give back the "Re:" pipermail took away, when thread.html shows an answer.

    Mailman strips every leading "Re:" from titles and reply links, so a review
    of "[PATCH 08/10] x" reads "[PATCH 08/10] x" too. Nested under an entry with
    the very same subject, a page is an answer to it; a new version ("[PATCH v2
    08/10] x") has a different subject and stays a patch.
    """
    parent = by_url.get(entry.parent_url or "")
    if parent is None or parse_subject(page.subject).is_reply or has_diff(page.body):
        return page  # a page with its own diff is a (re-sent) patch, not an answer
    if " ".join(parent.subject.split()) != " ".join(entry.subject.split()):
        return page
    return replace(page, subject=f"Re: {page.subject}")


def incoming_from_page(page: ArchivedMessage, msgid: str, references: list[str]) -> Incoming:
    """A message read from its archive page; its raw bytes are an RFC 5322 rendering.

    A page without a Message-ID (very old Mailman) gets a stable id from its URL.
    """
    message = Message(
        msgid=msgid,
        msgid_synthetic=page.msgid is None,
        subject=page.subject,
        from_name=page.author_name,
        from_email=page.author_email,
        date=page.date,
        in_reply_to=references[-1] if references else None,
        references=tuple(references),
        body=restore_bracketed_addresses(page.body),
        raw=b"",
        warnings=page.warnings,
    )
    raw = render_message(message, page.url)
    return Incoming(raw, page.url, 0, message, None, archive_url=page.url)


def render_message(message: Message, url: str) -> bytes:
    """RFC 5322 bytes for a message known only from its archive page."""

    def encoded(value: str) -> str:
        return value if value.isascii() else Header(value, "utf-8").encode()

    lines = [
        f"From: {encoded(message.from_name)} <{message.from_email}>",
        f"Subject: {encoded(message.subject)}",
        f"Message-ID: <{message.msgid}>",
    ]
    if message.date:
        lines.append(f"Date: {format_datetime(message.date)}")
    if message.in_reply_to:
        lines.append(f"In-Reply-To: <{message.in_reply_to}>")
        lines.append("References: " + " ".join(f"<{r}>" for r in message.references))
    lines += [
        f"X-Archived-At: <{url}>",
        "X-Reviewbot-Source: pipermail message page (headers reconstructed)",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    head = "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines)
    return (head + "\n\n" + message.body).encode("utf-8", "replace")
