"""The tables of review: concerns, where each is anchored, which hunks a reply
covers, and race scenarios."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Concern(SQLModel, table=True):
    """A reviewer's point: a comment block anchored to a hunk line, a patch or a series,
    with the conversation that followed it and where it stands.

    Gerrit's comment model: file, side (old/new) and line; `hunk` is the index of
    the hunk within its file. Relinking keeps the id of the concern with the same
    (reply_id, position). `replies` is JSON: what the author and others said about
    it afterwards. `status_source_*` say what set the status: a message (msgid),
    a version (its label) or a user (their name). `context_zstd` holds the quoted
    context and the evidence, read back with packed.unpack_texts.
    """

    __table_args__ = (UniqueConstraint("reply_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    patch_id: int | None = Field(default=None, foreign_key="patch.id", index=True)
    # no index of its own: the unique (reply_id, position) one serves lookups by reply
    reply_id: int = Field(foreign_key="message.id")
    position: int  # the comment's order within its reply
    scope: str  # hunk, patch, series
    file: str | None = None
    hunk: int | None = None
    side: str | None = None
    line: int | None = None
    quoted_line: str | None = None
    kind: str
    status: str = Field(default="open", index=True)
    status_reason: str = ""
    status_source_kind: str | None = Field(default=None, max_length=16)
    status_source_ref: str | None = None
    reviewer_name: str = ""
    reviewer_email: str = ""
    date: datetime | None = None
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # the quoted lines it answers and the evidence for its anchor, which repeats the
    # last of them and the hunk's header: packed.pack_texts(quoted, evidence)
    context_zstd: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    replies: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))


class ConcernPlace(SQLModel, table=True):
    """Where a concern stands in a later version of its series (Gerrit's ported comment).

    `outcome` is "carried" (the hunk is unchanged there: the concern still stands),
    "addressed" (that version changes the hunk) or "dropped" (it drops the patch).
    `linked_by` is the series whose linking computed the place: relinking it
    replaces its places.
    """

    id: int | None = Field(default=None, primary_key=True)
    # no foreign key: relinking deletes and re-inserts concerns under the same ids
    concern_id: int = Field(index=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    patch_id: int | None = Field(default=None, index=True)
    file: str | None = None
    hunk: int | None = None
    line: int | None = None
    outcome: str = Field(max_length=16)
    linked_by: int = Field(index=True)


class HunkCover(SQLModel, table=True):
    """A reviewer's reply covering a hunk: it quoted the hunk's lines or commented on it.

    Replaced with its series' concerns when the series is relinked. `how` is
    "commented" or "quoted"; `hunk` counts within its file, as concerns do.
    """

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    patch_id: int = Field(foreign_key="patch.id", index=True)
    file: str
    hunk: int
    reviewer_name: str = ""
    reviewer_email: str = ""
    how: str = Field(max_length=16)
    reply_id: int = Field(foreign_key="message.id")


class RaceScenario(SQLModel, table=True):
    """An interleaving described in a message, as steps, with its links to hunks (JSON)."""

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    position: int
    depth: int = 0
    steps: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    actors: str = "[]"
    identifiers: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    outcome: str = ""
    alternatives: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    links: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
    evidence: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))
