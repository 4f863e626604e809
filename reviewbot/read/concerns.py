"""Reviewers' concerns as conversations: those listed on a series or patch (raised
there, or carried there from an earlier version), filtered lists, one concern, and
the one count of open concerns every page, list and command shows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    exists,
    false,
    func,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import CONCERN, CONCERN_PLACE, MESSAGE, PATCH, SERIES
from reviewbot.packed import unpack_texts
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

OPEN = "open"


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

    @property
    def hunk_number(self) -> int | None:
        """The hunk within its file as people count, from 1."""
        return self.hunk + 1 if self.hunk is not None else None


@dataclass(frozen=True)
class Reply:
    """Something said about a concern afterwards: by its patch's author, by the reviewer
    who raised it, or by somebody else."""

    msgid: str
    author: str
    email: str
    date: str | None  # ISO 8601, as stored
    text: str
    role: str  # author, reviewer, other


@dataclass(frozen=True)
class StatusSource:
    """What set a concern's status: a message (its Message-ID), a version ("v2") or a user."""

    kind: str
    ref: str


@dataclass(frozen=True)
class ConcernEntry:
    """A reviewer's point, where it is anchored, its conversation and where it stands.

    `made` is where it was raised (on `raised_on`, a version label); `here` where
    this listing shows it: its place in a later version when it was carried
    there (`outcome_here` then says what that version did: carried, addressed,
    dropped); `next_place` where it stands in the next version, if known.
    """

    id: int
    series_id: int
    raised_on: str
    reply_id: int
    reply_msgid: str
    position: int
    scope: str
    quoted_line: str | None
    kind: str
    status: str
    status_reason: str
    status_source: StatusSource | None
    reviewer_name: str
    reviewer_email: str
    date: datetime | None
    text: str
    quoted: str
    evidence: str
    replies: tuple[Reply, ...]
    made: Place
    here: Place
    outcome_here: str | None
    next_place: Place | None
    reply_archive_url: str | None = None  # the reply in its public archive

    @property
    def carried_here(self) -> bool:
        """Listed on a later version than the one it was raised on."""
        return self.outcome_here is not None

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
        """The hunk (within its file, from 0) where it is listed."""
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

    @property
    def answered_by(self) -> Reply | None:
        """The first answer of the patch's author, if any."""
        return next((r for r in self.replies if r.role == "author"), None)


_PATCH_MESSAGE = MESSAGE.alias("patch_message")
_HERE_PATCH = PATCH.alias("here_patch")
_HERE_MESSAGE = MESSAGE.alias("here_message")
_HERE_SERIES = SERIES.alias("here_series")
_THREAD_ORDER = ("date", "reply_id", "position")


def _made() -> Select[Any]:
    """Every concern where it was raised, with the names its places need."""
    return (
        select(
            CONCERN,
            SERIES.c.version_label.label("raised_on"),
            MESSAGE.c.msgid.label("reply_msgid"),
            MESSAGE.c.archive_url.label("reply_archive_url"),
            PATCH.c.number.label("patch_number"),
            _PATCH_MESSAGE.c.msgid.label("patch_msgid"),
        )
        .join(SERIES, SERIES.c.id == CONCERN.c.series_id)
        .join(MESSAGE, MESSAGE.c.id == CONCERN.c.reply_id)
        .outerjoin(PATCH, PATCH.c.id == CONCERN.c.patch_id)
        .outerjoin(_PATCH_MESSAGE, _PATCH_MESSAGE.c.id == PATCH.c.message_id)
    )


def _listing(where_made: ColumnElement[bool], where_place: ColumnElement[bool]) -> Select[Any]:
    """Concerns raised where `where_made` says, and those carried where `where_place` says."""
    place = CONCERN_PLACE
    raised = _made().add_columns(
        *(null().label(n) for n in ("here_patch_id", "here_number", "here_msgid", "here_file")),
        *(null().label(n) for n in ("here_hunk", "here_line", "outcome_here", "listed_on")),
    )
    carried = (
        _made()
        .add_columns(
            place.c.patch_id.label("here_patch_id"),
            _HERE_PATCH.c.number.label("here_number"),
            _HERE_MESSAGE.c.msgid.label("here_msgid"),
            place.c.file.label("here_file"),
            place.c.hunk.label("here_hunk"),
            place.c.line.label("here_line"),
            place.c.outcome.label("outcome_here"),
            place.c.series_id.label("listed_on"),
        )
        .join(place, place.c.concern_id == CONCERN.c.id)
        .outerjoin(_HERE_PATCH, _HERE_PATCH.c.id == place.c.patch_id)
        .outerjoin(_HERE_MESSAGE, _HERE_MESSAGE.c.id == _HERE_PATCH.c.message_id)
    )
    both = union_all(raised.where(where_made), carried.where(where_place)).subquery()
    return select(both).order_by(*(both.c[n] for n in _THREAD_ORDER))


