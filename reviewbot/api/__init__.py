"""The REST API under /api/v1/: response models in models.py (built from read/ by
present.py), one router per noun."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI

from reviewbot.api.bodies import Problem
from reviewbot.api.http import BodyLimit, install_error_handlers, known_query
from reviewbot.api.routes_mail import router as mail_router
from reviewbot.api.routes_me import router as me_router
from reviewbot.api.routes_review import router as review_router
from reviewbot.api.routes_series import router as series_router

# any request may be refused before routing (api/http.py: a NUL anywhere in it)
# and a query parameter no route of it takes is a 422, not silently ignored
router = APIRouter(
    prefix="/api/v1",
    responses={400: {"model": Problem, "description": "A request holding a NUL character"}},
    dependencies=[Depends(known_query)],
)
router.include_router(series_router)
router.include_router(mail_router)
router.include_router(review_router)
router.include_router(me_router)


def install(app: FastAPI) -> None:
    """What the API needs from the app: JSON errors and the request body limit."""
    install_error_handlers(app)
    app.add_middleware(BodyLimit)
