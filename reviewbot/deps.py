"""FastAPI dependencies shared by the web UI and the REST API: the database session, and
the app's commit URL template."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot.config import DEFAULT_COMMIT_URL


def get_engine(request: Request) -> Engine:
    """The engine the app was created with (one per worker process)."""
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """A session per request, for `def` handlers run in the thread pool: writes, and
    pages that take a while to draw."""
    with Session(get_engine(request)) as session:
        yield session


async def read_session(request: Request) -> AsyncIterator[Session]:
    """A session for a read, on the event loop: no thread hop for a ~1 ms SQLite query.

    Reads never write or wait for the writers' lock, so they need no thread of
    their own.
    """
    with Session(get_engine(request)) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
ReadSession = Annotated[Session, Depends(read_session)]


def commit_url(request: Request) -> str:
    """The app's commit URL template (`{hash}` replaced), for links to a tree's commits."""
    template: str = getattr(request.app.state, "commit_url", DEFAULT_COMMIT_URL)
    return template
