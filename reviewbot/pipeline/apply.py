"""`reviewbot apply`: a stored series applied to a git tree, the result stored and reported.

apply.worktree talks to git; this side reads the series as apply's frozen
inputs (read.apply), finds the commits of the base's history that carry its
patches (apply.history, through the on-disk patch-id index), stores the run,
and says what changed since the last one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import store
from reviewbot.apply.base import Base, find_base
from reviewbot.apply.git import run_git, work_tree_root
from reviewbot.apply.history import (
    Progress,
    find_upstream,
    history_range,
    mail_patch_ids,
    update_index,
)
from reviewbot.apply.upstream import EXACT, SIMILAR, MailPatch, UpstreamMatch
from reviewbot.apply.worktree import Carried, PatchInput, PatchResult, apply_patches
from reviewbot.db import session_scope
from reviewbot.errors import NotFound
from reviewbot.ingest.patchindex import PatchIndex
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
        return any(p.status in ("conflict", "missing-file", "refused") for p in self.patches)


def apply_series(
    engine: Engine,
    series_id: int,
    tree: Path,
    base_option: str | None = None,
    index_dir: Path | None = None,
    progress: Progress | None = None,
) -> ApplyReport:
    """Apply a stored series to a throw-away index of a git tree; store and return the result.

    `index_dir` keeps the tree's patch-id index between runs (None: this run only);
    `progress` is told how many commits each step of indexing read.
    """
    root = work_tree_root(tree)
    with Session(engine) as session:
        inputs = apply_inputs(session, series_id)
    if not inputs.patches:
        raise NotFound(f"series {series_id} has no patches to apply")
    head = run_git(root, "log", "-1", "--format=%H %cI", "HEAD").stdout.split()
    base = find_base(root, inputs.patches, inputs.base_commit, base_option, head[0])
    history = _History(root, PatchIndex(index_dir), inputs.patches, progress)
    if base.commit != head[0]:
        base = _note_head(base, head[0], history)
    results = tuple(apply_patches(root, base, inputs.patches, history.carried_on(base.commit)))
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
        store.PatchOutcomeRow(inputs.patch_ids[r.number], r.number, r.status, r.detail, r.commit)
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


class _History:
    """Which commits of a tip's last years carry the series' patches, found once per tip."""

    def __init__(
        self,
        root: Path,
        index: PatchIndex,
        patches: tuple[PatchInput, ...],
        progress: Progress | None,
    ) -> None:
        self.root = root
        self.index = index
        self.patches = patches
        self.progress = progress
        self._mails: list[MailPatch] | None = None
        self._found: dict[str, dict[int, UpstreamMatch]] = {}

    def matches(self, tip: str) -> dict[int, UpstreamMatch]:
        """patch number -> the commit of `tip`'s history carrying it (exact or similar)."""
        if tip not in self._found:
            history = history_range(self.root, tip)
            update_index(self.root, self.index, history.commits, self.progress)
            if self._mails is None:
                ids = mail_patch_ids(self.root, [p.diff for p in self.patches])
                self._mails = [
                    MailPatch(p.number, p.title, p.author_name, p.author_email, p.diff, pid)
                    for p, pid in zip(self.patches, ids, strict=True)
                ]
            found = find_upstream(self.root, self.index, self._mails, history, check_present=False)
            self._found[tip] = {
                m.number: m for m in found.matches if m.match in (EXACT, SIMILAR) and m.commit
            }
        return self._found[tip]

    def carried_on(self, base: str) -> Callable[[int], Carried | None]:
        """What `apply` asks when a patch does not apply: which commit of the base carries it.

        Asked only then, so a series that applies cleanly costs no history lookup.
        """

        def carried(number: int) -> Carried | None:
            m = self.matches(base).get(number)
            return Carried(m.commit, _carried_detail(m)) if m and m.commit else None

        return carried


def _carried_detail(m: UpstreamMatch) -> str:
    where = f"{(m.commit or '')[:12]}" + (f" ({m.tag})" if m.tag else "")
    if m.match == EXACT:
        return f"already in the tree as {where}: {m.subject}"
    return f"already in the tree in another version as {where}: {m.subject} ({m.detail})"


def _note_head(base: Base, head: str, history: _History) -> Base:
    """The base note, saying which patches HEAD already carries when the base is older."""
    found = history.matches(head)
    if not found:
        return base
    total = len(history.patches)
    which = ", ".join(f"{n} as {(m.commit or '')[:12]}" for n, m in sorted(found.items()))
    note = f"{base.note}; {len(found)} of the {total} patches are already in HEAD {head[:12]}"
    note += f" ({which})"
    return replace(base, note=note)
