"""API tokens: created for a user, shown once, stored as a sha256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session

from reviewbot import store
from reviewbot.errors import InputError, NotFound

_PREFIX = "rbt_"  # recognisable in logs and by secret scanners


@dataclass(frozen=True)
class NewToken:
    """A token just created: the only time its secret is known."""

    id: int
    user: str
    read_only: bool
    token: str


@dataclass(frozen=True)
class TokenOwner:
    """Who a presented token belongs to, and whether it may write."""

    id: int
    user: str
    read_only: bool


def hash_token(token: str) -> str:
    """The stored form of a token: a high-entropy secret needs no slow KDF."""
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def utcnow() -> datetime:
    """Now, in UTC (the database's datetime columns take aware values only)."""
    return datetime.now(UTC)


def create_token(*, session: Session, user: str, read_only: bool = False) -> NewToken:
    """Make a token for `user`; the caller shows `.token` once and commits."""
    user = user.strip()
    if not user:
        raise InputError("a token needs a user name")
    token = _PREFIX + secrets.token_urlsafe(32)
    token_id = store.save_token(
        session=session, user=user, token_hash=hash_token(token), read_only=read_only, now=utcnow()
    )
    return NewToken(token_id, user, read_only, token)


def check_token(*, session: Session, token: str) -> TokenOwner | None:
    """The live token's owner, or None for an unknown or revoked token."""
    row = store.load_token_by_hash(session=session, token_hash=hash_token(token))
    if row is None or row.revoked_at is not None:
        return None
    return TokenOwner(row.id, row.user, row.read_only)


def revoke_token(*, session: Session, token_id: int) -> None:
    """Revoke a token by id; NotFound when there is no live token with that id."""
    if not store.revoke_token(session=session, token_id=token_id, now=utcnow()):
        raise NotFound(f"no live token with id {token_id}")


def list_tokens(*, session: Session) -> list[dict[str, Any]]:
    """Every token, without its hash."""
    return [
        {
            "id": r.id,
            "user": r.user,
            "read_only": r.read_only,
            "created_at": r.created_at.isoformat(),
            "revoked_at": r.revoked_at.isoformat() if r.revoked_at else None,
        }
        for r in store.load_tokens(session=session)
    ]
