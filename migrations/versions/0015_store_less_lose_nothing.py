"""Store less, lose nothing: raw bytes compressed, each text stored once

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 08:00:00

`message.raw` becomes `message.raw_zstd`: the same bytes, zstd-compressed with the
mail dictionary (reviewbot/packed.py); every row is converted and read back
before the old column goes. A patch's commit message, diffstat and diff and a
hunk's text become slices of their message's body (`*_at`, `*_len`; the text
column is NULL then), kept as text only where the body does not hold them. On
SQLite a body that the raw bytes give back is not stored either (NULL), and
the FTS5 index reads its text through the view `message_text`, which derives it
(`reviewbot_body`, registered by reviewbot.db on every connection). On
PostgreSQL every body stays (TOAST compresses it) and the stored tsvector
column of 0008 gives way to a GIN index on the same expression: the index
alone holds the words.

The file of an SQLite database keeps its size until `VACUUM`: the freed pages
are reused by later imports.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from alembic import op
from sqlalchemy import Connection, text

from reviewbot.packed import derived_body, pack, slice_or_text, stored_body, unpack

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_BATCH = 2000
_SPANS = (("commit_message", "commit"), ("diffstat", "diffstat"), ("diff", "diff"))
# PostgreSQL: 0008's document, now an index expression; read/search.py's PG_DOCUMENT
_DOCUMENT = (
    "to_tsvector('simple'::regconfig, translate(left("
    "coalesce(subject, '') || ' ' || coalesce(body, ''), 262143), '/.@-', '    '))"
)
_FTS_BODY = "coalesce({row}.body, reviewbot_body({row}.raw_zstd))"
_INDEXED = "old.id <= (SELECT last_id FROM message_fts_state)"


def _batches(conn: Connection, query: str) -> Iterator[list[Any]]:
    """Rows of `query` (its first column the id, bound as :after) in id order, in batches."""
    after = 0
    while rows := conn.execute(text(query), {"after": after, "n": _BATCH}).all():
        yield rows
        after = rows[-1][0]


def _make_nullable(conn: Connection, table: str, column: str) -> None:
    """Drop a text column's NOT NULL (SQLite: a new column of the same name, refilled)."""
    if conn.dialect.name != "sqlite":
        op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL")
        return
    op.execute(f"ALTER TABLE {table} RENAME COLUMN {column} TO {column}_old")
    op.execute(f"ALTER TABLE {table} ADD COLUMN {column} TEXT")
    op.execute(f"UPDATE {table} SET {column} = {column}_old")
    op.execute(f"ALTER TABLE {table} DROP COLUMN {column}_old")


