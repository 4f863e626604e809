"""SQL for the series, patch and cover endpoints, and the read models built from it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, exists, func, or_, select
from sqlmodel import Session

from reviewbot.api.filters import Filters, path_match, person_match, time_range
from reviewbot.api.models import (
    CoverDetail,
    CoverPublic,
    FilePublic,
    PatchDetail,
    PatchPublic,
    PersonRef,
    SeriesDetail,
    SeriesPublic,
    TrailerPublic,
)
from reviewbot.errors import NotFound
from reviewbot.read.queries import CONCERN, FILE, MESSAGE, PATCH, SERIES, TRAILER
from reviewbot.read.search import matching_messages, matching_patches, matching_series, parse_query

API = "/api/v1"
# list items leave the big text columns out
_PATCH_LIST_COLS = [c for c in PATCH.c if c.name not in ("commit_message", "diff", "diffstat")]


def all_rows(session: Session, stmt: Any) -> list[Any]:
    """Every row a statement returns."""
    return list(session.connection().execute(stmt).all())


def series_statement(
    session: Session,
    f: Filters,
    *,
    state: str | None,
    file: str | None,
    open_concerns: bool | None,
    archived: bool | None,
) -> Select[Any]:
    """The filtered series list, newest first."""
    patch_count = select(func.count()).where(PATCH.c.series_id == SERIES.c.id).scalar_subquery()
    cover = select(MESSAGE.c.msgid).where(MESSAGE.c.id == SERIES.c.cover_id).scalar_subquery()
    stmt = select(SERIES, patch_count.label("patch_count"), cover.label("cover_msgid"))
    conds: list[ColumnElement[bool]] = time_range(f, SERIES.c.date)
    if state:
        conds.append(SERIES.c.state == state)
    if archived is not None:
        conds.append(SERIES.c.archived == archived)
    if f.submitter:
        conds.append(person_match(f.submitter, SERIES.c.submitter_name, SERIES.c.submitter_email))
    if f.series:
        conds.append(SERIES.c.id == f.series)
    if f.msgid:
        placed = select(MESSAGE.c.series_id).where(MESSAGE.c.msgid == f.msgid)
        conds.append(SERIES.c.id.in_(placed))
    if f.q and not (query := parse_query(f.q)).empty:
        conds.append(SERIES.c.id.in_(matching_series(session, query)))
    if file:
        touching = (
            select(PATCH.c.series_id)
            .join(FILE, FILE.c.patch_id == PATCH.c.id)
            .where(path_match(file, FILE.c.old_path, FILE.c.new_path))
        )
        conds.append(SERIES.c.id.in_(touching))
    if open_concerns is not None:
        has_open = exists().where(CONCERN.c.series_id == SERIES.c.id, CONCERN.c.status == "open")
        conds.append(has_open if open_concerns else ~has_open)
    return stmt.where(*conds).order_by(SERIES.c.date.desc(), SERIES.c.id.desc())


def series_public(r: Any) -> SeriesPublic:
    """A series row (with patch_count and cover_msgid) as a list item."""
    return SeriesPublic(**_series_fields(r))


def _series_fields(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "url": f"{API}/series/{r.id}",
        "mbox": f"{API}/series/{r.id}/mbox",
        "title": r.title,
        "version": r.version,
        "version_label": r.version_label,
        "total": r.total,
        "submitter": PersonRef(name=r.submitter_name, email=r.submitter_email),
        "date": r.date,
        "last_date": r.last_date,
        "state": r.state,
        "state_reason": r.state_reason,
        "state_by": r.state_by,
        "delegate": r.delegate,
        "archived": r.archived,
        "cover_msgid": r.cover_msgid,
        "patch_count": r.patch_count or 0,
        "missing": json.loads(r.missing or "[]"),
        "previous_id": r.previous_id,
        "superseded_by_id": r.superseded_by_id,
        "rfc": r.rfc,
    }


def series_detail(session: Session, series_id: int) -> SeriesDetail:
    """One series with its patches; NotFound when there is none."""
    f = Filters(None, series_id, None, None, None, None)
    stmt = series_statement(session, f, state=None, file=None, open_concerns=None, archived=None)
    found = all_rows(session, stmt)
    if not found:
        raise NotFound(f"no series with id {series_id}")
    patches = all_rows(
        session,
        _patch_base().where(PATCH.c.series_id == series_id).order_by(PATCH.c.number, PATCH.c.id),
    )
    trailers = trailers_of(session, series_id, None)
    return SeriesDetail(
        **_series_fields(found[0]),
        base_commit=found[0].base_commit,
        patches=[patch_public(p) for p in patches],
        trailers=trailers,
    )


def _patch_base(cols: list[Any] | None = None) -> Select[Any]:
    return select(*(cols or _PATCH_LIST_COLS), MESSAGE.c.msgid, MESSAGE.c.date).join(
        MESSAGE, MESSAGE.c.id == PATCH.c.message_id
    )


def patch_conditions(
    session: Session,
    f: Filters,
    *,
    state: str | None,
    file: str | None,
    open_concerns: bool | None,
    archived: bool | None,
) -> list[ColumnElement[bool]]:
    """The patch list's filters, on the patch table alone (so counting needs no join)."""
    conds: list[ColumnElement[bool]] = []
    if f.msgid or f.since or f.before:
        mail = [MESSAGE.c.msgid == f.msgid] if f.msgid else []
        mail += time_range(f, MESSAGE.c.date)
        conds.append(PATCH.c.message_id.in_(select(MESSAGE.c.id).where(*mail)))
    if state:
        conds.append(PATCH.c.state == state)
    if archived is not None:
        conds.append(PATCH.c.archived == archived)
    if f.submitter:
        conds.append(person_match(f.submitter, PATCH.c.author_name, PATCH.c.author_email))
    if f.series:
        conds.append(PATCH.c.series_id == f.series)
    if f.q and not (query := parse_query(f.q)).empty:
        conds.append(PATCH.c.id.in_(matching_patches(session, query)))
    if file:
        touching = select(FILE.c.patch_id).where(path_match(file, FILE.c.old_path, FILE.c.new_path))
        conds.append(PATCH.c.id.in_(touching))
    if open_concerns is not None:
        has_open = exists().where(CONCERN.c.patch_id == PATCH.c.id, CONCERN.c.status == "open")
        conds.append(has_open if open_concerns else ~has_open)
    return conds


