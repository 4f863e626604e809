"""Messages: lists, one message with its references and source, cover letters, threads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.mail.subject import parse_subject, thread_subject
from reviewbot.mail.threads import ThreadItem, ThreadNode, build_threads
from reviewbot.models import MESSAGE, PATCH, REF
from reviewbot.packed import unpack
from reviewbot.read.filters import Filters, Page, Paged, paged, person_match, time_range
from reviewbot.read.people import person
from reviewbot.read.search import matching_messages, parse_query
from reviewbot.read.sql import first, page_rows, rows
from reviewbot.texts import message_body

_SUBJECT_LIMIT = 200  # a subject shared by more messages is too common to join threads on
# lists leave the raw bytes and the body out
_LIST_COLS = [c for c in MESSAGE.c if c.name not in ("raw_zstd", "body")]
_BODY = message_body().label("body")


@dataclass(frozen=True)
class MessageSummary:
    """A message as lists and threads show it."""

    id: int
    msgid: str
    subject: str
    from_name: str
    from_email: str
    date: datetime | None
    kind: str  # cover, patch, reply, other
    series_id: int | None
    patch_id: int | None  # for a reply: the patch it answers
    in_reply_to: str | None
    archive_url: str | None
    reconstructed_from: str | None  # rebuilt from the quotes of this reply

    @property
    def sender(self) -> str:
        """ "Name <address>"."""
        return person(self.from_name, self.from_email)


@dataclass(frozen=True)
class MessageDetail:
    """One message: its text, the Message-IDs it references, and how it was read."""

    message: MessageSummary
    body: str
    references: tuple[str, ...]
    warnings: str
    parse_error: str | None
    own_patch: int | None  # the patch this message carries


def _summary(r: Any) -> MessageSummary:
    return MessageSummary(
        r.id,
        r.msgid,
        r.subject,
        r.from_name,
        r.from_email,
        r.date,
        r.kind,
        r.series_id,
        r.patch_id,
        r.in_reply_to,
        r.archive_url,
        r.reconstructed_from,
    )


def _conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    conds = time_range(f, MESSAGE.c.date)
    if f.submitter:
        conds.append(person_match(f.submitter, MESSAGE.c.from_name, MESSAGE.c.from_email))
    if f.series:
        conds.append(MESSAGE.c.series_id == f.series)
    if f.msgid:
        conds.append(MESSAGE.c.msgid == f.msgid)
    if f.patch is not None:
        conds.append(MESSAGE.c.patch_id == f.patch)
    if f.q and not (query := parse_query(f.q)).empty:
        conds.append(MESSAGE.c.id.in_(matching_messages(session, query)))
    return conds


def _newest_first(stmt: Select[Any]) -> Select[Any]:
    return stmt.order_by(MESSAGE.c.date.desc(), MESSAGE.c.id.desc())


def list_messages(session: Session, f: Filters, page: Page) -> Paged[MessageSummary]:
    """Every imported message `f` asks for, newest first."""
    stmt = _newest_first(select(*_LIST_COLS).where(*_conditions(session, f)))
    found, total = page_rows(session, stmt, page)
    return paged([_summary(r) for r in found], total, page)


def list_covers(session: Session, f: Filters, page: Page) -> Paged[MessageSummary]:
    """The cover letters `f` asks for, newest first."""
    conds = [MESSAGE.c.kind == "cover", MESSAGE.c.series_id.is_not(None)]
    stmt = _newest_first(select(*_LIST_COLS).where(*conds, *_conditions(session, f)))
    found, total = page_rows(session, stmt, page)
    return paged([_summary(r) for r in found], total, page)


def cover_detail(session: Session, cover_id: int) -> MessageDetail:
    """One cover letter by its message id; NotFound when there is none."""
    row = first(
        session,
        select(*_LIST_COLS, _BODY).where(
            MESSAGE.c.id == cover_id, MESSAGE.c.kind == "cover", MESSAGE.c.series_id.is_not(None)
        ),
    )
    if row is None:
        raise NotFound(f"no cover letter with id {cover_id}")
    return _detail(session, row)


def bare_msgid(msgid: str) -> str:
    """A Message-ID as stored: no blanks, no angle brackets."""
    return msgid.strip().strip("<>")


def message_detail(session: Session, msgid: str) -> MessageDetail:
    """One message by Message-ID; NotFound when there is none."""
    msgid = bare_msgid(msgid)
    row = first(session, select(*_LIST_COLS, _BODY).where(MESSAGE.c.msgid == msgid))
    if row is None:
        raise NotFound(f"no message <{msgid}>")
    return _detail(session, row)


def _detail(session: Session, row: Any) -> MessageDetail:
    refs = rows(
        session,
        select(REF.c.ref_msgid).where(REF.c.message_id == row.id).order_by(REF.c.position),
    )
    own = first(session, select(PATCH.c.id).where(PATCH.c.message_id == row.id))
    return MessageDetail(
        _summary(row),
        row.body,
        tuple(r.ref_msgid for r in refs),
        row.warnings,
        row.parse_error,
        own.id if own else None,
    )


def message_source(session: Session, msgid: str) -> bytes:
    """A message's raw bytes, exactly as imported."""
    msgid = bare_msgid(msgid)
    row = first(session, select(MESSAGE.c.raw_zstd).where(MESSAGE.c.msgid == msgid))
    if row is None:
        raise NotFound(f"no message <{msgid}>")
    return unpack(bytes(row.raw_zstd))


