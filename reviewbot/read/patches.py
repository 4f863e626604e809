"""Patches: lists with filters, and one patch with its files, hunks, trailers and replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import FILE, HUNK, MESSAGE, PATCH
from reviewbot.read.concerns import has_open
from reviewbot.read.filters import Filters, Page, Paged, paged, path_match, person_match, time_range
from reviewbot.read.people import person
from reviewbot.read.search import matching_patches, parse_query
from reviewbot.read.sql import first, page_rows, rows
from reviewbot.read.trailers import SeriesTrailers, TrailerEntry, patch_trailers
from reviewbot.texts import HUNK_TEXT, hunk_columns, patch_columns


@dataclass(frozen=True)
class PatchSummary:
    """A patch as lists show it."""

    id: int
    series_id: int
    number: int
    msgid: str
    date: datetime | None
    subject: str
    title: str
    author_name: str
    author_email: str
    state: str
    state_reason: str
    state_by: str | None
    delegate: str | None
    archived: bool
    added: int
    removed: int
    reconstructed_from: str | None  # rebuilt from the quotes of this reply
    archive_url: str | None = None  # its mail in the list's public archive
    commit_ref: str | None = None  # the commit of the tree that carries it (upstream)

    @property
    def author(self) -> str:
        """ "Name <address>"."""
        return person(self.author_name, self.author_email)


@dataclass(frozen=True)
class FileEntry:
    """One file a patch touches; `path` is the new path, or the old one of a removed file."""

    id: int
    path: str
    old_path: str
    change: str
    added: int
    removed: int


@dataclass(frozen=True)
class HunkEntry:
    """One @@ hunk; `index` counts within its file, `position` within the patch."""

    id: int
    file_id: int
    file: str
    index: int
    position: int
    header: str
    section: str
    old_start: int
    old_len: int
    new_start: int
    new_len: int


@dataclass(frozen=True)
class PatchDetail:
    """One patch with its commit message, diff, files, hunks, trailers and replies."""

    patch: PatchSummary
    commit_message: str
    diffstat: str
    diff: str
    diff_error: str | None
    files: tuple[FileEntry, ...]
    hunks: tuple[HunkEntry, ...]
    trailers: tuple[TrailerEntry, ...]
    replies: tuple[str, ...]  # Message-IDs of the replies placed under it


# list items leave the big text columns out
_LIST_COLS = [c for c in patch_columns() if c.name not in ("commit_message", "diff", "diffstat")]


def _base(cols: Sequence[Any]) -> Select[Any]:
    return select(
        *cols,
        MESSAGE.c.msgid,
        MESSAGE.c.date,
        MESSAGE.c.reconstructed_from,
        MESSAGE.c.archive_url,
    ).join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)


def summary(r: Any) -> PatchSummary:
    """A patch row (with its message's msgid, date, reconstructed_from, archive_url) as a record."""
    return PatchSummary(
        r.id,
        r.series_id,
        r.number,
        r.msgid,
        r.date,
        r.subject,
        r.title,
        r.author_name,
        r.author_email,
        r.state,
        r.state_reason,
        r.state_by,
        r.delegate,
        r.archived,
        r.added,
        r.removed,
        r.reconstructed_from,
        archive_url=r.archive_url,
        commit_ref=r.commit_ref,
    )


def _conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    """The filters, on the patch table alone (so counting needs no join)."""
    conds: list[ColumnElement[bool]] = []
    if f.msgid or f.since or f.before:
        mail = [MESSAGE.c.msgid == f.msgid] if f.msgid else []
        mail += time_range(f, MESSAGE.c.date)
        conds.append(PATCH.c.message_id.in_(select(MESSAGE.c.id).where(*mail)))
    if f.state:
        conds.append(PATCH.c.state == f.state)
    if f.archived is not None:
        conds.append(PATCH.c.archived == f.archived)
    if f.submitter:
        conds.append(person_match(f.submitter, PATCH.c.author_name, PATCH.c.author_email))
    if f.series:
        conds.append(PATCH.c.series_id == f.series)
    if f.q and not (query := parse_query(f.q)).empty:
        conds.append(PATCH.c.id.in_(matching_patches(session, query)))
    if f.file:
        touching = select(FILE.c.patch_id).where(
            path_match(f.file, FILE.c.old_path, FILE.c.new_path)
        )
        conds.append(PATCH.c.id.in_(touching))
    if f.open_concerns is not None:
        some = has_open(patch_col=PATCH.c.id)
        conds.append(some if f.open_concerns else ~some)
    if f.in_tree is not None:
        carried = PATCH.c.commit_ref.is_not(None)
        conds.append(carried if f.in_tree else PATCH.c.commit_ref.is_(None))
    return conds


def list_patches(session: Session, f: Filters, page: Page) -> Paged[PatchSummary]:
    """Patches, newest (highest id: imported last) first, as patchwork orders them.

    By id: an index on the filtered columns then yields the page without
    sorting every match by date.
    """
    conds = _conditions(session, f)
    stmt = _base(_LIST_COLS).where(*conds).order_by(PATCH.c.id.desc())
    count = select(func.count()).select_from(PATCH).where(*conds)
    found, total = page_rows(session, stmt, page, count)
    return paged([summary(r) for r in found], total, page)


def patches_of_series(
    session: Session, series_id: int, trailers: SeriesTrailers
) -> tuple[PatchDetail, ...]:
    """Every patch of a series in number order, in full, with the series' trailers given."""
    stmt = _base(patch_columns()).where(PATCH.c.series_id == series_id)
    found = rows(session, stmt.order_by(PATCH.c.number, PATCH.c.id))
    parts = patch_parts(session, [r.id for r in found])
    return tuple(
        _detail(r, *parts[r.id][:2], trailers.of_patch(r.id), parts[r.id][2]) for r in found
    )


# the patch detail is the API's hot path: its statements are built once, with parameters
_BY_ID = _base(patch_columns()).where(PATCH.c.id == bindparam("patch_id"))
_FILES_OF = select(FILE).where(FILE.c.patch_id.in_(bindparam("ids", expanding=True)))
# a hunk's text is the diff again: only the patch page draws it (hunk_texts)
_HUNKS_OF = select(*(c for c in hunk_columns() if c.name != "text")).where(
    HUNK.c.patch_id.in_(bindparam("ids", expanding=True))
)
_REPLIES_TO = (
    select(MESSAGE.c.patch_id, MESSAGE.c.msgid)
    .where(
        MESSAGE.c.patch_id.in_(bindparam("ids", expanding=True)),
        MESSAGE.c.kind.in_(("reply", "other")),
    )
    .order_by(MESSAGE.c.date, MESSAGE.c.id)
)


def patch_detail(session: Session, patch_id: int) -> PatchDetail:
    """One patch with everything about it; NotFound when there is none."""
    r = first(session, _BY_ID, patch_id=patch_id)
    if r is None:
        raise NotFound(f"no patch with id {patch_id}")
    parts = patch_parts(session, [r.id])
    files, hunks, replies = parts.get(r.id, ((), (), ()))
    trailers = patch_trailers(session, r.series_id, r.id)
    return _detail(r, files, hunks, trailers, replies)


def _detail(
    r: Any,
    files: tuple[FileEntry, ...],
    hunks: tuple[HunkEntry, ...],
    trailers: tuple[TrailerEntry, ...],
    replies: tuple[str, ...],
) -> PatchDetail:
    return PatchDetail(
        summary(r),
        r.commit_message,
        r.diffstat,
        r.diff,
        r.diff_error,
        files,
        hunks,
        trailers,
        replies,
    )


Parts = dict[int, tuple[tuple[FileEntry, ...], tuple[HunkEntry, ...], tuple[str, ...]]]


def patch_parts(session: Session, patch_ids: list[int]) -> Parts:
    """Files, hunks (in diff order) and reply Message-IDs of these patches, three queries in all."""
    files: dict[int, list[Any]] = {}
    for f in rows(session, _FILES_OF.order_by(FILE.c.patch_id, FILE.c.position), ids=patch_ids):
        files.setdefault(f.patch_id, []).append(f)
    hunks: dict[int, list[Any]] = {}
    for h in rows(session, _HUNKS_OF.order_by(HUNK.c.id), ids=patch_ids):
        hunks.setdefault(h.patch_id, []).append(h)
    replies: dict[int, list[str]] = {}
    for patch_id, msgid in rows(session, _REPLIES_TO, ids=patch_ids):
        replies.setdefault(patch_id, []).append(msgid)
    out: Parts = {}
    for pid in patch_ids:
        entries = tuple(_file(f) for f in files.get(pid, ()))
        out[pid] = (entries, _hunks(entries, hunks.get(pid, [])), tuple(replies.get(pid, ())))
    return out


def _file(f: Any) -> FileEntry:
    path = f.old_path if f.change == "removed" else f.new_path
    return FileEntry(f.id, path, f.old_path, f.change, f.added, f.removed)


def _hunks(files: tuple[FileEntry, ...], found: list[Any]) -> tuple[HunkEntry, ...]:
    paths = {f.id: f.path for f in files}
    counts: dict[int, int] = {}
    out = []
    for position, h in enumerate(found):
        index = counts.get(h.file_id, 0)
        counts[h.file_id] = index + 1
        out.append(
            HunkEntry(
                h.id,
                h.file_id,
                paths.get(h.file_id, ""),
                index,
                position,
                h.header,
                h.section,
                h.old_start,
                h.old_len,
                h.new_start,
                h.new_len,
            )
        )
    return tuple(out)


def siblings(session: Session, series_id: int) -> list[PatchSummary]:
    """The patches of a series, by number (without their text)."""
    stmt = _base(_LIST_COLS).where(PATCH.c.series_id == series_id)
    return [summary(r) for r in rows(session, stmt.order_by(PATCH.c.number, PATCH.c.id))]


def hunk_texts(session: Session, patch_id: int) -> dict[int, str]:
    """The text of each hunk of a patch, by hunk id."""
    found = rows(
        session,
        select(HUNK.c.id, HUNK_TEXT.label("text"))
        .join(PATCH, PATCH.c.id == HUNK.c.patch_id)
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(HUNK.c.patch_id == patch_id),
    )
    return {r.id: r.text for r in found}


def series_of_patch(session: Session, patch_id: int) -> int:
    """The series a patch belongs to; NotFound when there is no such patch."""
    found = first(session, select(PATCH.c.series_id).where(PATCH.c.id == patch_id))
    if found is None:
        raise NotFound(f"no patch with id {patch_id}")
    return int(found.series_id)
