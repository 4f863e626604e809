"""The HTML routes: one function per page, each a thin wrapper over a read model."""

from __future__ import annotations

import inspect
import logging
from dataclasses import fields
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
)
from starlette.exceptions import HTTPException as StarletteHTTPException
from swagger_ui_bundle import swagger_ui_path

from reviewbot.deps import SessionDep, commit_url
from reviewbot.edge import HTML_HEADERS
from reviewbot.errors import NotFound
from reviewbot.read.hits import search_hits
from reviewbot.read.messages import message_source
from reviewbot.web import downloads, feeds, listing, patchview, seriesview, threadview
from reviewbot.web.templating import static_dir, templates

router = APIRouter(include_in_schema=False)
router.include_router(downloads.router)
router.include_router(feeds.router)
log = logging.getLogger(__name__)
_HEADERS = HTML_HEADERS


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    template = commit_url(request)
    context = {**context, "commit_href": lambda commit: template.replace("{hash}", commit)}
    response = templates().TemplateResponse(request, name, context, status_code=status)
    response.headers.update(_HEADERS)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Response:
    """The series list, with filters, search and pagination."""
    page = listing.list_page(session, listing.form_from(request.query_params))
    # where the search matched, for the series of this page only
    found = search_hits(session, page.filters.q, [row.series.id for row in page.rows])
    context = {
        "listing": page,
        "states": listing.STATES,
        "trees": listing.TREE_CHOICES,
        "hits": found,
    }
    return _page(request, "home.html", context)


@router.get("/series/{series_id}", response_class=HTMLResponse)
def series(request: Request, series_id: int, session: SessionDep) -> Response:
    """One series: cover letter, patches, versions, concerns."""
    _known_range(series_id, "series")
    page = seriesview.series_page(session, series_id)
    d = page.detail
    context = {
        "series": d.series,
        "patches": d.patches,
        "apply": d.apply,
        "upstream": {u.number: u for u in d.upstream},
        "previous": d.series.previous_id,
        **{f.name: getattr(page, f.name) for f in fields(page) if f.name != "detail"},
    }
    return _page(request, "series.html", context)


@router.get("/patch/{patch_id}", response_class=HTMLResponse)
def patch(request: Request, patch_id: int, session: SessionDep) -> Response:
    """One patch: commit message, diff with concerns pinned, race diagrams."""
    _known_range(patch_id, "patch")
    page = patchview.patch_page(session, patch_id)
    context = {"patch": page.detail.patch, **{f.name: getattr(page, f.name) for f in fields(page)}}
    return _page(request, "patch.html", context)


@router.get("/thread/{msgid:path}", response_class=HTMLResponse)
def thread(request: Request, msgid: str, session: SessionDep) -> Response:
    """The discussion containing a message, as a tree."""
    page = threadview.thread_page(session, msgid)
    return _page(request, "thread.html", {f.name: getattr(page, f.name) for f in fields(page)})


@router.get("/message/{msgid:path}", response_class=HTMLResponse)
def message(request: Request, msgid: str, session: SessionDep) -> Response:
    """One message, with its raw source."""
    page = threadview.message_page(session, msgid)
    m = page.detail.message
    context = {
        "message": m,
        "raw": page.raw,
        "patch_id": page.detail.own_patch,
        "anchors": page.anchors,
        "bodies": {m.id: page.detail.body},
    }
    return _page(request, "message.html", context)


@router.get("/raw/{msgid:path}", response_class=PlainTextResponse)
def raw(msgid: str, session: SessionDep) -> Response:
    """A message's raw source as text/plain (never rendered as HTML)."""
    text = message_source(session, msgid).decode("utf-8", "replace")
    return PlainTextResponse(text, headers=_HEADERS)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> Response:
    """The REST API's interactive documentation (Swagger UI, served from here)."""
    return _page(request, "docs.html", {"openapi_url": request.app.openapi_url})


# what /docs loads of Swagger UI's files (swagger-ui-bundle-v2): these and no others
_DOCS_ASSETS = {"swagger-ui.css": "text/css", "swagger-ui-bundle.js": "text/javascript"}


@router.get("/docs/assets/{name}")
def docs_asset(name: str) -> Response:
    """One of Swagger UI's files."""
    if name not in _DOCS_ASSETS:
        raise NotFound(f"no docs asset {name!r}")
    headers = {"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"}
    return FileResponse(
        Path(swagger_ui_path / name), media_type=_DOCS_ASSETS[name], headers=headers
    )


@router.get("/static/{name}")
def static(name: str) -> Response:
    """A file of templates/static (CSS, JS, icon); only plain names, no paths."""
    folder = static_dir()
    path = folder / name
    if "/" in name or name.startswith(".") or len(name) > 100 or not path.is_file():
        raise NotFound(f"no static file {name!r}")
    headers = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
    return FileResponse(Path(path), headers=headers)


def _known_range(value: int, what: str) -> None:
    """An id no database row can have is simply not found (not an integer overflow)."""
    if not 0 < value < 2**63:
        raise NotFound(f"no {what} with id {value}")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api")


def install(app: FastAPI) -> None:
    """Give the app the web UI's error pages (404, 500) for everything outside /api.

    Installed after the API's handlers: under /api the handler the API registered
    for the same exception still answers, with its JSON body.
    """
    api = dict(app.exception_handlers)

    async def to_api(request: Request, exc: Exception, kind: type, fallback: Response) -> Response:
        handler = api.get(kind)
        if handler is None:
            return fallback
        result = handler(request, exc)
        return await result if inspect.isawaitable(result) else result

    async def not_found(request: Request, exc: Exception) -> Response:
        if not _wants_html(request):
            fallback = JSONResponse({"detail": str(exc)}, status_code=404)
            return await to_api(request, exc, NotFound, fallback)
        return _error(request, 404, "Not found", str(exc))

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if not _wants_html(request) or exc.status_code not in (404, 405):
            return await http_exception_handler(request, exc)
        title = "Not found" if exc.status_code == 404 else "Method not allowed"
        return _error(request, exc.status_code, title, f"nothing at {request.url.path}")

    async def server_error(request: Request, exc: Exception) -> Response:
        if not _wants_html(request):
            fallback = JSONResponse({"detail": "internal error"}, status_code=500)
            return await to_api(request, exc, Exception, fallback)
        log.exception("error serving %s", request.url.path, exc_info=exc)
        return _error(request, 500, "Server error", "something went wrong on our side")

    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, server_error)


def _error(request: Request, status: int, title: str, detail: str) -> Response:
    context = {"status": status, "title": title, "detail": detail}
    return _page(request, "error.html", context, status=status)
