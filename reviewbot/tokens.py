"""Secrets and their stored forms: API tokens and web sessions (a secret kept only as
its sha256), passwords (argon2), and the CSRF token derived from a cookie's secret.

store.tokens creates and revokes tokens, read.tokens checks and lists them;
store.accounts and read.accounts do the same for sessions and passwords.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_PREFIX = "rbt_"  # recognisable in logs and by secret scanners
_HASHER = PasswordHasher()  # argon2id, the library's current parameters


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


def new_secret() -> str:
    """A fresh token secret."""
    return _PREFIX + secrets.token_urlsafe(32)


def new_session_secret() -> str:
    """A fresh web session's secret: the cookie's value, stored only as its sha256."""
    return secrets.token_urlsafe(32)


def csrf_token(secret: str) -> str:
    """The CSRF token of the forms shown to whoever holds this cookie's secret.

    Derived, not stored: only the cookie's holder can know it, and a page of
    another site can neither read the cookie nor this page.
    """
    key = secret.encode("utf-8", "replace")
    return hmac.new(key, b"reviewbot csrf", hashlib.sha256).hexdigest()


def hash_password(password: str) -> str:
    """A password's stored form (argon2id, salted)."""
    return _HASHER.hash(password)


def password_matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one `stored` was made from (False for no password)."""
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
