"""Query parameters the lists share, read into read.filters.Filters."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query
from fastapi.exceptions import RequestValidationError

from reviewbot.read.filters import Filters

MAX_ID = 2**63 - 1  # SQLite's integer range: larger ids are 422, not an OverflowError
TEXT = 500  # the longest filter text accepted


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
        submitter=submitter or None,
        series=series,
        msgid=msgid.strip().strip("<>") if msgid else None,
        since=aware(since),
        before=aware(before),
        q=q or None,
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
