"""API tokens: a secret shown once at creation, stored only as its sha256.

store.tokens creates and revokes them, read.tokens checks and lists them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

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


def new_secret() -> str:
    """A fresh token secret."""
    return _PREFIX + secrets.token_urlsafe(32)
