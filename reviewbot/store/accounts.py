"""People's accounts (addresses, watched paths, password) and their web sessions."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlmodel import Session

from reviewbot.errors import Conflict, InputError
from reviewbot.models import ACCOUNT, WEB_SESSION, utcnow
from reviewbot.store._base import insert_ignoring
from reviewbot.tokens import hash_token, new_session_secret

SESSION_DAYS = 14
_LISTS = ("emails", "watches")
MAX_NAME = 200


def _ensure_account(session: Session, name: str) -> str:
    """The account of `name`, created empty when it has none yet; its clean name."""
    name = name.strip()
    if not name or len(name) > MAX_NAME or any(ord(ch) < 32 for ch in name):
        raise InputError(f"{name!r} is not a user name")
    row = {"name": name, "emails": "[]", "watches": "[]", "created_at": utcnow()}
    session.connection().execute(insert_ignoring(session, ACCOUNT, ["name"]), [row])
    return name


def edit_account_list(
    *,
    session: Session,
    name: str,
    field: str,
    add: Sequence[str] = (),
    remove: Sequence[str] = (),
) -> tuple[str, ...]:
    """Add and remove (already cleaned) items of a person's `emails` or `watches`; the
    list after. Compare-and-set: Conflict when somebody else edited it meanwhile."""
    assert field in _LISTS
    name = _ensure_account(session, name)
    column = ACCOUNT.c[field]
    conn = session.connection()
    old = conn.execute(select(column).where(ACCOUNT.c.name == name)).scalar_one()
    items = [x for x in json.loads(old) if x not in remove]
    items += [x for x in dict.fromkeys(add) if x not in items]
    result = conn.execute(
        update(ACCOUNT)
        .where(ACCOUNT.c.name == name, column == old)
        .values({field: json.dumps(items)})
    )
    if not result.rowcount:
        raise Conflict(f"the {field} of {name} changed meanwhile; try again")
    return tuple(items)


def set_password(*, session: Session, name: str, password_hash: str | None) -> None:
    """Give a person a password (its argon2 hash), or take it away (None)."""
    name = _ensure_account(session, name)
    session.connection().execute(
        update(ACCOUNT).where(ACCOUNT.c.name == name).values(password_hash=password_hash)
    )


def open_session(
    *, session: Session, user: str, read_only: bool, token_id: int | None, now: datetime
) -> str:
    """Start a web session for `user`; its secret (the cookie's value), shown only here.

    Sessions that expired are deleted on the way: signing in is a write anyway,
    and no GET ever writes.
    """
    conn = session.connection()
    conn.execute(delete(WEB_SESSION).where(WEB_SESSION.c.expires_at <= now))
    secret = new_session_secret()
    row = {
        "secret_hash": hash_token(secret),
        "user": user,
        "read_only": read_only,
        "token_id": token_id,
        "created_at": now,
        "expires_at": now + timedelta(days=SESSION_DAYS),
    }
    conn.execute(WEB_SESSION.insert(), [row])
    return secret


def close_session(*, session: Session, secret: str) -> None:
    """End the web session holding this secret (signing out); nothing when none does."""
    session.connection().execute(
        delete(WEB_SESSION).where(WEB_SESSION.c.secret_hash == hash_token(secret))
    )
