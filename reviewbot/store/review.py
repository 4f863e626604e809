"""Concerns and race scenarios: replaced wholesale when their series is rebuilt."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from reviewbot.models import Concern, Message, RaceScenario, Series
from reviewbot.store._base import _chunks, _t


def replace_review(
    *,
    session: Session,
    series_ids: Sequence[int],
    concerns: Sequence[dict[str, Any]],
    races: Sequence[dict[str, Any]],
) -> None:
    """Replace the concerns and races of these series."""
    conn = session.connection()
    for chunk in _chunks(list(series_ids)):
        conn.execute(delete(_t(Concern)).where(_t(Concern).c.series_id.in_(chunk)))
        conn.execute(delete(_t(RaceScenario)).where(_t(RaceScenario).c.series_id.in_(chunk)))
    if concerns:
        conn.execute(insert(_t(Concern)), list(concerns))
    if races:
        conn.execute(insert(_t(RaceScenario)), list(races))


def review_dirty(*, session: Session, series_ids: Sequence[int] | None) -> list[int]:
    """Which of these series (all when None) need their concerns and races linked."""
    s = _t(Series)
    stmt = select(s.c.id).where(s.c.review_dirty.is_(True)).order_by(s.c.id)
    if series_ids is not None:
        stmt = stmt.where(s.c.id.in_(list(series_ids)))
    return [r[0] for r in session.connection().execute(stmt)]


def previous_versions(*, session: Session, series_ids: Sequence[int]) -> list[int]:
    """The series these ones supersede."""
    s = _t(Series)
    out: list[int] = []
    for chunk in _chunks(list(series_ids)):
        rows = session.connection().execute(select(s.c.id).where(s.c.superseded_by_id.in_(chunk)))
        out.extend(r[0] for r in rows)
    return out


def load_placed_replies(*, session: Session, series_ids: Sequence[int]) -> list[Any]:
    """Replies placed under these series (by rebuild), oldest first."""
    m = _t(Message)
    cols = [
        m.c.id,
        m.c.msgid,
        m.c.body,
        m.c.from_name,
        m.c.from_email,
        m.c.date,
        m.c.series_id,
        m.c.patch_id,
    ]
    out: list[Any] = []
    for chunk in _chunks(list(series_ids)):
        out.extend(
            session.connection().execute(
                select(*cols)
                .where(m.c.series_id.in_(chunk), m.c.kind.in_(("reply", "other")))
                .order_by(m.c.date, m.c.id)
            )
        )
    return out


def mark_reviewed(*, session: Session, series_ids: Sequence[int]) -> None:
    """Clear the review_dirty flag."""
    s = _t(Series)
    for chunk in _chunks(list(series_ids)):
        session.connection().execute(update(s).where(s.c.id.in_(chunk)).values(review_dirty=False))
