"""Helpers every store module shares."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlmodel import Session

_CHUNK = 500


_PLACED = ("cover", "patch")  # stays under SQLite's bound-parameter limit in IN (...) lists


def _t(model: Any) -> Table:
    return model.__table__  # type: ignore[no-any-return]


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _insert_returning_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    if not rows:
        return []
    stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [r[0] for r in session.connection().execute(stmt, rows)]
