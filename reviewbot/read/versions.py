"""The versions of a series (v1 -> v2 -> v3) and the range-diff between two of them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import FILE, HUNK, MESSAGE, PATCH, SERIES
from reviewbot.read.sql import first, rows
from reviewbot.series.rangediff import PatchDiff, PatchHunk, SeriesDiff, SeriesPatch, diff_series
from reviewbot.texts import HUNK_SECTION, HUNK_TEXT

_MAX_VERSIONS = 50  # links are data: a cycle must not hang a page
_CHUNK = 500  # ids per IN (...): well under SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class Version:
    """One version of a series in its history."""

    id: int
    label: str
    date: datetime | None
    state: str
    current: bool


def versions_of(session: Session, series_id: int) -> list[Version]:
    """Every version of a series, oldest first, following previous/superseded links."""
    seen: dict[int, Any] = {}
    todo = [series_id]
    while todo and len(seen) < _MAX_VERSIONS:
        sid = todo.pop()
        if sid in seen:
            continue
        row = first(session, select(SERIES).where(SERIES.c.id == sid))
        if row is None:
            continue
        seen[sid] = row
        todo.extend(x for x in (row.previous_id, row.superseded_by_id) if x)
    found = sorted(seen.values(), key=lambda r: (r.version, r.date or 0, r.id))
    return [Version(r.id, r.version_label, r.date, r.state, r.id == series_id) for r in found]


def patch_hunks(session: Session, series_id: int) -> list[SeriesPatch]:
    """A series' patches with their hunks, as the range-diff takes them.

    Hunks are in diff order, the order of `series show`'s "hunks": the hunk
    indexes of `rangediff.map_hunks` are positions in that list.
    """
    if first(session, select(SERIES.c.id).where(SERIES.c.id == series_id)) is None:
        raise NotFound(f"no series with id {series_id}")
    return patch_hunks_of(session, [series_id])[series_id]


def patch_hunks_of(session: Session, series_ids: Sequence[int]) -> dict[int, list[SeriesPatch]]:
    """`patch_hunks` of many series at once (linking asks for hundreds: two queries
    per chunk of ids, not two per series); a series without patches maps to []."""
    out: dict[int, list[SeriesPatch]] = {sid: [] for sid in series_ids}
    ids = sorted(set(series_ids))
    for start in range(0, len(ids), _CHUNK):
        _patch_hunks_chunk(session, ids[start : start + _CHUNK], out)
    return out


def _patch_hunks_chunk(session: Session, ids: list[int], out: dict[int, list[SeriesPatch]]) -> None:
    patches = rows(
        session,
        select(PATCH.c.id, PATCH.c.series_id, PATCH.c.number, PATCH.c.title)
        .where(PATCH.c.series_id.in_(ids))
        .order_by(PATCH.c.series_id, PATCH.c.number, PATCH.c.id),
    )
    hunks = rows(
        session,
        select(
            HUNK.c.patch_id,
            HUNK.c.header,
            HUNK_SECTION.label("section"),
            HUNK.c.old_start,
            HUNK.c.old_len,
            HUNK.c.new_start,
            HUNK.c.new_len,
            HUNK_TEXT.label("text"),
            FILE.c.old_path,
            FILE.c.new_path,
            FILE.c.change,
        )
        .join(FILE, FILE.c.id == HUNK.c.file_id)
        .join(PATCH, PATCH.c.id == HUNK.c.patch_id)
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(PATCH.c.series_id.in_(ids))
        .order_by(HUNK.c.id),
    )
    by_patch: dict[int, list[PatchHunk]] = {}
    for h in hunks:
        by_patch.setdefault(h.patch_id, []).append(
            PatchHunk(
                file=h.old_path if h.change == "removed" else h.new_path,
                header=h.header,
                section=h.section,
                old_start=h.old_start,
                old_len=h.old_len,
                new_start=h.new_start,
                new_len=h.new_len,
                text=h.text,
            )
        )
    for p in patches:
        out[p.series_id].append(SeriesPatch(p.number, p.title, tuple(by_patch.get(p.id, ())), p.id))


def range_diff(session: Session, old: int, new: int) -> SeriesDiff:
    """Series `old` against series `new`, patch by patch and hunk by hunk."""
    return diff_series(patch_hunks(session, old), patch_hunks(session, new))


@dataclass(frozen=True)
class PatchRef:
    """The same patch in another version of its series."""

    id: int
    series_id: int
    version_label: str
    number: int
    title: str


@dataclass(frozen=True)
class PatchVersions:
    """A patch's counterparts in the previous and next versions, and what changed since
    the previous one (its range-diff, hunk by hunk)."""

    previous: PatchRef | None
    next: PatchRef | None
    since_previous: PatchDiff | None


def patch_versions(session: Session, patch_id: int) -> PatchVersions:
    """The same patch in the versions before and after this one (matched as the series'
    range-diff matches patches: title, then diff, then position); NotFound without it."""
    row = first(
        session,
        select(PATCH.c.series_id, SERIES.c.previous_id, SERIES.c.superseded_by_id)
        .join(SERIES, SERIES.c.id == PATCH.c.series_id)
        .where(PATCH.c.id == patch_id),
    )
    if row is None:
        raise NotFound(f"no patch with id {patch_id}")
    previous = since = following = None
    if row.previous_id:
        found = next(
            (
                p
                for p in range_diff(session, row.previous_id, row.series_id).patches
                if p.new_key == patch_id and p.old_key is not None
            ),
            None,
        )
        if found is not None and found.old_key is not None:
            previous, since = _ref(session, found.old_key), found
    if row.superseded_by_id:
        found = next(
            (
                p
                for p in range_diff(session, row.series_id, row.superseded_by_id).patches
                if p.old_key == patch_id and p.new_key is not None
            ),
            None,
        )
        if found is not None and found.new_key is not None:
            following = _ref(session, found.new_key)
    return PatchVersions(previous, following, since)


def _ref(session: Session, patch_id: int) -> PatchRef | None:
    r = first(
        session,
        select(PATCH.c.id, PATCH.c.series_id, PATCH.c.number, PATCH.c.title, SERIES.c.version_label)
        .join(SERIES, SERIES.c.id == PATCH.c.series_id)
        .where(PATCH.c.id == patch_id),
    )
    return PatchRef(r.id, r.series_id, r.version_label, r.number, r.title) if r else None
