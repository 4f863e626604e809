"""/me/queue: what waits for the token's user (read/queue.py, as /me and `queue` show it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from sqlmodel import SQLModel

from reviewbot.api.auth import token_owner
from reviewbot.api.bodies import Problem
from reviewbot.deps import ReadSession
from reviewbot.read.queue import Queue, Reason
from reviewbot.read.queue import queue_of as read_queue
from reviewbot.read.series import SeriesSummary
from reviewbot.tokens import TokenOwner

router = APIRouter()


class QueueSeries(SQLModel):
    """A series as the queue names it."""

    id: int
    title: str
    version: int
    state: str
    submitter: str
    date: datetime | None
    delegate: str | None
    archived: bool


class QueueReason(SQLModel):
    """Why a series waits for you: `kind` is watched, delegated, answered (your concern
    got an answer), question (a reviewer asked you), raised (your concern is still
    open) or new-review (your series got review since your last mail)."""

    kind: str
    text: str
    since: datetime | None
    patch: int | None
    concern: int | None


class QueueEntry(SQLModel):
    """A series waiting for you, with every reason and the oldest one's date."""

    series: QueueSeries
    waiting_since: datetime | None
    reasons: list[QueueReason]


class WatchedEntry(SQLModel):
    """A series on a path you watch (any state), the globs and files it matched."""

    series: QueueSeries
    globs: list[str]
    paths: list[str]


class QueuePublic(SQLModel):
    """Your queue, longest waiting first, and the newest series on your watched paths."""

    user: str
    emails: list[str]
    watches: list[str]
    items: list[QueueEntry]
    watched: list[WatchedEntry]


@router.get(
    "/me/queue",
    response_model=QueuePublic,
    responses={401: {"model": Problem, "description": "No token, or an invalid one"}},
    tags=["me"],
)
async def my_queue(
    session: ReadSession, owner: Annotated[TokenOwner, Depends(token_owner)]
) -> QueuePublic:
    """What waits for the token's user (a read-only token will do)."""
    return present_queue(read_queue(session, owner.user))


def _series(s: SeriesSummary) -> QueueSeries:
    return QueueSeries(
        id=s.id,
        title=s.title,
        version=s.version,
        state=s.state,
        submitter=s.submitter,
        date=s.date,
        delegate=s.delegate,
        archived=s.archived,
    )


def _reason(r: Reason) -> QueueReason:
    return QueueReason(
        kind=r.kind, text=r.text, since=r.since, patch=r.patch_id, concern=r.concern_id
    )


def present_queue(q: Queue) -> QueuePublic:
    """The queue as the API returns it."""
    return QueuePublic(
        user=q.account.name,
        emails=list(q.account.emails),
        watches=list(q.account.watches),
        items=[
            QueueEntry(
                series=_series(i.series),
                waiting_since=i.waiting_since,
                reasons=[_reason(r) for r in i.reasons],
            )
            for i in q.items
        ],
        watched=[
            WatchedEntry(series=_series(w.series), globs=list(w.globs), paths=list(w.paths))
            for w in q.watched
        ],
    )