def patch_statement(conds: list[ColumnElement[bool]]) -> Select[Any]:
    """The filtered patch list, newest (highest id: imported last) first.

    By id, as patchwork orders: an index on the filtered columns then yields the
    page without sorting every match by date.
    """
    return _patch_base().where(*conds).order_by(PATCH.c.id.desc())


def patch_count(conds: list[ColumnElement[bool]]) -> Select[Any]:
    """How many patches the filters match."""
    return select(func.count()).select_from(PATCH).where(*conds)


def patch_public(r: Any) -> PatchPublic:
    """A patch row (with msgid and date) as a list item."""
    return PatchPublic(**_patch_fields(r))


def _patch_fields(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "url": f"{API}/patches/{r.id}",
        "mbox": f"{API}/patches/{r.id}/mbox",
        "series_id": r.series_id,
        "number": r.number,
        "msgid": r.msgid,
        "subject": r.subject,
        "title": r.title,
        "submitter": PersonRef(name=r.author_name, email=r.author_email),
        "date": r.date,
        "state": r.state,
        "state_reason": r.state_reason,
        "state_by": r.state_by,
        "delegate": r.delegate,
        "archived": r.archived,
        "added": r.added,
        "removed": r.removed,
    }


# the patch detail is the hot path: its statements are built once, with parameters
_PATCH_BY_ID = _patch_base(list(PATCH.c)).where(PATCH.c.id == bindparam("patch_id"))
_FILES_OF = select(FILE).where(FILE.c.patch_id == bindparam("patch_id")).order_by(FILE.c.position)
_REPLIES_TO = (
    select(MESSAGE.c.msgid)
    .where(MESSAGE.c.patch_id == bindparam("patch_id"), MESSAGE.c.kind.in_(("reply", "other")))
    .order_by(MESSAGE.c.date, MESSAGE.c.id)
)
# a patch's own trailers, then the cover letter's (patch_id NULL), which apply to all
_TRAILERS_OF = (
    select(TRAILER, MESSAGE.c.msgid)
    .join(MESSAGE, MESSAGE.c.id == TRAILER.c.message_id)
    .where(
        TRAILER.c.series_id == bindparam("series_id"),
        or_(TRAILER.c.patch_id.is_(None), TRAILER.c.patch_id == bindparam("patch_id")),
    )
    .order_by(TRAILER.c.patch_id.is_(None), TRAILER.c.id)
)


