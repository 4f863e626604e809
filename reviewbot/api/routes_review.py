"""/concerns, /races and /events: what reviewers said, and every change made."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import TypeAdapter
from sqlmodel import Session

from reviewbot import events
from reviewbot.api.auth import writer
from reviewbot.api.filters import MAX_ID, TEXT, Filters, common_filters
from reviewbot.api.http import check_if_match, detail_response
from reviewbot.api.models import (
    ConcernPublic,
    ConcernStatus,
    ConcernUpdate,
    EventPublic,
    RacePublic,
)
from reviewbot.api.paging import Page, fetch_page, list_response, page_params
from reviewbot.api.routes_patches import NOT_FOUND, WRITE_ERRORS, Id, ReadSession, SessionDep
from reviewbot.read import api_reads_more as reads_more
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


def _link(session: Session, series: int | None) -> None:
    """Concerns and races are linked on demand: bring them up to date first."""
    from reviewbot.review import concerns as review  # the linker loads only when it is needed

    review.ensure_linked(session=session, series_ids=[series] if series else None)
    session.commit()


def _link_owner(session: Session, target: str, target_id: int) -> None:
    """Link the series a concern or race id belongs to (404 when there is no such id).

    A relink recreates the series' concerns; an id gone with it is then a 404.
    """
    row = events.load(session=session, target=target, target_id=target_id)
    _link(session, row.series_id)


@router.get("/concerns", response_model=list[ConcernPublic], tags=["concerns"])
def list_concerns(
    request: Request,
    session: SessionDep,
    f: Annotated[Filters, Depends(common_filters)],
    page: Annotated[Page, Depends(page_params)],
    patch: PatchQ = None,
    status: Annotated[ConcernStatus | None, Query(description="Only this status.")] = None,
    file: Annotated[
        str | None, Query(max_length=TEXT, description="Anchored in this file.")
    ] = None,
) -> Response:
    """Reviewers' concerns in thread order (msgid: the reply; submitter: the reviewer)."""
    _link(session, f.series)
    stmt = reads_more.concern_statement(f, patch=patch, status=status, file=file)
    rows, total = fetch_page(session, stmt, page)
    items = [reads_more.concern_public(r) for r in rows]
    return list_response(request, _CONCERNS, items, page, total)


@router.get(
    "/concerns/{concern_id}", response_model=ConcernPublic, responses=NOT_FOUND, tags=["concerns"]
)
def get_concern(concern_id: Id, request: Request, session: SessionDep) -> Response:
    """One concern (ETag; If-None-Match gives 304)."""
    _link_owner(session, "concern", concern_id)
    return detail_response(request, reads_more.concern_detail(session, concern_id))


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
    _link_owner(session, "concern", concern_id)
    row = events.load(session=session, target="concern", target_id=concern_id)
    shown = reads_more.concern_detail(session, concern_id)
    if row.status != shown.status:
        raise events.Conflict("the concern changed while it was being read; read it again")
    check_if_match(request, shown)
    events.apply_changes(
        session=session,
        target="concern",
        row=row,
        values={"status": body.status},
        actor=owner.user,
        via="api",
        note=body.note,
    )
    session.commit()
    return detail_response(request, reads_more.concern_detail(session, concern_id))


@router.get("/races", response_model=list[RacePublic], tags=["races"])
def list_races(
    request: Request,
    session: SessionDep,
    f: Annotated[Filters, Depends(common_filters)],
    page: Annotated[Page, Depends(page_params)],
) -> Response:
    """Race scenarios described in reviews (series; msgid: the message describing one)."""
    _link(session, f.series)
    rows, total = fetch_page(session, reads_more.race_statement(f.series, f.msgid), page)
    return list_response(request, _RACES, [reads_more.race_public(r) for r in rows], page, total)


@router.get("/races/{race_id}", response_model=RacePublic, responses=NOT_FOUND, tags=["races"])
def get_race(race_id: Id, request: Request, session: SessionDep) -> Response:
    """One race scenario (ETag; If-None-Match gives 304)."""
    _link_owner(session, "race", race_id)
    return detail_response(request, reads_more.race_detail(session, race_id))


@router.get("/events", response_model=list[EventPublic], tags=["events"])
async def list_events(
    request: Request,
    session: ReadSession,
    f: Annotated[Filters, Depends(common_filters)],
    page: Annotated[Page, Depends(page_params)],
    category: Annotated[Category | None, Query(description="Only this kind of change.")] = None,
    patch: PatchQ = None,
    actor: Annotated[str | None, Query(max_length=TEXT, description="Who made it.")] = None,
) -> Response:
    """Every change, newest first ("reviewbot" via "mail": inferred from the thread)."""
    stmt = reads_more.event_statement(f, category=category, patch=patch, actor=actor)
    rows, total = fetch_page(session, stmt, page)
    return list_response(request, _EVENTS, [reads_more.event_public(r) for r in rows], page, total)


@router.get("/events/{event_id}", response_model=EventPublic, responses=NOT_FOUND, tags=["events"])
async def get_event(event_id: Id, request: Request, session: ReadSession) -> Response:
    """One event."""
    return detail_response(request, reads_more.event_detail(session, event_id))
