"""Pagination (page, per_page) with an RFC 5988 Link header, as patchwork's API does."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Query, Request, Response
from pydantic import TypeAdapter

from reviewbot.read.filters import Page

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 250
MAX_PAGE = 100_000  # keeps OFFSET far from SQLite's integer limit


def page_params(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, from 1.")] = 1,
    per_page: Annotated[
        int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page (at most 250).")
    ] = DEFAULT_PER_PAGE,
) -> Page:
    """The page and per_page query parameters."""
    return Page(page, per_page)


def link_header(request: Request, page: Page, total: int) -> str:
    """first/prev/next/last links, each keeping the request's other parameters."""
    per_page = page.per_page or DEFAULT_PER_PAGE
    last = max(1, -(-total // per_page))
    rels = {"first": 1, "last": last}
    if page.page > 1:
        rels["prev"] = min(page.page - 1, last)
    if page.page < last:
        rels["next"] = page.page + 1
    links = []
    for rel in ("first", "prev", "next", "last"):
        if rel in rels:
            url = request.url.include_query_params(page=rels[rel], per_page=per_page)
            links.append(f'<{url}>; rel="{rel}"')
    return ", ".join(links)


def list_response(
    request: Request, adapter: TypeAdapter[Any], items: Sequence[Any], page: Page, total: int
) -> Response:
    """A JSON list with Link and X-Total-Count headers."""
    return Response(
        adapter.dump_json(list(items)),
        media_type="application/json",
        headers={"Link": link_header(request, page, total), "X-Total-Count": str(total)},
    )
