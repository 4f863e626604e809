"""`apply_series`: what `apply` reads from the database, and the report it gives back.

Kept apart from apply.py, which only talks to git: this side loads a series'
patches and hunks as apply's frozen inputs, fetches the previous run for the
comparison, and shapes the `apply --json` object.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, select
from sqlmodel import Session

from reviewbot import store
from reviewbot.apply.git import run_git, work_tree_root
from reviewbot.apply.worktree import HunkInput, PatchInput, PatchResult, apply_patches, find_base
from reviewbot.db import session_scope
from reviewbot.errors import NotFound
from reviewbot.models import ApplyRun, Hunk, HunkApply, Patch, PatchApply, PatchFile, Series

SERIES: Table = Series.__table__  # type: ignore[attr-defined]
PATCH: Table = Patch.__table__  # type: ignore[attr-defined]
FILE: Table = PatchFile.__table__  # type: ignore[attr-defined]
HUNK: Table = Hunk.__table__  # type: ignore[attr-defined]
RUN: Table = ApplyRun.__table__  # type: ignore[attr-defined]
HUNK_APPLY: Table = HunkApply.__table__  # type: ignore[attr-defined]
PATCH_APPLY: Table = PatchApply.__table__  # type: ignore[attr-defined]

HunkIds = dict[int, tuple[int, dict[tuple[str, str], int]]]


def load_series_patches(session: Session, series_id: int) -> tuple[Any, list[PatchInput], HunkIds]:
    """The series row, its patches as apply inputs, and patch/hunk ids by number."""
    conn = session.connection()
    series = conn.execute(select(SERIES).where(SERIES.c.id == series_id)).first()
    if series is None:
        raise NotFound(f"no series with id {series_id}")
    patches = conn.execute(
        select(PATCH).where(PATCH.c.series_id == series_id).order_by(PATCH.c.number, PATCH.c.id)
    ).all()
    hunks = conn.execute(
        select(HUNK, FILE.c.old_path, FILE.c.new_path, FILE.c.change)
        .join(FILE, FILE.c.id == HUNK.c.file_id)
        .where(HUNK.c.patch_id.in_([p.id for p in patches]))
        .order_by(HUNK.c.id)
    ).all()
    by_patch: dict[int, list[Any]] = {}
    for h in hunks:
        by_patch.setdefault(h.patch_id, []).append(h)
    inputs, ids = [], {}
    for p in patches:
        own = by_patch.get(p.id, [])
        inputs.append(
            PatchInput(p.number, p.title, p.diff, p.diff_error, tuple(_hunk(h) for h in own))
        )
        ids[p.number] = (p.id, {(_path(h), h.header): h.id for h in own})
    return series, inputs, ids


def _path(h: Any) -> str:
    return str(h.old_path if h.change == "removed" else h.new_path)


def _hunk(h: Any) -> HunkInput:
    return HunkInput(_path(h), h.index, h.header, h.old_start, h.old_len, h.text)


def _newest_run(session: Session, series_id: int) -> Any | None:
    return (
        session.connection()
        .execute(select(RUN).where(RUN.c.series_id == series_id).order_by(RUN.c.id.desc()).limit(1))
        .first()
    )


def last_run(session: Session, series_id: int) -> dict[str, Any] | None:
    """The previous apply of this series: its tree head and each hunk's status."""
    conn = session.connection()
    run = _newest_run(session, series_id)
    if run is None:
        return None
    rows = conn.execute(select(HUNK_APPLY).where(HUNK_APPLY.c.run_id == run.id)).all()
    return {
        "tree_head": run.tree_head,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "hunks": {(r.file, r.header): r.status for r in rows},
    }


def report(
    series_id: int, run: dict[str, Any], results: list[PatchResult], previous: dict[str, Any] | None
) -> dict[str, Any]:
    """The `apply --json` object, with what changed since the previous run."""
    changed = []
    if previous:
        for r in results:
            for h in r.hunks:
                before = previous["hunks"].get((h.file, h.header))
                if before is not None and before != h.status:
                    changed.append(
                        {
                            "patch": r.number,
                            "file": h.file,
                            "header": h.header,
                            "before": before,
                            "now": h.status,
                        }
                    )
    return {
        "series": series_id,
        "tree_head": run["tree_head"],
        "base": run["base"],
        "base_source": run["base_source"],
        "base_note": run["base_note"],
        "patches": [
            {
                "number": r.number,
                "status": r.status,
                "detail": r.detail,
                "hunks": [
                    {
                        "file": h.file,
                        "header": h.header,
                        "status": h.status,
                        "offset": h.offset,
                        "detail": h.detail,
                    }
                    for h in r.hunks
                ],
            }
            for r in results
        ],
        "previous": {"tree_head": previous["tree_head"], "changed": changed} if previous else None,
    }


def latest_summary(session: Session, series_id: int) -> dict[str, Any] | None:
    """The newest apply run of a series, for `series show`: where, on what, per patch."""
    conn = session.connection()
    run = _newest_run(session, series_id)
    if run is None:
        return None
    rows = conn.execute(
        select(PATCH_APPLY.c.number, PATCH_APPLY.c.status, PATCH_APPLY.c.detail)
        .where(PATCH_APPLY.c.run_id == run.id)
        .order_by(PATCH_APPLY.c.number)
    ).all()
    return {
        "tree": run.tree,
        "tree_head": run.tree_head,
        "base": run.base,
        "base_source": run.base_source,
        "date": run.created_at.isoformat() if run.created_at else None,
        "patches": {r.number: {"status": r.status, "detail": r.detail} for r in rows},
    }


def apply_series(
    engine: Engine, series_id: int, tree: Path, base_option: str | None = None
) -> dict[str, Any]:
    """Apply a stored series to a git tree; store and return the result."""
    root = work_tree_root(tree)
    with Session(engine) as session:
        series, patches, hunk_ids = load_series_patches(session, series_id)
    if not patches:
        raise NotFound(f"series {series_id} has no patches to apply")
    head = run_git(root, "log", "-1", "--format=%H %cI", "HEAD").stdout.split()
    base = find_base(root, patches, series.base_commit, base_option, head[0])
    results = apply_patches(root, base, patches)
    run = {
        "series_id": series_id,
        "tree": str(root),
        "tree_head": head[0],
        "tree_date": datetime.fromisoformat(head[1]) if len(head) > 1 else None,
        "base": base.commit,
        "base_source": base.source,
        "base_note": base.note,
        "created_at": datetime.now(UTC),
    }
    with session_scope(engine) as session:
        previous = last_run(session, series_id)
        store.save_apply_run(
            session=session,
            run=run,
            patches=[
                {
                    "patch_id": hunk_ids[r.number][0],
                    "number": r.number,
                    "status": r.status,
                    "detail": r.detail,
                }
                for r in results
            ],
            hunks=[
                {
                    "patch_id": hunk_ids[r.number][0],
                    "hunk_id": hunk_ids[r.number][1].get((h.file, h.header)),
                    "file": h.file,
                    "header": h.header,
                    "status": h.status,
                    "offset": h.offset,
                    "detail": h.detail,
                }
                for r in results
                for h in r.hunks
            ],
        )
    return report(series_id, run, results, previous)
