"""How read/ runs a statement: Core rows on the session's connection, no ORM objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Executable, Select, func, select
from sqlmodel import Session

from reviewbot.read.filters import Page


def rows(session: Session, stmt: Executable, **params: Any) -> list[Any]:
    """Every row of a statement (bound `params` for statements built once)."""
    return list(session.connection().execute(stmt, params or None).all())


def first(session: Session, stmt: Executable, **params: Any) -> Any | None:
    """The first row of a statement, or None."""
    return session.connection().execute(stmt, params or None).first()


def page_rows(
    session: Session, stmt: Select[Any], page: Page, count: Select[Any] | None = None
) -> tuple[list[Any], int]:
    """The rows of one page of `stmt` and how many it has in all (`count` when given)."""
    conn = session.connection()
    if count is None:
        count = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = int(conn.execute(count).scalar_one())
    return list(conn.execute(stmt.limit(page.per_page).offset(page.offset)).all()), total


def page_ids(session: Session, stmt: Select[Any], page: Page) -> tuple[list[Any], int]:
    """`page_rows` in one statement, for a slim `stmt` (ids): the total comes with each
    row as a window count, so a costly condition (a full-text match) runs once. A page
    past the end has no row to carry it: then the total is counted apart."""
    counted = stmt.add_columns(func.count().over().label("_total"))
    found = list(session.connection().execute(counted.limit(page.per_page).offset(page.offset)))
    if found:
        return found, int(found[0]._total)
    if not page.offset:
        return [], 0
    count = select(func.count()).select_from(stmt.order_by(None).subquery())
    return [], int(session.connection().execute(count).scalar_one())
