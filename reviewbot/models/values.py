"""The values a state or status column takes, and the clock every datetime comes from."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum


class PatchState(StrEnum):
    """A patch's or series' state: patchwork's names, so users recognise them."""

    NEW = "new"
    UNDER_REVIEW = "under-review"
    CHANGES_REQUESTED = "changes-requested"
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class ConcernStatus(StrEnum):
    """Where a reviewer's concern stands."""

    OPEN = "open"
    ANSWERED = "answered"
    ADDRESSED = "addressed"
    DROPPED = "dropped"
    APPROVAL = "approval"
    NOTED = "noted"
    RESOLVED = "resolved"
    WONTFIX = "wontfix"


def utcnow() -> datetime:
    """Now, in UTC: every datetime column takes aware values only."""
    return datetime.now(UTC)
