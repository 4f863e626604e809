"""The patch page's read model: files, hunks, lines, pinned concerns, races.

A concern is pinned beside the line it anchors to (file, hunk index within the
file, side, line number); one whose line is not in the hunk any more is shown
under the hunk, one without a file above the diff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup
from sqlalchemy import Table, func, select
from sqlmodel import Session

from reviewbot.models import ApplyRun, HunkApply
from reviewbot.read import queries
from reviewbot.read.queries import FILE, HUNK, PATCH, SERIES
from reviewbot.read.web_views import ensure_linked, patch_row
from reviewbot.web.highlight import DiffLine, diff_lines
from reviewbot.web.svg import RaceStep, race_svg

RUN: Table = ApplyRun.__table__  # type: ignore[attr-defined]
HUNK_APPLY: Table = HunkApply.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PinnedLine:
    """A diff line and the concerns anchored to it."""

    line: DiffLine
    concerns: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class HunkView:
    """One hunk as the page draws it."""

    anchor: str  # the HTML id, "f0-h1"
    index: int  # within its file
    header: str
    lines: tuple[PinnedLine, ...]
    unpinned: tuple[dict[str, Any], ...]  # concerns on this hunk whose line is not shown
    apply: Any | None  # the HunkApply row of the newest run
    races: tuple[int, ...]  # ids of the race scenarios linked to this hunk


@dataclass(frozen=True)
class FileView:
    """One file of the patch."""

    path: str
    old_path: str
    change: str
    added: int
    removed: int
    hunks: tuple[HunkView, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AlternativeView:
    """One competing order of a race ("A. qemuConnectAgent wins") and its own diagram."""

    label: str
    text: str
    svg: Markup


@dataclass(frozen=True)
class RaceView:
    """A race scenario with its diagram and the hunks it is linked to."""

    id: int
    message_msgid: str
    svg: Markup
    outcome: str
    alternatives: tuple[AlternativeView, ...]
    links: tuple[dict[str, Any], ...]  # with "anchor" when the hunk is on this page
    evidence: tuple[str, ...]


def _hunk_apply(session: Session, series_id: int, patch_id: int) -> dict[int, Any]:
    conn = session.connection()
    run = conn.execute(select(func.max(RUN.c.id)).where(RUN.c.series_id == series_id)).scalar()
    if run is None:
        return {}
    rows = conn.execute(
        select(HUNK_APPLY).where(HUNK_APPLY.c.run_id == run, HUNK_APPLY.c.patch_id == patch_id)
    )
    return {r.hunk_id: r for r in rows if r.hunk_id is not None}


def _pin(lines: list[DiffLine], concerns: list[dict[str, Any]]) -> tuple[list[PinnedLine], list]:
    placed: set[int] = set()
    out = []
    for line in lines:
        here = []
        for i, c in enumerate(concerns):
            number = line.old_no if c["side"] == "old" else line.new_no
            if i not in placed and number is not None and number == c["line"]:
                here.append(c)
                placed.add(i)
        out.append(PinnedLine(line, tuple(here)))
    return out, [c for i, c in enumerate(concerns) if i not in placed]


def _files(session: Session, patch: Any, concerns: list[dict[str, Any]], races: list[Any]):
    conn = session.connection()
    files = conn.execute(
        select(FILE).where(FILE.c.patch_id == patch.id).order_by(FILE.c.position)
    ).all()
    hunks = conn.execute(select(HUNK).where(HUNK.c.patch_id == patch.id).order_by(HUNK.c.id)).all()
    applied = _hunk_apply(session, patch.series_id, patch.id)
    out = []
    for fpos, f in enumerate(files):
        path = f.old_path if f.change == "removed" else f.new_path
        views = []
        for index, h in enumerate(x for x in hunks if x.file_id == f.id):
            mine = [c for c in concerns if c["file"] == path and c["hunk"] == index]
            pinned, rest = _pin(diff_lines(h.text, path, h.old_start, h.new_start), mine)
            linked = tuple(
                r["id"]
                for r in races
                if any(
                    lk.get("patch_msgid") == patch.msgid
                    and lk.get("file") == path
                    and lk.get("hunk") == index
                    for lk in r["links"]
                )
            )
            views.append(
                HunkView(
                    f"f{fpos}-h{index}",
                    index,
                    h.header,
                    tuple(pinned),
                    tuple(rest),
                    applied.get(h.id),
                    linked,
                )
            )
        out.append(FileView(path, f.old_path, f.change, f.added, f.removed, tuple(views)))
    return out


def _steps(raw: list[dict[str, Any]]) -> list[RaceStep]:
    return [
        RaceStep(
            str(s.get("label", "")),
            str(s.get("actor") or "?"),
            str(s.get("text", "")),
            tuple(s.get("identifiers", ())),
        )
        for s in raw
    ]


def _alternative(alt: dict[str, Any], actors: list[str], evidence: str) -> AlternativeView:
    label, text = str(alt.get("label", "")), str(alt.get("text", ""))
    steps = _steps(alt.get("steps", []))
    title = f"Alternative {label}: {text}"
    return AlternativeView(label, text, race_svg(actors, steps, title=title, evidence=evidence))


def _race_view(race: dict[str, Any], anchors: dict[tuple[str, int], str], msgid: str) -> RaceView:
    steps = _steps(race["steps"])
    evidence = "; ".join(race["evidence"])
    links = tuple(
        dict(
            lk,
            anchor=anchors.get((lk.get("file"), lk.get("hunk")))
            if lk.get("patch_msgid") == msgid
            else None,
        )
        for lk in race["links"]
    )
    svg = race_svg(
        race["actors"], steps, title=f"Race scenario: {race['outcome']}", evidence=evidence
    )
    return RaceView(
        race["id"],
        race["message_msgid"],
        svg,
        race["outcome"],
        tuple(_alternative(a, race["actors"], evidence) for a in race["alternatives"]),
        links,
        tuple(race["evidence"]),
    )


def patch_page(session: Session, patch_id: int) -> dict[str, Any]:
    """Everything the patch page shows."""
    patch = patch_row(session, patch_id)
    ensure_linked(session, [patch.series_id])
    series = session.connection().execute(select(SERIES).where(SERIES.c.id == patch.series_id))
    concerns = queries.concerns_of(session, f"p{patch_id}")
    replies = {
        r.msgid
        for r in session.connection().execute(
            select(queries.MESSAGE.c.msgid).where(queries.MESSAGE.c.patch_id == patch_id)
        )
    }
    races = [
        r
        for r in queries.races_of(session, patch.series_id)
        if r["message_msgid"] in replies
        or any(lk.get("patch_msgid") == patch.msgid for lk in r["links"])
    ]
    files = _files(session, patch, concerns, races)
    anchors = {(f.path, h.index): h.anchor for f in files for h in f.hunks}
    siblings = session.connection().execute(
        select(PATCH.c.id, PATCH.c.number, PATCH.c.title)
        .where(PATCH.c.series_id == patch.series_id)
        .order_by(PATCH.c.number, PATCH.c.id)
    )
    return {
        "patch": patch,
        "series": series.first(),
        "files": files,
        "patch_concerns": [c for c in concerns if not c["file"]],
        "races": [_race_view(r, anchors, patch.msgid) for r in races],
        "siblings": siblings.all(),
        "trailers": _trailers(session, patch.id, patch.series_id),
    }


def _trailers(session: Session, patch_id: int, series_id: int) -> list[Any]:
    t = queries.TRAILER
    return list(
        session.connection().execute(
            select(t.c.name, t.c.value, t.c.source)
            .where(t.c.series_id == series_id)
            .where((t.c.patch_id == patch_id) | t.c.patch_id.is_(None))
            .order_by(t.c.id)
        )
    )
