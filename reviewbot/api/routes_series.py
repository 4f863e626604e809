"""/series and /patches: lists, details, mbox, and PATCH of state, delegate, archived."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, TypeAdapter
from sqlmodel import Session

from reviewbot import store
from reviewbot.api import present
from reviewbot.api.auth import writer
from reviewbot.api.bodies import Problem, StateUpdate
from reviewbot.api.filters import MAX_ID, TEXT, common_filters
from reviewbot.api.http import check_if_match, detail_response
from reviewbot.api.models import (
    PatchDetail,
    PatchPublic,
    SeriesDetail,
    SeriesPublic,
)
from reviewbot.api.paging import list_response, page_params
from reviewbot.deps import ReadSession, SessionDep, commit_url
from reviewbot.errors import Conflict
from reviewbot.events import WRITABLE
from reviewbot.models import PatchState
from reviewbot.read import apply, mbox, patches, series, upstream
from reviewbot.read.filters import Filters, Page
from reviewbot.tokens import TokenOwner

router = APIRouter()
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
StateQ = Annotated[PatchState | None, Query(description="Only this state.")]
FileQ = Annotated[
    str | None, Query(max_length=TEXT, description="Touches this path (or dir/ prefix).")
]
OpenQ = Annotated[bool | None, Query(description="With (true) or without open concerns.")]
ArchivedQ = Annotated[bool | None, Query(description="Archived (true) or not.")]
InTreeQ = Annotated[
    bool | None,
    Query(
        description="In the tree (true: a commit carries every patch, commit_ref) or not "
        "(false: some patch is not known to be in it)."
    ),
]
FiltersDep = Annotated[Filters, Depends(common_filters)]
PageDep = Annotated[Page, Depends(page_params)]
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "A body that cannot be read as JSON"},
    401: {"model": Problem, "description": "No token, or an invalid or revoked one"},
    403: {"model": Problem, "description": "A read-only token"},
    404: {"model": Problem, "description": "No such resource"},
    409: {"model": Problem, "description": "Changed by somebody else during the write"},
    412: {"model": Problem, "description": "If-Match names an older version"},
    413: {"model": Problem, "description": "Request body over 64 KiB"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem}}
_SERIES_LIST = TypeAdapter(list[SeriesPublic])
_PATCH_LIST = TypeAdapter(list[PatchPublic])
MBOX: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/mbox": {}}, "description": "An mboxrd file"}
}


@router.get("/series", response_model=list[SeriesPublic], tags=["series"])
async def list_series(
    request: Request,
    session: ReadSession,
    f: FiltersDep,
    page: PageDep,
    state: StateQ = None,
    file: FileQ = None,
    open_concerns: OpenQ = None,
    archived: ArchivedQ = None,
    in_tree: InTreeQ = None,
) -> Response:
    """Series, newest first."""
    f = replace(f, state=state, file=file, open_concerns=open_concerns, archived=archived)
    f = replace(f, in_tree=in_tree)
    found = series.list_series(session, f, page)
    items = [present.series_item(s) for s in found.items]
    return list_response(request, _SERIES_LIST, items, page, found.total)


@router.get(
    "/series/{series_id}", response_model=SeriesDetail, responses=NOT_FOUND, tags=["series"]
)
async def get_series(series_id: Id, request: Request, session: ReadSession) -> Response:
    """One series with its patches (ETag; If-None-Match gives 304)."""
    return detail_response(request, _series_detail(request, session, series_id))


@router.get("/series/{series_id}/mbox", responses={**MBOX, **NOT_FOUND}, tags=["series"])
async def series_mbox(series_id: Id, session: ReadSession) -> Response:
    """The series as an mbox for `git am`, with the trailers given on the list."""
    return _mbox(mbox.mbox_of_series(session, series_id), f"series-{series_id}.mbox")


@router.patch(
    "/series/{series_id}", response_model=SeriesDetail, responses=WRITE_ERRORS, tags=["series"]
)
def update_series(
    series_id: Id,
    body: StateUpdate,
    request: Request,
    session: SessionDep,
    owner: Annotated[TokenOwner, Depends(writer)],
) -> Response:
    """Set a series' state, delegate or archived flag (needs a token; If-Match honoured)."""
    row = store.load_target(session=session, target="series", target_id=series_id)
    shown = _series_detail(request, session, series_id)
    _write(request, session, "series", row, shown, body, owner)
    return detail_response(request, _series_detail(request, session, series_id))


