"""`reviewbot db migrate`: copy an SQLite database into PostgreSQL.

The target's schema comes from the same Alembic migrations (on open), then
every table is copied in foreign-key order, in batches, inside one target
transaction: a failure leaves the target as empty as it was. Ids are kept, so
links and URLs stay valid; the id sequences are then moved past the copied
rows. Row counts are compared table by table before committing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, bindparam, func, select, text, update
from sqlmodel import SQLModel

import reviewbot.models  # noqa: F401  (registers the tables)
from reviewbot.db import open_engine
from reviewbot.errors import DatabaseError, InputError
from reviewbot.models import MESSAGE
from reviewbot.texts import message_body

BATCH = 1000
_SQLITE_MAGIC = b"SQLite format 3\x00"


def copy_sqlite_to_postgres(
    source: Path, target_url: str, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy every row of the SQLite file `source` into the empty database at `target_url`.

    Returns the number of rows per table. The source is first brought to the
    current schema, like any database reviewbot opens.
    """
    _check_source(source)
    if not target_url.startswith(("postgresql:", "postgresql+")):
        raise InputError(f"{target_url!r}: the target must be a postgresql:// URL")
    src = open_engine(f"sqlite:///{source.resolve()}")
    dst = open_engine(target_url)
    counts: dict[str, int] = {}
    try:
        with src.connect() as reader, dst.begin() as writer:
            _check_empty(writer)
            for table in SQLModel.metadata.sorted_tables:
                counts[table.name] = _copy_table(reader, writer, table, progress)
                _reset_sequence(writer, table)
            _verify(reader, writer)
    finally:
        src.dispose()
        dst.dispose()
    return counts


def _check_source(source: Path) -> None:
    if not source.is_file():
        raise InputError(f"{source}: no such file")
    with source.open("rb") as f:
        if f.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise InputError(f"{source}: not an SQLite database")


def _check_empty(conn: Connection) -> None:
    for table in SQLModel.metadata.sorted_tables:
        if conn.execute(select(func.count()).select_from(table)).scalar_one():
            raise DatabaseError(f"the target already holds data (table {table.name})")


def _copy_table(
    reader: Connection,
    writer: Connection,
    table: Table,
    progress: Callable[[str, int], None] | None,
) -> int:
    """Copy one table; columns pointing into the same table are set in a second pass.

    A series may name a newer series as its previous version, and PostgreSQL
    checks each foreign key per row; the second pass sees every row inserted.
    """
    own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    later: list[dict[str, Any]] = []
    copied = 0
    result = reader.execution_options(yield_per=BATCH).execute(
        select(*_source_columns(table)).order_by(*table.primary_key.columns)
    )
    for rows in result.partitions():
        batch = [dict(row._mapping) for row in rows]
        later.extend({"_id": r["id"], **{c: r[c] for c in own}} for r in batch if _any(r, own))
        writer.execute(table.insert(), [{**r, **dict.fromkeys(own)} for r in batch])
        copied += len(batch)
        if progress:
            progress(table.name, len(batch))
    if later:
        stmt = update(table).where(table.c.id == bindparam("_id"))
        writer.execute(stmt.values({c: bindparam(c) for c in own}), later)
    return copied


def _source_columns(table: Table) -> list[Any]:
    """What to read of a table: a message's body in full, as PostgreSQL keeps every body
    (the SQLite file leaves out those its raw bytes give back)."""
    if table is not MESSAGE:
        return list(table.c)
    return [message_body().label("body") if c.name == "body" else c for c in table.c]


def _any(row: dict[str, Any], columns: list[str]) -> bool:
    return any(row[c] is not None for c in columns)


def _reset_sequence(conn: Connection, table: Table) -> None:
    """Move the id sequence past the copied ids: the next insert must not collide."""
    if "id" not in table.c:
        return
    conn.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
            f"coalesce((SELECT max(id) FROM {table.name}), 0) + 1, false)"
        )
    )


def _verify(reader: Connection, writer: Connection) -> None:
    """Every table of the target holds as many rows as the source's."""
    for table in SQLModel.metadata.sorted_tables:
        stmt = select(func.count()).select_from(table)
        want, found = reader.execute(stmt).scalar_one(), writer.execute(stmt).scalar_one()
        if found != want:
            raise DatabaseError(f"table {table.name}: the source has {want} rows, the copy {found}")
