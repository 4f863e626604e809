"""The ASGI application: the web UI and the REST API over one database.

`create_app(engine)` is what tests use; `app_from_env()` is the factory uvicorn
imports in each worker process, reading the database from REVIEWBOT_DB.
"""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import Engine

from reviewbot.api import install as install_api
from reviewbot.api import router as api_router
from reviewbot.config import commit_url_template, load_settings
from reviewbot.db import open_engine
from reviewbot.edge import EdgeHeaders
from reviewbot.web import install as install_web
from reviewbot.web import router as web_router


def create_app(engine: Engine, commit_url: str | None = None) -> FastAPI:
    """A FastAPI app serving `engine`'s database; `commit_url` links commits ({hash}),
    $REVIEWBOT_COMMIT_URL or libvirt's GitLab by default."""
    # the API docs are a page of the web UI (web/pages.py): served from local
    # assets under the pages' Content-Security-Policy, never from a CDN
    app = FastAPI(title="reviewbot", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.engine = engine
    app.state.commit_url = commit_url or commit_url_template()
    app.include_router(api_router)
    install_api(app)
    app.include_router(web_router)
    install_web(app)
    app.add_middleware(EdgeHeaders)
    return app


def app_from_env() -> FastAPI:
    """The app for the database named by REVIEWBOT_DB (uvicorn's factory)."""
    return create_app(open_engine(load_settings().database_url))
