"""Downloads from the pages: a series, a patch or a whole thread as an mbox."""

from __future__ import annotations

from fastapi import APIRouter, Response

from reviewbot.deps import SessionDep
from reviewbot.errors import NotFound
from reviewbot.read import mbox

router = APIRouter(include_in_schema=False)


def _mbox(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="application/mbox",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/mbox/series/{series_id}")
def series_mbox(series_id: int, session: SessionDep) -> Response:
    """The series for `git am`: trailers from the list, Link: to the archive."""
    if not 0 < series_id < 2**63:
        raise NotFound(f"no series with id {series_id}")
    return _mbox(mbox.mbox_of_series(session, series_id), f"series-{series_id}.mbox")


@router.get("/mbox/patch/{patch_id}")
def patch_mbox(patch_id: int, session: SessionDep) -> Response:
    """One patch for `git am`."""
    if not 0 < patch_id < 2**63:
        raise NotFound(f"no patch with id {patch_id}")
    return _mbox(mbox.mbox_of_patch(session, patch_id), f"patch-{patch_id}.mbox")


@router.get("/mbox/thread/{msgid:path}")
def thread_mbox(msgid: str, session: SessionDep) -> Response:
    """The whole thread, every message as received (lore's t.mbox)."""
    return _mbox(mbox.mbox_of_thread(session, msgid), "thread.mbox")
