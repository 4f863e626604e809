"""Signing in and out of the web UI: an API token (or a name and password) for a
server-side session whose cookie is HttpOnly, SameSite=Lax, Secure over HTTPS."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from reviewbot import store
from reviewbot.deps import SessionDep
from reviewbot.models import utcnow
from reviewbot.read.accounts import check_password
from reviewbot.read.tokens import check_token
from reviewbot.store.accounts import SESSION_DAYS
from reviewbot.web.forms import Form, Refused, local_path, posted_form, render
from reviewbot.web.viewer import (
    FORM_COOKIE,
    SESSION_COOKIE,
    form_secret,
    keep_form_cookie,
    set_cookie,
    viewer_of,
)

router = APIRouter(include_in_schema=False)
FormDep = Annotated[Form, Depends(posted_form)]


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request, next: str = "/me") -> Response:
    """The sign-in form."""
    return _form(request, local_path(next, "/me"), "", 200)


@router.post("/signin", response_class=HTMLResponse)
def signin(request: Request, form: FormDep, session: SessionDep) -> Response:
    """Check the token (or name and password), start a session, go where asked."""
    after = local_path(form.get("next"), "/me")
    who = _credentials(session, form)
    if who is None:
        return _form(request, after, "That token, or that name and password, is not valid.", 401)
    user, read_only, token_id = who
    try:
        secret = store.open_session(
            session=session, user=user, read_only=read_only, token_id=token_id, now=utcnow()
        )
        session.commit()
    except SQLAlchemyError as exc:
        # a read-only deployment (tests/read/test_read_only.py) cannot keep a session
        session.rollback()
        detail = "this server's database cannot be written to, so nobody can sign in here"
        raise Refused(503, "Signing in is not possible", detail) from exc
    response = RedirectResponse(after, status_code=303)
    set_cookie(request, response, SESSION_COOKIE, secret, SESSION_DAYS * 86400)
    response.delete_cookie(FORM_COOKIE, path="/")
    return response


@router.post("/signout")
def signout(request: Request, form: FormDep, session: SessionDep) -> Response:
    """End this browser's session (the row is deleted) and forget the cookie."""
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        store.close_session(session=session, secret=secret)
        session.commit()
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _credentials(session: Session, form: Form) -> tuple[str, bool, int | None] | None:
    """(user, read-only, token id) for a valid token or name and password, else None."""
    token = form.get("token").strip()
    if token:
        owner = check_token(session, token) if len(token) <= 200 else None
        return (owner.user, owner.read_only, owner.id) if owner else None
    name, password = form.get("name").strip(), form.get("password")
    if name and password and len(password) <= 1000 and check_password(session, name, password):
        return name, False, None
    return None


def _form(request: Request, after: str, error: str, status: int) -> Response:
    form_secret(request)  # signed out: the form's token needs a cookie to derive from
    viewer_of(request)
    response = render(request, "signin.html", {"next": after, "error": error}, status)
    keep_form_cookie(request, response)
    return response
