"""The tables of what the list said: messages, their references, series, patches,
their files and hunks, and trailers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class Message(SQLModel, table=True):
    """Every message ever imported, with its raw bytes, parsed or not."""

    id: int | None = Field(default=None, primary_key=True)
    msgid: str = Field(unique=True, max_length=998)
    msgid_synthetic: bool = False
    subject: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    norm_subject: str = Field(default="", index=True, max_length=998)
    from_name: str = ""
    from_email: str = Field(default="", index=True)
    date: datetime | None = Field(default=None, index=True)
    in_reply_to: str | None = Field(default=None, index=True, max_length=998)
    # None when the raw bytes give the body back (reviewbot/packed.py): read it
    # through reviewbot.texts.message_body, never this column alone
    body: str | None = Field(default=None, sa_column=Column(Text))
    # the raw bytes, zstd-compressed with the mail dictionary (packed.pack / unpack)
    raw_zstd: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    source: str = ""
    position: int = 0
    kind: str = Field(default="other", max_length=16)
    series_id: int | None = Field(default=None, foreign_key="series.id", index=True)
    # for a reply: the patch it answers (None with series_id set: the cover letter);
    # no foreign key, as patch.message_id already points back here
    patch_id: int | None = Field(default=None, index=True)
    parse_error: str | None = Field(default=None, sa_column=Column(Text))
    warnings: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    archive_url: str | None = None
    # the msgid of the reply whose quotes this message was rebuilt from; None for
    # a message we have the mail of
    reconstructed_from: str | None = Field(default=None, max_length=998)
    imported_at: datetime


class MessageRef(SQLModel, table=True):
    """One Message-ID a message's References/In-Reply-To names, in order."""

    __table_args__ = (UniqueConstraint("message_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    # no index of its own: the unique (message_id, position) one serves lookups by message
    message_id: int = Field(foreign_key="message.id")
    ref_msgid: str = Field(index=True, max_length=998)
    position: int


class Series(SQLModel, table=True):
    """One version of a patch series (patchwork's Series, b4's revision)."""

    __table_args__ = (
        Index("ix_series_lookup", "submitter_email", "version", "total"),
        Index("ix_series_versions", "submitter_email", "norm_title"),
        # lists are newest first: read in order instead of sorting every series
        Index("ix_series_date", "date", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    title: str = ""
    norm_title: str = Field(default="", index=True)
    version: int = 1
    version_label: str = "v1"
    total: int = 1
    submitter_name: str = ""
    submitter_email: str = ""
    date: datetime | None = None
    last_date: datetime | None = None
    cover_id: int | None = None  # message.id; no FK: message.series_id points back
    state: str = "new"
    state_reason: str = ""
    missing: str = "[]"
    previous_id: int | None = Field(default=None, foreign_key="series.id")
    superseded_by_id: int | None = Field(default=None, foreign_key="series.id")
    # the older version this one names (Supersedes:) or was posted in reply to
    explicit_previous_id: int | None = None
    base_commit: str | None = None
    rfc: bool = False
    dirty: bool = Field(default=True, index=True)
    # concerns and races are linked on demand (they cost more than the import)
    review_dirty: bool = Field(default=True, index=True)
    # set by maintainers through the API or `state set` (patchwork's fields)
    delegate: str | None = None
    archived: bool = False
    state_by: str | None = None  # who set `state` by hand; None: inferred from mail


class Patch(SQLModel, table=True):
    """One patch mail of a series, with its diff taken apart."""

    # the API's patch lists filter by submitter and state together
    __table_args__ = (Index("ix_patch_author_state", "author_email", "state"),)
    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    message_id: int = Field(foreign_key="message.id", unique=True)
    number: int
    # None: its message's subject, which is every patch's subject (texts.patch_columns
    # reads it there); a database older than 0017 keeps one that differed, if any
    subject: str | None = None
    title: str = ""
    author_name: str = ""
    author_email: str = ""
    # each text None when it is its message body's slice at (_at, _len): the text is
    # stored once (reviewbot/texts.py reads both forms)
    commit_message: str | None = Field(default=None, sa_column=Column(Text))
    commit_at: int | None = None
    commit_len: int | None = None
    diffstat: str | None = Field(default=None, sa_column=Column(Text))
    diffstat_at: int | None = None
    diffstat_len: int | None = None
    diff: str | None = Field(default=None, sa_column=Column(Text))
    diff_at: int | None = None
    diff_len: int | None = None
    diff_error: str | None = None
    added: int = 0
    removed: int = 0
    state: str = Field(default="new", index=True)
    state_reason: str = ""
    delegate: str | None = None
    archived: bool = False
    state_by: str | None = None  # who set `state` by hand; None: inferred from mail
    # patchwork's commit_ref: the commit of the tree that carries it (`reviewbot upstream`);
    # set, the state it gave stands like a maintainer's until somebody sets another
    commit_ref: str | None = Field(default=None, max_length=64)


class PatchFile(SQLModel, table=True):
    """One file a patch touches."""

    id: int | None = Field(default=None, primary_key=True)
    patch_id: int = Field(foreign_key="patch.id", index=True)
    position: int
    old_path: str
    new_path: str
    change: str
    added: int = 0
    removed: int = 0


class Hunk(SQLModel, table=True):
    """One @@ hunk of a patch file."""

    id: int | None = Field(default=None, primary_key=True)
    patch_id: int = Field(foreign_key="patch.id", index=True)
    file_id: int = Field(foreign_key="patchfile.id", index=True)
    index: int
    header: str
    # None when the header gives it back (packed.derived_section): nearly always
    section: str | None = None
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    added: int = 0
    removed: int = 0
    # None when it is the patch message body's slice at (text_at, text_len)
    text: str | None = Field(default=None, sa_column=Column(Text))
    text_at: int | None = None
    text_len: int | None = None


class Trailer(SQLModel, table=True):
    """A trailer found in a patch or given in a reply.

    `patch_id` is None for a trailer given on the cover letter: it applies to
    every patch of the series.
    """

    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    patch_id: int | None = Field(default=None, foreign_key="patch.id", index=True)
    message_id: int = Field(foreign_key="message.id")
    name: str
    value: str
    person_name: str = ""
    person_email: str = ""
    source: str  # "patch" (in the commit message) or "reply"
    mismatch: bool = False  # the trailer names someone other than the reply's sender
