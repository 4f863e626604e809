"""Read-side views of the database for the CLI (and later the web UI and API).

Queries use the tables' Core columns, as store.py does: plain, typed, and the
same SQL on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Table, func, select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.mail.subject import parse_subject, thread_subject
from reviewbot.mail.threads import ThreadItem, ThreadNode, build_threads
from reviewbot.models import (
    Concern,
    Hunk,
    Message,
    MessageRef,
    Patch,
    PatchFile,
    RaceScenario,
    Series,
    Trailer,
)
from reviewbot.pipeline import apply as apply_io
from reviewbot.series import rangediff
from reviewbot.series.rangediff import PatchHunk, SeriesPatch

_SUBJECT_LIMIT = 200  # a subject shared by more messages is too common to join on

SERIES: Table = Series.__table__  # type: ignore[attr-defined]
PATCH: Table = Patch.__table__  # type: ignore[attr-defined]
MESSAGE: Table = Message.__table__  # type: ignore[attr-defined]
REF: Table = MessageRef.__table__  # type: ignore[attr-defined]
FILE: Table = PatchFile.__table__  # type: ignore[attr-defined]
HUNK: Table = Hunk.__table__  # type: ignore[attr-defined]
TRAILER: Table = Trailer.__table__  # type: ignore[attr-defined]
CONCERN: Table = Concern.__table__  # type: ignore[attr-defined]
RACE: Table = RaceScenario.__table__  # type: ignore[attr-defined]


def person(name: str, email: str) -> str:
    """ "Name <address>" as the UI and CLI show a sender; the name alone without an address."""
    if not email:  # a reconstructed author: the quote gave a name, no address
        return name
    return f"{name} <{email}>" if name and name != email else email


def all_rows(session: Session, stmt: Any) -> list[Any]:
    """Every row of a Core statement, on the session's connection (no ORM objects)."""
    return list(session.connection().execute(stmt).all())


def list_series(
    session: Session, *, state: str | None = None, limit: int = 0
) -> list[dict[str, Any]]:
    """Every series, newest first, as `series list --json` prints them."""
    counts = (
        select(PATCH.c.series_id, func.count().label("n")).group_by(PATCH.c.series_id).subquery()
    )
    stmt = (
        select(SERIES, counts.c.n, MESSAGE.c.msgid.label("cover_msgid"))
        .outerjoin(counts, counts.c.series_id == SERIES.c.id)
        .outerjoin(MESSAGE, MESSAGE.c.id == SERIES.c.cover_id)
        .order_by(SERIES.c.date.desc(), SERIES.c.id.desc())
    )
    if state:
        stmt = stmt.where(SERIES.c.state == state)
    if limit:
        stmt = stmt.limit(limit)
    return [_series_summary(r, r.n or 0, r.cover_msgid) for r in all_rows(session, stmt)]


def _series_summary(row: Any, patch_count: int, cover_msgid: str | None) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "version": row.version,
        "total": row.total,
        "submitter": person(row.submitter_name, row.submitter_email),
        "date": row.date.isoformat() if row.date else None,
        "state": row.state,
        "cover_msgid": cover_msgid,
        "patch_count": patch_count,
        "missing": json.loads(row.missing or "[]"),
        "previous": row.previous_id,
        "superseded_by": row.superseded_by_id,
    }


def show_series(session: Session, series_id: int) -> dict[str, Any]:
    """One series with its patches, trailers, files, hunks and replies."""
    found = all_rows(session, select(SERIES).where(SERIES.c.id == series_id))
    if not found:
        raise NotFound(f"no series with id {series_id}")
    row = found[0]
    patches = all_rows(
        session,
        select(PATCH, MESSAGE.c.msgid, MESSAGE.c.reconstructed_from)
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(PATCH.c.series_id == series_id)
        .order_by(PATCH.c.number, PATCH.c.id),
    )
    cover = all_rows(session, select(MESSAGE.c.msgid).where(MESSAGE.c.id == row.cover_id))
    summary = _series_summary(row, len(patches), cover[0].msgid if cover else None)
    trailers = _trailers(session, series_id)
    replies = _replies(session, series_id)
    summary.update(
        state_reason=row.state_reason,
        version_label=row.version_label,
        base_commit=row.base_commit,
        replies=replies.get(None, []),
        trailers=trailers.get(None, []),
        patches=[_patch(session, p, trailers, replies) for p in patches],
        apply=apply_io.latest_summary(session, series_id),
    )
    applied = (summary["apply"] or {}).get("patches", {})
    for patch in summary["patches"]:
        patch["apply_status"] = applied.get(patch["number"], {}).get("status")
    return summary


