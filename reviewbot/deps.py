"""FastAPI dependencies shared by the web UI and the REST API."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy import Engine
from sqlmodel import Session


def get_engine(request: Request) -> Engine:
    """The engine the app was created with (one per worker process)."""
    engine: Engine = request.app.state.engine
    return engine


def get_session(request: Request) -> Iterator[Session]:
    """A session per request, closed when the response is done."""
    with Session(get_engine(request)) as session:
        yield session