def _next_places(session: Session, ids: Sequence[int]) -> dict[int, Place]:
    """Where each of these concerns stands in the next version after its own."""
    found = rows(
        session,
        select(CONCERN_PLACE, PATCH.c.number, MESSAGE.c.msgid, CONCERN.c.side)
        .join(CONCERN, CONCERN.c.id == CONCERN_PLACE.c.concern_id)
        .join(SERIES, SERIES.c.id == CONCERN.c.series_id)
        .outerjoin(PATCH, PATCH.c.id == CONCERN_PLACE.c.patch_id)
        .outerjoin(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(
            CONCERN_PLACE.c.concern_id.in_(list(ids)),
            CONCERN_PLACE.c.series_id == SERIES.c.superseded_by_id,
        ),
    )
    return {
        r.concern_id: Place(r.patch_id, r.number, r.msgid, r.file, r.hunk, r.side, r.line)
        for r in found
    }


def _entry(r: Any, next_places: dict[int, Place]) -> ConcernEntry:
    made = Place(r.patch_id, r.patch_number, r.patch_msgid, r.file, r.hunk, r.side, r.line)
    here = made
    if r.outcome_here is not None:
        here = Place(
            r.here_patch_id,
            r.here_number,
            r.here_msgid,
            r.here_file,
            r.here_hunk,
            r.side,
            r.here_line,
        )
    quoted, evidence = unpack_texts(r.context_zstd)
    source = None
    if r.status_source_kind:
        source = StatusSource(r.status_source_kind, r.status_source_ref or "")
    return ConcernEntry(
        id=r.id,
        series_id=r.series_id,
        raised_on=r.raised_on,
        reply_id=r.reply_id,
        reply_msgid=r.reply_msgid,
        position=r.position,
        scope=r.scope,
        quoted_line=r.quoted_line,
        kind=r.kind,
        status=r.status,
        status_reason=r.status_reason,
        status_source=source,
        reviewer_name=r.reviewer_name,
        reviewer_email=r.reviewer_email,
        date=r.date,
        text=r.text,
        quoted=quoted,
        evidence=evidence,
        replies=tuple(Reply(**x) for x in json.loads(r.replies or "[]")),
        made=made,
        here=here,
        outcome_here=r.outcome_here,
        next_place=next_places.get(r.id),
        reply_archive_url=r.reply_archive_url,
    )


def _entries(session: Session, found: list[Any]) -> list[ConcernEntry]:
    places = _next_places(session, sorted({r.id for r in found}))
    return [_entry(r, places) for r in found]


def concerns_of(
    session: Session,
    *,
    series_id: int | None = None,
    patch_id: int | None = None,
    open_only: bool = False,
) -> list[ConcernEntry]:
    """The concerns listed on a series or one of its patches, in thread order: those
    raised there and those carried there from earlier versions (at their place here)."""
    if patch_id is not None:
        stmt = _listing(CONCERN.c.patch_id == patch_id, CONCERN_PLACE.c.patch_id == patch_id)
    else:
        stmt = _listing(CONCERN.c.series_id == series_id, CONCERN_PLACE.c.series_id == series_id)
    found = rows(session, stmt)
    entries = _entries(session, found)
    return [c for c in entries if c.status == OPEN] if open_only else entries


def _conditions(f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = time_range(f, CONCERN.c.date)
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
    """The concerns `f` asks for, in thread order (msgid: the reply; submitter: the
    reviewer). With a series or patch, those listed there, carried ones included."""
    conds = _conditions(f)
    if f.patch is not None:
        made, placed = CONCERN.c.patch_id == f.patch, CONCERN_PLACE.c.patch_id == f.patch
    elif f.series is not None:
        made, placed = CONCERN.c.series_id == f.series, CONCERN_PLACE.c.series_id == f.series
    else:
        made, placed = true(), false()
    stmt = _listing(and_(made, *conds), and_(placed, *conds))
    found, total = page_rows(session, stmt, page)
    return paged(_entries(session, found), total, page)


def concern_detail(session: Session, concern_id: int) -> ConcernEntry:
    """One concern, where it was raised; NotFound when there is none."""
    found = rows(session, _listing(CONCERN.c.id == concern_id, false()))
    if not found:
        raise NotFound(f"no concern with id {concern_id}")
    return _entries(session, found)[0]


def open_counts(session: Session, series_ids: Sequence[int]) -> dict[int, int]:
    """How many concerns listed on each series are open: the count every page shows."""
    place = CONCERN_PLACE
    raised = select(CONCERN.c.series_id.label("sid")).where(
        CONCERN.c.series_id.in_(list(series_ids)), CONCERN.c.status == OPEN
    )
    carried = (
        select(place.c.series_id.label("sid"))
        .join(CONCERN, CONCERN.c.id == place.c.concern_id)
        .where(place.c.series_id.in_(list(series_ids)), CONCERN.c.status == OPEN)
    )
    both = union_all(raised, carried).subquery()
    found = rows(session, select(both.c.sid, func.count()).group_by(both.c.sid))
    counts = {sid: n for sid, n in found}
    return {sid: counts.get(sid, 0) for sid in series_ids}


def has_open(series_col: Any = None, patch_col: Any = None) -> ColumnElement[bool]:
    """SQL: the series (or patch) in this column has an open concern listed on it."""
    place = CONCERN_PLACE
    if patch_col is not None:
        raised = exists().where(CONCERN.c.patch_id == patch_col, CONCERN.c.status == OPEN)
        carried_on = place.c.patch_id == patch_col
    else:
        raised = exists().where(CONCERN.c.series_id == series_col, CONCERN.c.status == OPEN)
        carried_on = place.c.series_id == series_col
    carried = exists().where(
        carried_on, place.c.concern_id == CONCERN.c.id, CONCERN.c.status == OPEN
    )
    return or_(raised, carried)


def raised_in(session: Session, message_ids: Sequence[int]) -> dict[int, list[ConcernEntry]]:
    """The concerns each of these replies raised, in their order (reply id -> concerns)."""
    found = rows(session, _listing(CONCERN.c.reply_id.in_(list(message_ids)), false()))
    out: dict[int, list[ConcernEntry]] = {}
    for c in sorted(_entries(session, found), key=lambda c: (c.reply_id, c.position)):
        out.setdefault(c.reply_id, []).append(c)
    return out
