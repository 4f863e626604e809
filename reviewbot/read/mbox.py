"""A series, one patch or a whole thread as an mbox, as `b4 am` and lore give them.

A series or patch mbox is what `git am` takes: each patch's commit message gains
the Reviewed-by, Acked-by, ... that reviewers sent in replies (to the patch or
the cover letter) and that it does not already carry, then a `Link:` to the
patch in the list's archive when it is known. A trailer whose sender is not the
person it names is still added, and flagged in an `X-Reviewbot-Note` header,
as b4 warns of it. A thread mbox is every message's bytes as received, like
lore's t.mbox.gz. The mbox is mboxrd (lines starting with "From " get a ">").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import MESSAGE, PATCH, SERIES
from reviewbot.packed import unpack
from reviewbot.read.messages import thread_of
from reviewbot.read.sql import first, rows
from reviewbot.read.trailers import series_trailers
from reviewbot.texts import patch_columns

_TRAILER_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*:\s|^\(cherry picked from ")
_FROM_LINE = re.compile(r"^(>*From )", re.M)


@dataclass(frozen=True)
class PatchMail:
    """What one patch of the mbox is made of."""

    msgid: str
    author_name: str
    author_email: str
    date: datetime | None
    subject: str
    commit_message: str
    diffstat: str
    diff: str
    trailers: tuple[str, ...]  # "Name: value" lines collected from replies
    notes: tuple[str, ...] = ()  # what a reviewer should know about those trailers


def subject_line(title: str, version: int, number: int, total: int) -> str:
    """ "[PATCH v2 03/10] title", without the list's tag."""
    label = f" v{version}" if version > 1 else ""
    width = len(str(total))
    count = f" {number:0{width}d}/{total}" if total > 1 else ""
    return f"[PATCH{label}{count}] {title}"


def add_trailers(message: str, trailers: Sequence[str]) -> str:
    """The commit message with the trailers it lacks appended to its trailer block."""
    have = {line.strip().lower() for line in message.split("\n")}
    new = [t for t in dict.fromkeys(trailers) if t.strip().lower() not in have]
    text = message.rstrip("\n")
    if not new:
        return text + "\n"
    last = text.rsplit("\n\n", 1)[-1].split("\n")
    in_block = bool(text) and all(_TRAILER_LINE.match(x) or x[:1].isspace() for x in last)
    return text + ("\n" if in_block else "\n\n") + "\n".join(new) + "\n"


