"""People as the web UI and `queue` know them: their account, their signed-in session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.models import ACCOUNT, TOKEN, WEB_SESSION
from reviewbot.read.sql import first
from reviewbot.tokens import hash_token, password_matches


@dataclass(frozen=True)
class AccountInfo:
    """A person: their name, the addresses they write from, the paths they watch."""

    name: str
    emails: tuple[str, ...]
    watches: tuple[str, ...]
    has_password: bool


@dataclass(frozen=True)
class SessionUser:
    """Who a signed-in browser is, and whether they may act."""

    user: str
    read_only: bool
    expires_at: datetime


def account_of(session: Session, name: str) -> AccountInfo:
    """A person's account; an empty one for a name that has none yet."""
    row = first(session, select(ACCOUNT).where(ACCOUNT.c.name == name.strip()))
    if row is None:
        return AccountInfo(name.strip(), (), (), False)
    emails, watches = json.loads(row.emails), json.loads(row.watches)
    return AccountInfo(row.name, tuple(emails), tuple(watches), row.password_hash is not None)


def check_password(session: Session, name: str, password: str) -> bool:
    """Whether `password` is this person's (False when they have none)."""
    row = first(session, select(ACCOUNT.c.password_hash).where(ACCOUNT.c.name == name.strip()))
    return password_matches(row.password_hash if row else None, password)


def session_user(session: Session, secret: str, now: datetime) -> SessionUser | None:
    """The live session holding this cookie secret, or None (unknown, expired, or its
    token revoked). A read: nothing about the session is written."""
    stmt = (
        select(WEB_SESSION, TOKEN.c.revoked_at)
        .outerjoin(TOKEN, TOKEN.c.id == WEB_SESSION.c.token_id)
        .where(WEB_SESSION.c.secret_hash == hash_token(secret))
    )
    row = first(session, stmt)
    if row is None or row.expires_at <= now or row.revoked_at is not None:
        return None
    return SessionUser(row.user, row.read_only, row.expires_at)
