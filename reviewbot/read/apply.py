"""Apply runs as stored: what the last run of a series said, per patch and per hunk,
and the inputs a new run needs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from reviewbot.apply.worktree import HunkInput, PatchInput
from reviewbot.errors import NotFound
from reviewbot.models import (
    APPLY_RUN,
    FILE,
    HUNK,
    HUNK_APPLY,
    MESSAGE,
    PATCH,
    PATCH_APPLY,
    SERIES,
)
from reviewbot.read.sql import first, rows
from reviewbot.texts import hunk_columns, patch_columns

GOOD = ("applied", "applied-with-offset")


@dataclass(frozen=True)
class PatchOutcome:
    """What the run did with one patch."""

    number: int
    status: str
    detail: str
    commit: str | None = None  # already-applied: the commit of the tree that carries it


@dataclass(frozen=True)
class HunkOutcome:
    """What the run did with one hunk."""

    patch_id: int
    hunk_id: int | None
    file: str
    header: str
    status: str
    offset: int
    detail: str


@dataclass(frozen=True)
class ApplyRunInfo:
    """The newest apply run of a series: where, on what, when, and per patch."""

    id: int
    tree: str
    tree_head: str
    base: str
    base_source: str
    created_at: datetime | None
    patches: tuple[PatchOutcome, ...]
    base_note: str = ""  # how the base was found, and why

    def status_of(self, number: int) -> str | None:
        """The status of patch `number` in this run, if it was in it."""
        return next((p.status for p in self.patches if p.number == number), None)

    def outcome_of(self, number: int) -> PatchOutcome | None:
        """What this run did with patch `number`, if it was in it."""
        return next((p for p in self.patches if p.number == number), None)


def _newest_run(session: Session, series_id: int) -> Any | None:
    return first(
        session,
        select(APPLY_RUN)
        .where(APPLY_RUN.c.series_id == series_id)
        .order_by(APPLY_RUN.c.id.desc())
        .limit(1),
    )


def last_run(session: Session, series_id: int) -> ApplyRunInfo | None:
    """The newest apply run of a series, or None if it was never applied."""
    run = _newest_run(session, series_id)
    if run is None:
        return None
    found = rows(
        session,
        select(
            PATCH_APPLY.c.number, PATCH_APPLY.c.status, PATCH_APPLY.c.detail, PATCH_APPLY.c.commit
        )
        .where(PATCH_APPLY.c.run_id == run.id)
        .order_by(PATCH_APPLY.c.number),
    )
    patches = tuple(PatchOutcome(r.number, r.status, r.detail, r.commit) for r in found)
    return ApplyRunInfo(
        run.id,
        run.tree,
        run.tree_head,
        run.base,
        run.base_source,
        run.created_at,
        patches,
        run.base_note,
    )


def hunk_outcomes(session: Session, run_id: int, patch_id: int | None = None) -> list[HunkOutcome]:
    """What a run did with each hunk (of one patch when `patch_id` is given)."""
    stmt = select(HUNK_APPLY).where(HUNK_APPLY.c.run_id == run_id).order_by(HUNK_APPLY.c.id)
    if patch_id is not None:
        stmt = stmt.where(HUNK_APPLY.c.patch_id == patch_id)
    return [
        HunkOutcome(r.patch_id, r.hunk_id, r.file, r.header, r.status, r.offset, r.detail)
        for r in rows(session, stmt)
    ]


@dataclass(frozen=True)
class PatchApplyInfo:
    """The newest apply run of a patch's series, and what it did with that patch."""

    run: ApplyRunInfo
    outcome: PatchOutcome | None  # None: the patch was not in that run
    hunks: tuple[HunkOutcome, ...]


def patch_apply(
    session: Session, series_id: int, patch_id: int, number: int
) -> PatchApplyInfo | None:
    """What the newest apply run of a series did with one of its patches, or None."""
    run = last_run(session, series_id)
    if run is None:
        return None
    hunks = tuple(hunk_outcomes(session, run.id, patch_id))
    return PatchApplyInfo(run, run.outcome_of(number), hunks)


def apply_outcomes(session: Session, series_ids: Sequence[int]) -> dict[int, str]:
    """Per series, the outcome of its newest run: "applied" or the first other status."""
    newest = rows(
        session,
        select(APPLY_RUN.c.series_id, func.max(APPLY_RUN.c.id))
        .where(APPLY_RUN.c.series_id.in_(list(series_ids)))
        .group_by(APPLY_RUN.c.series_id),
    )
    run_series = {run: sid for sid, run in newest}
    statuses: dict[int, Counter[str]] = {}
    for run_id, status in rows(
        session,
        select(PATCH_APPLY.c.run_id, PATCH_APPLY.c.status).where(
            PATCH_APPLY.c.run_id.in_(list(run_series))
        ),
    ):
        statuses.setdefault(run_series[run_id], Counter())[status] += 1
    return {sid: _outcome(c) for sid, c in statuses.items()}


def _outcome(counts: Counter[str]) -> str:
    bad = [s for s in counts if s not in GOOD]
    return bad[0] if bad else "applied"


@dataclass(frozen=True)
class ApplyInputs:
    """A series as `apply` takes it: its base-commit, patches, and their row ids."""

    series_id: int
    base_commit: str | None
    patches: tuple[PatchInput, ...]
    patch_ids: dict[int, int]  # patch number -> patch id
    hunk_ids: dict[tuple[int, str, str], int]  # (number, file, header) -> hunk id


def _path(h: Any) -> str:
    return str(h.old_path if h.change == "removed" else h.new_path)


def apply_inputs(session: Session, series_id: int) -> ApplyInputs:
    """A stored series' patches and hunks as apply's frozen inputs."""
    series = first(session, select(SERIES.c.base_commit).where(SERIES.c.id == series_id))
    if series is None:
        raise NotFound(f"no series with id {series_id}")
    patches = rows(
        session,
        select(*patch_columns())
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(PATCH.c.series_id == series_id)
        .order_by(PATCH.c.number, PATCH.c.id),
    )
    hunks = rows(
        session,
        select(*hunk_columns(), FILE.c.old_path, FILE.c.new_path, FILE.c.change)
        .join(FILE, FILE.c.id == HUNK.c.file_id)
        .join(PATCH, PATCH.c.id == HUNK.c.patch_id)
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(HUNK.c.patch_id.in_([p.id for p in patches]))
        .order_by(HUNK.c.id),
    )
    by_patch: dict[int, list[Any]] = {}
    for h in hunks:
        by_patch.setdefault(h.patch_id, []).append(h)
    inputs, patch_ids, hunk_ids = [], {}, {}
    for p in patches:
        own = by_patch.get(p.id, [])
        hunk_inputs = tuple(
            HunkInput(_path(h), h.index, h.header, h.old_start, h.old_len, h.text, str(h.old_path))
            for h in own
        )
        inputs.append(
            PatchInput(
                p.number,
                p.title,
                p.diff,
                p.diff_error,
                hunk_inputs,
                author_name=p.author_name,
                author_email=p.author_email,
            )
        )
        patch_ids[p.number] = p.id
        hunk_ids.update({(p.number, _path(h), h.header): h.id for h in own})
    return ApplyInputs(series_id, series.base_commit, tuple(inputs), patch_ids, hunk_ids)
