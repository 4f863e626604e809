"""What the patch page shows: files, hunks, lines with their concerns pinned, race diagrams.

A concern is pinned beside the line it anchors to (file, hunk index within the
file, side, line number); one whose line is not in the hunk any more is shown
under the hunk, one without a file above the diff.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup
from sqlmodel import Session

from reviewbot.read.apply import ApplyRunInfo, HunkOutcome, PatchOutcome, hunk_outcomes, last_run
from reviewbot.read.concerns import ConcernEntry, concerns_of
from reviewbot.read.coverage import HunkCoverage, patch_coverage
from reviewbot.read.events import EventEntry, history
from reviewbot.read.patches import PatchDetail, PatchSummary, hunk_texts, patch_detail
from reviewbot.read.patches import siblings as patch_siblings
from reviewbot.read.races import RaceEntry, races_of
from reviewbot.read.series import SeriesSummary, series_summary
from reviewbot.read.upstream import UpstreamEntry, upstream_of_patch
from reviewbot.read.versions import PatchVersions, patch_versions
from reviewbot.review.actors import find_identifiers
from reviewbot.review.race_links import RaceLink
from reviewbot.review.race_steps import Step, StepLine
from reviewbot.web.highlight import DiffLine, diff_lines
from reviewbot.web.svg import RaceBranch, RaceStep, race_svg


@dataclass(frozen=True)
class PinnedLine:
    """A diff line and the concerns anchored to it."""

    line: DiffLine
    concerns: tuple[ConcernEntry, ...]


@dataclass(frozen=True)
class RaceBadge:
    """A race linked to a hunk: its number on the page ("race 2") and its figure's id."""

    number: int
    anchor: str


@dataclass(frozen=True)
class HunkView:
    """One hunk as the page draws it."""

    anchor: str  # the HTML id, "f0-h1"
    index: int  # within its file
    header: str
    lines: tuple[PinnedLine, ...]
    unpinned: tuple[ConcernEntry, ...]  # concerns on this hunk whose line is not shown
    apply: HunkOutcome | None  # what the newest apply run did with it
    races: tuple[RaceBadge, ...]  # the race scenarios linked to this hunk
    coverage: HunkCoverage | None = None  # who quoted or commented on it


@dataclass(frozen=True)
class FileView:
    """One file of the patch with its hunks."""

    path: str
    old_path: str
    change: str
    added: int
    removed: int
    hunks: tuple[HunkView, ...]


@dataclass(frozen=True)
class LinkView:
    """A hunk a race is linked to; `anchor` when that hunk is on this page."""

    patch_msgid: str
    file: str | None
    hunk: int | None
    evidence: tuple[str, ...]
    anchor: str | None


@dataclass(frozen=True)
class StepView:
    """A step as the figure lists it in text: its lane, and its lines on this page."""

    label: str
    actor: str
    text: str
    lines: tuple[tuple[str, str], ...]  # (row id, "new 153")


@dataclass(frozen=True)
class AlternativeView:
    """One competing order of a race ("A. qemuConnectAgent wins") and its steps."""

    label: str
    text: str
    steps: tuple[StepView, ...]


