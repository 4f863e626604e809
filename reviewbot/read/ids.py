"""What one number names: a series, a patch, a concern (the CLI's "did you mean")."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.models import CONCERN, MESSAGE, PATCH, SERIES
from reviewbot.read.sql import first


@dataclass(frozen=True)
class Named:
    """The rows that have this number as their id, in each kind of id."""

    number: int
    series: bool
    series_msgid: str | None  # its cover letter, else its first patch
    patch_series: int | None  # patch N exists: the series it is in
    patch_msgid: str | None
    concern: bool


def what_number_names(session: Session, number: int) -> Named:
    """Series `number`, patch `number` and concern `number`, where they exist."""
    series = first(session, select(SERIES.c.id, SERIES.c.cover_id).where(SERIES.c.id == number))
    patch = first(
        session,
        select(PATCH.c.series_id, MESSAGE.c.msgid)
        .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        .where(PATCH.c.id == number),
    )
    concern = first(session, select(CONCERN.c.id).where(CONCERN.c.id == number))
    return Named(
        number=number,
        series=series is not None,
        series_msgid=_first_msgid(session, number, series.cover_id) if series else None,
        patch_series=patch.series_id if patch else None,
        patch_msgid=patch.msgid if patch else None,
        concern=concern is not None,
    )


def _first_msgid(session: Session, series_id: int, cover_id: int | None) -> str | None:
    """Where a series' thread starts: its cover letter, else its lowest-numbered patch."""
    if cover_id is not None:
        stmt = select(MESSAGE.c.msgid).where(MESSAGE.c.id == cover_id)
    else:
        stmt = (
            select(MESSAGE.c.msgid)
            .join(PATCH, PATCH.c.message_id == MESSAGE.c.id)
            .where(PATCH.c.series_id == series_id)
            .order_by(PATCH.c.number, PATCH.c.id)
            .limit(1)
        )
    row = first(session, stmt)
    return row.msgid if row else None
