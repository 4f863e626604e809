"""What `reviewbot upstream` found: each patch's newest check, commit_ref, states from the tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, insert, or_, select, update
from sqlmodel import Session

from reviewbot.models import MESSAGE, PATCH, SERIES, UPSTREAM
from reviewbot.store._base import _chunks


@dataclass(frozen=True)
class UpstreamRow:
    """One patch's check against a tree."""

    patch_id: int
    series_id: int
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
    checked_at: datetime


def replace_upstream(*, session: Session, rows: Sequence[UpstreamRow]) -> None:
    """Store these checks, replacing each patch's previous one."""
    conn = session.connection()
    for chunk in _chunks([r.patch_id for r in rows]):
        conn.execute(delete(UPSTREAM).where(UPSTREAM.c.patch_id.in_(chunk)))
    if rows:
        conn.execute(insert(UPSTREAM), [vars(r) for r in rows])


def set_commit_ref(*, session: Session, patch_id: int, commit: str) -> None:
    """Record the commit of the tree that carries a patch (patchwork's commit_ref)."""
    session.connection().execute(
        update(PATCH).where(PATCH.c.id == patch_id).values(commit_ref=commit)
    )


def set_tree_state(*, session: Session, patch_id: int, state: str, reason: str) -> bool:
    """Set a patch's state from the tree, unless somebody set one by hand; False if they had."""
    done = session.connection().execute(
        update(PATCH)
        .where(PATCH.c.id == patch_id, PATCH.c.state_by.is_(None))
        .values(state=state, state_reason=reason)
    )
    return bool(done.rowcount)


def set_series_tree_state(*, session: Session, series_id: int, state: str, reason: str) -> bool:
    """Set a series' state judged again from its patches, unless it was set by hand."""
    done = session.connection().execute(
        update(SERIES)
        .where(SERIES.c.id == series_id, SERIES.c.state_by.is_(None))
        .values(state=state, state_reason=reason)
    )
    return bool(done.rowcount)


def load_series_states(*, session: Session, series_id: int) -> tuple[Any, list[Any]]:
    """A series row (state, state_by, superseded_by_id) and its patches' states, by number."""
    row = session.connection().execute(select(SERIES).where(SERIES.c.id == series_id)).one()
    patches = session.connection().execute(
        select(PATCH.c.id, PATCH.c.state, PATCH.c.state_reason)
        .where(PATCH.c.series_id == series_id)
        .order_by(PATCH.c.number, PATCH.c.id)
    )
    return row, list(patches)


def load_unchecked_patches(
    *, session: Session, tree: str, head: str, since: datetime | None, limit: int
) -> list[int]:
    """Ids of patches no check has placed in `tree` at `head` yet: never checked, checked
    at another head or tree, and not known to be in it (no commit_ref); mailed since `since`."""
    checked = select(UPSTREAM.c.patch_id).where(
        UPSTREAM.c.tree == tree, UPSTREAM.c.tree_head == head
    )
    conds: list[ColumnElement[bool]] = [PATCH.c.commit_ref.is_(None), PATCH.c.id.not_in(checked)]
    stmt = select(PATCH.c.id).join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
    if since is not None:
        conds.append(or_(MESSAGE.c.date.is_(None), MESSAGE.c.date >= since))
    stmt = stmt.where(and_(*conds)).order_by(PATCH.c.id).limit(limit)
    return [r[0] for r in session.connection().execute(stmt)]
