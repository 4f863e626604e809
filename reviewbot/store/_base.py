"""Helpers every store module shares."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session

from reviewbot.store import bulk

_CHUNK = 500  # stays under SQLite's bound-parameter limit in IN (...) lists
_PLACED = ("cover", "patch")


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_returning_ids(
    session: Session, table: Table, rows: Sequence[Mapping[str, object]]
) -> list[int]:
    """Insert rows (column -> value, as SQLAlchemy takes them); their ids in order."""
    if not rows:
        return []
    copied = bulk.insert_returning_ids(session.connection(), table, rows)
    if copied is not None:
        return copied
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [r[0] for r in session.connection().execute(stmt, rows)]


def insert_ignoring(session: Session, table: Table, keys: list[str]) -> Any:
    """An INSERT that skips rows whose unique `keys` already exist (SQLite, PostgreSQL)."""
    dialect = session.connection().dialect.name
    if dialect == "postgresql":
        return pg_insert(table).on_conflict_do_nothing(index_elements=keys)
    if dialect == "sqlite":
        return sqlite_insert(table).on_conflict_do_nothing(index_elements=keys)
    return insert(table)
