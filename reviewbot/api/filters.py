"""Query parameters the lists share, and the SQL conditions they turn into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Query
from fastapi.exceptions import RequestValidationError
from sqlalchemy import ColumnElement, or_

MAX_ID = 2**63 - 1  # SQLite's integer range: larger ids are 422, not an OverflowError
TEXT = 500  # the longest filter text accepted


@dataclass(frozen=True)
class Filters:
    """Filters most lists take; each list applies the ones that name its columns."""

    submitter: str | None
    series: int | None
    msgid: str | None
    since: datetime | None
    before: datetime | None
    q: str | None


def common_filters(
    submitter: Annotated[
        str | None,
        Query(max_length=TEXT, description="An address (exact) or part of a name."),
    ] = None,
    series: Annotated[int | None, Query(ge=1, le=MAX_ID, description="A series id.")] = None,
    msgid: Annotated[
        str | None, Query(max_length=TEXT, description="A Message-ID, with or without <>.")
    ] = None,
    since: Annotated[
        datetime | None, Query(description="On or after this time (ISO 8601; UTC if no zone).")
    ] = None,
    before: Annotated[datetime | None, Query(description="Strictly before this time.")] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=TEXT,
            description="Words in subjects and bodies, every one required (full-text; "
            "`word*` is a prefix, `file:PATH` a path the patches touch); on concerns, "
            "part of the concern's text.",
        ),
    ] = None,
) -> Filters:
    """The submitter, series, msgid, since, before and q parameters."""
    return Filters(
        submitter or None,
        series,
        msgid.strip().strip("<>") if msgid else None,
        aware(since),
        aware(before),
        q or None,
    )


def aware(value: datetime | None) -> datetime | None:
    """A time in UTC (the database's datetime columns refuse naive ones); 422 for a
    time with a zone that puts it outside years 1-9999 in UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise RequestValidationError(
            [
                {
                    "type": "value_error",
                    "loc": ("query",),
                    "msg": f"{value.isoformat()} is out of range in UTC",
                    "input": value.isoformat(),
                }
            ]
        ) from None


def like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_match(q: str, *columns: Any) -> ColumnElement[bool]:
    """Any of the columns contains `q` (LIKE: names, addresses and concern texts).

    Subjects and bodies are searched with the full-text index instead
    (reviewbot.read.search); these short columns have none.
    """
    pattern = like(q)
    return or_(*(c.like(pattern, escape="\\") for c in columns))


def person_match(value: str, name_col: Any, email_col: Any) -> ColumnElement[bool]:
    """An address matches exactly (any case); anything else is part of a name."""
    if "@" in value:
        return email_col == value.strip().strip("<>").lower()
    return name_col.like(like(value), escape="\\")


def time_range(f: Filters, column: Any) -> list[ColumnElement[bool]]:
    """since <= column < before."""
    conds = []
    if f.since is not None:
        conds.append(column >= f.since)
    if f.before is not None:
        conds.append(column < f.before)
    return conds


def path_match(path: str, old_col: Any, new_col: Any) -> ColumnElement[bool]:
    """A file by its path, or every file under a directory given with a trailing /."""
    if path.endswith("/"):
        pattern = like(path)[1:]  # a prefix: no leading %
        return or_(old_col.like(pattern, escape="\\"), new_col.like(pattern, escape="\\"))
    return or_(old_col == path, new_col == path)
