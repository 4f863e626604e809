"""Who is looking at a page: the signed-in user (from the session cookie) or nobody,
and the CSRF token of the forms shown to them.

The session cookie holds a secret of which the database keeps only the sha256
(read.accounts.session_user). A visitor who is not signed in gets a form cookie
instead, on the pages that show them a form (sign-in, compose): the CSRF token is
derived from whichever cookie the browser holds (tokens.csrf_token).
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from reviewbot.deps import get_engine
from reviewbot.models import utcnow
from reviewbot.read.accounts import session_user
from reviewbot.tokens import csrf_token

SESSION_COOKIE = "rb_session"
FORM_COOKIE = "rb_form"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Viewer:
    """The person a page is drawn for; `user` is None for a visitor not signed in."""

    user: str | None
    read_only: bool
    csrf: str  # "" when the browser holds no cookie to derive it from

    @property
    def signed_in(self) -> bool:
        """Signed in, read-only or not."""
        return self.user is not None

    @property
    def can_act(self) -> bool:
        """Signed in with the right to change states: action controls are shown."""
        return self.user is not None and not self.read_only


def viewer_of(request: Request) -> Viewer:
    """Whoever sent this request (looked up once per request; a read, never a write)."""
    known = getattr(request.state, "viewer", None)
    if isinstance(known, Viewer):
        return known
    viewer = _signed_in(request) or _visitor(request)
    request.state.viewer = viewer
    return viewer


def _signed_in(request: Request) -> Viewer | None:
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret or len(secret) > 100:
        return None
    try:
        with Session(get_engine(request)) as session:
            found = session_user(session, secret, utcnow())
    except SQLAlchemyError:
        # an error page drawn because the database failed must still be drawn
        log.warning("could not look the session up", exc_info=True)
        return None
    return Viewer(found.user, found.read_only, csrf_token(secret)) if found else None


def _visitor(request: Request) -> Viewer:
    secret = getattr(request.state, "form_secret", None) or request.cookies.get(FORM_COOKIE)
    return Viewer(None, True, csrf_token(secret) if secret else "")


def form_secret(request: Request) -> str:
    """The secret a signed-out visitor's CSRF token derives from: their form cookie, or a
    new one that `keep_form_cookie` sends with the page."""
    secret = request.cookies.get(FORM_COOKIE)
    if not secret or len(secret) > 100:
        secret = secrets.token_urlsafe(32)
        request.state.form_secret = secret
    return secret


def is_https(request: Request) -> bool:
    """Whether the browser reached us over HTTPS, directly or through a proxy saying so."""
    if request.url.scheme == "https":
        return True
    proto = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    forwarded = request.headers.get("forwarded", "").lower()
    return proto == "https" or "proto=https" in forwarded.replace(" ", "")


def set_cookie(request: Request, response: Response, name: str, value: str, age: int) -> None:
    """A cookie scripts cannot read, sent on same-site requests and top-level links only,
    and only over HTTPS when the page came over HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_https(request),
    )


def keep_form_cookie(request: Request, response: Response) -> None:
    """Send the form cookie `form_secret` made for this request, if it made one."""
    secret = getattr(request.state, "form_secret", None)
    if secret:
        set_cookie(request, response, FORM_COOKIE, secret, 60 * 60 * 24)
