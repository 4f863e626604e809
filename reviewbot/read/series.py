"""Series: the filtered list, and one series with its patches, trailers, replies and last apply."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import FILE, MESSAGE, PATCH, SERIES
from reviewbot.read.apply import ApplyRunInfo, last_run
from reviewbot.read.concerns import has_open
from reviewbot.read.filters import Filters, Page, Paged, paged, path_match, person_match, time_range
from reviewbot.read.patches import PatchDetail, patches_of_series
from reviewbot.read.people import person
from reviewbot.read.search import matching_series, parse_query
from reviewbot.read.sql import page_ids, page_rows, rows
from reviewbot.read.trailers import SeriesTrailers, series_trailers
from reviewbot.read.upstream import UpstreamEntry, in_tree, upstream_of_series


@dataclass(frozen=True)
class SeriesSummary:
    """One version of a patch series, as lists show it."""

    id: int
    title: str
    version: int
    version_label: str
    total: int
    submitter_name: str
    submitter_email: str
    date: datetime | None
    last_date: datetime | None
    state: str
    state_reason: str
    state_by: str | None
    delegate: str | None
    archived: bool
    rfc: bool
    base_commit: str | None
    cover_msgid: str | None
    patch_count: int
    missing: tuple[int, ...]  # patch numbers never received
    previous_id: int | None
    superseded_by_id: int | None
    linked: bool  # its concerns and races are linked (an interrupted import may leave them not)

    @property
    def submitter(self) -> str:
        """ "Name <address>"."""
        return person(self.submitter_name, self.submitter_email)


@dataclass(frozen=True)
class SeriesDetail:
    """One series with its patches (in number order), trailers, replies and last apply run."""

    series: SeriesSummary
    patches: tuple[PatchDetail, ...]
    trailers: SeriesTrailers
    replies: tuple[str, ...]  # Message-IDs of the replies to the cover letter
    apply: ApplyRunInfo | None
    upstream: tuple[UpstreamEntry, ...] = ()  # each checked patch's newest `upstream` check

    def upstream_of(self, number: int) -> UpstreamEntry | None:
        """The newest `upstream` check of patch `number`, if it was checked."""
        return next((u for u in self.upstream if u.number == number), None)


_NEWEST_FIRST = (SERIES.c.date.desc(), SERIES.c.id.desc())


def _summaries() -> Select[Any]:
    """Every series with what a list shows of it, unfiltered and unordered."""
    patch_count = select(func.count()).where(PATCH.c.series_id == SERIES.c.id).scalar_subquery()
    cover = select(MESSAGE.c.msgid).where(MESSAGE.c.id == SERIES.c.cover_id).scalar_subquery()
    return select(SERIES, patch_count.label("patch_count"), cover.label("cover_msgid"))


def _statement(session: Session, f: Filters) -> Select[Any]:
    """The filtered series, newest first."""
    return _summaries().where(*_conditions(session, f)).order_by(*_NEWEST_FIRST)


def _conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = time_range(f, SERIES.c.date)
    if f.state:
        conds.append(SERIES.c.state == f.state)
    if f.archived is not None:
        conds.append(SERIES.c.archived == f.archived)
    if f.submitter:
        conds.append(person_match(f.submitter, SERIES.c.submitter_name, SERIES.c.submitter_email))
    if f.series:
        conds.append(SERIES.c.id == f.series)
    if f.msgid:
        conds.append(SERIES.c.id.in_(select(MESSAGE.c.series_id).where(MESSAGE.c.msgid == f.msgid)))
    if f.q and not (query := parse_query(f.q)).empty:
        conds.append(SERIES.c.id.in_(matching_series(session, query)))
    if f.file:
        touching = (
            select(PATCH.c.series_id)
            .join(FILE, FILE.c.patch_id == PATCH.c.id)
            .where(path_match(f.file, FILE.c.old_path, FILE.c.new_path))
        )
        conds.append(SERIES.c.id.in_(touching))
    if f.open_concerns is not None:
        some = has_open(series_col=SERIES.c.id)
        conds.append(some if f.open_concerns else ~some)
    if f.in_tree is not None:
        conds.append(in_tree(SERIES.c.id) if f.in_tree else ~in_tree(SERIES.c.id))
    return conds


def _summary(r: Any) -> SeriesSummary:
    return SeriesSummary(
        id=r.id,
        title=r.title,
        version=r.version,
        version_label=r.version_label,
        total=r.total,
        submitter_name=r.submitter_name,
        submitter_email=r.submitter_email,
        date=r.date,
        last_date=r.last_date,
        state=r.state,
        state_reason=r.state_reason,
        state_by=r.state_by,
        delegate=r.delegate,
        archived=r.archived,
        rfc=r.rfc,
        base_commit=r.base_commit,
        cover_msgid=r.cover_msgid,
        patch_count=r.patch_count or 0,
        missing=tuple(json.loads(r.missing or "[]")),
        previous_id=r.previous_id,
        superseded_by_id=r.superseded_by_id,
        linked=not r.review_dirty,
    )


def list_series(session: Session, f: Filters, page: Page) -> Paged[SeriesSummary]:
    """The series `f` asks for, newest first, one page of them."""
    # the page's ids and the total first, in one statement, then their rows: counted
    # and paged apart with the summary's columns, the database ran a search's match
    # twice and worked out a patch count and a cover for every series it matched
    # before keeping 50 (a word in 4,770 series of the 50k bench corpus: 55 ms of
    # SQL, now about 20)
    ids = select(SERIES.c.id).where(*_conditions(session, f)).order_by(*_NEWEST_FIRST)
    # a window count scans every match: worth it only where a match is dear to find
    picked, total = (page_ids if f.q or f.file else page_rows)(session, ids, page)
    wanted = [r.id for r in picked]
    if not wanted:  # an empty page (a search that matched nothing): no second statement
        return paged([], total, page)
    found = rows(session, _summaries().where(SERIES.c.id.in_(wanted)).order_by(*_NEWEST_FIRST))
    return paged([_summary(r) for r in found], total, page)


def series_summary(session: Session, series_id: int) -> SeriesSummary:
    """One series as lists show it; NotFound when there is none."""
    found = rows(session, _statement(session, Filters(series=series_id)))
    if not found:
        raise NotFound(f"no series with id {series_id}")
    return _summary(found[0])


def series_detail(session: Session, series_id: int) -> SeriesDetail:
    """One series with everything about it; NotFound when there is none."""
    summary = series_summary(session, series_id)
    trailers = series_trailers(session, series_id)
    patches = patches_of_series(session, series_id, trailers)
    replies = rows(
        session,
        select(MESSAGE.c.msgid)
        .where(
            MESSAGE.c.series_id == series_id,
            MESSAGE.c.patch_id.is_(None),
            MESSAGE.c.kind.in_(("reply", "other")),
        )
        .order_by(MESSAGE.c.date, MESSAGE.c.id),
    )
    replies_msgids = tuple(r.msgid for r in replies)
    return SeriesDetail(
        summary,
        patches,
        trailers,
        replies_msgids,
        last_run(session, series_id),
        upstream_of_series(session, series_id),
    )


def series_summaries(session: Session, series_ids: Sequence[int]) -> dict[int, SeriesSummary]:
    """Several series as lists show them, by id (those that exist)."""
    if not series_ids:
        return {}
    stmt = _statement(session, Filters()).where(SERIES.c.id.in_(list(series_ids)))
    return {r.id: _summary(r) for r in rows(session, stmt)}
