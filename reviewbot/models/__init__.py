"""Every database table, as SQLModel classes, and the values their columns take.

Alembic autogenerates migrations from `SQLModel.metadata`; change a table in one
of this package's modules (mail, work, review, people), then add a migration in
migrations/versions/. The Core `Table` of each model (`SERIES`, `PATCH`, ...) is
defined once here: store/ writes and read/ reads through them.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlmodel import SQLModel

from reviewbot.models.mail import Hunk, Message, MessageRef, Patch, PatchFile, Series, Trailer
from reviewbot.models.people import Account, ApiToken, Event, WebSession
from reviewbot.models.review import Concern, ConcernPlace, HunkCover, RaceScenario
from reviewbot.models.values import ConcernStatus, PatchState, utcnow
from reviewbot.models.work import (
    ApplyRun,
    HunkApply,
    PatchApply,
    PatchUpstream,
    ScrapeError,
    ScrapeMonth,
)

__all__ = [
    "Account",
    "ApiToken",
    "ApplyRun",
    "Concern",
    "ConcernPlace",
    "ConcernStatus",
    "Event",
    "Hunk",
    "HunkApply",
    "HunkCover",
    "Message",
    "MessageRef",
    "Patch",
    "PatchApply",
    "PatchFile",
    "PatchState",
    "PatchUpstream",
    "RaceScenario",
    "ScrapeError",
    "ScrapeMonth",
    "Series",
    "Trailer",
    "WebSession",
    "utcnow",
]


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


MESSAGE = _table(Message)
REF = _table(MessageRef)
SERIES = _table(Series)
PATCH = _table(Patch)
FILE = _table(PatchFile)
HUNK = _table(Hunk)
TRAILER = _table(Trailer)
SCRAPE_MONTH = _table(ScrapeMonth)
SCRAPE_ERROR = _table(ScrapeError)
APPLY_RUN = _table(ApplyRun)
PATCH_APPLY = _table(PatchApply)
HUNK_APPLY = _table(HunkApply)
UPSTREAM = _table(PatchUpstream)
CONCERN = _table(Concern)
CONCERN_PLACE = _table(ConcernPlace)
HUNK_COVER = _table(HunkCover)
RACE = _table(RaceScenario)
TOKEN = _table(ApiToken)
EVENT = _table(Event)
ACCOUNT = _table(Account)
WEB_SESSION = _table(WebSession)