def _trailers(session: Session, series_id: int) -> dict[int | None, list[dict[str, Any]]]:
    rows = all_rows(
        session,
        select(TRAILER, MESSAGE.c.msgid)
        .join(MESSAGE, MESSAGE.c.id == TRAILER.c.message_id)
        .where(TRAILER.c.series_id == series_id)
        .order_by(TRAILER.c.id),
    )
    out: dict[int | None, list[dict[str, Any]]] = {}
    for t in rows:
        out.setdefault(t.patch_id, []).append(
            {
                "name": t.name,
                "value": t.value,
                "source": t.source,
                "msgid": t.msgid,
                "mismatch": t.mismatch,
            }
        )
    return out


def _replies(session: Session, series_id: int) -> dict[int | None, list[str]]:
    rows = all_rows(
        session,
        select(MESSAGE.c.patch_id, MESSAGE.c.msgid)
        .where(MESSAGE.c.series_id == series_id, MESSAGE.c.kind.in_(("reply", "other")))
        .order_by(MESSAGE.c.date, MESSAGE.c.id),
    )
    out: dict[int | None, list[str]] = {}
    for r in rows:
        out.setdefault(r.patch_id, []).append(r.msgid)
    return out


def _patch(
    session: Session,
    p: Any,
    trailers: dict[int | None, list[dict[str, Any]]],
    replies: dict[int | None, list[str]],
) -> dict[str, Any]:
    files = all_rows(session, select(FILE).where(FILE.c.patch_id == p.id).order_by(FILE.c.position))
    paths = {f.id: (f.old_path if f.change == "removed" else f.new_path) for f in files}
    hunks = all_rows(session, select(HUNK).where(HUNK.c.patch_id == p.id).order_by(HUNK.c.id))
    return {
        "id": p.id,
        "number": p.number,
        "subject": p.subject,
        "title": p.title,
        "msgid": p.msgid,
        "reconstructed_from": p.reconstructed_from,
        "author": person(p.author_name, p.author_email),
        "state": p.state,
        "state_reason": p.state_reason,
        "trailers": trailers.get(p.id, [])
        + [dict(t, source="cover-reply") for t in trailers.get(None, [])],
        "files": [
            {
                "path": paths[f.id],
                "old_path": f.old_path,
                "change": f.change,
                "added": f.added,
                "removed": f.removed,
            }
            for f in files
        ],
        "hunks": [
            {
                "file": paths[h.file_id],
                "header": h.header,
                "section": h.section,
                "old_start": h.old_start,
                "old_len": h.old_len,
                "new_start": h.new_start,
                "new_len": h.new_len,
            }
            for h in hunks
        ],
        "diff_error": p.diff_error,
        "replies": replies.get(p.id, []),
    }


def thread_of(session: Session, msgid: str) -> ThreadNode:
    """The reply tree that contains `msgid`, with placeholders for missing mail."""
    msgid = msgid.strip().strip("<>")
    if not all_rows(session, select(MESSAGE.c.id).where(MESSAGE.c.msgid == msgid)):
        raise NotFound(f"no message <{msgid}>")
    items = _thread_items(session, {msgid})
    kin = _same_subject(session, items)
    if kin:
        items.update(_thread_items(session, kin))
    for root in build_threads(items.values()):
        if any(node.msgid == msgid for _d, node in root.walk()):
            return root
    raise NotFound(f"<{msgid}> is not in any thread")


def _same_subject(session: Session, items: dict[str, ThreadItem]) -> set[str]:
    """Messages a broken thread may join by subject (JWZ's fallback), at most a few."""
    missing = {r for i in items.values() for r in i.references if r not in items}
    orphans = [i for i in items.values() if not i.references]
    if not missing and not any(parse_subject(i.subject).is_reply for i in orphans):
        return set()
    subjects = {thread_subject(i.subject) for i in items.values()} - {""}
    rows = all_rows(
        session,
        select(MESSAGE.c.msgid).where(MESSAGE.c.norm_subject.in_(subjects)).limit(_SUBJECT_LIMIT),
    )
    return {r.msgid for r in rows} - items.keys()


def _thread_items(session: Session, start: set[str]) -> dict[str, ThreadItem]:
    """Everything connected to `start` by references, gathered breadth-first."""
    items: dict[str, ThreadItem] = {}
    frontier = set(start)
    known_missing: set[str] = set()
    while frontier:
        rows = all_rows(
            session,
            select(MESSAGE.c.id, MESSAGE.c.msgid, MESSAGE.c.subject, MESSAGE.c.date).where(
                MESSAGE.c.msgid.in_(frontier)
            ),
        )
        refs = _refs(session, [r.id for r in rows])
        nxt: set[str] = set()
        for r in rows:
            items[r.msgid] = ThreadItem(r.msgid, tuple(refs.get(r.id, ())), r.subject, r.date)
            nxt.update(refs.get(r.id, ()))
        known_missing |= frontier - {r.msgid for r in rows}
        children = all_rows(
            session,
            select(MESSAGE.c.msgid)
            .join(REF, REF.c.message_id == MESSAGE.c.id)
            .where(REF.c.ref_msgid.in_(frontier | nxt)),
        )
        nxt.update(c.msgid for c in children)
        frontier = nxt - items.keys() - known_missing
    return items


