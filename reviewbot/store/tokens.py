"""API tokens: stored as sha256 hashes, revoked by date."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session

from reviewbot.models import ApiToken
from reviewbot.store._base import _insert_returning_ids, _t


def save_token(
    *, session: Session, user: str, token_hash: str, read_only: bool, now: datetime
) -> int:
    """Insert a token; return its id."""
    table = _t(ApiToken)
    row = {"user": user, "token_hash": token_hash, "read_only": read_only, "created_at": now}
    # read RETURNING to the end: an unfinished statement keeps the commit from happening
    (token_id,) = _insert_returning_ids(session, table, [row])
    return token_id


def load_token_by_hash(*, session: Session, token_hash: str) -> Any | None:
    """The token row with this hash, revoked or not."""
    table = _t(ApiToken)
    stmt = select(table).where(table.c.token_hash == token_hash)
    return session.connection().execute(stmt).first()


def load_tokens(*, session: Session) -> list[Any]:
    """Every token row (hashes included), oldest first."""
    table = _t(ApiToken)
    return list(session.connection().execute(select(table).order_by(table.c.id)))


def revoke_token(*, session: Session, token_id: int, now: datetime) -> bool:
    """Mark a token revoked; False when there is no such live token."""
    table = _t(ApiToken)
    result = session.connection().execute(
        update(table)
        .where(table.c.id == token_id, table.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)
