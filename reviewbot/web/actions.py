"""The web UI's writes: a patch's or series' state, delegate and archived flag, a
concern's status. Each is a form (CSRF-checked) posted by a signed-in user who may
write, made through store.events like the API's PATCH (`via: web`), and answered
with a redirect back to the page it came from."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse

from reviewbot import store
from reviewbot.deps import SessionDep
from reviewbot.errors import Conflict, InputError
from reviewbot.events import Value
from reviewbot.models import ConcernStatus, PatchState
from reviewbot.web.forms import Form, Refused, acting_user, local_path, posted_form

router = APIRouter(include_in_schema=False)
FormDep = Annotated[Form, Depends(posted_form)]
TARGETS = ("series", "patch", "concern")
MAX_DELEGATE = 200
MAX_NOTE = 2000


@router.post("/act/{target}/{target_id}")
def act(
    request: Request,
    target: str,
    target_id: Annotated[int, Path(ge=1, le=2**63 - 1)],
    form: FormDep,
    session: SessionDep,
) -> Response:
    """Make the change the form asks for, recorded as an event by the signed-in user."""
    viewer = acting_user(request)
    if target not in TARGETS:
        raise Refused(404, "Not found", f"nothing to change at {request.url.path}")
    values = _values(target, form)
    row = store.load_target(session=session, target=target, target_id=target_id)
    note = form.get("note").strip()[:MAX_NOTE]
    assert viewer.user is not None
    try:
        store.apply_changes(
            session=session,
            target=target,
            row=row,
            values=values,
            actor=viewer.user,
            via="web",
            note=note,
        )
        session.commit()
    except Conflict as exc:
        raise Refused(409, "Changed meanwhile", f"{exc}: reload the page") from exc
    default = f"/{target}/{target_id}" if target != "concern" else "/"
    return RedirectResponse(local_path(form.get("back"), default), status_code=303)


def _values(target: str, form: Form) -> dict[str, Value]:
    """The fields the form sets, checked; 400 when it sets none or a wrong value."""
    try:
        if target == "concern":
            return {"status": _choice(form.get("status"), [s.value for s in ConcernStatus])}
        values: dict[str, Value] = {}
        if "state" in (k for k, _ in form.pairs):
            values["state"] = _choice(form.get("state"), [s.value for s in PatchState])
        if "delegate" in (k for k, _ in form.pairs):
            values["delegate"] = _delegate(form.get("delegate"))
        if "archived" in (k for k, _ in form.pairs):
            values["archived"] = _choice(form.get("archived"), ["true", "false"]) == "true"
    except InputError as exc:
        raise Refused(400, "Bad value", str(exc)) from exc
    if not values:
        raise Refused(400, "Nothing to change", "the form named no state, delegate or archive")
    return values


def _choice(value: str, allowed: list[str]) -> str:
    if value not in allowed:
        raise InputError(f"{value[:40]!r}: expected one of {', '.join(allowed)}")
    return value


def _delegate(value: str) -> str | None:
    """A delegate as stored: a name or address on one line; empty clears it."""
    value = " ".join(value.split())
    if len(value) > MAX_DELEGATE or any(ord(ch) < 32 or ord(ch) == 127 for ch in value):
        raise InputError("a delegate is a name or an address, on one line")
    return value or None
