"""Writes and bulk reads of patches, their files and hunks, and trailers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, cast

from sqlalchemy import bindparam, delete, insert, select, update
from sqlmodel import Session

from reviewbot.mail.diff import FileDiff
from reviewbot.mail.diff import Hunk as DiffHunk
from reviewbot.mail.trailers import Trailer as MailTrailer
from reviewbot.models import (
    MESSAGE,
    PATCH,
    REF,
    SERIES,
    TRAILER,
    Hunk,
    Message,
    Patch,
    PatchFile,
    Trailer,
)
from reviewbot.packed import slice_or_text, stored_section
from reviewbot.store import bulk
from reviewbot.store._base import _chunks, _insert_returning_ids, _t
from reviewbot.texts import hunk_columns, patch_columns


@dataclass(frozen=True, kw_only=True)
class NewPatch:
    """A patch mail placed into a series, with the files of its diff and its own trailers.

    Files, hunks and trailers are the parse's own records (mail/diff.py,
    mail/trailers.py), not copies: a hunk's and a trailer's fields are columns of
    their tables, so the bulk path stores them without building them twice.
    """

    series_id: int
    message_id: int
    number: int  # its subject is its message's: stored once, there
    title: str
    author_name: str
    author_email: str
    commit_message: str
    diffstat: str
    diff: str
    diff_error: str | None
    added: int
    removed: int
    files: tuple[FileDiff, ...]
    trailers: tuple[MailTrailer, ...]  # in the commit message
    body: str  # the message body the texts were cut from: they are stored as slices of it


@dataclass(frozen=True, kw_only=True)
class ReplyTrailer:
    """A trailer given in a reply to a patch or to the cover letter."""

    series_id: int
    patch_id: int | None  # None: given on the cover letter, for every patch
    message_id: int  # the reply
    name: str
    value: str
    person_name: str
    person_email: str
    mismatch: bool  # it names someone other than the reply's sender


# the patch columns of a NewPatch: all but what goes to tables of its own
_TEXTS = {"commit_message": "commit", "diffstat": "diffstat", "diff": "diff"}
_PATCH_COLUMNS = tuple(
    f.name for f in fields(NewPatch) if f.name not in ("files", "trailers", "body", *_TEXTS)
)


def _patch_values(patch: NewPatch) -> dict[str, object]:
    """The columns of a patch's own row; each text a slice of the body where it is one."""
    values: dict[str, object] = {c: getattr(patch, c) for c in _PATCH_COLUMNS}
    for column, span in _TEXTS.items():
        stored, at, length = slice_or_text(patch.body, getattr(patch, column))
        values.update({column: stored, f"{span}_at": at, f"{span}_len": length})
    return values


def _hunk_values(
    patch: NewPatch, patch_id: int, file_id: int, hunk: DiffHunk, diff_at: int
) -> dict[str, object]:
    """The columns of one hunk: its text a slice of the patch's body where it is one
    (looked for from the diff's start on: the commit message may quote a hunk too),
    its section only where its header does not give it."""
    values = {**vars(hunk), "patch_id": patch_id, "file_id": file_id}
    found = slice_or_text(patch.body, hunk.text, diff_at)
    values["text"], values["text_at"], values["text_len"] = found
    values["section"] = stored_section(hunk.header, hunk.section)
    return values


def _file_values(patch_id: int, position: int, f: FileDiff) -> dict[str, object]:
    """The columns of one file of a patch (its hunks go to their own table)."""
    return {
        "patch_id": patch_id,
        "position": position,
        "old_path": f.old_path,
        "new_path": f.new_path,
        "change": f.change,
        "added": f.added,
        "removed": f.removed,
    }


def _trailer_values(patch: NewPatch, patch_id: int, t: MailTrailer) -> dict[str, object]:
    """The columns of a trailer in a patch's commit message."""
    return {
        **vars(t),
        "series_id": patch.series_id,
        "patch_id": patch_id,
        "message_id": patch.message_id,
        "source": "patch",
        "mismatch": False,
    }


def save_patches(*, session: Session, patches: Sequence[NewPatch]) -> None:
    """Insert patches with their files, hunks and trailers, a few statements per batch."""
    rows = [_patch_values(p) for p in patches]
    patch_ids = _insert_returning_ids(session, _t(Patch), rows)
    stored = list(zip(patch_ids, patches, strict=True))
    starts = [cast("int | None", row["diff_at"]) or 0 for row in rows]
    diff_at = dict(zip(patch_ids, starts, strict=True))
    files = [(pid, i, f) for pid, p in stored for i, f in enumerate(p.files)]
    file_ids = _insert_returning_ids(
        session, _t(PatchFile), [_file_values(pid, i, f) for pid, i, f in files]
    )
    by_id = dict(stored)
    hunks = [
        _hunk_values(by_id[pid], pid, file_id, h, diff_at[pid])
        for file_id, (pid, _i, f) in zip(file_ids, files, strict=True)
        for h in f.hunks
    ]
    trailers = [_trailer_values(p, pid, t) for pid, p in stored for t in p.trailers]
    bulk.insert_rows(session.connection(), _t(Hunk), hunks)
    bulk.insert_rows(session.connection(), _t(Trailer), trailers)


