"""The full-text index's writer: new messages go into SQLite's `message_fts` in bulk.

Migration 0006 made the index and its high-water mark (`message_fts_state`);
0015 made it read its text through the view `message_text`, which derives the
bodies not stored a second time. On PostgreSQL these are no-ops: its index is a
GIN index on a tsvector expression (migration 0015) kept current on every insert.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

_STATE = text("SELECT last_id FROM message_fts_state")
_TOP = text("SELECT coalesce(max(id), 0) FROM message")


def index_pending(*, session: Session) -> bool:
    """True when messages were stored since the index was last brought up to date."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    conn = session.connection()
    return bool(conn.execute(_TOP).scalar_one() > conn.execute(_STATE).scalar_one())


def index_messages(*, session: Session) -> int:
    """Add the messages stored since the last call to the full-text index; return how many.

    One INSERT ... SELECT of all new rows: FTS5 builds one segment for them,
    where row-by-row inserts would flush and merge at every commit.
    """
    if session.get_bind().dialect.name != "sqlite":
        return 0
    conn = session.connection()
    # a write first, so two importers finishing at once take turns here
    conn.execute(text("UPDATE message_fts_state SET last_id = last_id"))
    last, top = conn.execute(_STATE).scalar_one(), conn.execute(_TOP).scalar_one()
    if top <= last:
        return 0
    conn.execute(
        text(
            "INSERT INTO message_fts (rowid, subject, body) "
            "SELECT id, subject, body FROM message_text WHERE id > :last AND id <= :top"
        ),
        {"last": last, "top": top},
    )
    conn.execute(text("UPDATE message_fts_state SET last_id = :top"), {"top": top})
    return int(top - last)
