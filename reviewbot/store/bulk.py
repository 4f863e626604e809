"""PostgreSQL's bulk path: rows go in with COPY instead of multi-row INSERTs.

A multi-row INSERT of a 500-message batch is one statement with tens of
thousands of parameters, which psycopg must split and bind and the server must
parse; COPY streams the same rows as data. Ids that later rows need (a patch's
for its files, a file's for its hunks) are taken from the table's sequence
first, in order, so the rows get the ids the INSERT would have given them.
Messages go through a temporary table and one INSERT ... SELECT ... ON CONFLICT
DO NOTHING: another importer may have stored the same Message-ID meanwhile.
Updates of many rows (a batch's placements) are one UPDATE ... FROM a COPY'd
temporary table instead of one statement per row.

SQLite, small batches and engines made with `execution_options(reviewbot_copy=
False)` (the tests' reference path) take the plain statements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, text

_SMALL = 8  # fewer rows than this: one INSERT costs less than a COPY's round trips


def _driver(conn: Connection, rows: int) -> Any:
    """The psycopg connection to COPY through, or None for the plain statements."""
    if rows < _SMALL or conn.dialect.name != "postgresql":
        return None
    if not conn.get_execution_options().get("reviewbot_copy", True):
        return None
    return conn.connection.driver_connection


def _quoted(names: Sequence[str]) -> str:
    return ", ".join(f'"{n}"' for n in names)


def _complete(table: Table, rows: Sequence[Mapping[str, object]]) -> tuple[list[str], list[Any]]:
    """Column names and value tuples, with the Python-side defaults INSERT would add."""
    given = list(rows[0])
    defaults = {
        c.name: c.default.arg  # type: ignore[attr-defined]
        for c in table.c
        if c.name not in given and c.default is not None and c.default.is_scalar
    }
    names = given + list(defaults)
    fill = tuple(defaults.values())
    return names, [tuple(r[n] for n in given) + fill for r in rows]


def _copy(driver: Any, target: str, names: Sequence[str], values: Sequence[Any]) -> None:
    with driver.cursor() as cur, cur.copy(f"COPY {target} ({_quoted(names)}) FROM STDIN") as copy:
        for row in values:
            copy.write_row(row)


def _next_ids(driver: Any, table: Table, count: int) -> list[int]:
    """`count` ids from the table's sequence, in the order INSERT would take them."""
    with driver.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            (table.name, count),
        )
        return [r[0] for r in cur.fetchall()]


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, object]]) -> None:
    """Insert rows (all with the same keys)."""
    if not rows:
        return
    driver = _driver(conn, len(rows))
    if driver is None:
        conn.execute(insert(table), list(rows))
        return
    names, values = _complete(table, rows)
    _copy(driver, table.name, names, values)


def insert_returning_ids(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, object]]
) -> list[int] | None:
    """Insert rows with ids taken from the sequence first; their ids in order, or None
    when the plain path must do it."""
    driver = _driver(conn, len(rows))
    if driver is None:
        return None
    ids = _next_ids(driver, table, len(rows))
    names, values = _complete(table, rows)
    _copy(driver, table.name, ["id", *names], [(i, *v) for i, v in zip(ids, values, strict=True)])
    return ids


def insert_new(
    conn: Connection, table: Table, key: str, rows: Sequence[Mapping[str, object]]
) -> dict[str, int] | None:
    """Insert the rows whose `key` is not stored yet; key -> id of those inserted, or
    None when the plain path must do it."""
    driver = _driver(conn, len(rows))
    if driver is None:
        return None
    ids = _next_ids(driver, table, len(rows))
    names, values = _complete(table, rows)
    scratch = _scratch(conn, table)
    columns = ["id", *names]
    _copy(driver, scratch, columns, [(i, *v) for i, v in zip(ids, values, strict=True)])
    found = conn.execute(
        text(
            f"INSERT INTO {table.name} ({_quoted(columns)}) SELECT {_quoted(columns)} FROM "
            f'{scratch} ORDER BY id ON CONFLICT ("{key}") DO NOTHING RETURNING "{key}", id'
        )
    )
    out = {k: i for k, i in found}
    conn.execute(text(f"TRUNCATE {scratch}"))
    return out


def update_rows(
    conn: Connection, table: Table, values: Mapping[str, str], rows: Sequence[Sequence[object]]
) -> bool:
    """UPDATE table SET column = value ... WHERE id = the first of each row, for many rows
    at once: `values` names, for the row's other items in order, the column each sets
    (and its SQL type). False when the plain path must do it."""
    driver = _driver(conn, len(rows))
    if driver is None:
        return False
    scratch = f"{table.name}_set_{'_'.join(values)}"
    defined = ", ".join(f'"{c}" {kind}' for c, kind in values.items())
    conn.execute(
        text(f"CREATE TEMP TABLE IF NOT EXISTS {scratch} (id integer, {defined}) ON COMMIT DROP")
    )
    _copy(driver, scratch, ["id", *values], rows)
    sets = ", ".join(f'"{c}" = s."{c}"' for c in values)
    conn.execute(text(f"UPDATE {table.name} t SET {sets} FROM {scratch} s WHERE t.id = s.id"))
    conn.execute(text(f"DROP TABLE {scratch}"))
    return True


def _scratch(conn: Connection, table: Table) -> str:
    """A temporary table shaped like `table`, empty, for this transaction."""
    name = f"{table.name}_incoming"
    conn.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} (LIKE {table.name} INCLUDING DEFAULTS)"
            " ON COMMIT DROP"
        )
    )
    return name
