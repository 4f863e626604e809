"""Changes maintainers make (state, delegate, archived, concern status), as events.

Every change is written with an event row (who, when, what, from -> to) in the
same transaction, whether it came from the API, the CLI or was inferred from
mail by rebuild. Writes are compare-and-set: the caller says what it read, and
a change made by somebody else in between makes the write fail (Conflict).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from reviewbot import store
from reviewbot.errors import InputError, NotFound, ReviewbotError
from reviewbot.series.state import State
from reviewbot.tokens import utcnow

PATCH_STATES = tuple(s.value for s in State)
CONCERN_STATUSES = (
    "open",
    "answered",
    "addressed",
    "dropped",
    "approval",
    "noted",
    "resolved",
    "wontfix",
)
WRITABLE = {
    "patch": ("state", "delegate", "archived"),
    "series": ("state", "delegate", "archived"),
    "concern": ("status",),
}
# what the event log calls each change: patchwork's category names where they exist
_CATEGORY = {
    "state": "{target}-state-changed",
    "delegate": "{target}-delegated",
    "archived": "{target}-archived",
    "status": "concern-status-changed",
}
CATEGORIES = (
    "patch-state-changed",
    "patch-delegated",
    "patch-archived",
    "series-state-changed",
    "series-delegated",
    "series-archived",
    "concern-status-changed",
)


class Conflict(ReviewbotError):
    """The row changed since the caller read it: the write was not made."""

    exit_code = 7


@dataclass(frozen=True)
class Change:
    """One field of one patch, series or concern, from a value to another."""

    target: str
    target_id: int
    field: str
    old: Any
    new: Any


def load(*, session: Session, target: str, target_id: int) -> Any:
    """The row a change would apply to; NotFound when there is none."""
    row = store.load_target(session=session, target=target, target_id=target_id)
    if row is None:
        raise NotFound(f"no {target} with id {target_id}")
    return row


def apply_changes(
    *,
    session: Session,
    target: str,
    row: Any,
    values: Mapping[str, Any],
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
    new = {c.field: c.new for c in changes}
    if "state" in new:  # rebuild leaves a state set by hand alone
        new["state_by"] = actor
    # a manual value replaces the inferred reason, so `series show` says who set it
    new["status_reason" if target == "concern" else "state_reason"] = f"set by {actor}" + (
        f": {note}" if note else ""
    )
    if not store.set_if_unchanged(
        session=session, target=target, target_id=row.id, expected=expected, values=new
    ):
        raise Conflict(f"{target} {row.id} was changed by somebody else; read it again")
    now = utcnow()  # one write, one moment: a poll sees all of its fields or none
    rows = [_event(c, row, actor, via, note, now) for c in changes]
    store.save_events(session=session, rows=rows)
    return changes


def parse_target(text: str) -> tuple[str, int]:
    """ "7" is series 7 and "p42" patch 42, as the `concerns` command reads them."""
    kind = "patch" if text[:1].lower() == "p" else "series"
    digits = text[1:] if kind == "patch" else text
    # ASCII only: "³".isdigit() is true; and no id is beyond SQLite's integers
    if not (digits.isascii() and digits.isdigit()) or int(digits) >= 2**63:
        raise InputError(f"{text!r}: expected a series id (7) or a patch id (p42)")
    return kind, int(digits)


def set_state(
    *, session: Session, target: str, row: Any, state: str, actor: str, via: str
) -> list[Change]:
    """Set a patch's or series' state; InputError naming the allowed ones for any other."""
    if state not in PATCH_STATES:
        raise InputError(f"unknown state {state!r}: expected one of {', '.join(PATCH_STATES)}")
    return apply_changes(
        session=session, target=target, row=row, values={"state": state}, actor=actor, via=via
    )


def _event(
    change: Change, row: Any, actor: str, via: str, note: str, now: datetime
) -> dict[str, Any]:
    target = change.target
    series_id = row.id if target == "series" else row.series_id
    patch_id = row.id if target == "patch" else getattr(row, "patch_id", None)
    return {
        "created_at": now,
        "category": _CATEGORY[change.field].format(target=target),
        "actor": actor,
        "via": via,
        "target": target,
        "target_id": change.target_id,
        "series_id": series_id,
        "patch_id": patch_id,
        "concern_key": f"{row.reply_id}:{row.position}" if target == "concern" else None,
        "field": change.field,
        "old_value": _text(change.old),
        "new_value": _text(change.new),
        "note": note,
    }


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def inferred_state_events(
    changes: Sequence[tuple[str, int, int, int | None, str, str]],
) -> list[dict[str, Any]]:
    """Event rows for states rebuild inferred from mail: (target, id, series, patch, old, new)."""
    now = utcnow()
    return [
        {
            "created_at": now,
            "category": f"{target}-state-changed",
            "actor": "reviewbot",
            "via": "mail",
            "target": target,
            "target_id": target_id,
            "series_id": series_id,
            "patch_id": patch_id,
            "concern_key": None,
            "field": "state",
            "old_value": old,
            "new_value": new,
            "note": "inferred from the thread",
        }
        for target, target_id, series_id, patch_id, old, new in changes
        if old != new
    ]
