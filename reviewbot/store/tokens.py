"""API tokens: created hashed for a user, revoked by date."""

from __future__ import annotations

from sqlalchemy import update
from sqlmodel import Session

from reviewbot.errors import InputError, NotFound
from reviewbot.models import TOKEN, utcnow
from reviewbot.store._base import _insert_returning_ids
from reviewbot.tokens import NewToken, hash_token, new_secret


def create_token(*, session: Session, user: str, read_only: bool = False) -> NewToken:
    """Make a token for `user`; the caller shows `.token` once and commits."""
    user = user.strip()
    if not user:
        raise InputError("a token needs a user name")
    token = new_secret()
    row = {
        "user": user,
        "token_hash": hash_token(token),
        "read_only": read_only,
        "created_at": utcnow(),
    }
    # read RETURNING to the end: an unfinished statement keeps the commit from happening
    (token_id,) = _insert_returning_ids(session, TOKEN, [row])
    return NewToken(token_id, user, read_only, token)


def revoke_token(*, session: Session, token_id: int) -> None:
    """Revoke a token by id; NotFound when there is no live token with that id."""
    result = session.connection().execute(
        update(TOKEN)
        .where(TOKEN.c.id == token_id, TOKEN.c.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    if not result.rowcount:
        raise NotFound(f"no live token with id {token_id}")
