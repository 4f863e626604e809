"""/me: the signed-in person's queue, and the addresses and paths that make it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from reviewbot import store
from reviewbot.deps import SessionDep
from reviewbot.errors import Conflict, InputError
from reviewbot.read.queue import queue_of
from reviewbot.series.watch import clean_address, clean_glob
from reviewbot.web.forms import Form, Refused, acting_user, posted_form, render
from reviewbot.web.viewer import viewer_of

router = APIRouter(include_in_schema=False)
FormDep = Annotated[Form, Depends(posted_form)]
_CLEAN = {"watches": clean_glob, "emails": clean_address}


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, session: SessionDep) -> Response:
    """My queue, longest waiting first; a visitor is sent to sign in."""
    viewer = viewer_of(request)
    if viewer.user is None:
        return RedirectResponse("/signin?next=/me", status_code=303)
    return render(request, "me.html", {"queue": queue_of(session, viewer.user)})


@router.post("/me/{field}")
def edit(request: Request, field: str, form: FormDep, session: SessionDep) -> Response:
    """Add (`add`) or remove (`remove`) a watched path or an address of mine."""
    viewer = acting_user(request)
    if field not in _CLEAN:
        raise Refused(404, "Not found", f"nothing to change at {request.url.path}")
    assert viewer.user is not None
    try:
        add = [_CLEAN[field](v) for v in form.all("add") if v.strip()]
        remove = [v.strip() for v in form.all("remove")]
        store.edit_account_list(
            session=session, name=viewer.user, field=field, add=add, remove=remove
        )
        session.commit()
    except (InputError, Conflict) as exc:
        raise Refused(400 if isinstance(exc, InputError) else 409, "Not changed", str(exc)) from exc
    return RedirectResponse(f"/me#{field}", status_code=303)
