"""Apply runs with their per-patch and per-hunk results."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from reviewbot.models import (
    ApplyRun,
    HunkApply,
    PatchApply,
)
from reviewbot.store._base import _insert_returning_ids, _t


def save_apply_run(
    *,
    session: Session,
    run: dict[str, Any],
    patches: Sequence[dict[str, Any]],
    hunks: Sequence[dict[str, Any]],
) -> int:
    """Store an apply run with its per-patch and per-hunk results; return its id."""
    run_id = _insert_returning_ids(session, _t(ApplyRun), [run])[0]
    if patches:
        session.connection().execute(
            insert(_t(PatchApply)), [{**p, "run_id": run_id} for p in patches]
        )
    if hunks:
        session.connection().execute(
            insert(_t(HunkApply)), [{**h, "run_id": run_id} for h in hunks]
        )
    return run_id
