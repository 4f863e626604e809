"""The event log: every change made by hand or inferred from mail, newest first.

An event inferred from mail is dated by the mail and names it (`msgid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import EVENT
from reviewbot.read.filters import Filters, Page, Paged, paged, time_range
from reviewbot.read.sql import first, page_rows, rows


@dataclass(frozen=True)
class EventEntry:
    """One change: who, when, what, from -> to ("via" mail: inferred from the thread)."""

    id: int
    created_at: datetime
    category: str
    actor: str
    via: str
    target: str
    target_id: int
    series_id: int | None
    patch_id: int | None
    field: str
    old_value: str | None
    new_value: str | None
    note: str
    msgid: str | None  # the mail that caused it (via mail), else None


def _entry(r: Any) -> EventEntry:
    return EventEntry(
        r.id,
        r.created_at,
        r.category,
        r.actor,
        r.via,
        r.target,
        r.target_id,
        r.series_id,
        r.patch_id,
        r.field,
        r.old_value,
        r.new_value,
        r.note,
        r.msgid,
    )


def list_events(session: Session, f: Filters, page: Page) -> Paged[EventEntry]:
    """The changes `f` asks for (category, series, patch, actor, via, time), newest first."""
    conds = time_range(f, EVENT.c.created_at)
    if f.category:
        conds.append(EVENT.c.category == f.category)
    if f.series:
        conds.append(EVENT.c.series_id == f.series)
    if f.patch is not None:
        conds.append(EVENT.c.patch_id == f.patch)
    if f.actor:
        conds.append(EVENT.c.actor == f.actor)
    if f.via:
        conds.append(EVENT.c.via == f.via)
    if f.msgid:  # the events a mail caused
        conds.append(EVENT.c.msgid == f.msgid)
    # by time first: a poll's `since` then reads the created_at index from its end
    # rather than scanning the whole log backwards by id
    stmt = select(EVENT).where(*conds).order_by(EVENT.c.created_at.desc(), EVENT.c.id.desc())
    found, total = page_rows(session, stmt, page)
    return paged([_entry(r) for r in found], total, page)


def history(
    session: Session,
    *,
    series_id: int | None = None,
    patch_id: int | None = None,
    target: str | None = None,
    limit: int = 200,
) -> tuple[EventEntry, ...]:
    """The latest `limit` events of a series or a patch (of one `target` kind when given),
    oldest first: how its state came to be, as its page tells it."""
    stmt = select(EVENT).order_by(EVENT.c.created_at.desc(), EVENT.c.id.desc()).limit(limit)
    if series_id is not None:
        stmt = stmt.where(EVENT.c.series_id == series_id)
    if patch_id is not None:
        stmt = stmt.where(EVENT.c.patch_id == patch_id)
    if target is not None:
        stmt = stmt.where(EVENT.c.target == target)
    return tuple(reversed([_entry(r) for r in rows(session, stmt)]))


def event_detail(session: Session, event_id: int) -> EventEntry:
    """One event; NotFound when there is none."""
    row = first(session, select(EVENT).where(EVENT.c.id == event_id))
    if row is None:
        raise NotFound(f"no event with id {event_id}")
    return _entry(row)


def last_changes(session: Session, series_ids: Sequence[int]) -> dict[int, datetime]:
    """When each of these series (or one of its patches) last changed by an event.

    A state set by hand leaves the series' mail as it was: a feed's entry is
    updated at this time, not only when mail arrives.
    """
    if not series_ids:
        return {}
    stmt = (
        select(EVENT.c.series_id, func.max(EVENT.c.created_at))
        .where(EVENT.c.series_id.in_(list(series_ids)))
        .group_by(EVENT.c.series_id)
    )
    return {sid: when for sid, when in rows(session, stmt) if when is not None}
