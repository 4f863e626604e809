"""Apply runs with their per-patch and per-hunk results."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert
from sqlmodel import Session

from reviewbot.models import APPLY_RUN, HUNK_APPLY, PATCH_APPLY
from reviewbot.store._base import _insert_returning_ids


@dataclass(frozen=True)
class NewApplyRun:
    """One run of `apply`: the series, the tree and its HEAD, the base and how it was found."""

    series_id: int
    tree: str
    tree_head: str
    tree_date: datetime | None
    base: str
    base_source: str
    base_note: str
    created_at: datetime


@dataclass(frozen=True)
class PatchOutcomeRow:
    """What a run did with one patch."""

    patch_id: int
    number: int
    status: str
    detail: str
    commit: str | None = None  # already-applied: the commit that carries it


@dataclass(frozen=True)
class HunkOutcomeRow:
    """What a run did with one hunk."""

    patch_id: int
    hunk_id: int | None
    file: str
    header: str
    status: str
    offset: int
    detail: str


def save_apply_run(
    *,
    session: Session,
    run: NewApplyRun,
    patches: Sequence[PatchOutcomeRow],
    hunks: Sequence[HunkOutcomeRow],
) -> int:
    """Store an apply run with its per-patch and per-hunk results; return its id."""
    run_id = _insert_returning_ids(session, APPLY_RUN, [vars(run)])[0]
    if patches:
        rows = [{**vars(p), "run_id": run_id} for p in patches]
        session.connection().execute(insert(PATCH_APPLY), rows)
    if hunks:
        rows = [{**vars(h), "run_id": run_id} for h in hunks]
        session.connection().execute(insert(HUNK_APPLY), rows)
    return run_id
