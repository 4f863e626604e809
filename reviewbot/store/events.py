"""Maintainers' writes: compare-and-set updates of state fields, each with its event."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlmodel import Session

from reviewbot.errors import Conflict, InputError, NotFound
from reviewbot.events import WRITABLE, Change, NewEvent, Owner, Value, event_of
from reviewbot.models import CONCERN, EVENT, PATCH, RACE, SERIES, PatchState, utcnow
from reviewbot.store import bulk

_TABLES = {"patch": PATCH, "series": SERIES, "concern": CONCERN, "race": RACE}


def save_events(*, session: Session, events: Sequence[NewEvent]) -> None:
    """Append events to the log."""
    if events:
        # vars, not asdict: asdict deep-copies every field, a third of a rebuild's time
        bulk.insert_rows(session.connection(), EVENT, [vars(e) for e in events])


def replace_inferred_events(
    *,
    session: Session,
    series_ids: Sequence[int],
    events: Sequence[NewEvent],
    kept: Collection[tuple[str, int]] = (),
) -> None:
    """Make the events inferred from mail for these series exactly `events`.

    They are the history of the thread, recomputed whenever it grows; an event
    that stays the same keeps its row (and id), one the history no longer has
    goes. The targets in `kept` (a state set by hand: not inferred any more)
    keep the events they had.
    """
    e = EVENT
    if not series_ids:
        return
    conn = session.connection()
    stored = conn.execute(
        select(*(e.c[k] for k in ("id", *_KEY))).where(
            e.c.via == "mail", e.c.series_id.in_(list(series_ids))
        )
    ).all()
    wanted = {_key(vars(ev)) for ev in events}
    have: dict[tuple[object, ...], int] = {}
    gone: list[int] = []
    for r in stored:
        if (r.target, r.target_id) in kept:
            continue
        key = _key(r._mapping)
        if key in wanted and key not in have:
            have[key] = r.id
        else:
            gone.append(r.id)
    if gone:
        conn.execute(delete(e).where(e.c.id.in_(gone)))
    save_events(session=session, events=[ev for ev in events if _key(vars(ev)) not in have])


_KEY = ("target", "target_id", "field", "old_value", "new_value", "created_at", "msgid", "note")


def _key(row: Mapping[Any, Any]) -> tuple[object, ...]:
    """What makes two inferred events the same one (dates compared as naive UTC)."""
    return tuple(_naive_utc(row[k]) if k == "created_at" else row[k] for k in _KEY)


def _naive_utc(when: datetime) -> datetime:
    # the database gives naive UTC back for what it was given aware
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def load_target(*, session: Session, target: str, target_id: int) -> Any:
    """The patch, series, concern or race row a change applies to; NotFound when none."""
    table = _TABLES[target]
    row = session.connection().execute(select(table).where(table.c.id == target_id)).first()
    if row is None:
        raise NotFound(f"no {target} with id {target_id}")
    return row


def _set_if_unchanged(
    session: Session,
    target: str,
    target_id: int,
    expected: Mapping[str, Value],
    values: Mapping[str, Value],
) -> bool:
    """Set `values` only if the row still holds `expected`; False when somebody won the race.

    The condition is part of the UPDATE itself, so two writers that read the
    same row cannot both succeed, whatever the isolation level.
    """
    table = _TABLES[target]
    conds = [table.c.id == target_id]
    for column, value in expected.items():
        col = table.c[column]
        conds.append(col.is_(None) if value is None else col == value)
    result = session.connection().execute(update(table).where(and_(*conds)).values(**values))
    return bool(result.rowcount)


def apply_changes(
    *,
    session: Session,
    target: str,
    row: Any,
    values: Mapping[str, Value],
    actor: str,
    via: str,
    note: str = "",
) -> list[Change]:
    """Write `values` onto the `row` the caller read, with an event per changed field."""
    fields = WRITABLE[target]
    changes = [
        Change(target, row.id, k, getattr(row, k), v)
        for k, v in values.items()
        if k in fields and getattr(row, k) != v
    ]
    if not changes:
        return []
    expected = {k: getattr(row, k) for k in fields}
    new: dict[str, Value] = {c.field: c.new for c in changes}
    if "state" in new:  # rebuild leaves a state set by hand alone
        new["state_by"] = actor
    # a manual value replaces the inferred reason, so `series show` says who set it
    new["status_reason" if target == "concern" else "state_reason"] = f"set by {actor}" + (
        f": {note}" if note else ""
    )
    if target == "concern":  # what set the status: this user
        new.update(status_source_kind="user", status_source_ref=actor)
    if not _set_if_unchanged(session, target, row.id, expected, new):
        raise Conflict(f"{target} {row.id} was changed by somebody else; read it again")
    now = utcnow()  # one write, one moment: a poll sees all of its fields or none
    owner = _owner(target, row)
    events = [event_of(c, owner, actor=actor, via=via, note=note, now=now) for c in changes]
    save_events(session=session, events=events)
    return changes


def _owner(target: str, row: Any) -> Owner:
    series_id = row.id if target == "series" else row.series_id
    patch_id = row.id if target == "patch" else getattr(row, "patch_id", None)
    key = f"{row.reply_id}:{row.position}" if target == "concern" else None
    return Owner(series_id, patch_id, key)


def set_state(
    *, session: Session, target: str, row: Any, state: str, actor: str, via: str
) -> list[Change]:
    """Set a patch's or series' state; InputError naming the allowed ones for any other."""
    allowed = [s.value for s in PatchState]
    if state not in allowed:
        raise InputError(f"unknown state {state!r}: expected one of {', '.join(allowed)}")
    return apply_changes(
        session=session, target=target, row=row, values={"state": state}, actor=actor, via=via
    )


def reapply_concern_statuses(*, session: Session, series_ids: Sequence[int]) -> None:
    """Put back the statuses maintainers set on concerns that a relink recreated."""
    e, c = EVENT, CONCERN
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
            .values(
                status=r.new_value,
                status_reason=f"set by {r.actor}: {r.note}".rstrip(": "),
                status_source_kind="user",
                status_source_ref=r.actor,
            )
        )
