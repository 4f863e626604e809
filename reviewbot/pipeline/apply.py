"""`reviewbot apply`: a stored series applied to a git tree, the result stored and reported.

apply.worktree talks to git; this side reads the series as apply's frozen
inputs (read.apply), stores the run, and says what changed since the last one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import store
from reviewbot.apply.git import run_git, work_tree_root
from reviewbot.apply.worktree import PatchResult, apply_patches, find_base
from reviewbot.db import session_scope
from reviewbot.errors import NotFound
from reviewbot.models import utcnow
from reviewbot.read.apply import ApplyInputs, apply_inputs, hunk_outcomes, last_run


@dataclass(frozen=True)
class HunkChange:
    """A hunk whose status differs from the previous run's."""

    patch: int
    file: str
    header: str
    before: str
    now: str


@dataclass(frozen=True)
class ApplyReport:
    """What `apply` did: the tree and base, each patch and hunk, and the changes since last time."""

    series_id: int
    tree: str
    tree_head: str
    base: str
    base_source: str
    base_note: str
    patches: tuple[PatchResult, ...]
    previous_head: str | None  # the tree head of the previous run, if there was one
    changed: tuple[HunkChange, ...]

    @property
    def failed(self) -> bool:
        """Some patch did not apply."""
        return any(p.status in ("conflict", "missing-file") for p in self.patches)


def apply_series(
    engine: Engine, series_id: int, tree: Path, base_option: str | None = None
) -> ApplyReport:
    """Apply a stored series to a git tree in a throw-away worktree; store and return the result."""
    root = work_tree_root(tree)
    with Session(engine) as session:
        inputs = apply_inputs(session, series_id)
    if not inputs.patches:
        raise NotFound(f"series {series_id} has no patches to apply")
    head = run_git(root, "log", "-1", "--format=%H %cI", "HEAD").stdout.split()
    base = find_base(root, inputs.patches, inputs.base_commit, base_option, head[0])
    results = tuple(apply_patches(root, base, inputs.patches))
    with session_scope(engine) as session:
        previous = last_run(session, series_id)
        before = {}
        if previous is not None:
            before = {(h.file, h.header): h.status for h in hunk_outcomes(session, previous.id)}
        store.save_apply_run(
            session=session,
            run=store.NewApplyRun(
                series_id=series_id,
                tree=str(root),
                tree_head=head[0],
                tree_date=datetime.fromisoformat(head[1]) if len(head) > 1 else None,
                base=base.commit,
                base_source=base.source,
                base_note=base.note,
                created_at=utcnow(),
            ),
            patches=_patch_rows(inputs, results),
            hunks=_hunk_rows(inputs, results),
        )
    changed = tuple(
        HunkChange(r.number, h.file, h.header, before[(h.file, h.header)], h.status)
        for r in results
        for h in r.hunks
        if before.get((h.file, h.header)) not in (None, h.status)
    )
    return ApplyReport(
        series_id,
        str(root),
        head[0],
        base.commit,
        base.source,
        base.note,
        results,
        previous.tree_head if previous else None,
        changed,
    )


def _patch_rows(
    inputs: ApplyInputs, results: tuple[PatchResult, ...]
) -> list[store.PatchOutcomeRow]:
    return [
        store.PatchOutcomeRow(inputs.patch_ids[r.number], r.number, r.status, r.detail)
        for r in results
    ]


def _hunk_rows(inputs: ApplyInputs, results: tuple[PatchResult, ...]) -> list[store.HunkOutcomeRow]:
    return [
        store.HunkOutcomeRow(
            patch_id=inputs.patch_ids[r.number],
            hunk_id=inputs.hunk_ids.get((r.number, h.file, h.header)),
            file=h.file,
            header=h.header,
            status=h.status,
            offset=h.offset,
            detail=h.detail,
        )
        for r in results
        for h in r.hunks
    ]
