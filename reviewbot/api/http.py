"""HTTP plumbing the routes share: ETags, JSON errors, the request body limit."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reviewbot.errors import Conflict, InputError, NotFound, ReviewbotError

MAX_BODY = 64 * 1024
log = logging.getLogger(__name__)


def etag_of(body: bytes) -> str:
    """A strong ETag: the hash of the representation."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def etag_matches(header: str | None, etag: str) -> bool:
    """Whether an If-None-Match / If-Match header names this ETag (or is *)."""
    if not header:
        return False
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or etag in tags


def detail_response(request: Request, model: BaseModel) -> Response:
    """The model as JSON with its ETag; 304 when the client already has it."""
    body = model.model_dump_json().encode()
    etag = etag_of(body)
    if etag_matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers={"ETag": etag})
    return Response(body, media_type="application/json", headers={"ETag": etag})


def check_if_match(request: Request, model: BaseModel) -> None:
    """412 when If-Match names another version of the resource than the current one."""
    header = request.headers.get("if-match")
    if header and not etag_matches(header, etag_of(model.model_dump_json().encode())):
        raise HTTPException(412, "the resource changed since you read it (If-Match)")


def _problem(status: int, detail: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Map reviewbot's error tree to JSON errors with the right status."""

    @app.exception_handler(NotFound)
    async def not_found(_request: Request, exc: NotFound) -> JSONResponse:
        return _problem(404, str(exc))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict) -> JSONResponse:
        # with If-Match the client asked for exactly this check
        return _problem(412 if request.headers.get("if-match") else 409, str(exc))

    @app.exception_handler(InputError)
    async def bad_input(_request: Request, exc: InputError) -> JSONResponse:
        return _problem(400, str(exc))

    @app.exception_handler(ReviewbotError)
    async def failed(_request: Request, exc: ReviewbotError) -> JSONResponse:
        return _problem(500, str(exc))

    @app.exception_handler(Exception)
    async def crashed(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        return _problem(500, "internal error")


class BodyLimit:
    """ASGI middleware: 413 for a request body over `limit` bytes, declared or sent."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Buffer the body (it is small or refused), then replay it to the app."""
        if scope["type"] == "http" and _has_nul(scope):
            await _answer(send, 400, NUL_DETAIL)
            return
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(send, 413 if declared.isdigit() else 400)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(send, 413)
                return
        body = b"".join(chunks)
        if b"\x00" in body or b"\\u0000" in body.lower():
            await _answer(send, 400, NUL_DETAIL)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, status: int) -> None:
        detail = (
            f"request body larger than {self.limit} bytes"
            if status == 413
            else "bad Content-Length"
        )
        await _answer(send, status, detail)


# PostgreSQL can neither store nor compare text holding U+0000; refused for every
# request, whatever the backend, so both answer the same
NUL_DETAIL = "NUL characters are not allowed in a request (path, query or body)"


def _has_nul(scope: Scope) -> bool:
    raw = scope.get("raw_path") or scope.get("path", "").encode("utf-8", "surrogateescape")
    query = scope.get("query_string", b"")
    return b"%00" in raw or b"\x00" in raw or b"%00" in query or b"\x00" in query


async def _answer(send: Send, status: int, detail: str) -> None:
    """A JSON error answered by the middleware itself, before any route runs."""
    payload = json.dumps({"detail": detail}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"%d" % len(payload)),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})


def _query_names(dependant: Dependant) -> frozenset[str]:
    """Every query parameter a route takes, its dependencies' included."""
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return frozenset(names)


async def known_query(request: Request) -> None:
    """422 for a query parameter the route does not take: a typo would filter nothing."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    allowed = _query_names(route.dependant)
    unknown = sorted(set(request.query_params) - allowed)
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": f"unknown query parameter; this list takes {', '.join(sorted(allowed))}"
                    if allowed
                    else "unknown query parameter; this takes none",
                    "input": request.query_params[name],
                }
                for name in unknown
            ]
        )
