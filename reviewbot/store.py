"""save_* / load_*: the one place that writes SQL.

Bulk paths use SQLAlchemy Core on the session's connection: the ORM's unit of
work costs more per row than parsing the mail does. Every function takes the
session as a keyword argument so a caller controls the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlmodel import Session

from reviewbot.models import (
    ApplyRun,
    Hunk,
    HunkApply,
    Message,
    MessageRef,
    Patch,
    PatchApply,
    PatchFile,
    ScrapeError,
    ScrapeMonth,
    Series,
    Trailer,
)

_CHUNK = 500
_PLACED = ("cover", "patch")  # stays under SQLite's bound-parameter limit in IN (...) lists


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_msgids(*, session: Session, msgids: Sequence[str]) -> set[str]:
    """Which of these Message-IDs are already stored."""
    found: set[str] = set()
    table = _t(Message)
    for chunk in _chunks(list(msgids)):
        rows = session.connection().execute(select(table.c.msgid).where(table.c.msgid.in_(chunk)))
        found.update(r[0] for r in rows)
    return found


def save_messages(*, session: Session, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """Insert message rows; return Message-ID -> row id."""
    if not rows:
        return {}
    table = _t(Message)
    stmt = insert(table).returning(table.c.id, table.c.msgid, sort_by_parameter_order=True)
    result = session.connection().execute(stmt, list(rows))
    return {msgid: mid for mid, msgid in result}


def save_refs(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert (message_id, ref_msgid, position) rows."""
    if rows:
        session.connection().execute(insert(_t(MessageRef)), list(rows))


def save_many_series(*, session: Session, rows: Sequence[dict[str, Any]]) -> list[int]:
    """Insert new series; return their ids in the order given."""
    return _insert_returning_ids(session, _t(Series), list(rows))


def update_series(*, session: Session, series_id: int, values: dict[str, Any]) -> None:
    """Set columns of one series."""
    table = _t(Series)
    session.connection().execute(update(table).where(table.c.id == series_id).values(**values))


def mark_dirty(*, session: Session, series_ids: Iterable[int]) -> None:
    """Flag series whose derived fields (replies, trailers, state) need rebuilding."""
    ids = sorted(set(series_ids))
    table = _t(Series)
    for chunk in _chunks(ids):
        session.connection().execute(update(table).where(table.c.id.in_(chunk)).values(dirty=True))


def count_dirty(*, session: Session) -> int:
    """How many series wait to be rebuilt."""
    table = _t(Series)
    stmt = select(func.count()).select_from(table).where(table.c.dirty.is_(True))
    return int(session.connection().execute(stmt).scalar_one())


def load_dirty_series(*, session: Session, limit: int) -> list[int]:
    """Ids of series waiting to be rebuilt."""
    table = _t(Series)
    rows = session.connection().execute(
        select(table.c.id).where(table.c.dirty.is_(True)).order_by(table.c.id).limit(limit)
    )
    return [r[0] for r in rows]


@dataclass(frozen=True)
class PatchRecord:
    """A patch row with its files (each with its hunks) and its own trailers."""

    row: dict[str, Any]
    files: list[tuple[dict[str, Any], list[dict[str, Any]]]]
    trailers: list[dict[str, Any]]


def _insert_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [r[0] for r in session.connection().execute(stmt, rows)]


