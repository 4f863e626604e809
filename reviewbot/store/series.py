"""Writes and bulk reads of series: new ones, the updates placement and rebuild make."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, TypeAlias

from sqlalchemy import and_, bindparam, delete, func, or_, select, tuple_, update
from sqlmodel import Session

from reviewbot.models import (
    APPLY_RUN,
    CONCERN,
    CONCERN_PLACE,
    EVENT,
    HUNK_APPLY,
    HUNK_COVER,
    MESSAGE,
    PATCH,
    PATCH_APPLY,
    RACE,
    SERIES,
    TRAILER,
    Patch,
    Series,
)
from reviewbot.series.grouping import SeriesSlot
from reviewbot.store._base import _chunks, _insert_returning_ids, _t


@dataclass(frozen=True, kw_only=True)
class NewSeries:
    """A series opened by its first cover or patch; rebuild fills in the rest."""

    title: str
    norm_title: str
    version: int
    version_label: str
    total: int
    submitter_name: str
    submitter_email: str
    date: datetime | None
    last_date: datetime | None
    rfc: bool
    dirty: bool = True
    state: str = "new"
    state_reason: str = "no replies yet"
    missing: str = "[]"  # JSON list of the patch numbers not received


@dataclass(frozen=True)
class SeriesCover:
    """Placement found the series' cover letter (a 0/N mail)."""

    series_id: int
    cover_id: int  # the message


@dataclass(frozen=True)
class SeriesBaseCommit:
    """A cover or patch names the commit the series applies to (`base-commit:`)."""

    series_id: int
    base_commit: str


@dataclass(frozen=True)
class SeriesStructure:
    """What rebuild takes from the cover and patches actually received."""

    series_id: int
    title: str
    norm_title: str
    missing: str  # JSON list of the patch numbers not received
    date: datetime | None
    last_date: datetime | None
    cover_id: int | None


@dataclass(frozen=True)
class SeriesExplicitPrevious:
    """The older version a series names (Supersedes:) or was posted in reply to."""

    series_id: int
    explicit_previous_id: int | None


@dataclass(frozen=True)
class SeriesLinks:
    """New version links; the series is judged again, as its state depends on them."""

    series_id: int
    previous_id: int | None
    superseded_by_id: int | None
    dirty: bool = field(default=True, init=False)


@dataclass(frozen=True)
class SeriesVerdict:
    """The state rebuild infers; the series is rebuilt, its review to be linked again."""

    series_id: int
    state: str
    state_reason: str
    dirty: bool = field(default=False, init=False)
    review_dirty: bool = field(default=True, init=False)


@dataclass(frozen=True)
class SeriesRebuilt:
    """Rebuilt with its state left as a maintainer set it; its review to be linked again."""

    series_id: int
    dirty: bool = field(default=False, init=False)
    review_dirty: bool = field(default=True, init=False)


SeriesUpdate: TypeAlias = (
    SeriesCover
    | SeriesBaseCommit
    | SeriesStructure
    | SeriesExplicitPrevious
    | SeriesLinks
    | SeriesVerdict
    | SeriesRebuilt
)


def _update_values(change: SeriesUpdate) -> dict[str, object]:
    """The parameters of one update: its series id and the columns it sets.

    Through fields(), not vars(): the flags an update always sets are class defaults.
    """
    return {f.name: getattr(change, f.name) for f in fields(change)}


def save_many_series(*, session: Session, series: Sequence[NewSeries]) -> list[int]:
    """Insert new series; return their ids in the order given."""
    return _insert_returning_ids(session, _t(Series), [vars(s) for s in series])


def mark_dirty(*, session: Session, series_ids: Iterable[int]) -> None:
    """Flag series whose derived fields (replies, trailers, state) need rebuilding."""
    ids = sorted(set(series_ids))
    table = _t(Series)
    for chunk in _chunks(ids):
        session.connection().execute(update(table).where(table.c.id.in_(chunk)).values(dirty=True))


def count_dirty(*, session: Session) -> int:
    """How many series wait to be rebuilt."""
    table = _t(Series)
    stmt = select(func.count()).select_from(table).where(table.c.dirty.is_(True))
    return int(session.connection().execute(stmt).scalar_one())


def load_dirty_series(*, session: Session, limit: int) -> list[int]:
    """Ids of series waiting to be rebuilt."""
    table = _t(Series)
    rows = session.connection().execute(
        select(table.c.id).where(table.c.dirty.is_(True)).order_by(table.c.id).limit(limit)
    )
    return [r[0] for r in rows]


def update_many_series(*, session: Session, updates: Sequence[SeriesUpdate]) -> None:
    """Apply series updates: one executemany per kind, kinds in the order they first appear.

    Updates of one kind run in the order given, so the last one for a series wins.
    """
    table = _t(Series)
    groups: dict[type[SeriesUpdate], list[dict[str, object]]] = {}
    for u in updates:
        groups.setdefault(type(u), []).append(_update_values(u))
    for rows in groups.values():
        cols = [c for c in rows[0] if c != "series_id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("series_id"))
            .values({c: bindparam(c) for c in cols})
        )
        session.connection().execute(stmt, rows)


