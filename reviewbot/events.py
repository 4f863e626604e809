"""Changes to a patch, series or concern, and the event rows that record them.

Every change is written with an event (who, when, what, from -> to) in the
same transaction, whether it came from the API, the CLI or was inferred from
mail by rebuild. This module says what a change and its event are;
store.events writes them, compare-and-set.

An event inferred from mail is dated by that mail and names it (`msgid`): the
review that said "Pushed, thanks", the v2 that superseded v1. Those events are
the history of the thread, so rebuild replaces them as the thread grows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from reviewbot.errors import InputError

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
Value = str | bool | None


@dataclass(frozen=True)
class Change:
    """One field of one patch, series or concern, from a value to another."""

    target: str
    target_id: int
    field: str
    old: Value
    new: Value


@dataclass(frozen=True)
class Owner:
    """The series and patch a changed row belongs to (for the event's filters)."""

    series_id: int | None
    patch_id: int | None
    concern_key: str | None  # "reply_id:position": a concern across relinks


@dataclass(frozen=True)
class NewEvent:
    """An event row on its way into the log."""

    created_at: datetime
    category: str
    actor: str
    via: str  # api, cli, web, mail
    target: str
    target_id: int
    series_id: int | None
    patch_id: int | None
    concern_key: str | None
    field: str
    old_value: str | None
    new_value: str | None
    note: str
    msgid: str | None = None  # the mail that caused it (events inferred from mail)


def parse_target(text: str) -> tuple[str, int]:
    """ "7" (or "#7", as lists print it) is series 7 and "p42" patch 42, as the CLI reads them."""
    kind = "patch" if text[:1].lower() == "p" else "series"
    digits = text[1:] if kind == "patch" or text[:1] == "#" else text
    # ASCII only: "³".isdigit() is true; and no id is beyond SQLite's integers
    if not (digits.isascii() and digits.isdigit()) or int(digits) >= 2**63:
        raise InputError(f"{text!r}: expected a series id (7) or a patch id (p42)")
    return kind, int(digits)


def event_of(
    change: Change, owner: Owner, *, actor: str, via: str, note: str, now: datetime
) -> NewEvent:
    """The event recording one change."""
    return NewEvent(
        created_at=now,
        category=_CATEGORY[change.field].format(target=change.target),
        actor=actor,
        via=via,
        target=change.target,
        target_id=change.target_id,
        series_id=owner.series_id,
        patch_id=owner.patch_id,
        concern_key=owner.concern_key,
        field=change.field,
        old_value=_text(change.old),
        new_value=_text(change.new),
        note=note,
    )


def _text(value: Value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class InferredState:
    """A state a patch or series moved to, inferred from the mail that moved it."""

    target: str  # patch, series
    target_id: int
    series_id: int
    patch_id: int | None
    old: str
    new: str
    at: datetime  # the mail's Date (as the import dated it)
    msgid: str  # the mail
    reason: str  # why, as state_reason says it


def inferred_events(states: list[InferredState]) -> list[NewEvent]:
    """Events for the states that changed ("reviewbot" via "mail"), at the mail's date."""
    return [
        replace(
            event_of(
                Change(s.target, s.target_id, "state", s.old, s.new),
                Owner(s.series_id, s.patch_id, None),
                actor="reviewbot",
                via="mail",
                note=s.reason,
                now=s.at,
            ),
            msgid=s.msgid,
        )
        for s in states
        if s.old != s.new
    ]
