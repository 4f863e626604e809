"""Where patches are in a tree's history, as the newest `upstream` check found them,
and the inputs a new check needs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, select
from sqlmodel import Session

from reviewbot.models import MESSAGE, PATCH, UPSTREAM
from reviewbot.read.sql import first, rows
from reviewbot.texts import patch_columns


@dataclass(frozen=True)
class UpstreamEntry:
    """One patch's newest check against a tree: exact, similar, present or not-found."""

    patch_id: int
    number: int
    tree: str
    tree_head: str
    rev_range: str
    match: str
    commit: str | None
    subject: str | None
    score: float | None
    tag: str | None
    author_date: datetime | None
    commit_date: datetime | None
    detail: str
    checked_at: datetime | None

    @property
    def found(self) -> bool:
        """A commit carries it (exact or similar)."""
        return self.commit is not None


def in_tree(series_col: Any) -> ColumnElement[bool]:
    """A series is in the tree when it has patches and a commit carries each (commit_ref)."""
    has = exists().where(PATCH.c.series_id == series_col)
    lacking = exists().where(PATCH.c.series_id == series_col, PATCH.c.commit_ref.is_(None))
    return and_(has, ~lacking)


_WITH_NUMBER = select(UPSTREAM, PATCH.c.number).join(PATCH, PATCH.c.id == UPSTREAM.c.patch_id)


def _entry(r: Any) -> UpstreamEntry:
    return UpstreamEntry(
        r.patch_id,
        r.number,
        r.tree,
        r.tree_head,
        r.rev_range,
        r.match,
        r.commit,
        r.subject,
        r.score,
        r.tag,
        r.author_date,
        r.commit_date,
        r.detail,
        r.checked_at,
    )


def upstream_of_series(session: Session, series_id: int) -> tuple[UpstreamEntry, ...]:
    """The newest check of each patch of a series that was checked, by patch number."""
    stmt = _WITH_NUMBER.where(UPSTREAM.c.series_id == series_id).order_by(PATCH.c.number)
    return tuple(_entry(r) for r in rows(session, stmt))


def upstream_of_patch(session: Session, patch_id: int) -> UpstreamEntry | None:
    """The newest check of one patch, or None if it was never checked."""
    found = first(session, _WITH_NUMBER.where(UPSTREAM.c.patch_id == patch_id))
    return _entry(found) if found is not None else None


@dataclass(frozen=True)
class UpstreamInput:
    """A patch as `upstream` checks it, with what decides whether its state may change."""

    id: int
    series_id: int
    number: int
    title: str
    author_name: str
    author_email: str
    diff: str
    diff_error: str | None
    state: str
    state_reason: str
    state_by: str | None
    commit_ref: str | None


def upstream_inputs(
    session: Session, *, series_id: int | None = None, patch_ids: Sequence[int] = ()
) -> list[UpstreamInput]:
    """The patches of a series, or these patches, in series and number order."""
    stmt = select(*patch_columns()).join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
    if series_id is not None:
        stmt = stmt.where(PATCH.c.series_id == series_id)
    else:
        stmt = stmt.where(PATCH.c.id.in_(list(patch_ids)))
    found = rows(session, stmt.order_by(PATCH.c.series_id, PATCH.c.number, PATCH.c.id))
    return [
        UpstreamInput(
            r.id,
            r.series_id,
            r.number,
            r.title,
            r.author_name,
            r.author_email,
            r.diff,
            r.diff_error,
            r.state,
            r.state_reason,
            r.state_by,
            r.commit_ref,
        )
        for r in found
    ]
