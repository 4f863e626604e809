"""The web UI: server-rendered pages, thin over read/.

pages.py holds the read-only routes; signin.py, actions.py, compose.py and me.py
the ones of a person (viewer.py: who is looking; forms.py: CSRF and refusals);
listing.py, seriesview.py, patchview.py and
threadview.py shape read/'s records for the templates; highlight.py and svg.py
draw the diff lines and the race diagrams.
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from reviewbot.web import actions, compose, forms, me, signin
from reviewbot.web import pages as _pages

router = APIRouter(include_in_schema=False)
router.include_router(signin.router)
router.include_router(actions.router)
router.include_router(compose.router)
router.include_router(me.router)
router.include_router(_pages.router)


def install(app: FastAPI) -> None:
    """The web UI's error pages: 404 and 500 (pages.py), refused forms (forms.py)."""
    _pages.install(app)
    forms.install(app)


__all__ = ["install", "router"]