@dataclass(frozen=True)
class RaceDiagram:
    """A race scenario with its diagram (a fork when it has alternative orders), its
    steps as text, and the hunks it is linked to; `number` counts the series' races."""

    id: int
    number: int
    anchor: str
    message_msgid: str
    svg: Markup
    actors: tuple[str, ...]
    outcome: str
    steps: tuple[StepView, ...]
    alternatives: tuple[AlternativeView, ...]
    links: tuple[LinkView, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class PatchPage:
    """Everything the patch page shows."""

    detail: PatchDetail
    series: SeriesSummary
    files: tuple[FileView, ...]
    patch_concerns: tuple[ConcernEntry, ...]  # about the whole patch
    races: tuple[RaceDiagram, ...]
    siblings: tuple[PatchSummary, ...]
    open_concerns: int  # of the concerns listed on this patch
    events: tuple[EventEntry, ...] = ()  # the patch's and its concerns', oldest first
    apply_run: ApplyRunInfo | None = None  # the series' newest apply run
    apply_outcome: PatchOutcome | None = None  # what that run did with this patch
    upstream: UpstreamEntry | None = None  # where it is in a tree (`reviewbot upstream`)
    versions: PatchVersions | None = None  # the same patch before and after, what changed
    previous_concerns: tuple[ConcernEntry, ...] = ()  # listed on the previous version


def patch_page(session: Session, patch_id: int) -> PatchPage:
    """The patch page of `patch_id`; NotFound when there is none."""
    detail = patch_detail(session, patch_id)
    patch = detail.patch
    concerns = concerns_of(session, patch_id=patch_id)
    races = [
        (number, r)
        for number, r in enumerate(races_of(session, patch.series_id), 1)
        if r.message_msgid in detail.replies or any(lk.patch_msgid == patch.msgid for lk in r.links)
    ]
    run = last_run(session, patch.series_id)
    applied = {}
    if run is not None:
        applied = {h.hunk_id: h for h in hunk_outcomes(session, run.id, patch_id) if h.hunk_id}
    texts = hunk_texts(session, patch_id)
    covered = {h.hunk_id: h for h in patch_coverage(session, patch_id).hunks}
    versions = patch_versions(session, patch_id)
    earlier = concerns_of(session, patch_id=versions.previous.id) if versions.previous else []
    files = _files(detail, texts, concerns, races, applied, covered)
    anchors = {(f.path, h.index): h.anchor for f in files for h in f.hunks}
    return PatchPage(
        detail=detail,
        series=series_summary(session, patch.series_id),
        files=files,
        patch_concerns=tuple(c for c in concerns if not c.file),
        races=tuple(_diagram(n, r, anchors, patch.msgid) for n, r in races),
        siblings=tuple(patch_siblings(session, patch.series_id)),
        open_concerns=sum(1 for c in concerns if c.status == "open"),
        apply_run=run,
        apply_outcome=run.outcome_of(patch.number) if run else None,
        upstream=upstream_of_patch(session, patch_id),
        versions=versions,
        previous_concerns=tuple(earlier),
        events=history(session, patch_id=patch_id),
    )


def _pin(
    lines: list[DiffLine], concerns: list[ConcernEntry]
) -> tuple[list[PinnedLine], list[ConcernEntry]]:
    placed: set[int] = set()
    out = []
    for line in lines:
        here = []
        for i, c in enumerate(concerns):
            number = line.old_no if c.side == "old" else line.new_no
            if i not in placed and number is not None and number == c.line:
                here.append(c)
                placed.add(i)
        out.append(PinnedLine(line, tuple(here)))
    return out, [c for i, c in enumerate(concerns) if i not in placed]


def _files(
    detail: PatchDetail,
    texts: dict[int, str],
    concerns: Sequence[ConcernEntry],
    races: Sequence[tuple[int, RaceEntry]],
    applied: dict[int, HunkOutcome],
    covered: dict[int, HunkCoverage],
) -> tuple[FileView, ...]:
    msgid = detail.patch.msgid
    out = []
    for fpos, f in enumerate(detail.files):
        views = []
        for h in (h for h in detail.hunks if h.file_id == f.id):
            mine = [c for c in concerns if c.file == f.path and c.hunk == h.index]
            lines = diff_lines(texts.get(h.id, ""), f.path, h.old_start, h.new_start)
            pinned, rest = _pin(lines, mine)
            linked = tuple(
                RaceBadge(n, f"race-{r.id}")
                for n, r in races
                if any(
                    lk.patch_msgid == msgid and lk.file == f.path and lk.hunk == h.index
                    for lk in r.links
                )
            )
            views.append(
                HunkView(
                    f"f{fpos}-h{h.index}",
                    h.index,
                    h.header,
                    tuple(pinned),
                    tuple(rest),
                    applied.get(h.id),
                    linked,
                    covered.get(h.id),
                )
            )
        out.append(FileView(f.path, f.old_path, f.change, f.added, f.removed, tuple(views)))
    return tuple(out)


def _row(line: StepLine, anchors: dict[tuple[str, int], str], msgid: str) -> str | None:
    """The id of a step's line's row on this page (see the hunk partial), if it is here."""
    anchor = anchors.get((line.file, line.hunk)) if line.patch_msgid == msgid else None
    return f"{anchor}-{'o' if line.side == 'old' else 'n'}{line.line}" if anchor else None


def _step_view(step: Step, anchors: dict[tuple[str, int], str], msgid: str) -> StepView:
    rows = [(row, f"{x.side} {x.line}") for x in step.lines if (row := _row(x, anchors, msgid))]
    return StepView(step.label, step.actor or "?", step.text, tuple(rows))


def _drawn(view: StepView, step: Step) -> RaceStep:
    """A step as the diagram draws it; identifiers as written too ("agentError")."""
    names = (*step.identifiers, *find_identifiers(step.text))
    return RaceStep(view.label, view.actor, view.text, names, tuple(r for r, _ in view.lines))


def _link(lk: RaceLink, anchors: dict[tuple[str, int], str], msgid: str) -> LinkView:
    here = lk.patch_msgid == msgid and lk.file is not None and lk.hunk is not None
    anchor = anchors.get((lk.file, lk.hunk)) if here and lk.file and lk.hunk is not None else None
    return LinkView(lk.patch_msgid, lk.file, lk.hunk, lk.evidence, anchor)


def _diagram(
    number: int, race: RaceEntry, anchors: dict[tuple[str, int], str], msgid: str
) -> RaceDiagram:
    steps = tuple(_step_view(s, anchors, msgid) for s in race.steps)
    alternatives = tuple(
        AlternativeView(a.label, a.text, tuple(_step_view(s, anchors, msgid) for s in a.steps))
        for a in race.alternatives
    )
    branches = [
        RaceBranch(
            a.label, a.text, tuple(_drawn(v, s) for v, s in zip(view.steps, a.steps, strict=True))
        )
        for a, view in zip(race.alternatives, alternatives, strict=True)
    ]
    svg = race_svg(
        list(race.actors),
        [_drawn(v, s) for v, s in zip(steps, race.steps, strict=True)],
        title=f"Race {number}: {race.outcome or 'scenario'}",
        evidence="; ".join(race.evidence),
        branches=branches,
        uid=str(race.id),
    )
    return RaceDiagram(
        race.id,
        number,
        f"race-{race.id}",
        race.message_msgid,
        svg,
        race.actors,
        race.outcome,
        steps,
        alternatives,
        tuple(_link(lk, anchors, msgid) for lk in race.links),
        race.evidence,
    )