@router.get("/patches", response_model=list[PatchPublic], tags=["patches"])
async def list_patches(
    request: Request,
    session: ReadSession,
    f: FiltersDep,
    page: PageDep,
    state: StateQ = None,
    file: FileQ = None,
    open_concerns: OpenQ = None,
    archived: ArchivedQ = None,
    in_tree: InTreeQ = None,
) -> Response:
    """Patches, most recently imported first."""
    f = replace(f, state=state, file=file, open_concerns=open_concerns, archived=archived)
    f = replace(f, in_tree=in_tree)
    found = patches.list_patches(session, f, page)
    items = [present.patch_item(p) for p in found.items]
    return list_response(request, _PATCH_LIST, items, page, found.total)


@router.get(
    "/patches/{patch_id}", response_model=PatchDetail, responses=NOT_FOUND, tags=["patches"]
)
async def get_patch(patch_id: Id, request: Request, session: ReadSession) -> Response:
    """One patch with its diff and trailers (ETag; If-None-Match gives 304)."""
    return detail_response(request, _patch_detail(request, session, patch_id))


@router.get("/patches/{patch_id}/mbox", responses={**MBOX, **NOT_FOUND}, tags=["patches"])
async def patch_mbox(patch_id: Id, session: ReadSession) -> Response:
    """The patch as an mbox for `git am`, with the trailers given on the list."""
    return _mbox(mbox.mbox_of_patch(session, patch_id), f"patch-{patch_id}.mbox")


@router.patch(
    "/patches/{patch_id}", response_model=PatchDetail, responses=WRITE_ERRORS, tags=["patches"]
)
def update_patch(
    patch_id: Id,
    body: StateUpdate,
    request: Request,
    session: SessionDep,
    owner: Annotated[TokenOwner, Depends(writer)],
) -> Response:
    """Set a patch's state, delegate or archived flag (needs a token; If-Match honoured)."""
    row = store.load_target(session=session, target="patch", target_id=patch_id)
    shown = _patch_detail(request, session, patch_id)
    _write(request, session, "patch", row, shown, body, owner)
    return detail_response(request, _patch_detail(request, session, patch_id))


def _series_detail(request: Request, session: Session, series_id: int) -> SeriesDetail:
    found = series.series_detail(session, series_id)
    return present.series_detail(found, commit_url(request))


def _patch_detail(request: Request, session: Session, patch_id: int) -> PatchDetail:
    """The patch with its newest apply result and upstream check."""
    d = patches.patch_detail(session, patch_id)
    p = d.patch
    applied = apply.patch_apply(session, p.series_id, p.id, p.number)
    check = upstream.upstream_of_patch(session, p.id)
    return present.patch_detail(d, applied, check, commit_url(request))


def _write(
    request: Request,
    session: Session,
    target: str,
    row: Any,
    shown: BaseModel,
    body: StateUpdate,
    owner: TokenOwner,
) -> None:
    """Check If-Match against what was read, then write compare-and-set, with events."""
    if any(getattr(row, k) != getattr(shown, k) for k in WRITABLE[target]):
        # changed between our two reads: whatever the client read is not current
        raise Conflict(f"{target} changed while it was being read; read it again")
    check_if_match(request, shown)
    store.apply_changes(
        session=session, target=target, row=row, values=body.values(), actor=owner.user, via="api"
    )
    session.commit()


def _mbox(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="application/mbox",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
