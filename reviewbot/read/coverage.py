"""Review coverage of a series or a patch: which hunks no reviewer quoted or
commented on, and which reviewer covered which files.

Linking stores what each reply covered (`hunkcover`, see review.coverage);
here every hunk of the series is given one state, strongest first:
`open` (a concern listed on it is still open), `reviewed` (someone other than
its author quoted or commented on it), `unreviewed` (nobody did). A patch-wide
Reviewed-by/Acked-by does not make a hunk reviewed: it is shown beside it, so
a reader can tell "acked as a whole" from "read line by line".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.models import HUNK_COVER, MESSAGE
from reviewbot.read.concerns import concerns_of
from reviewbot.read.patches import patch_parts, series_of_patch, siblings
from reviewbot.read.people import person
from reviewbot.read.series import series_summary
from reviewbot.read.sql import rows
from reviewbot.read.trailers import series_trailers

OPEN_CONCERNS, REVIEWED, UNREVIEWED = "open", "reviewed", "unreviewed"
STATES = (OPEN_CONCERNS, REVIEWED, UNREVIEWED)
_ACKS = ("reviewed-by", "acked-by")


@dataclass(frozen=True)
class Coverer:
    """A reviewer who covered a hunk, and how: "commented" or "quoted"."""

    name: str
    email: str
    how: str
    reply_msgid: str

    @property
    def who(self) -> str:
        """ "Name <address>"."""
        return person(self.name, self.email)


@dataclass(frozen=True)
class HunkCoverage:
    """One hunk of the series, and who covered it."""

    patch_id: int
    patch: int  # the patch's number in its series
    hunk_id: int
    file: str
    file_position: int  # the file's place in the patch, from 0
    hunk: int  # within its file, from 0
    header: str
    state: str  # open, reviewed, unreviewed
    open_concerns: int
    covered_by: tuple[Coverer, ...]
    acked_by: tuple[str, ...]  # Reviewed-by/Acked-by given for the whole patch

    @property
    def hunk_number(self) -> int:
        """The hunk within its file as people count, from 1."""
        return self.hunk + 1


@dataclass(frozen=True)
class ReviewerCoverage:
    """What one reviewer covered: files and how many hunks (commented on, of them)."""

    name: str
    email: str
    files: tuple[str, ...]
    hunks: int
    commented: int

    @property
    def who(self) -> str:
        """ "Name <address>"."""
        return person(self.name, self.email)


@dataclass(frozen=True)
class Coverage:
    """The coverage of a series, or of one of its patches (`patch_id`)."""

    series_id: int
    patch_id: int | None
    hunks: tuple[HunkCoverage, ...]
    reviewers: tuple[ReviewerCoverage, ...]

    def count(self, state: str) -> int:
        """How many hunks are in this state."""
        return sum(1 for h in self.hunks if h.state == state)

    @property
    def unreviewed(self) -> tuple[HunkCoverage, ...]:
        """The hunks no reviewer quoted or commented on."""
        return tuple(h for h in self.hunks if h.state == UNREVIEWED)


def series_coverage(session: Session, series_id: int) -> Coverage:
    """Every hunk of a series with who covered it; NotFound when there is no such series."""
    series_summary(session, series_id)  # NotFound first
    return _coverage(session, series_id, None)


def patch_coverage(session: Session, patch_id: int) -> Coverage:
    """Every hunk of one patch with who covered it; NotFound when there is no such patch."""
    return _coverage(session, series_of_patch(session, patch_id), patch_id)


def _coverage(session: Session, series_id: int, patch_id: int | None) -> Coverage:
    patches = [p for p in siblings(session, series_id) if patch_id in (None, p.id)]
    ids = [p.id for p in patches]
    parts = patch_parts(session, ids)
    covers = _covers(session, ids)
    open_here: dict[tuple[int, str, int], int] = {}
    for c in concerns_of(session, series_id=series_id, open_only=True):
        if c.patch_id is not None and c.file is not None and c.hunk is not None:
            key = (c.patch_id, c.file, c.hunk)
            open_here[key] = open_here.get(key, 0) + 1
    acks = _acks(session, series_id, ids)
    hunks = []
    for p in patches:
        files, found_hunks, _replies = parts[p.id]
        positions = {f.id: n for n, f in enumerate(files)}
        for h in found_hunks:
            key = (p.id, h.file, h.index)
            found = tuple(covers.get(key, ()))
            opened = open_here.get(key, 0)
            state = OPEN_CONCERNS if opened else REVIEWED if found else UNREVIEWED
            hunks.append(
                HunkCoverage(
                    p.id,
                    p.number,
                    h.id,
                    h.file,
                    positions.get(h.file_id, 0),
                    h.index,
                    h.header,
                    state,
                    opened,
                    found,
                    acks.get(p.id, ()),
                )
            )
    return Coverage(series_id, patch_id, tuple(hunks), _reviewers(covers))


def _covers(
    session: Session, patch_ids: Sequence[int]
) -> dict[tuple[int, str, int], list[Coverer]]:
    """Who covered each (patch, file, hunk), one entry per reviewer, "commented" winning."""
    stmt = (
        select(HUNK_COVER, MESSAGE.c.msgid)
        .join(MESSAGE, MESSAGE.c.id == HUNK_COVER.c.reply_id)
        .where(HUNK_COVER.c.patch_id.in_(patch_ids))
        .order_by(HUNK_COVER.c.id)
    )
    out: dict[tuple[int, str, int], dict[str, Coverer]] = {}
    for r in rows(session, stmt):
        mine = out.setdefault((r.patch_id, r.file, r.hunk), {})
        who = (r.reviewer_email or r.reviewer_name).lower()
        if who not in mine or (r.how == "commented" and mine[who].how != "commented"):
            mine[who] = Coverer(r.reviewer_name, r.reviewer_email, r.how, r.msgid)
    return {k: list(v.values()) for k, v in out.items()}


def _acks(session: Session, series_id: int, patch_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
    """Reviewed-by/Acked-by given in this thread to each patch (or to all, on the cover)."""
    trailers = series_trailers(session, series_id)
    out: dict[int, tuple[str, ...]] = {}
    for pid in patch_ids:
        given = [
            t.value
            for t in trailers.of_patch(pid)
            if t.name.lower() in _ACKS and t.source != "patch"  # not carried in the commit
        ]
        out[pid] = tuple(dict.fromkeys(given))
    return out


def _reviewers(covers: dict[tuple[int, str, int], list[Coverer]]) -> tuple[ReviewerCoverage, ...]:
    """Each reviewer's files and hunks, most hunks first."""
    seen: dict[str, tuple[Coverer, set[str], int, int]] = {}
    for (_pid, file, _hunk), coverers in covers.items():
        for c in coverers:
            key = (c.email or c.name).lower()
            first, files, hunks, commented = seen.get(key, (c, set(), 0, 0))
            files.add(file)
            seen[key] = (first, files, hunks + 1, commented + (c.how == "commented"))
    out = [
        ReviewerCoverage(c.name, c.email, tuple(sorted(files)), hunks, commented)
        for c, files, hunks, commented in seen.values()
    ]
    return tuple(sorted(out, key=lambda r: (-r.hunks, r.who.lower())))
