"""full-text search

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:10:00

An FTS5 index over message subjects and bodies (so over patch diffs too), for
the web UI's search box. External content: the text stays in `message` only.

New messages are indexed in bulk after each import (store.index_messages),
not by an insert trigger: row by row, FTS5 flushes and merges its segments at
every batch commit, which cost the 50,000-message import a fifth of its speed;
one INSERT ... SELECT of the new rows costs a few percent. `message_fts_state`
remembers the highest message id indexed. Deletes and subject/body updates of
indexed rows still go through triggers (they are rare). Both tables are SQLite
only and not in SQLModel.metadata; other dialects get nothing here (PostgreSQL
will have its own tsvector index).
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_INDEXED = "old.id <= (SELECT last_id FROM message_fts_state)"
_STATEMENTS = (
    "CREATE VIRTUAL TABLE message_fts USING fts5("
    "subject, body, content='message', content_rowid='id')",
    "CREATE TABLE message_fts_state (last_id INTEGER NOT NULL)",
    "INSERT INTO message_fts_state (last_id) SELECT coalesce(max(id), 0) FROM message",
    "INSERT INTO message_fts (rowid, subject, body) SELECT id, subject, body FROM message",
    f"CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN {_INDEXED} BEGIN "
    "INSERT INTO message_fts (message_fts, rowid, subject, body) "
    "VALUES ('delete', old.id, old.subject, old.body); END",
    f"CREATE TRIGGER message_fts_update AFTER UPDATE OF subject, body ON message "
    f"WHEN {_INDEXED} BEGIN "
    "INSERT INTO message_fts (message_fts, rowid, subject, body) "
    "VALUES ('delete', old.id, old.subject, old.body); "
    "INSERT INTO message_fts (rowid, subject, body) VALUES (new.id, new.subject, new.body); END",
)


def upgrade() -> None:
    """Apply this migration."""
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in _STATEMENTS:
        op.execute(statement)


def downgrade() -> None:
    """Revert this migration."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP TRIGGER IF EXISTS message_fts_delete")
    op.execute("DROP TRIGGER IF EXISTS message_fts_update")
    op.execute("DROP TABLE IF EXISTS message_fts_state")
    op.execute("DROP TABLE IF EXISTS message_fts")
