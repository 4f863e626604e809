"""A concern's quote and evidence packed together; a hunk's section from its header, a
patch's subject from its message; two indexes that others cover go

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 12:00:00

`concern.quoted` (the quoted lines a comment answers, up to 20) and
`concern.evidence` (why it is anchored where it is, which repeats the last
quoted line and the hunk's header) were the largest texts left stored in full:
2.1 MB of a 33 MB database on the 10k benchmark corpus. They become one column,
`context_zstd`: both texts in one zstd frame made with the mail dictionary
(packed.pack_texts), 0.84 MB there; each row is converted and read back before
the old columns go.

`hunk.section` (the function after a hunk header's closing "@@") is what the
header already holds: it becomes NULL wherever the header gives it back
exactly (packed.derived_section; texts.HUNK_SECTION reads it back in SQL), 0.45
MB there. `patch.subject` is its message's subject, always: NULL wherever it is
(texts.patch_columns reads the message's), 0.45 MB there.

`ix_concern_reply_id` and `ix_messageref_message_id` index the first column of
a unique index on (reply_id, position) and (message_id, position): that one
serves every lookup they served.

The file of an SQLite database keeps its size until `VACUUM`: the freed pages
are reused by later imports.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from alembic import op
from sqlalchemy import Connection, text

from reviewbot.packed import pack_texts, unpack_texts

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_BATCH = 2000
# (index, table, column): each the first column of the table's unique index
_COVERED = (
    ("ix_concern_reply_id", "concern", "reply_id"),
    ("ix_messageref_message_id", "messageref", "message_id"),
)


def _batches(conn: Connection, query: str) -> Iterator[list[Any]]:
    """Rows of `query` (its first column the id, bound as :after) in id order, in batches."""
    after = 0
    while rows := conn.execute(text(query), {"after": after, "n": _BATCH}).all():
        yield rows
        after = rows[-1][0]


def _pack_concerns(conn: Connection) -> None:
    """quoted, evidence -> context_zstd, each checked by unpacking it again."""
    query = "SELECT id, quoted, evidence FROM concern WHERE id > :after ORDER BY id LIMIT :n"
    for rows in _batches(conn, query):
        values = []
        for row in rows:
            texts = (row.quoted or "", row.evidence or "")
            packed = pack_texts(*texts)
            if unpack_texts(packed) != texts:  # lose nothing: stop before the old columns go
                raise RuntimeError(f"concern {row.id}: its packed texts read back differently")
            values.append({"id": row.id, "z": packed})
        conn.execute(text("UPDATE concern SET context_zstd = :z WHERE id = :id"), values)


def _derived_section(conn: Connection) -> str:
    """packed.derived_section of hunk.header in SQL (texts.HUNK_SECTION), as of 0017."""
    find = "instr" if conn.dialect.name == "sqlite" else "strpos"
    return f"trim(substr(header, {find}(substr(header, 3), '@@') + 4), ' ')"


_PATCH_SUBJECT = "(SELECT m.subject FROM message m WHERE m.id = patch.message_id)"


def _make_nullable(conn: Connection, table: str, column: str) -> None:
    """Drop a VARCHAR column's NOT NULL (SQLite: a new column of the same name, refilled)."""
    if conn.dialect.name != "sqlite":
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")
        return
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {column}_old")
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column} VARCHAR")
    op.execute(f"UPDATE {table} SET {column} = {column}_old")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}_old")


def _derive_texts(conn: Connection) -> None:
    """hunk.section and patch.subject NULL wherever the header or the message gives them."""
    _make_nullable(conn, "hunk", "section")
    op.execute(f"UPDATE hunk SET section = NULL WHERE section = {_derived_section(conn)}")
    _make_nullable(conn, "patch", "subject")
    op.execute(f"UPDATE patch SET subject = NULL WHERE subject = {_PATCH_SUBJECT}")


def upgrade() -> None:
    """Apply this migration."""
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    _derive_texts(conn)
    op.execute(f"ALTER TABLE concern ADD COLUMN context_zstd {'BLOB' if sqlite else 'BYTEA'}")
    _pack_concerns(conn)
    if not sqlite:  # SQLite cannot add NOT NULL to a column: every row and insert fills it
        op.execute("ALTER TABLE concern ALTER COLUMN context_zstd SET NOT NULL")
    op.execute("ALTER TABLE concern DROP COLUMN quoted")
    op.execute("ALTER TABLE concern DROP COLUMN evidence")
    for index, table, _column in _COVERED:
        op.drop_index(index, table_name=table)


def _unpack_concerns(conn: Connection) -> None:
    """context_zstd -> quoted, evidence."""
    query = "SELECT id, context_zstd FROM concern WHERE id > :after ORDER BY id LIMIT :n"
    for rows in _batches(conn, query):
        values = []
        for row in rows:
            quoted, evidence = unpack_texts(bytes(row.context_zstd))
            values.append({"id": row.id, "quoted": quoted, "evidence": evidence})
        conn.execute(
            text("UPDATE concern SET quoted = :quoted, evidence = :evidence WHERE id = :id"),
            values,
        )


def downgrade() -> None:
    """Revert this migration: every text stored in full again, the indexes back (on
    SQLite hunk.section and patch.subject stay nullable, every row filled)."""
    conn = op.get_bind()
    op.execute(f"UPDATE hunk SET section = {_derived_section(conn)} WHERE section IS NULL")
    op.execute(f"UPDATE patch SET subject = {_PATCH_SUBJECT} WHERE subject IS NULL")
    if conn.dialect.name != "sqlite":
        op.execute("ALTER TABLE hunk ALTER COLUMN section SET NOT NULL")
        op.execute("ALTER TABLE patch ALTER COLUMN subject SET NOT NULL")
    op.execute("ALTER TABLE concern ADD COLUMN quoted TEXT NOT NULL DEFAULT ''")
    op.execute("ALTER TABLE concern ADD COLUMN evidence VARCHAR NOT NULL DEFAULT ''")
    _unpack_concerns(conn)
    op.execute("ALTER TABLE concern DROP COLUMN context_zstd")
    for index, table, column in _COVERED:
        op.create_index(index, table, [column], unique=False)
