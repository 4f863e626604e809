"""SQL for the message, people, concern, race and event endpoints, and their models."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, func, literal, select, union_all
from sqlmodel import Session

from reviewbot.api.filters import Filters, path_match, person_match, text_match, time_range
from reviewbot.api.models import (
    ConcernPublic,
    EventPublic,
    MessageDetail,
    MessagePublic,
    PersonPublic,
    PersonRef,
    RacePublic,
)
from reviewbot.errors import NotFound
from reviewbot.models import Event
from reviewbot.read.api_reads import API, all_rows, message_conditions
from reviewbot.read.queries import CONCERN, MESSAGE, PATCH, RACE, REF, SERIES

EVENT: Table = Event.__table__  # type: ignore[attr-defined]
_MESSAGE_LIST_COLS = [c for c in MESSAGE.c if c.name not in ("raw", "body")]


def message_statement(session: Session, f: Filters, *, patch: int | None) -> Select[Any]:
    """The filtered messages, newest first."""
    conds = message_conditions(session, f)
    if patch is not None:
        conds.append(MESSAGE.c.patch_id == patch)
    return (
        select(*_MESSAGE_LIST_COLS)
        .where(*conds)
        .order_by(MESSAGE.c.date.desc(), MESSAGE.c.id.desc())
    )


def message_public(r: Any) -> MessagePublic:
    """A message row as a list item."""
    return MessagePublic(**_message_fields(r))


def _message_fields(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "url": f"{API}/messages/{r.msgid}",
        "msgid": r.msgid,
        "subject": r.subject,
        "sender": PersonRef(name=r.from_name, email=r.from_email),
        "date": r.date,
        "kind": r.kind,
        "series_id": r.series_id,
        "patch_id": r.patch_id,
        "in_reply_to": r.in_reply_to,
    }


def message_detail(session: Session, msgid: str) -> MessageDetail:
    """One message by Message-ID, with its references; NotFound when there is none."""
    msgid = msgid.strip().strip("<>")
    found = all_rows(
        session, select(*_MESSAGE_LIST_COLS, MESSAGE.c.body).where(MESSAGE.c.msgid == msgid)
    )
    if not found:
        raise NotFound(f"no message <{msgid}>")
    r = found[0]
    refs = all_rows(
        session,
        select(REF.c.ref_msgid).where(REF.c.message_id == r.id).order_by(REF.c.position),
    )
    return MessageDetail(
        **_message_fields(r),
        body=r.body,
        references=[x.ref_msgid for x in refs],
        warnings=r.warnings,
        parse_error=r.parse_error,
        archive_url=r.archive_url,
        reconstructed_from=r.reconstructed_from,
    )


def people_statement(q: str | None, email: str | None = None) -> Select[Any]:
    """Everyone who wrote to the list, with counts, most messages first."""
    parts = [
        select(
            MESSAGE.c.from_email.label("email"),
            MESSAGE.c.from_name.label("name"),
            literal(1).label("m"),
            literal(0).label("p"),
            literal(0).label("s"),
        ),
        select(PATCH.c.author_email, PATCH.c.author_name, literal(0), literal(1), literal(0)),
        select(
            SERIES.c.submitter_email, SERIES.c.submitter_name, literal(0), literal(0), literal(1)
        ),
    ]
    every = union_all(*parts).subquery()
    stmt = select(
        every.c.email,
        func.max(every.c.name).label("name"),
        func.sum(every.c.m).label("messages"),
        func.sum(every.c.p).label("patches"),
        func.sum(every.c.s).label("series"),
    ).where(every.c.email != "")
    if email is not None:
        stmt = stmt.where(every.c.email == email)
    if q:
        stmt = stmt.where(text_match(q, every.c.email, every.c.name))
    return stmt.group_by(every.c.email).order_by(func.sum(every.c.m).desc(), every.c.email)


def person_public(r: Any) -> PersonPublic:
    """A people row as a list item."""
    return PersonPublic(
        email=r.email,
        url=f"{API}/people/{r.email}",
        name=r.name or "",
        messages=r.messages,
        patches=r.patches,
        series=r.series,
    )


def person_detail(session: Session, email: str) -> PersonPublic:
    """One person by address; NotFound when nobody wrote from it."""
    found = all_rows(session, people_statement(None, email.strip().strip("<>").lower()))
    if not found:
        raise NotFound(f"nobody wrote from {email!r}")
    return person_public(found[0])


def concern_statement(
    f: Filters, *, patch: int | None, status: str | None, file: str | None
) -> Select[Any]:
    """The filtered concerns, in thread order."""
    conds: list[ColumnElement[bool]] = time_range(f, CONCERN.c.date)
    if f.series:
        conds.append(CONCERN.c.series_id == f.series)
    if patch is not None:
        conds.append(CONCERN.c.patch_id == patch)
    if status:
        conds.append(CONCERN.c.status == status)
    if f.submitter:
        conds.append(person_match(f.submitter, CONCERN.c.reviewer_name, CONCERN.c.reviewer_email))
    if f.msgid:
        conds.append(MESSAGE.c.msgid == f.msgid)
    if f.q:
        conds.append(text_match(f.q, CONCERN.c.text))
    if file:
        conds.append(path_match(file, CONCERN.c.file, CONCERN.c.file))
    patch_msg = MESSAGE.alias("patch_message")
    return (
        select(
            CONCERN,
            PATCH.c.number.label("patch_number"),
            patch_msg.c.msgid.label("patch_msgid"),
            MESSAGE.c.msgid.label("reply_msgid"),
        )
        .join(MESSAGE, MESSAGE.c.id == CONCERN.c.reply_id)
        .outerjoin(PATCH, PATCH.c.id == CONCERN.c.patch_id)
        .outerjoin(patch_msg, patch_msg.c.id == PATCH.c.message_id)
        .where(*conds)
        .order_by(CONCERN.c.date, CONCERN.c.reply_id, CONCERN.c.position)
    )


def concern_public(r: Any) -> ConcernPublic:
    """A concern row as a list item (and detail: a concern is small)."""
    return ConcernPublic(
        id=r.id,
        url=f"{API}/concerns/{r.id}",
        series_id=r.series_id,
        patch_id=r.patch_id,
        patch_number=r.patch_number,
        patch_msgid=r.patch_msgid,
        reply_msgid=r.reply_msgid,
        position=r.position,
        scope=r.scope,
        file=r.file,
        hunk=r.hunk,
        side=r.side,
        line=r.line,
        quoted_line=r.quoted_line,
        kind=r.kind,
        status=r.status,
        status_reason=r.status_reason,
        reviewer=PersonRef(name=r.reviewer_name, email=r.reviewer_email),
        date=r.date,
        text=r.text,
        quoted=r.quoted,
        evidence=r.evidence,
    )


def concern_detail(session: Session, concern_id: int) -> ConcernPublic:
    """One concern; NotFound when there is none."""
    f = Filters(None, None, None, None, None, None)
    stmt = concern_statement(f, patch=None, status=None, file=None)
    found = all_rows(session, stmt.where(CONCERN.c.id == concern_id))
    if not found:
        raise NotFound(f"no concern with id {concern_id}")
    return concern_public(found[0])


def race_statement(series: int | None, msgid: str | None) -> Select[Any]:
    """Race scenarios, by series and the message describing them."""
    stmt = select(RACE, MESSAGE.c.msgid).join(MESSAGE, MESSAGE.c.id == RACE.c.message_id)
    if series is not None:
        stmt = stmt.where(RACE.c.series_id == series)
    if msgid:
        stmt = stmt.where(MESSAGE.c.msgid == msgid)
    return stmt.order_by(RACE.c.series_id, RACE.c.message_id, RACE.c.position)


def race_public(r: Any) -> RacePublic:
    """A race scenario row."""
    return RacePublic(
        id=r.id,
        url=f"{API}/races/{r.id}",
        series_id=r.series_id,
        message_msgid=r.msgid,
        position=r.position,
        depth=r.depth,
        steps=json.loads(r.steps),
        actors=json.loads(r.actors),
        identifiers=json.loads(r.identifiers),
        outcome=r.outcome,
        alternatives=json.loads(r.alternatives),
        links=json.loads(r.links),
        evidence=json.loads(r.evidence),
    )


def race_detail(session: Session, race_id: int) -> RacePublic:
    """One race scenario; NotFound when there is none."""
    found = all_rows(session, race_statement(None, None).where(RACE.c.id == race_id))
    if not found:
        raise NotFound(f"no race scenario with id {race_id}")
    return race_public(found[0])


def event_statement(
    f: Filters, *, category: str | None, patch: int | None, actor: str | None
) -> Select[Any]:
    """The filtered event log, newest first (patchwork's order)."""
    conds = time_range(f, EVENT.c.created_at)
    if category:
        conds.append(EVENT.c.category == category)
    if f.series:
        conds.append(EVENT.c.series_id == f.series)
    if patch is not None:
        conds.append(EVENT.c.patch_id == patch)
    if actor:
        conds.append(EVENT.c.actor == actor)
    # by time first: a poll's `since` then reads the created_at index from its end
    # rather than scanning the whole log backwards by id
    return select(EVENT).where(*conds).order_by(EVENT.c.created_at.desc(), EVENT.c.id.desc())


def event_public(r: Any) -> EventPublic:
    """An event row."""
    fields = {c.name: getattr(r, c.name) for c in EVENT.c if c.name != "concern_key"}
    return EventPublic(**fields, url=f"{API}/events/{r.id}")


def event_detail(session: Session, event_id: int) -> EventPublic:
    """One event; NotFound when there is none."""
    found = all_rows(session, select(EVENT).where(EVENT.c.id == event_id))
    if not found:
        raise NotFound(f"no event with id {event_id}")
    return event_public(found[0])
