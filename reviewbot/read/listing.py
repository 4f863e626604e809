"""The home page's series list: filters, search and pagination, one page at a time.

Counts and apply results are read for the page's series only, so a page costs
the same on a list of ten series or of ten thousand.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from reviewbot.models import ApplyRun, Concern, PatchApply
from reviewbot.read.queries import PATCH, SERIES
from reviewbot.read.search import matching_series, parse_query

PAGE_SIZE = 25
STATES = ("new", "under-review", "changes-requested", "accepted", "superseded", "rejected")
CONCERN: Table = Concern.__table__  # type: ignore[attr-defined]
RUN: Table = ApplyRun.__table__  # type: ignore[attr-defined]
PATCH_APPLY: Table = PatchApply.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filters:
    """What the home page's form asks for."""

    q: str = ""
    state: str = ""
    submitter: str = ""
    month: str = ""  # YYYY-MM
    open_concerns: bool = False
    page: int = 1

    def params(self) -> dict[str, str]:
        """The filters as query parameters (pagination links keep them)."""
        out = {"q": self.q, "state": self.state, "submitter": self.submitter}
        out.update(month=self.month, open="1" if self.open_concerns else "")
        return {k: v for k, v in out.items() if v}


@dataclass(frozen=True)
class SeriesRow:
    """One line of the series list."""

    id: int
    title: str
    version_label: str
    submitter: str
    submitter_email: str
    date: datetime | None
    total: int
    patches: int
    missing: tuple[int, ...]
    state: str
    open_concerns: int | None  # None: not linked yet
    apply: str  # "", "applied", "conflict" ...


@dataclass(frozen=True)
class Listing:
    """One page of the series list."""

    rows: tuple[SeriesRow, ...]
    total: int
    page: int
    pages: int
    filters: Filters


def _month_range(month: str) -> tuple[datetime, datetime] | None:
    m = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    year, mon = int(m.group(1)), int(m.group(2))
    end = (
        datetime(year + 1, 1, 1, tzinfo=UTC)
        if mon == 12
        else datetime(year, mon + 1, 1, tzinfo=UTC)
    )
    return datetime(year, mon, 1, tzinfo=UTC), end


def _conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if f.state:
        conds.append(SERIES.c.state == f.state)
    if f.submitter:
        like = f"%{f.submitter}%"
        conds.append(or_(SERIES.c.submitter_email.like(like), SERIES.c.submitter_name.like(like)))
    if span := _month_range(f.month):
        conds.extend([SERIES.c.date >= span[0], SERIES.c.date < span[1]])
    if f.open_concerns:
        conds.append(SERIES.c.id.in_(select(CONCERN.c.series_id).where(CONCERN.c.status == "open")))
    query = parse_query(f.q)
    if not query.empty:
        conds.append(SERIES.c.id.in_(matching_series(session, query)))
    return conds


def list_page(session: Session, f: Filters) -> Listing:
    """The page of series `f` asks for, newest first."""
    conds = _conditions(session, f)
    conn = session.connection()
    total = conn.execute(select(func.count()).select_from(SERIES).where(*conds)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, f.page), pages)
    rows = conn.execute(
        select(SERIES)
        .where(*conds)
        .order_by(SERIES.c.date.desc(), SERIES.c.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    ids = [r.id for r in rows]
    counts = _patch_counts(session, ids)
    concerns = _open_concerns(session, ids)
    applied = _apply_status(session, ids)
    out = tuple(
        SeriesRow(
            id=r.id,
            title=r.title,
            version_label=r.version_label,
            submitter=r.submitter_name or r.submitter_email,
            submitter_email=r.submitter_email,
            date=r.date,
            total=r.total,
            patches=counts.get(r.id, 0),
            missing=tuple(json.loads(r.missing or "[]")),
            state=r.state,
            open_concerns=None if r.review_dirty else concerns.get(r.id, 0),
            apply=applied.get(r.id, ""),
        )
        for r in rows
    )
    return Listing(out, total, page, pages, f)


def _patch_counts(session: Session, ids: list[int]) -> dict[int, int]:
    stmt = (
        select(PATCH.c.series_id, func.count())
        .where(PATCH.c.series_id.in_(ids))
        .group_by(PATCH.c.series_id)
    )
    return {sid: n for sid, n in session.connection().execute(stmt)}


def _open_concerns(session: Session, ids: list[int]) -> dict[int, int]:
    stmt = (
        select(CONCERN.c.series_id, func.count())
        .where(CONCERN.c.series_id.in_(ids), CONCERN.c.status == "open")
        .group_by(CONCERN.c.series_id)
    )
    return {sid: n for sid, n in session.connection().execute(stmt)}


def _apply_status(session: Session, ids: list[int]) -> dict[int, str]:
    """Per series, the outcome of its newest apply run: "applied" or the worst status."""
    conn = session.connection()
    newest = conn.execute(
        select(RUN.c.series_id, func.max(RUN.c.id))
        .where(RUN.c.series_id.in_(ids))
        .group_by(RUN.c.series_id)
    ).all()
    run_series = {run: sid for sid, run in newest}
    statuses: dict[int, Counter[str]] = {}
    for run_id, status in conn.execute(
        select(PATCH_APPLY.c.run_id, PATCH_APPLY.c.status).where(
            PATCH_APPLY.c.run_id.in_(list(run_series))
        )
    ):
        statuses.setdefault(run_series[run_id], Counter())[status] += 1
    return {sid: _summary(c) for sid, c in statuses.items()}


def _summary(counts: Counter[str]) -> str:
    bad = [s for s in counts if s not in ("applied", "applied-with-offset")]
    return bad[0] if bad else "applied"


def filters_from(params: Any) -> Filters:
    """Filters from a request's query parameters, bad values ignored."""
    page = str(params.get("page", "1"))
    return Filters(
        q=str(params.get("q", ""))[:500],
        state=str(params.get("state", "")) if params.get("state") in STATES else "",
        submitter=str(params.get("submitter", ""))[:200],
        month=str(params.get("month", ""))[:7],
        open_concerns=params.get("open") in ("1", "on", "true"),
        page=int(page) if page.isdigit() else 1,
    )
