"""Writes and bulk reads of series, patches, hunks and trailers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlmodel import Session

from reviewbot.models import (
    Hunk,
    Message,
    Patch,
    PatchFile,
    Series,
    Trailer,
)
from reviewbot.store._base import _chunks, _insert_returning_ids, _t


def save_many_series(*, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new series; return their ids in the order given."""
    return _insert_returning_ids(session, _t(Series), list(rows))


def update_series(*, session: Session, series_id: int, values: dict[str, Any]) -> None:
    """Set columns of one series."""
    table = _t(Series)
    session.connection().execute(update(table).where(table.c.id == series_id).values(**values))


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


def update_many_series(*, session: Session, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Apply (series id, {column: value}) updates, grouped by the columns they set."""
    table = _t(Series)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for series_id, values in updates:
        cols = tuple(sorted(values))
        groups.setdefault(cols, []).append({"_sid": series_id, **values})
    for cols, rows in groups.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_sid"))
            .values({c: bindparam(c) for c in cols})
        )
        session.connection().execute(stmt, rows)


def load_slots(
    *, session: Session, submitter: str, version: int, total: int, since: datetime | None
) -> list[dict[str, Any]]:
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
    slots: dict[int, dict[str, Any]] = {}
    for sid, last_date, cover_id, number in session.connection().execute(stmt):
        slot = slots.setdefault(
            sid,
            {
                "id": sid,
                "last_date": last_date,
                "has_cover": cover_id is not None,
                "numbers": set(),
            },
        )
        if number is not None:
            slot["numbers"].add(number)
    return list(slots.values())


def load_series_rows(*, session: Session, ids: Sequence[int]) -> list[Any]:
    """Series rows by id."""
    s = _t(Series)
    out: list[Any] = []
    for chunk in _chunks(list(ids)):
        out.extend(session.connection().execute(select(s).where(s.c.id.in_(chunk))).all())
    return out


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


@dataclass(frozen=True)
class PatchRecord:
    """A patch row with its files (each with its hunks) and its own trailers."""

    row: dict[str, Any]
    files: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    trailers: list[dict[str, Any]]


def save_patches(*, session: Session, records: Sequence[PatchRecord]) -> None:
    """Insert patches with their files, hunks and trailers, a few statements per batch."""
    patch_ids = _insert_returning_ids(session, _t(Patch), [r.row for r in records])
    file_rows: list[dict[str, Any]] = []
    hunk_groups: list[tuple[int, list[dict[str, Any]]]] = []
    trailers: list[dict[str, Any]] = []
    for patch_id, record in zip(patch_ids, records, strict=True):
        for file_row, hunk_rows in record.files:
            file_rows.append({**file_row, "patch_id": patch_id})
            hunk_groups.append((patch_id, hunk_rows))
        trailers.extend({**t, "patch_id": patch_id} for t in record.trailers)
    file_ids = _insert_returning_ids(session, _t(PatchFile), file_rows)
    hunks = [
        {**h, "patch_id": patch_id, "file_id": file_id}
        for file_id, (patch_id, hunk_rows) in zip(file_ids, hunk_groups, strict=True)
        for h in hunk_rows
    ]
    if hunks:
        session.connection().execute(insert(_t(Hunk)), hunks)
    save_trailers(session=session, rows=trailers)


def load_patches(*, session: Session, series_ids: Sequence[int]) -> list[Any]:
    """Patch rows (with their Message-ID and date) of these series."""
    p, m = _t(Patch), _t(Message)
    out: list[Any] = []
    for chunk in _chunks(list(series_ids)):
        stmt = (
            select(p, m.c.msgid, m.c.date, m.c.from_email.label("sender"))
            .join(m, m.c.id == p.c.message_id)
            .where(p.c.series_id.in_(chunk))
            .order_by(p.c.series_id, p.c.number, p.c.id)
        )
        out.extend(session.connection().execute(stmt).all())
    return out


def replace_reply_trailers(
    *, session: Session, series_ids: Sequence[int], rows: Sequence[dict[str, Any]]
) -> None:
    """Replace the trailers collected from replies for these series."""
    t = _t(Trailer)
    for chunk in _chunks(list(series_ids)):
        session.connection().execute(
            delete(t).where(t.c.series_id.in_(chunk), t.c.source == "reply")
        )
    if rows:
        session.connection().execute(insert(t), list(rows))


def save_trailers(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert trailer rows."""
    if rows:
        session.connection().execute(insert(_t(Trailer)), list(rows))


def update_patch_states(*, session: Session, rows: Sequence[tuple[int, str, str]]) -> None:
    """Set (patch id, state, reason)."""
    if not rows:
        return
    p = _t(Patch)
    stmt = (
        update(p)
        .where(p.c.id == bindparam("pid"))
        .values(state=bindparam("st"), state_reason=bindparam("why"))
    )
    session.connection().execute(stmt, [{"pid": i, "st": s, "why": w} for i, s, w in rows])


def count_rows(*, session: Session, model: Any) -> int:
    """Number of rows in a table."""
    return int(
        session.connection().execute(select(func.count()).select_from(_t(model))).scalar_one()
    )