def save_patches(*, session: Session, records: Sequence[PatchRecord]) -> None:
    """Insert patches with their files, hunks and trailers, a few statements per batch."""
    patch_ids = _insert_returning_ids(session, _t(Patch), [r.row for r in records])
    file_rows: list[dict[str, Any]] = []
    hunk_groups: list[tuple[int, list[dict[str, Any]]]] = []
    trailers: list[dict[str, Any]] = []
    for patch_id, record in zip(patch_ids, records, strict=True):
        for file_row, hunk_rows in record.files:
            file_rows.append({**file_row, "patch_id": patch_id})
            hunk_groups.append((patch_id, hunk_rows))
        trailers.extend({**t, "patch_id": patch_id} for t in record.trailers)
    file_ids = _insert_returning_ids(session, _t(PatchFile), file_rows)
    hunks = [
        {**h, "patch_id": patch_id, "file_id": file_id}
        for file_id, (patch_id, hunk_rows) in zip(file_ids, hunk_groups, strict=True)
        for h in hunk_rows
    ]
    if hunks:
        session.connection().execute(insert(_t(Hunk)), hunks)
    save_trailers(session=session, rows=trailers)


def update_many_series(*, session: Session, updates: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Apply (series id, {column: value}) updates, grouped by the columns they set."""
    table = _t(Series)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for series_id, values in updates:
        cols = tuple(sorted(values))
        groups.setdefault(cols, []).append({"_sid": series_id, **values})
    for cols, rows in groups.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_sid"))
            .values({c: bindparam(c) for c in cols})
        )
        session.connection().execute(stmt, rows)


def set_message_series(*, session: Session, pairs: Sequence[tuple[int, int, str]]) -> None:
    """Set (message id -> series id, kind) for placed covers and patches."""
    if not pairs:
        return
    table = _t(Message)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("mid"))
        .values(series_id=bindparam("sid"), kind=bindparam("k"))
    )
    session.connection().execute(stmt, [{"mid": m, "sid": s, "k": k} for m, s, k in pairs])


def find_placed(*, session: Session, msgids: Sequence[str]) -> dict[str, tuple[int, int, str]]:
    """For stored covers/patches among msgids: msgid -> (message id, series id, kind)."""
    table = _t(Message)
    found: dict[str, tuple[int, int, str]] = {}
    for chunk in _chunks(list(msgids)):
        # filter kind and series in Python: with them in the WHERE clause SQLite
        # picks the low-selectivity kind index and scans half the table
        rows = session.connection().execute(
            select(table.c.msgid, table.c.id, table.c.series_id, table.c.kind).where(
                table.c.msgid.in_(chunk)
            )
        )
        found.update(
            {r[0]: (r[1], r[2], r[3]) for r in rows if r[2] is not None and r[3] in _PLACED}
        )
    return found


def load_slots(
    *, session: Session, submitter: str, version: int, total: int, since: datetime | None
) -> list[dict[str, Any]]:
    """Series of one submitter/version/total active since `since`, with their numbers."""
    s, p = _t(Series), _t(Patch)
    cond = and_(s.c.submitter_email == submitter, s.c.version == version, s.c.total == total)
    if since is not None:
        cond = and_(cond, or_(s.c.last_date >= since, s.c.last_date.is_(None)))
    stmt = (
        select(s.c.id, s.c.last_date, s.c.cover_id, p.c.number)
        .outerjoin(p, p.c.series_id == s.c.id)
        .where(cond)
        .order_by(s.c.id)
    )
    slots: dict[int, dict[str, Any]] = {}
    for sid, last_date, cover_id, number in session.connection().execute(stmt):
        slot = slots.setdefault(
            sid,
            {
                "id": sid,
                "last_date": last_date,
                "has_cover": cover_id is not None,
                "numbers": set(),
            },
        )
        if number is not None:
            slot["numbers"].add(number)
    return list(slots.values())


def load_messages_by_ref(*, session: Session, msgids: Sequence[str]) -> list[Any]:
    """Messages that name any of msgids in References/In-Reply-To."""
    r = _t(MessageRef)
    ids: set[int] = set()
    for chunk in _chunks(list(msgids)):
        rows = session.connection().execute(
            select(r.c.message_id).where(r.c.ref_msgid.in_(chunk)).distinct()
        )
        ids.update(x[0] for x in rows)
    return load_messages(session=session, ids=sorted(ids))


def load_messages(*, session: Session, ids: Sequence[int]) -> list[Any]:
    """Message rows (without raw bytes) by id, with their ordered references."""
    m, r = _t(Message), _t(MessageRef)
    cols = [c for c in m.c if c.name != "raw"]
    out: list[Any] = []
    refs: dict[int, list[str]] = {}
    for chunk in _chunks(list(ids)):
        out.extend(session.connection().execute(select(*cols).where(m.c.id.in_(chunk))).all())
        for mid, ref in session.connection().execute(
            select(r.c.message_id, r.c.ref_msgid)
            .where(r.c.message_id.in_(chunk))
            .order_by(r.c.message_id, r.c.position)
        ):
            refs.setdefault(mid, []).append(ref)
    return [(row, tuple(refs.get(row.id, ()))) for row in out]


def load_series_rows(*, session: Session, ids: Sequence[int]) -> list[Any]:
    """Series rows by id."""
    s = _t(Series)
    out: list[Any] = []
    for chunk in _chunks(list(ids)):
        out.extend(session.connection().execute(select(s).where(s.c.id.in_(chunk))).all())
    return out


def load_patches(*, session: Session, series_ids: Sequence[int]) -> list[Any]:
    """Patch rows (with their Message-ID and date) of these series."""
    p, m = _t(Patch), _t(Message)
    out: list[Any] = []
    for chunk in _chunks(list(series_ids)):
        stmt = (
            select(p, m.c.msgid, m.c.date, m.c.from_email.label("sender"))
            .join(m, m.c.id == p.c.message_id)
            .where(p.c.series_id.in_(chunk))
            .order_by(p.c.series_id, p.c.number, p.c.id)
        )
        out.extend(session.connection().execute(stmt).all())
    return out


def load_version_group(*, session: Session, pairs: Iterable[tuple[str, str]]) -> list[Any]:
    """Every series sharing (submitter, normalised title) with one of the pairs."""
    s = _t(Series)
    out: list[Any] = []
    for chunk in _chunks(sorted(set(pairs))):
        stmt = select(s).where(tuple_(s.c.submitter_email, s.c.norm_title).in_(chunk))
        out.extend(session.connection().execute(stmt))
    return out


def load_explicit_successors(*, session: Session, ids: Sequence[int]) -> list[Any]:
    """Series that name one of these series as their explicit previous version."""
    s = _t(Series)
    out: list[Any] = []
    for chunk in _chunks(list(ids)):
        out.extend(
            session.connection().execute(select(s).where(s.c.explicit_previous_id.in_(chunk)))
        )
    return out


def replace_reply_trailers(
    *, session: Session, series_ids: Sequence[int], rows: Sequence[dict[str, Any]]
) -> None:
    """Replace the trailers collected from replies for these series."""
    t = _t(Trailer)
    for chunk in _chunks(list(series_ids)):
        session.connection().execute(
            delete(t).where(t.c.series_id.in_(chunk), t.c.source == "reply")
        )
    if rows:
        session.connection().execute(insert(t), list(rows))


def save_trailers(*, session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Insert trailer rows."""
    if rows:
        session.connection().execute(insert(_t(Trailer)), list(rows))


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


def set_message_kind(*, session: Session, message_id: int, kind: str, series_id: int) -> None:
    """Re-label a message (a thread root recognised as a cover letter)."""
    m = _t(Message)
    session.connection().execute(
        update(m).where(m.c.id == message_id).values(kind=kind, series_id=series_id)
    )


def count_rows(*, session: Session, model: Any) -> int:
    """Number of rows in a table."""
    return int(
        session.connection().execute(select(func.count()).select_from(_t(model))).scalar_one()
    )


def encode_list(values: Iterable[int]) -> str:
    """Store a short list of ints as JSON text."""
    return json.dumps(sorted(values))


def message_ids(*, session: Session, msgids: Sequence[str]) -> list[int]:
    """Row ids of the stored messages among msgids."""
    table = _t(Message)
    out: list[int] = []
    for chunk in _chunks(list(msgids)):
        rows = session.connection().execute(select(table.c.id).where(table.c.msgid.in_(chunk)))
        out.extend(r[0] for r in rows)
    return out


def set_reply_targets(*, session: Session, rows: Sequence[tuple[int, int, int | None]]) -> None:
    """Record (reply id -> series id, patch id or None for the cover letter)."""
    if not rows:
        return
    table = _t(Message)
    stmt = (
        update(table)
        .where(table.c.id == bindparam("mid"))
        .values(series_id=bindparam("sid"), patch_id=bindparam("pid"))
    )
    session.connection().execute(stmt, [{"mid": m, "sid": s, "pid": p} for m, s, p in rows])


def set_archive_urls(*, session: Session, pairs: Sequence[tuple[str, str]]) -> None:
    """Record (Message-ID, archive page URL) where the URL is not known yet."""
    if not pairs:
        return
    table = _t(Message)
    stmt = (
        update(table)
        .where(table.c.msgid == bindparam("m"), table.c.archive_url.is_(None))
        .values(archive_url=bindparam("u"))
    )
    session.connection().execute(stmt, [{"m": m, "u": u} for m, u in pairs])


def month_complete(*, session: Session, archive_url: str, name: str) -> bool:
    """Whether a month of an archive was read completely before."""
    m = _t(ScrapeMonth)
    row = (
        session.connection()
        .execute(select(m.c.complete).where(m.c.archive_url == archive_url, m.c.name == name))
        .first()
    )
    return bool(row and row[0])


def save_month(
    *, session: Session, archive_url: str, name: str, complete: bool, pages: int
) -> None:
    """Record how far a month was read."""
    m = _t(ScrapeMonth)
    conn = session.connection()
    values = {"complete": complete, "pages": pages, "scraped_at": datetime.now(UTC)}
    done = conn.execute(
        update(m).where(m.c.archive_url == archive_url, m.c.name == name).values(**values)
    )
    if not done.rowcount:
        conn.execute(insert(m).values(archive_url=archive_url, name=name, **values))


def record_scrape_error(*, session: Session, url: str, month: str, error: str) -> None:
    """Keep a failed URL for a later retry (counting attempts)."""
    e = _t(ScrapeError)
    conn = session.connection()
    now = datetime.now(UTC)
    done = conn.execute(
        update(e)
        .where(e.c.url == url)
        .values(error=error, month=month, last_seen=now, resolved=False, attempts=e.c.attempts + 1)
    )
    if not done.rowcount:
        conn.execute(
            insert(e).values(url=url, month=month, error=error, first_seen=now, last_seen=now)
        )


def resolve_scrape_errors(*, session: Session, urls: Sequence[str]) -> None:
    """Mark URLs that were read successfully after failing before."""
    e = _t(ScrapeError)
    for chunk in _chunks(list(urls)):
        session.connection().execute(update(e).where(e.c.url.in_(chunk)).values(resolved=True))


def open_scrape_errors(*, session: Session) -> list[Any]:
    """Failed URLs still waiting for a successful retry."""
    e = _t(ScrapeError)
    stmt = select(e).where(e.c.resolved.is_(False)).order_by(e.c.id)
    return list(session.connection().execute(stmt))


def save_apply_run(
    *,
    session: Session,
    run: dict[str, Any],
    patches: Sequence[dict[str, Any]],
    hunks: Sequence[dict[str, Any]],
) -> int:
    """Store an apply run with its per-patch and per-hunk results; return its id."""
    run_id = _insert_returning_ids(session, _t(ApplyRun), [run])[0]
    if patches:
        session.connection().execute(
            insert(_t(PatchApply)), [{**p, "run_id": run_id} for p in patches]
        )
    if hunks:
        session.connection().execute(
            insert(_t(HunkApply)), [{**h, "run_id": run_id} for h in hunks]
        )
    return run_id