def _refs(session: Session, ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    rows = all_rows(
        session,
        select(REF.c.message_id, REF.c.ref_msgid)
        .where(REF.c.message_id.in_(ids))
        .order_by(REF.c.message_id, REF.c.position),
    )
    for r in rows:
        out.setdefault(r.message_id, []).append(r.ref_msgid)
    return out


def messages_by_msgid(session: Session, msgids: list[str]) -> dict[str, Any]:
    """Message rows (without raw bytes) by Message-ID."""
    cols = [c for c in MESSAGE.c if c.name != "raw"]
    rows = all_rows(session, select(*cols).where(MESSAGE.c.msgid.in_(msgids)))
    return {r.msgid: r for r in rows}


def load_patch_hunks(session: Session, series_id: int) -> list[SeriesPatch]:
    """A series' patches with their hunks, as rangediff takes them.

    Hunks are in diff order, the order of `series show`'s "hunks": the hunk
    indexes of `rangediff.map_hunks` are positions in that list.
    """
    if not all_rows(session, select(SERIES.c.id).where(SERIES.c.id == series_id)):
        raise NotFound(f"no series with id {series_id}")
    patches = all_rows(
        session,
        select(PATCH.c.id, PATCH.c.number, PATCH.c.title)
        .where(PATCH.c.series_id == series_id)
        .order_by(PATCH.c.number, PATCH.c.id),
    )
    hunks = all_rows(
        session,
        select(HUNK, FILE.c.old_path, FILE.c.new_path, FILE.c.change)
        .join(FILE, FILE.c.id == HUNK.c.file_id)
        .join(PATCH, PATCH.c.id == HUNK.c.patch_id)
        .where(PATCH.c.series_id == series_id)
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
    return [SeriesPatch(p.number, p.title, tuple(by_patch.get(p.id, ())), p.id) for p in patches]


def diff_series(session: Session, a: int, b: int) -> dict[str, Any]:
    """Series `a` against series `b`, patch by patch and hunk by hunk (`diff --json`)."""
    result = rangediff.diff_series(load_patch_hunks(session, a), load_patch_hunks(session, b))
    return {
        "from": a,
        "to": b,
        "patches": [
            {
                "old": p.old_number,
                "new": p.new_number,
                "title": p.title,
                "status": p.status,
                "hunks": [
                    {
                        "file": h.file,
                        "old_header": h.old_header,
                        "new_header": h.new_header,
                        "status": h.status,
                        "detail": h.detail,
                    }
                    for h in p.hunks
                ],
            }
            for p in result.patches
        ],
    }


def series_of(session: Session, target: str) -> int:
    """The series a `concerns` target names: "7" is series 7, "p42" is patch 42's series."""
    if not target.lower().startswith("p"):
        return target_id(target)
    rows = all_rows(session, select(PATCH.c.series_id).where(PATCH.c.id == target_id(target[1:])))
    if not rows:
        raise NotFound(f"no patch with id {target[1:]}")
    return int(rows[0].series_id)


def target_id(text: str) -> int:
    """A numeric id from the command line, or NotFound saying what was expected."""
    if not (text.isascii() and text.isdigit()) or int(text) >= 2**63:
        raise NotFound(f"{text!r}: expected a series id (7) or a patch id (p42)")
    return int(text)


def patch_msgids(session: Session, patch_ids: set[int]) -> dict[int, str]:
    """Patch id -> the Message-ID of the mail that carries it."""
    rows = all_rows(
        session,
        select(PATCH.c.id, MESSAGE.c.msgid)
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(PATCH.c.id.in_(sorted(patch_ids))),
    )
    return {r.id: r.msgid for r in rows}


def concerns_of(session: Session, target: str, *, open_only: bool = False) -> list[dict[str, Any]]:
    """Concerns of a series ("7") or a patch ("p42"); see review_queries.concerns_of."""
    from reviewbot.read import review_queries  # it reads through this module's helpers

    return review_queries.concerns_of(session, target, open_only=open_only)


def races_of(session: Session, series_id: int) -> list[dict[str, Any]]:
    """Race scenarios of a series' thread; see review_queries.races_of."""
    from reviewbot.read import review_queries

    return review_queries.races_of(session, series_id)
