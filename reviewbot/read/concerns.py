"""Reviewers' concerns: of a series or patch (with those carried from the previous
version), filtered lists, one concern, open counts, and the concerns each reply raised."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import CONCERN, MESSAGE, PATCH
from reviewbot.read.filters import (
    Filters,
    Page,
    Paged,
    paged,
    path_match,
    person_match,
    text_match,
    time_range,
)
from reviewbot.read.people import person
from reviewbot.read.sql import page_rows, rows


@dataclass(frozen=True)
class Place:
    """Where a concern is anchored: a patch (number and Message-ID), file, hunk, side, line."""

    patch_id: int | None
    patch: int | None  # the patch's number in its series
    patch_msgid: str | None
    file: str | None
    hunk: int | None  # index within the file, from 0
    side: str | None
    line: int | None


@dataclass(frozen=True)
class ConcernEntry:
    """A reviewer's comment block, where it is anchored and where it stands.

    `made` is where it was raised; `ported` where it was carried to in the next
    version (its hunk unchanged there); `here` where this listing shows it.
    """

    id: int
    series_id: int
    reply_id: int
    reply_msgid: str
    position: int
    scope: str
    quoted_line: str | None
    kind: str
    status: str
    status_reason: str
    reviewer_name: str
    reviewer_email: str
    date: datetime | None
    text: str
    quoted: str
    evidence: str
    made: Place
    ported: Place | None
    here: Place
    reply_archive_url: str | None = None  # the reply in its public archive

    @property
    def carried_here(self) -> bool:
        """Listed on the next version, where it was carried to."""
        return self.here is not self.made

    @property
    def reviewer(self) -> str:
        """ "Name <address>"."""
        return person(self.reviewer_name, self.reviewer_email)

    @property
    def file(self) -> str | None:
        """The file where it is listed."""
        return self.here.file

    @property
    def hunk(self) -> int | None:
        """The hunk (within its file) where it is listed."""
        return self.here.hunk

    @property
    def side(self) -> str | None:
        """old or new."""
        return self.here.side

    @property
    def line(self) -> int | None:
        """The line where it is listed."""
        return self.here.line

    @property
    def patch(self) -> int | None:
        """The number of the patch where it is listed."""
        return self.here.patch

    @property
    def patch_id(self) -> int | None:
        """The id of the patch where it is listed."""
        return self.here.patch_id


_PATCH_MESSAGE = MESSAGE.alias("patch_message")
_PORT_PATCH = PATCH.alias("port_patch")
_PORT_MESSAGE = MESSAGE.alias("port_message")
_THREAD_ORDER = (CONCERN.c.date, CONCERN.c.reply_id, CONCERN.c.position)


def _statement() -> Select[Any]:
    return (
        select(
            CONCERN,
            MESSAGE.c.msgid.label("reply_msgid"),
            MESSAGE.c.archive_url.label("reply_archive_url"),
            PATCH.c.number.label("patch_number"),
            _PATCH_MESSAGE.c.msgid.label("patch_msgid"),
            _PORT_PATCH.c.number.label("port_number"),
            _PORT_MESSAGE.c.msgid.label("port_msgid"),
        )
        .join(MESSAGE, MESSAGE.c.id == CONCERN.c.reply_id)
        .outerjoin(PATCH, PATCH.c.id == CONCERN.c.patch_id)
        .outerjoin(_PATCH_MESSAGE, _PATCH_MESSAGE.c.id == PATCH.c.message_id)
        .outerjoin(_PORT_PATCH, _PORT_PATCH.c.id == CONCERN.c.ported_patch_id)
        .outerjoin(_PORT_MESSAGE, _PORT_MESSAGE.c.id == _PORT_PATCH.c.message_id)
        .order_by(*_THREAD_ORDER)
    )


def _entry(r: Any, listed_on: set[int] | None = None) -> ConcernEntry:
    """A row as a record; listed on the patches `listed_on`, it shows where it is there."""
    made = Place(r.patch_id, r.patch_number, r.patch_msgid, r.file, r.hunk, r.side, r.line)
    ported = None
    if r.ported_patch_id is not None:
        ported = Place(
            r.ported_patch_id,
            r.port_number,
            r.port_msgid,
            r.ported_file,
            r.ported_hunk,
            r.side,
            r.ported_line,
        )
    here = made
    if listed_on and ported and r.ported_patch_id in listed_on and r.patch_id not in listed_on:
        here = ported
    return ConcernEntry(
        r.id,
        r.series_id,
        r.reply_id,
        r.reply_msgid,
        r.position,
        r.scope,
        r.quoted_line,
        r.kind,
        r.status,
        r.status_reason,
        r.reviewer_name,
        r.reviewer_email,
        r.date,
        r.text,
        r.quoted,
        r.evidence,
        made,
        ported,
        here,
        reply_archive_url=r.reply_archive_url,
    )


def concerns_of(
    session: Session,
    *,
    series_id: int | None = None,
    patch_id: int | None = None,
    open_only: bool = False,
) -> list[ConcernEntry]:
    """Concerns of a series or of one patch, in thread order.

    Concerns still standing from the previous version, carried to an unchanged
    hunk here (Gerrit's ported comments), are listed too, at their place here.
    """
    if patch_id is not None:
        patch_ids = [patch_id]
        own = CONCERN.c.patch_id == patch_id
    else:
        own = CONCERN.c.series_id == series_id
        found = rows(session, select(PATCH.c.id).where(PATCH.c.series_id == series_id))
        patch_ids = [r.id for r in found]
    stmt = _statement().where(or_(own, CONCERN.c.ported_patch_id.in_(patch_ids)))
    if open_only:
        stmt = stmt.where(CONCERN.c.status == "open")
    return [_entry(r, set(patch_ids)) for r in rows(session, stmt)]


def _conditions(f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = time_range(f, CONCERN.c.date)
    if f.series:
        conds.append(CONCERN.c.series_id == f.series)
    if f.patch is not None:
        conds.append(CONCERN.c.patch_id == f.patch)
    if f.status:
        conds.append(CONCERN.c.status == f.status)
    if f.submitter:
        conds.append(person_match(f.submitter, CONCERN.c.reviewer_name, CONCERN.c.reviewer_email))
    if f.msgid:
        conds.append(MESSAGE.c.msgid == f.msgid)
    if f.q:
        conds.append(text_match(f.q, CONCERN.c.text))
    if f.file:
        conds.append(path_match(f.file, CONCERN.c.file, CONCERN.c.file))
    return conds


def list_concerns(session: Session, f: Filters, page: Page) -> Paged[ConcernEntry]:
    """The concerns `f` asks for (msgid: the reply; submitter: the reviewer), in thread order."""
    found, total = page_rows(session, _statement().where(*_conditions(f)), page)
    return paged([_entry(r) for r in found], total, page)


def concern_detail(session: Session, concern_id: int) -> ConcernEntry:
    """One concern; NotFound when there is none."""
    found = rows(session, _statement().where(CONCERN.c.id == concern_id))
    if not found:
        raise NotFound(f"no concern with id {concern_id}")
    return _entry(found[0])


def open_counts(session: Session, series_ids: Sequence[int]) -> dict[int, int]:
    """How many concerns raised on each of these series are open (0 when none)."""
    found = rows(
        session,
        select(CONCERN.c.series_id, func.count())
        .where(CONCERN.c.series_id.in_(list(series_ids)), CONCERN.c.status == "open")
        .group_by(CONCERN.c.series_id),
    )
    counts = {sid: n for sid, n in found}
    return {sid: counts.get(sid, 0) for sid in series_ids}


def raised_in(session: Session, message_ids: Sequence[int]) -> dict[int, list[ConcernEntry]]:
    """The concerns each of these replies raised, in their order (reply id -> concerns)."""
    stmt = _statement().where(CONCERN.c.reply_id.in_(list(message_ids)))
    out: dict[int, list[ConcernEntry]] = {}
    for r in rows(session, stmt.order_by(None).order_by(CONCERN.c.reply_id, CONCERN.c.position)):
        out.setdefault(r.reply_id, []).append(_entry(r))
    return out
