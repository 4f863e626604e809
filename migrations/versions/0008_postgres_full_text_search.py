"""PostgreSQL full-text search

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 21:00:00

PostgreSQL's counterpart of 0006's FTS5 index: a generated tsvector column
`message.search` over the subject and body, with a GIN index. The database
computes it on every insert and update, so no importer step keeps it current
and deletes need no trigger (SQLite indexes in bulk because FTS5 is slow row by
row; PostgreSQL's GIN index buffers new entries in its pending list).

The 'simple' configuration: no stemming and no stop words, so identifiers
match as typed (VIR_LOCK_GUARD is the phrase vir lock guard). translate()
blanks the punctuation PostgreSQL's parser keeps inside one token (paths, file
names, addresses, hyphenated words) where FTS5 splits, so a file name found
inside a path matches on both backends; reviewbot/search.py's PG_SPLIT must
stay equal to it. left() caps the text at 262,143 characters (1 MiB of UTF-8
at most): a tsvector's lexemes may not exceed 1 MiB, and an over-long message
must not fail its import; only the rare longer patch is indexed in part.

Neither column nor index is in SQLModel.metadata (INSERTs never name the
column); SQLite gets nothing here.
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_DOCUMENT = (
    "to_tsvector('simple'::regconfig, translate(left("
    "coalesce(subject, '') || ' ' || coalesce(body, ''), 262143), '/.@-', '    '))"
)


def upgrade() -> None:
    """Apply this migration."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS ({_DOCUMENT}) STORED"
    )
    op.execute("CREATE INDEX ix_message_search ON message USING gin (search)")


def downgrade() -> None:
    """Revert this migration."""
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_message_search")
    op.execute("ALTER TABLE message DROP COLUMN IF EXISTS search")
