"""What every form the web UI posts goes through: the body read as a form, the CSRF
check, a local place to go back to, and refusals drawn as error pages."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import FastAPI, Request, Response

from reviewbot.web.templating import templates
from reviewbot.web.viewer import Viewer, viewer_of

_FORM_TYPE = "application/x-www-form-urlencoded"


class Refused(Exception):
    """A form the server will not act on: drawn as an error page with this status."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail


class Form:
    """A posted form's fields (the first value of each, or all of a repeated one)."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def get(self, name: str, default: str = "") -> str:
        """The first value of a field."""
        return next((v for k, v in self.pairs if k == name), default)

    def all(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes)."""
        return [v for k, v in self.pairs if k == name]


async def posted_form(request: Request) -> Form:
    """The request's form, its CSRF token checked against the browser's cookie.

    403 when the token is missing or is not the one derived from this browser's
    live session cookie (or, signed out, its form cookie).
    """
    is_form = request.headers.get("content-type", "").split(";")[0].strip().lower() == _FORM_TYPE
    # anything else holds no form, so no token either: refused below like a forged form
    text = (await request.body()).decode("utf-8", "replace") if is_form else ""
    try:
        form = Form(parse_qsl(text, keep_blank_values=True, max_num_fields=2000))
    except ValueError as exc:
        raise Refused(400, "Bad form", "the form could not be read") from exc
    expected = viewer_of(request).csrf  # from the session cookie, else the form cookie
    presented = form.get("csrf").encode("utf-8", "replace")
    if not expected or not hmac.compare_digest(expected.encode(), presented):
        raise Refused(
            403,
            "Form expired",
            "this form's security token is missing or does not match your browser's: "
            "go back, reload the page and send it again",
        )
    return form


def acting_user(request: Request) -> Viewer:
    """The signed-in viewer allowed to act; 403 for a visitor or a read-only user."""
    viewer = viewer_of(request)
    if viewer.user is None:
        raise Refused(403, "Not signed in", "sign in to change anything")
    if viewer.read_only:
        raise Refused(403, "Read-only", f"{viewer.user} signed in with a read-only token")
    return viewer


def local_path(target: str, default: str = "/") -> str:
    """Where to send the browser afterwards: a path on this site, never another site's."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return default
    return target


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    """A page of the web UI (the edge adds the security headers)."""
    return templates().TemplateResponse(request, name, context, status_code=status)


def install(app: FastAPI) -> None:
    """Draw refused forms as the UI's error page."""

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        context = {"status": exc.status, "title": exc.title, "detail": exc.detail}
        return render(request, "error.html", context, status=exc.status)

    app.add_exception_handler(Refused, refused)
