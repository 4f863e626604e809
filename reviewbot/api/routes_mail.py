"""/covers, /messages and /people: the mail itself and who wrote it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import TypeAdapter

from reviewbot.api.filters import MAX_ID, TEXT, Filters, common_filters
from reviewbot.api.http import detail_response
from reviewbot.api.models import (
    CoverDetail,
    CoverPublic,
    MessageDetail,
    MessagePublic,
    PersonPublic,
)
from reviewbot.api.paging import Page, fetch_page, list_response, page_params
from reviewbot.api.routes_patches import NOT_FOUND, Id, ReadSession
from reviewbot.read import api_reads as reads
from reviewbot.read import api_reads_more as reads_more

router = APIRouter()
_COVERS = TypeAdapter(list[CoverPublic])
_MESSAGES = TypeAdapter(list[MessagePublic])
_PEOPLE = TypeAdapter(list[PersonPublic])


@router.get("/covers", response_model=list[CoverPublic], tags=["covers"])
async def list_covers(
    request: Request,
    session: ReadSession,
    f: Annotated[Filters, Depends(common_filters)],
    page: Annotated[Page, Depends(page_params)],
) -> Response:
    """Cover letters, newest first."""
    rows, total = fetch_page(session, reads.cover_statement(session, f), page)
    return list_response(request, _COVERS, [reads.cover_public(r) for r in rows], page, total)


@router.get("/covers/{cover_id}", response_model=CoverDetail, responses=NOT_FOUND, tags=["covers"])
async def get_cover(cover_id: Id, request: Request, session: ReadSession) -> Response:
    """One cover letter (ETag; If-None-Match gives 304)."""
    return detail_response(request, reads.cover_detail(session, cover_id))


@router.get("/messages", response_model=list[MessagePublic], tags=["messages"])
async def list_messages(
    request: Request,
    session: ReadSession,
    f: Annotated[Filters, Depends(common_filters)],
    page: Annotated[Page, Depends(page_params)],
    patch: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Replies to a patch.")] = None,
) -> Response:
    """Every imported message, newest first."""
    rows, total = fetch_page(session, reads_more.message_statement(session, f, patch=patch), page)
    items = [reads_more.message_public(r) for r in rows]
    return list_response(request, _MESSAGES, items, page, total)


@router.get(
    "/messages/{msgid:path}", response_model=MessageDetail, responses=NOT_FOUND, tags=["messages"]
)
async def get_message(
    msgid: Annotated[str, Path(min_length=1, max_length=998, description="A Message-ID.")],
    request: Request,
    session: ReadSession,
) -> Response:
    """One message by its Message-ID (ETag; If-None-Match gives 304)."""
    return detail_response(request, reads_more.message_detail(session, msgid))


@router.get("/people", response_model=list[PersonPublic], tags=["people"])
async def list_people(
    request: Request,
    session: ReadSession,
    page: Annotated[Page, Depends(page_params)],
    q: Annotated[str | None, Query(max_length=TEXT, description="Part of a name/address.")] = None,
) -> Response:
    """Everyone who wrote to the list, most messages first."""
    rows, total = fetch_page(session, reads_more.people_statement(q), page)
    items = [reads_more.person_public(r) for r in rows]
    return list_response(request, _PEOPLE, items, page, total)


@router.get("/people/{email}", response_model=PersonPublic, responses=NOT_FOUND, tags=["people"])
async def get_person(
    email: Annotated[str, Path(max_length=TEXT, description="An e-mail address.")],
    request: Request,
    session: ReadSession,
) -> Response:
    """One person by address, with how many messages, patches and series they sent."""
    return detail_response(request, reads_more.person_detail(session, email))
