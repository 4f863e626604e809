"""`reviewbot upstream`: which commit of a tree carries each patch, stored, and the states
that follow.

apply.history reads the tree (the range, the on-disk patch-id index, the
matching); this side reads the patches (read.upstream), stores each patch's
newest check, and lets the tree decide states: a patch found `exact` (or
`similar` and confirmed with --accept) gets `commit_ref` and becomes accepted,
"in <tree> as <hash> (<tag>)", unless somebody set its state by hand; its
series is then judged again from its patches. Every state it changes is an
event (actor reviewbot, via tree). A later check that finds nothing does not
undo an accepted state: a narrower range or another tree may simply not hold it.

`refresh_upstream` is the same check for a configured tree, run by `scrape
--watch` after each round and by `serve` in the background: it checks the
patches mailed within the range's years that no check has placed in the
tree's current HEAD yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import store
from reviewbot.apply.git import work_tree_root
from reviewbot.apply.history import (
    HistoryRange,
    Progress,
    UpstreamFindings,
    find_upstream,
    history_range,
    mail_patch_ids,
    update_index,
)
from reviewbot.apply.upstream import EXACT, SIMILAR, MailPatch, UpstreamMatch
from reviewbot.errors import NotFound
from reviewbot.events import Change, NewEvent, Owner, event_of
from reviewbot.ingest.patchindex import PatchIndex
from reviewbot.models import PatchState, utcnow
from reviewbot.read.patches import series_of_patch
from reviewbot.read.series import series_summary
from reviewbot.read.upstream import UpstreamInput, upstream_inputs
from reviewbot.series.state import Verdict, infer_series_state

ACTOR = "reviewbot"
VIA = "tree"
REFRESH_BATCH = 500


@dataclass(frozen=True)
class PatchCheck:
    """One patch's check, and the state it has afterwards."""

    patch_id: int
    series_id: int
    number: int
    title: str
    found: UpstreamMatch
    state: str
    state_changed: bool


@dataclass(frozen=True)
class UpstreamReport:
    """What `upstream` found for a series (or one patch) in a tree."""

    series_id: int
    tree: str
    tree_head: str
    range: str
    patches: tuple[PatchCheck, ...]
    indexed: int  # commits read into the patch-id index by this run


def check_upstream(
    engine: Engine,
    target: str,
    target_id: int,
    tree: Path,
    *,
    revs: Sequence[str] = (),
    accept: bool = False,
    index_dir: Path | None = None,
    progress: Progress | None = None,
) -> UpstreamReport:
    """Check a series ("series") or one patch ("patch") against a tree; store the result."""
    root = work_tree_root(tree)
    with Session(engine) as session:
        if target == "patch":
            series_id = series_of_patch(session, target_id)
            inputs = upstream_inputs(session, patch_ids=[target_id])
        else:
            series_id = series_summary(session, target_id).id
            inputs = upstream_inputs(session, series_id=target_id)
    if not inputs:
        raise NotFound(f"series {series_id} has no patches to look for")
    index = PatchIndex(index_dir)
    history = history_range(root, "HEAD", revs)
    indexed = update_index(root, index, history.commits, progress)
    findings = match_inputs(root, index, inputs, history)
    checks = store.locked_write(
        engine, lambda s: record_findings(s, str(root), findings, inputs, accept=accept)
    )
    return UpstreamReport(
        series_id, str(root), history.tip, history.description, tuple(checks), indexed
    )


def match_inputs(
    root: Path, index: PatchIndex, inputs: Sequence[UpstreamInput], history: HistoryRange
) -> UpstreamFindings:
    """Where each input patch is in `history`; matches keyed by position in `inputs`."""
    # a diff unidiff could not read whole is still worth a look: git may read it,
    # and its changed lines still compare
    patch_ids = mail_patch_ids(root, [p.diff for p in inputs])
    mails = [
        MailPatch(n, p.title, p.author_name, p.author_email, p.diff, pid)
        for n, (p, pid) in enumerate(zip(inputs, patch_ids, strict=True))
    ]
    return find_upstream(root, index, mails, history)


