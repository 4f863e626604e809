"""The scraper's bookkeeping: months read and URLs that failed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlmodel import Session

from reviewbot.models import (
    ScrapeError,
    ScrapeMonth,
)
from reviewbot.store._base import _chunks, _t


def month_complete(*, session: Session, archive_url: str, name: str) -> bool:
    """Whether a month of an archive was read completely before."""
    m = _t(ScrapeMonth)
    row = (
        session.connection()
        .execute(select(m.c.complete).where(m.c.archive_url == archive_url, m.c.name == name))
        .first()
    )
    return bool(row and row[0])


@dataclass(frozen=True)
class MonthState:
    """How far a month of an archive was read, and when."""

    complete: bool
    scraped_at: datetime | None
    resume_from: str | None  # HyperKitty: YYYY-MM-DD of the newest mail read


def month_states(*, session: Session, archive_url: str) -> dict[str, MonthState]:
    """What the last read of each month of an archive left, by month name."""
    m = _t(ScrapeMonth)
    stmt = select(m.c.name, m.c.complete, m.c.scraped_at, m.c.resume_from).where(
        m.c.archive_url == archive_url
    )
    return {
        r.name: MonthState(bool(r.complete), r.scraped_at, r.resume_from)
        for r in session.connection().execute(stmt)
    }


def save_month(
    *,
    session: Session,
    archive_url: str,
    name: str,
    complete: bool,
    pages: int,
    resume_from: str | None = None,
) -> None:
    """Record how far a month was read."""
    m = _t(ScrapeMonth)
    conn = session.connection()
    values = {
        "complete": complete,
        "pages": pages,
        "scraped_at": datetime.now(UTC),
        "resume_from": resume_from,
    }
    done = conn.execute(
        update(m).where(m.c.archive_url == archive_url, m.c.name == name).values(**values)
    )
    if not done.rowcount:
        conn.execute(insert(m).values(archive_url=archive_url, name=name, **values))


def record_scrape_error(*, session: Session, url: str, month: str, error: str) -> None:
    """Keep a failed URL for a later retry (counting attempts)."""
    e = _t(ScrapeError)
    conn = session.connection()
    now = datetime.now(UTC)
    done = conn.execute(
        update(e)
        .where(e.c.url == url)
        .values(error=error, month=month, last_seen=now, resolved=False, attempts=e.c.attempts + 1)
    )
    if not done.rowcount:
        conn.execute(
            insert(e).values(url=url, month=month, error=error, first_seen=now, last_seen=now)
        )


def resolve_scrape_errors(*, session: Session, urls: Sequence[str]) -> None:
    """Mark URLs that were read successfully after failing before."""
    e = _t(ScrapeError)
    for chunk in _chunks(list(urls)):
        session.connection().execute(update(e).where(e.c.url.in_(chunk)).values(resolved=True))


def resolve_month_errors(*, session: Session, url_prefix: str, month: str) -> None:
    """Mark every failed URL of a month under url_prefix resolved (the month was read)."""
    e = _t(ScrapeError)
    # the export URLs of a month change with the day a read starts from: by month
    session.connection().execute(
        update(e)
        .where(
            e.c.month == month,
            e.c.url.startswith(url_prefix, autoescape=True),
            e.c.resolved.is_(False),
        )
        .values(resolved=True)
    )


def open_scrape_errors(*, session: Session) -> list[Any]:
    """Failed URLs still waiting for a successful retry."""
    e = _t(ScrapeError)
    stmt = select(e).where(e.c.resolved.is_(False)).order_by(e.c.id)
    return list(session.connection().execute(stmt))