def load_slots(
    *, session: Session, submitter: str, version: int, total: int, since: datetime | None
) -> list[SeriesSlot]:
    """Series of one submitter/version/total active since `since`, with their numbers."""
    s, p = _t(Series), _t(Patch)
    cond = and_(s.c.submitter_email == submitter, s.c.version == version, s.c.total == total)
    if since is not None:
        cond = and_(cond, or_(s.c.last_date >= since, s.c.last_date.is_(None)))
    stmt = (
        select(s.c.id, s.c.last_date, s.c.cover_id, p.c.number)
        .outerjoin(p, p.c.series_id == s.c.id)
        .where(cond)
        .order_by(s.c.id)
    )
    found: dict[int, tuple[datetime | None, bool]] = {}
    numbers: dict[int, set[int]] = {}
    for sid, last_date, cover_id, number in session.connection().execute(stmt):
        found.setdefault(sid, (last_date, cover_id is not None))
        got = numbers.setdefault(sid, set())
        if number is not None:
            got.add(number)
    return [
        SeriesSlot(sid, version, total, submitter, last_date, frozenset(numbers[sid]), has_cover)
        for sid, (last_date, has_cover) in found.items()
    ]


def load_series_rows(*, session: Session, ids: Sequence[int]) -> list[Any]:
    """Series rows by id."""
    s = _t(Series)
    out: list[Any] = []
    for chunk in _chunks(list(ids)):
        out.extend(session.connection().execute(select(s).where(s.c.id.in_(chunk))).all())
    return out


@dataclass(frozen=True)
class SeriesHead:
    """The first mail of a series (by Date, then Message-ID): what posted it."""

    series_id: int
    msgid: str
    date: datetime | None
    imported_at: datetime


def load_series_heads(*, session: Session, ids: Sequence[int]) -> dict[int, SeriesHead]:
    """The first mail of each of these series, among its cover letter and patches."""
    m, s, p = MESSAGE, SERIES, PATCH
    cols = (m.c.msgid, m.c.date, m.c.imported_at)
    found: dict[int, list[Any]] = {}
    for chunk in _chunks(list(ids)):
        covers = select(s.c.id.label("sid"), *cols).join(m, m.c.id == s.c.cover_id)
        patches = select(p.c.series_id.label("sid"), *cols).join(m, m.c.id == p.c.message_id)
        for stmt in (covers.where(s.c.id.in_(chunk)), patches.where(p.c.series_id.in_(chunk))):
            for row in session.connection().execute(stmt):
                found.setdefault(row.sid, []).append(row)
    heads = {}
    for sid, rows in found.items():
        r = min(rows, key=lambda r: (r.date is None, r.date or datetime.min, r.msgid))
        heads[sid] = SeriesHead(sid, r.msgid, r.date, r.imported_at)
    return heads


def load_version_group(*, session: Session, pairs: Iterable[tuple[str, str]]) -> list[Any]:
    """Every series sharing (submitter, normalised title) with one of the pairs."""
    s = _t(Series)
    out: list[Any] = []
    for chunk in _chunks(sorted(set(pairs))):
        stmt = select(s).where(tuple_(s.c.submitter_email, s.c.norm_title).in_(chunk))
        out.extend(session.connection().execute(stmt))
    return out


def load_explicit_successors(*, session: Session, ids: Sequence[int]) -> list[Any]:
    """Series that name one of these series as their explicit previous version."""
    s = _t(Series)
    out: list[Any] = []
    for chunk in _chunks(list(ids)):
        out.extend(
            session.connection().execute(select(s).where(s.c.explicit_previous_id.in_(chunk)))
        )
    return out


def count_rows(*, session: Session, model: Any) -> int:
    """Number of rows in a table."""
    return int(
        session.connection().execute(select(func.count()).select_from(_t(model))).scalar_one()
    )


def drop_empty_series(*, session: Session, series_ids: Sequence[int]) -> list[int]:
    """Delete those of these series left with no patch and no cover letter; their ids.

    What hung from them (replies placed there, links from other versions) is
    let go: the rebuild places the replies again and relinks the versions.
    """
    conn = session.connection()
    ids = list(series_ids)
    has_patch = select(PATCH.c.series_id).where(PATCH.c.series_id.in_(ids))
    empty = [
        r.id
        for r in conn.execute(
            select(SERIES.c.id).where(
                SERIES.c.id.in_(ids), SERIES.c.cover_id.is_(None), SERIES.c.id.not_in(has_patch)
            )
        )
    ]
    if not empty:
        return []
    for table in (CONCERN_PLACE, CONCERN, HUNK_COVER, RACE, TRAILER):
        conn.execute(delete(table).where(table.c.series_id.in_(empty)))
    # its inferred history goes with it (what maintainers did stays in the log)
    conn.execute(delete(EVENT).where(EVENT.c.series_id.in_(empty), EVENT.c.via == "mail"))
    runs = select(APPLY_RUN.c.id).where(APPLY_RUN.c.series_id.in_(empty))
    conn.execute(delete(HUNK_APPLY).where(HUNK_APPLY.c.run_id.in_(runs)))
    conn.execute(delete(PATCH_APPLY).where(PATCH_APPLY.c.run_id.in_(runs)))
    conn.execute(delete(APPLY_RUN).where(APPLY_RUN.c.series_id.in_(empty)))
    conn.execute(
        update(MESSAGE).where(MESSAGE.c.series_id.in_(empty)).values(series_id=None, patch_id=None)
    )
    for column in ("previous_id", "superseded_by_id", "explicit_previous_id"):
        others = SERIES.c[column]
        conn.execute(update(SERIES).where(others.in_(empty)).values({column: None, "dirty": True}))
    conn.execute(delete(SERIES).where(SERIES.c.id.in_(empty)))
    return empty