def _update(conn: Connection, statement: str, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(text(statement), rows)


def _slice_patches(conn: Connection) -> None:
    """Each patch text and hunk text becomes a slice of its message's body where it is one."""
    sets = ", ".join(f"{c} = :{c}, {s}_at = :{s}_at, {s}_len = :{s}_len" for c, s in _SPANS)
    query = (
        "SELECT patch.id, commit_message, diffstat, diff, message.body FROM patch"
        " JOIN message ON message.id = patch.message_id WHERE patch.id > :after"
        " ORDER BY patch.id LIMIT :n"
    )
    for rows in _batches(conn, query):
        values = []
        for row in rows:
            one: dict[str, Any] = {"id": row.id}
            for column, span in _SPANS:
                found = slice_or_text(row.body, getattr(row, column))
                one.update(zip((column, f"{span}_at", f"{span}_len"), found, strict=True))
            values.append(one)
        _update(conn, f"UPDATE patch SET {sets} WHERE id = :id", values)
    query = (
        "SELECT hunk.id, hunk.text, message.body FROM hunk JOIN patch ON patch.id = hunk.patch_id"
        " JOIN message ON message.id = patch.message_id WHERE hunk.id > :after"
        " ORDER BY hunk.id LIMIT :n"
    )
    for rows in _batches(conn, query):
        values = [
            dict(zip(("text", "at", "len"), slice_or_text(r.body, r.text), strict=True), id=r.id)
            for r in rows
        ]
        _update(
            conn,
            "UPDATE hunk SET text = :text, text_at = :at, text_len = :len WHERE id = :id",
            values,
        )


def _pack_messages(conn: Connection, body_of: Callable[[bytes, str], str | None]) -> None:
    """raw -> raw_zstd (checked by unpacking it again), and the body as `body_of` says."""
    query = "SELECT id, raw, body FROM message WHERE id > :after ORDER BY id LIMIT :n"
    for rows in _batches(conn, query):
        values = []
        for row in rows:
            raw = bytes(row.raw)
            packed = pack(raw)
            if unpack(packed) != raw:  # never drop a byte: stop before the old column goes
                raise RuntimeError(f"message {row.id}: its compressed bytes read back differently")
            values.append({"id": row.id, "z": packed, "body": body_of(raw, row.body)})
        _update(conn, "UPDATE message SET raw_zstd = :z, body = :body WHERE id = :id", values)


def _sqlite_fts(conn: Connection) -> None:
    """The FTS5 index over `message_text`, rebuilt from it, and its triggers anew."""
    for statement in (
        "DROP TRIGGER IF EXISTS message_fts_delete",
        "DROP TRIGGER IF EXISTS message_fts_update",
        "DROP TABLE IF EXISTS message_fts",
        "CREATE VIEW message_text AS SELECT id, subject, "
        f"{_FTS_BODY.format(row='message')} AS body FROM message",
        "CREATE VIRTUAL TABLE message_fts USING fts5("
        "subject, body, content='message_text', content_rowid='id')",
        "INSERT INTO message_fts (rowid, subject, body) SELECT id, subject, body FROM message_text"
        " WHERE id <= (SELECT last_id FROM message_fts_state)",
        f"CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN {_INDEXED} BEGIN "
        "INSERT INTO message_fts (message_fts, rowid, subject, body) VALUES "
        f"('delete', old.id, old.subject, {_FTS_BODY.format(row='old')}); END",
        "CREATE TRIGGER message_fts_update AFTER UPDATE OF subject, body, raw_zstd ON message "
        f"WHEN {_INDEXED} BEGIN "
        "INSERT INTO message_fts (message_fts, rowid, subject, body) VALUES "
        f"('delete', old.id, old.subject, {_FTS_BODY.format(row='old')}); "
        "INSERT INTO message_fts (rowid, subject, body) VALUES "
        f"(new.id, new.subject, {_FTS_BODY.format(row='new')}); END",
    ):
        conn.execute(text(statement))


def upgrade() -> None:
    """Apply this migration."""
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:  # the old triggers name the columns about to change
        op.execute("DROP TRIGGER IF EXISTS message_fts_delete")
        op.execute("DROP TRIGGER IF EXISTS message_fts_update")
    else:
        op.execute("DROP INDEX IF EXISTS ix_message_search")
        op.execute("ALTER TABLE message DROP COLUMN IF EXISTS search")
    op.execute(
        "ALTER TABLE message ADD COLUMN raw_zstd BYTEA"
        if not sqlite
        else "ALTER TABLE message ADD COLUMN raw_zstd BLOB"
    )
    for column, span in _SPANS:
        op.execute(f"ALTER TABLE patch ADD COLUMN {span}_at INTEGER")
        op.execute(f"ALTER TABLE patch ADD COLUMN {span}_len INTEGER")
        _make_nullable(conn, "patch", column)
    op.execute("ALTER TABLE hunk ADD COLUMN text_at INTEGER")
    op.execute("ALTER TABLE hunk ADD COLUMN text_len INTEGER")
    _make_nullable(conn, "hunk", "text")
    _make_nullable(conn, "message", "body")
    _slice_patches(conn)  # while every body is still stored
    _pack_messages(conn, stored_body if sqlite else lambda _raw, body: body)
    if sqlite:
        # SQLite cannot add NOT NULL to a column: raw_zstd is filled for every row
        # here and by every insert (models.Message)
        op.execute("ALTER TABLE message DROP COLUMN raw")
        _sqlite_fts(conn)
    else:
        op.execute("ALTER TABLE message ALTER COLUMN raw_zstd SET NOT NULL")
        op.execute("ALTER TABLE message DROP COLUMN raw")
        op.execute(f"CREATE INDEX ix_message_search ON message USING gin (({_DOCUMENT}))")


def _unpack_messages(conn: Connection) -> None:
    """raw_zstd -> raw, and every body stored again (derived ones written out)."""
    query = "SELECT id, raw_zstd, body FROM message WHERE id > :after ORDER BY id LIMIT :n"
    for rows in _batches(conn, query):
        values = []
        for row in rows:
            raw = unpack(bytes(row.raw_zstd))
            body = row.body if row.body is not None else derived_body(raw)
            values.append({"id": row.id, "raw": raw, "body": body or ""})
        _update(conn, "UPDATE message SET raw = :raw, body = :body WHERE id = :id", values)


def _unslice_patches(conn: Connection) -> None:
    """Each text stored as a slice of its message's body is stored in full again."""
    patch = "FROM message m WHERE m.id = patch.message_id"
    hunk = "FROM patch p JOIN message m ON m.id = p.message_id WHERE p.id = hunk.patch_id"
    for table, column, span, source in (
        *(("patch", c, s, patch) for c, s in _SPANS),
        ("hunk", "text", "text", hunk),
    ):
        op.execute(
            f"UPDATE {table} SET {column} = coalesce({column}, (SELECT substr(m.body,"
            f" {table}.{span}_at + 1, {table}.{span}_len) {source}), '')"
        )
        op.execute(f"ALTER TABLE {table} DROP COLUMN {span}_at")
        op.execute(f"ALTER TABLE {table} DROP COLUMN {span}_len")
        if conn.dialect.name != "sqlite":  # SQLite keeps it nullable: every row is filled
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL")


def downgrade() -> None:
    """Revert this migration: raw bytes and every text stored in full again (on SQLite
    the text columns stay nullable, every row filled)."""
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        for statement in (
            "DROP TRIGGER IF EXISTS message_fts_delete",
            "DROP TRIGGER IF EXISTS message_fts_update",
            "DROP TABLE IF EXISTS message_fts",
            "DROP VIEW IF EXISTS message_text",
            "ALTER TABLE message ADD COLUMN raw BLOB NOT NULL DEFAULT x''",
        ):
            op.execute(statement)
    else:
        op.execute("DROP INDEX IF EXISTS ix_message_search")
        op.execute("ALTER TABLE message ADD COLUMN raw BYTEA")
    _unpack_messages(conn)
    _unslice_patches(conn)
    op.execute("ALTER TABLE message DROP COLUMN raw_zstd")
    if sqlite:
        _sqlite_fts_0006(conn)
        return
    op.execute("ALTER TABLE message ALTER COLUMN raw SET NOT NULL")
    op.execute("ALTER TABLE message ALTER COLUMN body SET NOT NULL")
    op.execute(
        f"ALTER TABLE message ADD COLUMN search tsvector GENERATED ALWAYS AS ({_DOCUMENT}) STORED"
    )
    op.execute("CREATE INDEX ix_message_search ON message USING gin (search)")


def _sqlite_fts_0006(conn: Connection) -> None:
    """The FTS5 index as 0006 made it, over the message table, and its triggers."""
    for statement in (
        "CREATE VIRTUAL TABLE message_fts USING fts5("
        "subject, body, content='message', content_rowid='id')",
        "INSERT INTO message_fts (rowid, subject, body) SELECT id, subject, body FROM message"
        " WHERE id <= (SELECT last_id FROM message_fts_state)",
        f"CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN {_INDEXED} BEGIN "
        "INSERT INTO message_fts (message_fts, rowid, subject, body) "
        "VALUES ('delete', old.id, old.subject, old.body); END",
        f"CREATE TRIGGER message_fts_update AFTER UPDATE OF subject, body ON message "
        f"WHEN {_INDEXED} BEGIN "
        "INSERT INTO message_fts (message_fts, rowid, subject, body) "
        "VALUES ('delete', old.id, old.subject, old.body); "
        "INSERT INTO message_fts (rowid, subject, body) VALUES (new.id, new.subject, new.body);"
        " END",
    ):
        conn.execute(text(statement))