def load_patches(*, session: Session, series_ids: Sequence[int]) -> list[Any]:
    """Patch rows (with their Message-ID and date) of these series."""
    p, m = _t(Patch), _t(Message)
    out: list[Any] = []
    for chunk in _chunks(list(series_ids)):
        stmt = (
            select(*patch_columns(), m.c.msgid, m.c.date, m.c.from_email.label("sender"))
            .join(m, m.c.id == p.c.message_id)
            .where(p.c.series_id.in_(chunk))
            .order_by(p.c.series_id, p.c.number, p.c.id)
        )
        out.extend(session.connection().execute(stmt).all())
    return out


def load_patch_files(
    *, session: Session, patch_ids: Sequence[int]
) -> dict[int, tuple[FileDiff, ...]]:
    """The files and hunks save_patches stored for these patches, as the parse made them
    (linking reads them instead of parsing each diff again); () for a patch without."""
    f, h = _t(PatchFile), _t(Hunk)
    files: dict[int, dict[int, tuple[Any, list[DiffHunk]]]] = {pid: {} for pid in patch_ids}
    for chunk in _chunks(sorted(set(patch_ids))):
        for row in session.connection().execute(
            select(f).where(f.c.patch_id.in_(chunk)).order_by(f.c.patch_id, f.c.position)
        ):
            files[row.patch_id][row.id] = (row, [])
        for row in session.connection().execute(
            select(*hunk_columns())
            .join(_t(Patch), _t(Patch).c.id == h.c.patch_id)
            .join(_t(Message), _t(Message).c.id == _t(Patch).c.message_id)
            .where(h.c.patch_id.in_(chunk))
            .order_by(h.c.id)
        ):
            files[row.patch_id][row.file_id][1].append(
                DiffHunk(**{name: getattr(row, name) for name in _HUNK_FIELDS})
            )
    return {
        pid: tuple(
            FileDiff(r.old_path, r.new_path, r.change, r.added, r.removed, tuple(hunks))
            for r, hunks in by_file.values()
        )
        for pid, by_file in files.items()
    }


_HUNK_FIELDS = tuple(x.name for x in fields(DiffHunk))


def replace_reply_trailers(
    *, session: Session, series_ids: Sequence[int], trailers: Sequence[ReplyTrailer]
) -> None:
    """Replace the trailers collected from replies for these series."""
    t = _t(Trailer)
    for chunk in _chunks(list(series_ids)):
        session.connection().execute(
            delete(t).where(t.c.series_id.in_(chunk), t.c.source == "reply")
        )
    if trailers:
        rows = [{**vars(r), "source": "reply"} for r in trailers]
        session.connection().execute(insert(t), rows)


def update_patch_states(*, session: Session, rows: Sequence[tuple[int, str, str]]) -> None:
    """Set (patch id, state, reason)."""
    if not rows:
        return
    p = _t(Patch)
    stmt = (
        update(p)
        .where(p.c.id == bindparam("pid"))
        .values(state=bindparam("st"), state_reason=bindparam("why"))
    )
    session.connection().execute(stmt, [{"pid": i, "st": s, "why": w} for i, s, w in rows])


def coverless_patches_answering(*, session: Session, msgids: Sequence[str]) -> list[Any]:
    """Patches in series without a cover letter whose References name one of `msgids`:
    (patch id, number, series id, subject, the msgid named)."""
    out: list[Any] = []
    for chunk in _chunks(list(msgids)):
        stmt = (
            select(PATCH.c.id, PATCH.c.number, PATCH.c.series_id, MESSAGE.c.subject)
            .add_columns(REF.c.ref_msgid)
            .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
            .join(REF, REF.c.message_id == MESSAGE.c.id)
            .join(SERIES, SERIES.c.id == PATCH.c.series_id)
            .where(REF.c.ref_msgid.in_(chunk), SERIES.c.cover_id.is_(None))
        )
        out.extend(session.connection().execute(stmt))
    return out


def move_patches(*, session: Session, patch_ids: Sequence[int], series_id: int) -> None:
    """Move patches (their mail and trailers with them) into another series."""
    conn = session.connection()
    ids = list(patch_ids)
    conn.execute(update(PATCH).where(PATCH.c.id.in_(ids)).values(series_id=series_id))
    mails = select(PATCH.c.message_id).where(PATCH.c.id.in_(ids))
    conn.execute(update(MESSAGE).where(MESSAGE.c.id.in_(mails)).values(series_id=series_id))
    conn.execute(update(TRAILER).where(TRAILER.c.patch_id.in_(ids)).values(series_id=series_id))


def patch_series(*, session: Session, patch_ids: Sequence[int]) -> dict[int, int]:
    """Patch id -> the series it is in."""
    rows = session.connection().execute(
        select(PATCH.c.id, PATCH.c.series_id).where(PATCH.c.id.in_(list(patch_ids)))
    )
    return {pid: sid for pid, sid in rows}