def record_findings(
    session: Session,
    tree: str,
    findings: UpstreamFindings,
    inputs: Sequence[UpstreamInput],
    *,
    accept: bool,
) -> list[PatchCheck]:
    """Store each patch's check; set commit_ref and states where the tree decides them."""
    now = utcnow()
    history = findings.range
    pairs = list(zip(inputs, findings.matches, strict=True))
    store.replace_upstream(session=session, rows=[_row(p, m, tree, history, now) for p, m in pairs])
    events: list[NewEvent] = []
    judged: set[int] = set()
    checks = []
    for p, m in pairs:
        state, changed = p.state, False
        if m.commit and (m.match == EXACT or (accept and m.match == SIMILAR)):
            store.set_commit_ref(session=session, patch_id=p.id, commit=m.commit)
            reason = tree_reason(tree, m)
            accepted = PatchState.ACCEPTED.value
            if p.state_by is None and (p.state, p.state_reason) != (accepted, reason):
                store.set_tree_state(session=session, patch_id=p.id, state=accepted, reason=reason)
                state, changed = accepted, p.state != accepted
                judged.add(p.series_id)
                if changed:
                    change = Change("patch", p.id, "state", p.state, accepted)
                    owner = Owner(p.series_id, p.id, None)
                    events.append(_event(change, owner, reason, now))
        checks.append(PatchCheck(p.id, p.series_id, p.number, p.title, m, state, changed))
    for series_id in sorted(judged):
        events.extend(_judge_series(session, series_id, now))
    store.save_events(session=session, events=events)
    return checks


def tree_reason(tree: str, m: UpstreamMatch) -> str:
    """The state reason a commit of the tree gives: "in <tree> as <hash> (<tag>)"."""
    reason = f"in {tree} as {(m.commit or '')[:12]}" + (f" ({m.tag})" if m.tag else "")
    if m.match == SIMILAR:
        reason += f", another version (similar, score {m.score:.2f}) confirmed with --accept"
    return reason


def _row(
    p: UpstreamInput, m: UpstreamMatch, tree: str, history: HistoryRange, now: datetime
) -> store.UpstreamRow:
    return store.UpstreamRow(
        patch_id=p.id,
        series_id=p.series_id,
        tree=tree,
        tree_head=history.tip,
        rev_range=history.description,
        match=m.match,
        commit=m.commit,
        subject=m.subject,
        score=m.score,
        tag=m.tag,
        author_date=datetime.fromisoformat(m.author_date) if m.author_date else None,
        commit_date=datetime.fromisoformat(m.commit_date) if m.commit_date else None,
        detail=m.detail,
        checked_at=now,
    )


def _judge_series(session: Session, series_id: int, now: datetime) -> list[NewEvent]:
    """The series' state from its patches' (as rebuild judges it), unless set by hand."""
    row, patches = store.load_series_states(session=session, series_id=series_id)
    if row.state_by is not None:
        return []
    newer = f"series #{row.superseded_by_id}" if row.superseded_by_id else None
    verdict = infer_series_state(
        [Verdict(PatchState(p.state), p.state_reason) for p in patches], newer
    )
    state = verdict.state.value
    if (state, verdict.reason) == (row.state, row.state_reason):
        return []
    store.set_series_tree_state(
        session=session, series_id=series_id, state=state, reason=verdict.reason
    )
    if state == row.state:
        return []
    change = Change("series", series_id, "state", row.state, state)
    return [_event(change, Owner(series_id, None, None), verdict.reason, now)]


def _event(change: Change, owner: Owner, note: str, now: datetime) -> NewEvent:
    return event_of(change, owner, actor=ACTOR, via=VIA, note=note, now=now)


def _record(
    engine: Engine, tree: str, findings: UpstreamFindings, inputs: Sequence[UpstreamInput]
) -> list[PatchCheck]:
    return store.locked_write(
        engine, lambda s: record_findings(s, tree, findings, inputs, accept=False)
    )


@dataclass(frozen=True)
class RefreshReport:
    """What one refresh of a configured tree did."""

    tree: str
    tree_head: str
    indexed: int
    checked: int
    found: int
    accepted: int


def refresh_upstream(engine: Engine, tree: Path, index_dir: Path | None) -> RefreshReport:
    """Check every patch of the range's years not yet checked at the tree's HEAD."""
    root = work_tree_root(tree)
    index = PatchIndex(index_dir)
    history = history_range(root, "HEAD")
    indexed = update_index(root, index, history.commits)
    checked = found = accepted = 0
    seen: set[int] = set()
    while True:
        with Session(engine) as session:
            ids = store.load_unchecked_patches(
                session=session,
                tree=str(root),
                head=history.tip,
                since=history.since,
                limit=REFRESH_BATCH,
            )
            ids = [i for i in ids if i not in seen]
            inputs = upstream_inputs(session, patch_ids=ids) if ids else []
        if not inputs:
            break
        seen.update(ids)
        findings = match_inputs(root, index, inputs, history)
        checks = _record(engine, str(root), findings, inputs)
        checked += len(checks)
        found += sum(1 for c in checks if c.found.commit)
        accepted += sum(1 for c in checks if c.state_changed)
    return RefreshReport(str(root), history.tip, indexed, checked, found, accepted)
