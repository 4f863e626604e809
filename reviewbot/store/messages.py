"""Writes and bulk reads of messages and their references."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlmodel import Session

from reviewbot.models import (
    Message,
    MessageRef,
)
from reviewbot.packed import pack, stored_body
from reviewbot.store import bulk
from reviewbot.store._base import _PLACED, _chunks, _t, insert_ignoring
from reviewbot.texts import message_body


@dataclass(frozen=True, kw_only=True)
class NewMessage:
    """A mail as it is first stored: its bytes, where they came from, and its parse.

    A mail that could not be parsed keeps its bytes, a synthetic Message-ID and
    the reason (`parse_error`); its parsed fields stay empty. Placement into a
    series comes later (`set_message_series`, `set_reply_targets`).
    """

    msgid: str
    raw: bytes
    source: str
    position: int
    kind: str
    parse_error: str | None
    warnings: str
    imported_at: datetime
    archive_url: str | None
    reconstructed_from: str | None
    msgid_synthetic: bool
    subject: str
    norm_subject: str
    from_name: str
    from_email: str
    date: datetime | None
    in_reply_to: str | None
    body: str


@dataclass(frozen=True)
class ReferenceChain:
    """The Message-IDs a message names in References/In-Reply-To, oldest first."""

    message_id: int
    msgids: tuple[str, ...]


def _message_values(message: NewMessage, dialect: str) -> dict[str, object]:
    """The column values of a new message, for an INSERT or an UPDATE.

    The raw bytes are compressed; on SQLite a body the raw bytes give back is
    not stored again. PostgreSQL keeps every body: its full-text index is an
    expression over the column (migration 0015), and TOAST compresses it.
    """
    values = dict(vars(message))
    raw = values.pop("raw")
    values["raw_zstd"] = pack(raw)
    if dialect == "sqlite":
        values["body"] = stored_body(raw, message.body)
    return values


def _reference_rows(chain: ReferenceChain) -> list[dict[str, object]]:
    """One row per Message-ID of a chain, numbered in order."""
    return [
        {"message_id": chain.message_id, "ref_msgid": ref, "position": i}
        for i, ref in enumerate(chain.msgids)
    ]


def existing_msgids(*, session: Session, msgids: Sequence[str]) -> set[str]:
    """Which of these Message-IDs are already stored."""
    found: set[str] = set()
    table = _t(Message)
    for chunk in _chunks(list(msgids)):
        rows = session.connection().execute(select(table.c.msgid).where(table.c.msgid.in_(chunk)))
        found.update(r[0] for r in rows)
    return found


def save_messages(*, session: Session, messages: Sequence[NewMessage]) -> dict[str, int]:
    """Insert messages; return Message-ID -> row id of those actually inserted.

    INSERT ... ON CONFLICT DO NOTHING: another importer may have stored the same
    Message-ID since the caller looked; that row is simply not returned.
    """
    if not messages:
        return {}
    table = _t(Message)
    dialect = session.connection().dialect.name
    values = [_message_values(m, dialect) for m in messages]
    copied = bulk.insert_new(session.connection(), table, "msgid", values)
    if copied is not None:
        return copied
    stmt = insert_ignoring(session, table, ["msgid"]).returning(table.c.id, table.c.msgid)
    result = session.connection().execute(stmt, values)
    return {msgid: mid for mid, msgid in result}


def save_refs(*, session: Session, chains: Sequence[ReferenceChain]) -> None:
    """Insert the References chains of newly stored messages."""
    rows = [row for chain in chains for row in _reference_rows(chain)]
    bulk.insert_rows(session.connection(), _t(MessageRef), rows)


def set_message_series(*, session: Session, pairs: Sequence[tuple[int, int, str]]) -> None:
    """Set (message id -> series id, kind) for placed covers and patches."""
    if not pairs:
        return
    table = _t(Message)
    if bulk.update_rows(
        session.connection(), table, {"series_id": "integer", "kind": "text"}, pairs
    ):
        return
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
    cols = [message_body().label("body") if c.name == "body" else c for c in m.c]
    cols = [c for c in cols if c.name != "raw_zstd"]
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
    if bulk.update_rows(
        session.connection(), table, {"series_id": "integer", "patch_id": "integer"}, rows
    ):
        return
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


def set_message_kind(*, session: Session, message_id: int, kind: str, series_id: int) -> None:
    """Re-label a message (a thread root recognised as a cover letter)."""
    m = _t(Message)
    session.connection().execute(
        update(m).where(m.c.id == message_id).values(kind=kind, series_id=series_id)
    )


def references_of(*, session: Session, msgids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """The stored References chains of these messages, in order."""
    m, r = _t(Message), _t(MessageRef)
    out: dict[str, list[str]] = {}
    for chunk in _chunks(list(msgids)):
        rows = session.connection().execute(
            select(m.c.msgid, r.c.ref_msgid)
            .join(r, r.c.message_id == m.c.id)
            .where(m.c.msgid.in_(chunk))
            .order_by(m.c.id, r.c.position)
        )
        for msgid, ref in rows:
            out.setdefault(msgid, []).append(ref)
    return {k: tuple(v) for k, v in out.items()}
