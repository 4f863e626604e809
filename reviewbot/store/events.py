"""Maintainers' writes: the event log and compare-and-set updates of state fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import and_, insert, select, update
from sqlmodel import Session

from reviewbot.models import Concern, Event, Patch, RaceScenario, Series
from reviewbot.store._base import _t

_TABLES: dict[str, Any] = {
    "patch": Patch,
    "series": Series,
    "concern": Concern,
    "race": RaceScenario,
}


def save_events(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append event rows."""
    if rows:
        session.connection().execute(insert(_t(Event)), list(rows))


def load_target(*, session: Session, target: str, target_id: int) -> Any | None:
    """The patch, series, concern or race row with this id, or None."""
    table = _t(_TABLES[target])
    return session.connection().execute(select(table).where(table.c.id == target_id)).first()


def set_if_unchanged(
    *,
    session: Session,
    target: str,
    target_id: int,
    expected: Mapping[str, Any],
    values: Mapping[str, Any],
) -> bool:
    """Set `values` only if the row still holds `expected`; False when somebody won the race.

    The condition is part of the UPDATE itself, so two writers that read the
    same row cannot both succeed, whatever the isolation level.
    """
    table = _t(_TABLES[target])
    conds = [table.c.id == target_id]
    for column, value in expected.items():
        col = table.c[column]
        conds.append(col.is_(None) if value is None else col == value)
    result = session.connection().execute(update(table).where(and_(*conds)).values(**values))
    return bool(result.rowcount)


def reapply_concern_statuses(*, session: Session, series_ids: Sequence[int]) -> None:
    """Put back the statuses maintainers set on concerns that a rebuild recreated."""
    e, c = _t(Event), _t(Concern)
    stmt = (
        select(e.c.concern_key, e.c.new_value, e.c.note, e.c.actor)
        .where(
            e.c.target == "concern",
            e.c.field == "status",
            e.c.via != "mail",
            e.c.series_id.in_(list(series_ids)),
        )
        .order_by(e.c.id)
    )
    latest = {r.concern_key: r for r in session.connection().execute(stmt)}
    for key, r in latest.items():
        reply_id, position = (int(x) for x in key.split(":"))
        session.connection().execute(
            update(c)
            .where(c.c.reply_id == reply_id, c.c.position == position)
            .values(status=r.new_value, status_reason=f"set by {r.actor}: {r.note}".rstrip(": "))
        )
