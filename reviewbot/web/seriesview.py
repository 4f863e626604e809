"""What the series page shows: the series, its versions, patches, concerns, review coverage
and range-diff."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlmodel import Session

from reviewbot.read.concerns import ConcernEntry, concerns_of, open_counts
from reviewbot.read.coverage import Coverage, series_coverage
from reviewbot.read.events import EventEntry, history
from reviewbot.read.messages import MessageSummary, bodies, messages_by_msgid
from reviewbot.read.series import SeriesDetail, series_detail
from reviewbot.read.versions import Version, range_diff, versions_of
from reviewbot.series.rangediff import SeriesDiff


@dataclass(frozen=True)
class SeriesPage:
    """Everything the series page shows."""

    detail: SeriesDetail
    cover: MessageSummary | None
    cover_replies: tuple[MessageSummary, ...]
    bodies: dict[int, str]
    concern_counts: dict[int | None, Counter[str]]  # patch number -> status -> how many
    series_concerns: tuple[ConcernEntry, ...]  # not about one patch
    carried_concerns: tuple[ConcernEntry, ...]  # raised on earlier versions, standing here
    open_concerns: int  # read.concerns.open_counts: what the home page and the API say
    versions: tuple[Version, ...]
    range_diff: SeriesDiff | None
    coverage: Coverage  # which hunks nobody quoted or commented on
    events: tuple[EventEntry, ...]  # the series' own, oldest first


def series_page(session: Session, series_id: int) -> SeriesPage:
    """The series page of `series_id`; NotFound when there is none."""
    detail = series_detail(session, series_id)
    concerns = concerns_of(session, series_id=series_id)
    counts: dict[int | None, Counter[str]] = {}
    for c in concerns:
        counts.setdefault(c.patch, Counter())[c.status] += 1
    previous = detail.series.previous_id
    diff = range_diff(session, previous, series_id) if previous else None
    cover_msgid = detail.series.cover_msgid
    found = messages_by_msgid(session, [*([cover_msgid] if cover_msgid else []), *detail.replies])
    cover = found.get(cover_msgid) if cover_msgid else None
    return SeriesPage(
        detail=detail,
        cover=cover,
        cover_replies=tuple(found[m] for m in detail.replies if m in found),
        bodies=bodies(session, [cover.id]) if cover else {},
        concern_counts=counts,
        series_concerns=tuple(c for c in concerns if c.patch is None and not c.carried_here),
        carried_concerns=tuple(c for c in concerns if c.carried_here),
        open_concerns=open_counts(session, [series_id])[series_id],
        versions=tuple(versions_of(session, series_id)),
        range_diff=diff,
        coverage=series_coverage(session, series_id),
        events=history(session, series_id=series_id, target="series"),
    )