def _run(session: Session, stmt: Any, **params: Any) -> list[Any]:
    return list(session.connection().execute(stmt, params).all())


def patch_row(session: Session, patch_id: int) -> Any:
    """The full patch row with its msgid and date; NotFound when there is none."""
    found = _run(session, _PATCH_BY_ID, patch_id=patch_id)
    if not found:
        raise NotFound(f"no patch with id {patch_id}")
    return found[0]


def patch_detail(session: Session, patch_id: int) -> PatchDetail:
    """One patch with its diff, files, trailers (its own and the cover's) and replies."""
    r = patch_row(session, patch_id)
    files = _run(session, _FILES_OF, patch_id=patch_id)
    replies = _run(session, _REPLIES_TO, patch_id=patch_id)
    return PatchDetail(
        **_patch_fields(r),
        commit_message=r.commit_message,
        diffstat=r.diffstat,
        diff=r.diff,
        diff_error=r.diff_error,
        files=[
            FilePublic(
                path=f.old_path if f.change == "removed" else f.new_path,
                old_path=f.old_path,
                change=f.change,
                added=f.added,
                removed=f.removed,
            )
            for f in files
        ],
        trailers=trailers_of(session, r.series_id, patch_id),
        replies=[m.msgid for m in replies],
    )


def trailers_of(session: Session, series_id: int, patch_id: int | None) -> list[TrailerPublic]:
    """A patch's trailers and then those given on the cover letter (source "cover-reply").

    With `patch_id` None: only the cover letter's, which apply to every patch.
    """
    rows = _run(session, _TRAILERS_OF, series_id=series_id, patch_id=patch_id)
    return [
        TrailerPublic(
            name=t.name,
            value=t.value,
            source="cover-reply" if t.patch_id is None and patch_id is not None else t.source,
            msgid=t.msgid,
            mismatch=t.mismatch,
        )
        for t in rows
    ]


def cover_statement(session: Session, f: Filters) -> Select[Any]:
    """The filtered cover letters, newest first."""
    conds = [MESSAGE.c.kind == "cover", MESSAGE.c.series_id.is_not(None)]
    conds += message_conditions(session, f)
    cols = [c for c in MESSAGE.c if c.name not in ("raw", "body")]
    return select(*cols).where(*conds).order_by(MESSAGE.c.date.desc(), MESSAGE.c.id.desc())


def message_conditions(session: Session, f: Filters) -> list[ColumnElement[bool]]:
    """The common filters, on the message table (covers and messages)."""
    conds = time_range(f, MESSAGE.c.date)
    if f.submitter:
        conds.append(person_match(f.submitter, MESSAGE.c.from_name, MESSAGE.c.from_email))
    if f.series:
        conds.append(MESSAGE.c.series_id == f.series)
    if f.msgid:
        conds.append(MESSAGE.c.msgid == f.msgid)
    if f.q and not (query := parse_query(f.q)).empty:
        conds.append(MESSAGE.c.id.in_(matching_messages(session, query)))
    return conds


def cover_public(r: Any) -> CoverPublic:
    """A cover letter row as a list item."""
    return CoverPublic(
        id=r.id,
        url=f"{API}/covers/{r.id}",
        msgid=r.msgid,
        series_id=r.series_id,
        subject=r.subject,
        submitter=PersonRef(name=r.from_name, email=r.from_email),
        date=r.date,
    )


def cover_detail(session: Session, cover_id: int) -> CoverDetail:
    """One cover letter with its text; NotFound when there is none."""
    found = all_rows(
        session,
        select(MESSAGE).where(
            MESSAGE.c.id == cover_id, MESSAGE.c.kind == "cover", MESSAGE.c.series_id.is_not(None)
        ),
    )
    if not found:
        raise NotFound(f"no cover letter with id {cover_id}")
    return CoverDetail(**cover_public(found[0]).model_dump(), body=found[0].body)
