"""The tables of people and what they did: API tokens, accounts, web sessions,
and the events feeds and the queue are built from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class ApiToken(SQLModel, table=True):
    """An API token: only its sha256 is stored; the token is shown once, at creation."""

    id: int | None = Field(default=None, primary_key=True)
    user: str
    token_hash: str = Field(unique=True, max_length=64)
    read_only: bool = False
    created_at: datetime
    revoked_at: datetime | None = None


class Event(SQLModel, table=True):
    """One change: who, when, what, from -> to; written by the API, the CLI and import.

    `target` is "patch", "series" or "concern"; `via` is "api", "cli", "web" (a
    signed-in user of the web UI) or "mail" (a state inferred from the thread).
    `concern_key` ("reply_id:position") names a concern across rebuilds, which
    change concern ids. An event via mail is dated by the mail that caused it,
    whose Message-ID is `msgid`.
    """

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(index=True)
    category: str = Field(index=True, max_length=64)
    actor: str
    via: str = Field(max_length=8)
    target: str = Field(max_length=16)
    target_id: int
    series_id: int | None = Field(default=None, index=True)
    patch_id: int | None = Field(default=None, index=True)
    concern_key: str | None = Field(default=None, index=True, max_length=64)
    field: str = Field(max_length=32)
    old_value: str | None = None
    new_value: str | None = None
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    msgid: str | None = Field(default=None, max_length=998)


class Account(SQLModel, table=True):
    """A person of the web UI and `queue`: known by name (a token's user), with the
    addresses they write from and the paths they watch (JSON lists), and a password
    (argon2) if they sign in with one."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    emails: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    watches: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    password_hash: str | None = None
    created_at: datetime


class WebSession(SQLModel, table=True):
    """A browser signed in: only the sha256 of its cookie's secret is stored.

    `token_id` is the API token it signed in with (None: a password): revoking the
    token ends the session too. Nothing about it is written on a GET.
    """

    id: int | None = Field(default=None, primary_key=True)
    secret_hash: str = Field(unique=True, max_length=64)
    user: str
    read_only: bool = False
    token_id: int | None = None
    created_at: datetime
    expires_at: datetime = Field(index=True)