def patch_message(p: PatchMail) -> str:
    """One patch as an mboxrd entry."""
    headers = [
        "From mboxrd@z Thu Jan  1 00:00:00 1970",
        f"From: {formataddr((p.author_name, p.author_email), charset='utf-8')}",
        f"Subject: {_header(p.subject)}",
        f"Message-ID: <{p.msgid}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if p.date is not None:
        headers.insert(3, f"Date: {format_datetime(p.date)}")
    headers += [f"X-Reviewbot-Note: {_header(note)}" for note in p.notes]
    body = add_trailers(p.commit_message, p.trailers) + "---\n"
    if p.diffstat.strip():
        body += p.diffstat.rstrip("\n") + "\n\n"
    body += p.diff.rstrip("\n") + "\n"
    return "\n".join(headers) + "\n\n" + _FROM_LINE.sub(r">\1", body) + "\n"


def _header(text: str) -> str:
    text = " ".join(text.split())  # never a newline in a header
    return text if text.isascii() else Header(text, "utf-8").encode()


def build_mbox(patches: Sequence[PatchMail]) -> bytes:
    """The mbox of these patches, in order."""
    return "".join(patch_message(p) for p in patches).encode("utf-8", "replace")


def mbox_of_series(session: Session, series_id: int) -> bytes:
    """A series' patches as an mbox, with the trailers collected from the list.

    Patches rebuilt from quotes are left out: only what a reply quoted of them is
    known, and `git am` must never apply a partial patch unawares.
    """
    placed = _patch_rows(session, PATCH.c.series_id == series_id)
    found = [r for r in placed if not r.rebuilt]
    if not found:
        if first(session, select(SERIES.c.id).where(SERIES.c.id == series_id)) is None:
            raise NotFound(f"no series with id {series_id}")
        why = (
            "its patches were rebuilt from the quotes of a reply: their mail is not in the archive"
            if placed
            else "it has no patch mail (only a cover letter, or its patches never arrived)"
        )
        raise NotFound(f"series {series_id} has nothing to apply: {why}")
    return build_mbox(_mails(session, series_id, found))


def mbox_of_patch(session: Session, patch_id: int) -> bytes:
    """One patch as an mbox, with the trailers collected from the list."""
    found = _patch_rows(session, PATCH.c.id == patch_id)
    if not found:
        raise NotFound(f"no patch with id {patch_id}")
    if found[0].rebuilt:
        raise NotFound(
            f"patch {patch_id} was rebuilt from the quotes of a reply: its mail is not in "
            "the archive, so there is no mbox to apply"
        )
    return build_mbox(_mails(session, found[0].series_id, found))


def _patch_rows(session: Session, where: Any) -> list[Any]:
    return rows(
        session,
        select(
            *patch_columns(),
            MESSAGE.c.msgid,
            MESSAGE.c.date,
            MESSAGE.c.reconstructed_from.isnot(None).label("rebuilt"),
            MESSAGE.c.archive_url,
            SERIES.c.version,
            SERIES.c.total,
        )
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .join(SERIES, SERIES.c.id == PATCH.c.series_id)
        .where(where)
        .order_by(PATCH.c.number, PATCH.c.id),
    )


def _mails(session: Session, series_id: int, found: list[Any]) -> list[PatchMail]:
    trailers = series_trailers(session, series_id)
    given = [t for r in found for t in trailers.of_patch(r.id) if t.mismatch]
    senders = _senders(session, sorted({t.msgid for t in given}))
    return [
        PatchMail(
            msgid=r.msgid,
            author_name=r.author_name,
            author_email=r.author_email,
            date=r.date,
            subject=subject_line(r.title, r.version, r.number, r.total),
            commit_message=r.commit_message,
            diffstat=r.diffstat,
            diff=r.diff,
            # given in replies: the patch's own first, then those on the cover letter
            trailers=(
                *(f"{t.name}: {t.value}" for t in trailers.of_patch(r.id) if t.source != "patch"),
                *((f"Link: {r.archive_url}",) if _linkable(r.archive_url) else ()),
            ),
            notes=tuple(
                f"{t.name}: {t.value} was sent by {senders.get(t.msgid, 'somebody else')}"
                f" in <{t.msgid}>"
                for t in trailers.of_patch(r.id)
                if t.mismatch
            ),
        )
        for r in found
    ]


def _linkable(url: str | None) -> bool:
    return bool(url) and str(url).startswith(("https://", "http://"))


def _senders(session: Session, msgids: list[str]) -> dict[str, str]:
    """Who sent these messages, "Name <address>"."""
    found = rows(
        session,
        select(MESSAGE.c.msgid, MESSAGE.c.from_name, MESSAGE.c.from_email).where(
            MESSAGE.c.msgid.in_(msgids)
        ),
    )
    return {r.msgid: formataddr((r.from_name, r.from_email)) for r in found}


def mbox_of_thread(session: Session, msgid: str) -> bytes:
    """Every message of the thread holding `msgid`, as received, oldest first (lore's
    t.mbox.gz); messages rebuilt from quotes are not mail anybody sent, and are left out."""
    root = thread_of(session, msgid)
    msgids = [node.msgid for _depth, node in root.walk()]
    found = rows(
        session,
        select(MESSAGE.c.raw_zstd, MESSAGE.c.date, MESSAGE.c.id)
        .where(MESSAGE.c.msgid.in_(msgids), MESSAGE.c.reconstructed_from.is_(None))
        .order_by(MESSAGE.c.date, MESSAGE.c.id),
    )
    return b"".join(_mboxrd(unpack(bytes(r.raw_zstd))) for r in found)


def _mboxrd(raw: bytes) -> bytes:
    body = re.sub(rb"^(>*From )", rb">\1", raw.rstrip(b"\n"), flags=re.M)
    return b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + body + b"\n\n"
