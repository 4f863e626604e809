"""The tables of work done on the mail: archive months read and URLs that failed,
apply runs per patch and hunk, and where a patch is upstream."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class ScrapeMonth(SQLModel, table=True):
    """A month of a web archive (pipermail, HyperKitty) and how far it was read."""

    __table_args__ = (UniqueConstraint("archive_url", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    archive_url: str
    name: str  # "2023-July" (pipermail), "2023-07" (HyperKitty)
    complete: bool = False
    pages: int = 0  # pipermail: pages listed; HyperKitty: messages in the last export
    scraped_at: datetime | None = None
    # HyperKitty: the day (YYYY-MM-DD, UTC) the next read of this month starts from:
    # that of the newest mail read while it was open; its end once read whole after
    resume_from: str | None = Field(default=None, max_length=10)


class ScrapeError(SQLModel, table=True):
    """A URL that could not be fetched or read, kept for a later retry."""

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(unique=True)
    month: str = ""
    error: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    attempts: int = 1
    first_seen: datetime
    last_seen: datetime
    resolved: bool = Field(default=False, index=True)


class ApplyRun(SQLModel, table=True):
    """One `reviewbot apply` of a series to a tree."""

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    tree: str
    tree_head: str
    tree_date: datetime | None = None
    base: str
    base_source: str
    base_note: str = ""
    created_at: datetime


class PatchApply(SQLModel, table=True):
    """What happened to one patch in an apply run."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="applyrun.id", index=True)
    patch_id: int = Field(foreign_key="patch.id", index=True)
    number: int
    status: str
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    commit: str | None = Field(default=None, max_length=64)  # already-applied: carried by


class HunkApply(SQLModel, table=True):
    """What happened to one hunk in an apply run."""

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="applyrun.id", index=True)
    patch_id: int = Field(foreign_key="patch.id")
    hunk_id: int | None = Field(default=None, foreign_key="hunk.id", index=True)
    file: str
    header: str
    status: str
    offset: int = 0
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class PatchUpstream(SQLModel, table=True):
    """Where a patch is in a tree's history: the newest `reviewbot upstream` check of it.

    `match` is exact (the same patch-id), similar (another version: `score` and
    `detail` say how alike and what differs), present (the change is in the tree
    but no commit of the range carries it) or not-found.
    """

    id: int | None = Field(default=None, primary_key=True)
    patch_id: int = Field(foreign_key="patch.id", unique=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    tree: str
    tree_head: str = Field(max_length=64)
    rev_range: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    match: str = Field(max_length=16)
    commit: str | None = Field(default=None, max_length=64)
    subject: str | None = Field(default=None, sa_column=Column(Text))
    score: float | None = None
    tag: str | None = None
    author_date: datetime | None = None
    commit_date: datetime | None = None
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    checked_at: datetime
