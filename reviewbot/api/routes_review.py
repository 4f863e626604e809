"""/concerns, /races and /events: what reviewers said, and every change made."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter

from reviewbot import store
from reviewbot.api import present
from reviewbot.api.auth import writer
from reviewbot.api.bodies import ConcernUpdate
from reviewbot.api.coverage import CoveragePublic, coverage_of
from reviewbot.api.filters import MAX_ID, TEXT
from reviewbot.api.http import check_if_match, detail_response
from reviewbot.api.models import (
    ConcernPublic,
    EventPublic,
    RacePublic,
)
from reviewbot.api.paging import list_response
from reviewbot.api.routes_series import NOT_FOUND, WRITE_ERRORS, FiltersDep, Id, PageDep
from reviewbot.deps import ReadSession, SessionDep
from reviewbot.errors import Conflict
from reviewbot.models import ConcernStatus
from reviewbot.read import concerns, coverage, events, races
from reviewbot.tokens import TokenOwner

router = APIRouter()
_CONCERNS = TypeAdapter(list[ConcernPublic])
_RACES = TypeAdapter(list[RacePublic])
_EVENTS = TypeAdapter(list[EventPublic])
Category = Literal[
    "patch-state-changed",
    "patch-delegated",
    "patch-archived",
    "series-state-changed",
    "series-delegated",
    "series-archived",
    "concern-status-changed",
]
PatchQ = Annotated[int | None, Query(ge=1, le=MAX_ID, description="A patch id.")]


@router.get("/concerns", response_model=list[ConcernPublic], tags=["concerns"])
async def list_concerns(
    request: Request,
    session: ReadSession,
    f: FiltersDep,
    page: PageDep,
    patch: PatchQ = None,
    status: Annotated[ConcernStatus | None, Query(description="Only this status.")] = None,
    file: Annotated[
        str | None, Query(max_length=TEXT, description="Anchored in this file.")
    ] = None,
) -> Response:
    """Reviewers' concerns in thread order (msgid: the reply; submitter: the reviewer)."""
    found = concerns.list_concerns(session, replace(f, patch=patch, status=status, file=file), page)
    items = [present.concern(c) for c in found.items]
    return list_response(request, _CONCERNS, items, page, found.total)


@router.get(
    "/concerns/{concern_id}", response_model=ConcernPublic, responses=NOT_FOUND, tags=["concerns"]
)
async def get_concern(concern_id: Id, request: Request, session: ReadSession) -> Response:
    """One concern (ETag; If-None-Match gives 304)."""
    return detail_response(request, present.concern(concerns.concern_detail(session, concern_id)))


@router.patch(
    "/concerns/{concern_id}",
    response_model=ConcernPublic,
    responses=WRITE_ERRORS,
    tags=["concerns"],
)
def update_concern(
    concern_id: Id,
    body: ConcernUpdate,
    request: Request,
    session: SessionDep,
    owner: Annotated[TokenOwner, Depends(writer)],
) -> Response:
    """Set a concern's status, with a note saying why (needs a token; If-Match honoured)."""
    row = store.load_target(session=session, target="concern", target_id=concern_id)
    shown = present.concern(concerns.concern_detail(session, concern_id))
    if row.status != shown.status:
        raise Conflict("the concern changed while it was being read; read it again")
    check_if_match(request, shown)
    store.apply_changes(
        session=session,
        target="concern",
        row=row,
        values={"status": body.status},
        actor=owner.user,
        via="api",
        note=body.note,
    )
    session.commit()
    return detail_response(request, present.concern(concerns.concern_detail(session, concern_id)))


@router.get(
    "/series/{series_id}/coverage",
    response_model=CoveragePublic,
    responses=NOT_FOUND,
    tags=["series"],
)
async def series_coverage(series_id: Id, request: Request, session: ReadSession) -> Response:
    """Review coverage: every hunk with who quoted or commented on it (ETag)."""
    found = coverage.series_coverage(session, series_id)
    return detail_response(request, coverage_of(found))


@router.get(
    "/patches/{patch_id}/coverage",
    response_model=CoveragePublic,
    responses=NOT_FOUND,
    tags=["patches"],
)
async def patch_coverage(patch_id: Id, request: Request, session: ReadSession) -> Response:
    """Review coverage of one patch: its hunks with who quoted or commented on them (ETag)."""
    return detail_response(request, coverage_of(coverage.patch_coverage(session, patch_id)))


@router.get("/races", response_model=list[RacePublic], tags=["races"])
async def list_races(
    request: Request, session: ReadSession, f: FiltersDep, page: PageDep
) -> Response:
    """Race scenarios described in reviews (series; msgid: the message describing one)."""
    found = races.list_races(session, f, page)
    return list_response(request, _RACES, [present.race(r) for r in found.items], page, found.total)


@router.get("/races/{race_id}", response_model=RacePublic, responses=NOT_FOUND, tags=["races"])
async def get_race(race_id: Id, request: Request, session: ReadSession) -> Response:
    """One race scenario (ETag; If-None-Match gives 304)."""
    return detail_response(request, present.race(races.race_detail(session, race_id)))


@router.get("/events", response_model=list[EventPublic], tags=["events"])
async def list_events(
    request: Request,
    session: ReadSession,
    f: FiltersDep,
    page: PageDep,
    category: Annotated[Category | None, Query(description="Only this kind of change.")] = None,
    patch: PatchQ = None,
    actor: Annotated[str | None, Query(max_length=TEXT, description="Who made it.")] = None,
    via: Annotated[
        Literal["api", "cli", "web", "mail", "tree"] | None,
        Query(description="How: the API, the CLI, the web UI, inferred from mail, or a tree."),
    ] = None,
) -> Response:
    """Every change, newest first ("reviewbot" via "mail": inferred from the thread)."""
    f = replace(f, category=category, patch=patch, actor=actor, via=via)
    found = events.list_events(session, f, page)
    items = [present.event(e) for e in found.items]
    return list_response(request, _EVENTS, items, page, found.total)


@router.get("/events/{event_id}", response_model=EventPublic, responses=NOT_FOUND, tags=["events"])
async def get_event(event_id: Id, request: Request, session: ReadSession) -> Response:
    """One event."""
    return detail_response(request, present.event(events.event_detail(session, event_id)))
