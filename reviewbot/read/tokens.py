"""API tokens as the server checks them and `token list` shows them (never their secrets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.models import TOKEN
from reviewbot.read.sql import first, rows
from reviewbot.tokens import TokenOwner, hash_token


@dataclass(frozen=True)
class TokenInfo:
    """A token without its hash."""

    id: int
    user: str
    read_only: bool
    created_at: datetime
    revoked_at: datetime | None


def check_token(session: Session, token: str) -> TokenOwner | None:
    """The live token's owner, or None for an unknown or revoked token."""
    row = first(session, select(TOKEN).where(TOKEN.c.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        return None
    return TokenOwner(row.id, row.user, row.read_only)


def list_tokens(session: Session) -> list[TokenInfo]:
    """Every token, oldest first."""
    found = rows(session, select(TOKEN).order_by(TOKEN.c.id))
    return [TokenInfo(r.id, r.user, r.read_only, r.created_at, r.revoked_at) for r in found]
