"""/covers, /messages and /people: the mail itself and who wrote it."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import TypeAdapter

from reviewbot.api import present
from reviewbot.api.filters import MAX_ID, TEXT
from reviewbot.api.http import detail_response
from reviewbot.api.models import (
    CoverDetail,
    CoverPublic,
    MessageDetail,
    MessagePublic,
    PersonPublic,
)
from reviewbot.api.paging import list_response
from reviewbot.api.routes_series import NOT_FOUND, FiltersDep, Id, PageDep
from reviewbot.deps import ReadSession
from reviewbot.read import messages, people
from reviewbot.read.filters import Filters

router = APIRouter()
_COVERS = TypeAdapter(list[CoverPublic])
_MESSAGES = TypeAdapter(list[MessagePublic])
_PEOPLE = TypeAdapter(list[PersonPublic])


@router.get("/covers", response_model=list[CoverPublic], tags=["covers"])
async def list_covers(
    request: Request, session: ReadSession, f: FiltersDep, page: PageDep
) -> Response:
    """Cover letters, newest first."""
    found = messages.list_covers(session, f, page)
    items = [present.cover_item(m) for m in found.items]
    return list_response(request, _COVERS, items, page, found.total)


@router.get("/covers/{cover_id}", response_model=CoverDetail, responses=NOT_FOUND, tags=["covers"])
async def get_cover(cover_id: Id, request: Request, session: ReadSession) -> Response:
    """One cover letter (ETag; If-None-Match gives 304)."""
    return detail_response(request, present.cover_detail(messages.cover_detail(session, cover_id)))


@router.get("/messages", response_model=list[MessagePublic], tags=["messages"])
async def list_messages(
    request: Request,
    session: ReadSession,
    f: FiltersDep,
    page: PageDep,
    patch: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Replies to a patch.")] = None,
) -> Response:
    """Every imported message, newest first."""
    found = messages.list_messages(session, replace(f, patch=patch), page)
    items = [present.message_item(m) for m in found.items]
    return list_response(request, _MESSAGES, items, page, found.total)


@router.get(
    "/messages/{msgid:path}", response_model=MessageDetail, responses=NOT_FOUND, tags=["messages"]
)
async def get_message(
    msgid: Annotated[str, Path(min_length=1, max_length=998, description="A Message-ID.")],
    request: Request,
    session: ReadSession,
) -> Response:
    """One message by its Message-ID (ETag; If-None-Match gives 304)."""
    return detail_response(request, present.message_detail(messages.message_detail(session, msgid)))


@router.get("/people", response_model=list[PersonPublic], tags=["people"])
async def list_people(
    request: Request,
    session: ReadSession,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=TEXT, description="Part of a name/address.")] = None,
) -> Response:
    """Everyone who wrote to the list, most messages first."""
    found = people.list_people(session, Filters(q=q), page)
    items = [present.person(p) for p in found.items]
    return list_response(request, _PEOPLE, items, page, found.total)


@router.get("/people/{email}", response_model=PersonPublic, responses=NOT_FOUND, tags=["people"])
async def get_person(
    email: Annotated[str, Path(max_length=TEXT, description="An e-mail address.")],
    request: Request,
    session: ReadSession,
) -> Response:
    """One person by address, with how many messages, patches and series they sent."""
    return detail_response(request, present.person(people.person_detail(session, email)))