def messages_by_msgid(session: Session, msgids: Sequence[str]) -> dict[str, MessageSummary]:
    """These messages (those stored) by Message-ID."""
    found = rows(session, select(*_LIST_COLS).where(MESSAGE.c.msgid.in_(list(msgids))))
    return {r.msgid: _summary(r) for r in found}


def bodies(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The bodies of these messages, by message id."""
    found = rows(session, select(MESSAGE.c.id, _BODY).where(MESSAGE.c.id.in_(list(ids))))
    return {r.id: r.body for r in found}


def excerpts(session: Session, ids: Sequence[int], chars: int) -> dict[int, str]:
    """The first `chars` characters of these messages' bodies (a feed's entries: a patch
    can be megabytes), by message id."""
    stmt = select(MESSAGE.c.id, func.substr(message_body(), 1, chars).label("body"))
    return {r.id: r.body for r in rows(session, stmt.where(MESSAGE.c.id.in_(list(ids))))}


def series_archive_urls(session: Session, series_ids: Sequence[int]) -> dict[int, str]:
    """Where each series is in the list's archive: its cover letter, else its first patch
    (series whose mail came from files, with no archive URL, are absent)."""
    found = rows(
        session,
        select(MESSAGE.c.series_id, MESSAGE.c.archive_url)
        .outerjoin(PATCH, PATCH.c.message_id == MESSAGE.c.id)
        .where(
            MESSAGE.c.series_id.in_(list(series_ids)),
            MESSAGE.c.archive_url.is_not(None),
            or_(MESSAGE.c.kind == "cover", PATCH.c.id.is_not(None)),
        )
        # the cover letter first, then patches by number (False sorts first on both)
        .order_by(MESSAGE.c.kind != "cover", PATCH.c.number, MESSAGE.c.id),
    )
    out: dict[int, str] = {}
    for r in found:
        out.setdefault(r.series_id, r.archive_url)
    return out


def own_patches(session: Session, message_ids: Sequence[int]) -> dict[int, int]:
    """Of these messages, those that carry a patch: message id -> patch id."""
    found = rows(
        session,
        select(PATCH.c.id, PATCH.c.message_id).where(PATCH.c.message_id.in_(list(message_ids))),
    )
    return {r.message_id: r.id for r in found}


def thread_of(session: Session, msgid: str) -> ThreadNode:
    """The reply tree that contains `msgid`, with placeholders for missing mail."""
    msgid = bare_msgid(msgid)
    if first(session, select(MESSAGE.c.id).where(MESSAGE.c.msgid == msgid)) is None:
        raise NotFound(f"no message <{msgid}>")
    items = _thread_items(session, {msgid})
    kin = _same_subject(session, items)
    if kin:
        items.update(_thread_items(session, kin))
    for root in build_threads(items.values()):
        if any(node.msgid == msgid for _d, node in root.walk()):
            return root
    raise NotFound(f"<{msgid}> is not in any thread")


def _same_subject(session: Session, items: dict[str, ThreadItem]) -> set[str]:
    """Messages a broken thread may join by subject (JWZ's fallback), at most a few."""
    missing = {r for i in items.values() for r in i.references if r not in items}
    orphans = [i for i in items.values() if not i.references]
    if not missing and not any(parse_subject(i.subject).is_reply for i in orphans):
        return set()
    subjects = {thread_subject(i.subject) for i in items.values()} - {""}
    found = rows(
        session,
        select(MESSAGE.c.msgid).where(MESSAGE.c.norm_subject.in_(subjects)).limit(_SUBJECT_LIMIT),
    )
    return {r.msgid for r in found} - items.keys()


def _thread_items(session: Session, start: set[str]) -> dict[str, ThreadItem]:
    """Everything connected to `start` by references, gathered breadth-first."""
    items: dict[str, ThreadItem] = {}
    frontier = set(start)
    known_missing: set[str] = set()
    while frontier:
        found = rows(
            session,
            select(MESSAGE.c.id, MESSAGE.c.msgid, MESSAGE.c.subject, MESSAGE.c.date).where(
                MESSAGE.c.msgid.in_(frontier)
            ),
        )
        refs = _refs(session, [r.id for r in found])
        nxt: set[str] = set()
        for r in found:
            items[r.msgid] = ThreadItem(r.msgid, tuple(refs.get(r.id, ())), r.subject, r.date)
            nxt.update(refs.get(r.id, ()))
        known_missing |= frontier - {r.msgid for r in found}
        children = rows(
            session,
            select(MESSAGE.c.msgid)
            .join(REF, REF.c.message_id == MESSAGE.c.id)
            .where(REF.c.ref_msgid.in_(frontier | nxt)),
        )
        nxt.update(c.msgid for c in children)
        frontier = nxt - items.keys() - known_missing
    return items


def _refs(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    found = rows(
        session,
        select(REF.c.message_id, REF.c.ref_msgid)
        .where(REF.c.message_id.in_(ids))
        .order_by(REF.c.message_id, REF.c.position),
    )
    for r in found:
        out.setdefault(r.message_id, []).append(r.ref_msgid)
    return out
