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
from reviewbot.read.patches import PatchDetail, PatchSummary, hunk_texts, patch_detail
from reviewbot.read.patches import siblings as patch_siblings
from reviewbot.read.races import RaceEntry, races_of
from reviewbot.read.series import SeriesSummary, series_summary
from reviewbot.read.upstream import UpstreamEntry, upstream_of_patch
from reviewbot.review.race_links import RaceLink
from reviewbot.review.races import Alternative, Step
from reviewbot.web.highlight import DiffLine, diff_lines
from reviewbot.web.svg import RaceStep, race_svg


@dataclass(frozen=True)
class PinnedLine:
    """A diff line and the concerns anchored to it."""

    line: DiffLine
    concerns: tuple[ConcernEntry, ...]


@dataclass(frozen=True)
class HunkView:
    """One hunk as the page draws it."""

    anchor: str  # the HTML id, "f0-h1"
    index: int  # within its file
    header: str
    lines: tuple[PinnedLine, ...]
    unpinned: tuple[ConcernEntry, ...]  # concerns on this hunk whose line is not shown
    apply: HunkOutcome | None  # what the newest apply run did with it
    races: tuple[int, ...]  # ids of the race scenarios linked to this hunk


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
class AlternativeView:
    """One competing order of a race ("A. qemuConnectAgent wins") and its own diagram."""

    label: str
    text: str
    svg: Markup


@dataclass(frozen=True)
class RaceDiagram:
    """A race scenario with its diagram and the hunks it is linked to."""

    id: int
    message_msgid: str
    svg: Markup
    outcome: str
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
    apply_run: ApplyRunInfo | None = None  # the series' newest apply run
    apply_outcome: PatchOutcome | None = None  # what that run did with this patch
    upstream: UpstreamEntry | None = None  # where it is in a tree (`reviewbot upstream`)


def patch_page(session: Session, patch_id: int) -> PatchPage:
    """The patch page of `patch_id`; NotFound when there is none."""
    detail = patch_detail(session, patch_id)
    patch = detail.patch
    concerns = concerns_of(session, patch_id=patch_id)
    races = [
        r
        for r in races_of(session, patch.series_id)
        if r.message_msgid in detail.replies or any(lk.patch_msgid == patch.msgid for lk in r.links)
    ]
    run = last_run(session, patch.series_id)
    applied = {}
    if run is not None:
        applied = {h.hunk_id: h for h in hunk_outcomes(session, run.id, patch_id) if h.hunk_id}
    texts = hunk_texts(session, patch_id)
    files = _files(detail, texts, concerns, races, applied)
    anchors = {(f.path, h.index): h.anchor for f in files for h in f.hunks}
    return PatchPage(
        detail=detail,
        series=series_summary(session, patch.series_id),
        files=files,
        patch_concerns=tuple(c for c in concerns if not c.file),
        races=tuple(_diagram(r, anchors, patch.msgid) for r in races),
        siblings=tuple(patch_siblings(session, patch.series_id)),
        open_concerns=sum(1 for c in concerns if c.status == "open"),
        apply_run=run,
        apply_outcome=run.outcome_of(patch.number) if run else None,
        upstream=upstream_of_patch(session, patch_id),
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
    races: Sequence[RaceEntry],
    applied: dict[int, HunkOutcome],
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
                r.id
                for r in races
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
                )
            )
        out.append(FileView(f.path, f.old_path, f.change, f.added, f.removed, tuple(views)))
    return tuple(out)


def _steps(steps: Sequence[Step]) -> list[RaceStep]:
    return [RaceStep(s.label, s.actor or "?", s.text, s.identifiers) for s in steps]


def _alternative(alt: Alternative, actors: Sequence[str], evidence: str) -> AlternativeView:
    title = f"Alternative {alt.label}: {alt.text}"
    svg = race_svg(list(actors), _steps(alt.steps), title=title, evidence=evidence)
    return AlternativeView(alt.label, alt.text, svg)


def _link(lk: RaceLink, anchors: dict[tuple[str, int], str], msgid: str) -> LinkView:
    here = lk.patch_msgid == msgid and lk.file is not None and lk.hunk is not None
    anchor = anchors.get((lk.file, lk.hunk)) if here and lk.file and lk.hunk is not None else None
    return LinkView(lk.patch_msgid, lk.file, lk.hunk, lk.evidence, anchor)


def _diagram(race: RaceEntry, anchors: dict[tuple[str, int], str], msgid: str) -> RaceDiagram:
    evidence = "; ".join(race.evidence)
    title = f"Race scenario: {race.outcome}"
    svg = race_svg(list(race.actors), _steps(race.steps), title=title, evidence=evidence)
    return RaceDiagram(
        race.id,
        race.message_msgid,
        svg,
        race.outcome,
        tuple(_alternative(a, race.actors, evidence) for a in race.alternatives),
        tuple(_link(lk, anchors, msgid) for lk in race.links),
        race.evidence,
    )
