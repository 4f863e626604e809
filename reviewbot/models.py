"""Every database table, as SQLModel classes, and the values their columns take.

Alembic autogenerates migrations from `SQLModel.metadata`; change a table here,
then add a migration in migrations/versions/. The Core `Table` of each model
(`SERIES`, `PATCH`, ...) is defined once at the end: store/ writes and read/
reads through them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Column, Index, LargeBinary, Table, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class PatchState(StrEnum):
    """A patch's or series' state: patchwork's names, so users recognise them."""

    NEW = "new"
    UNDER_REVIEW = "under-review"
    CHANGES_REQUESTED = "changes-requested"
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"
    REJECTED = "rejected"


class ConcernStatus(StrEnum):
    """Where a reviewer's concern stands."""

    OPEN = "open"
    ANSWERED = "answered"
    ADDRESSED = "addressed"
    DROPPED = "dropped"
    APPROVAL = "approval"
    NOTED = "noted"
    RESOLVED = "resolved"
    WONTFIX = "wontfix"


def utcnow() -> datetime:
    """Now, in UTC: every datetime column takes aware values only."""
    return datetime.now(UTC)


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
    message_id: int = Field(foreign_key="message.id", index=True)
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
    subject: str = ""
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
    section: str = ""
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


class Concern(SQLModel, table=True):
    """A reviewer's point: a comment block anchored to a hunk line, a patch or a series,
    with the conversation that followed it and where it stands.

    Gerrit's comment model: file, side (old/new) and line; `hunk` is the index of
    the hunk within its file. Relinking keeps the id of the concern with the same
    (reply_id, position). `replies` is JSON: what the author and others said about
    it afterwards. `status_source_*` say what set the status: a message (msgid),
    a version (its label) or a user (their name).
    """

    __table_args__ = (UniqueConstraint("reply_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    series_id: int = Field(foreign_key="series.id", index=True)
    patch_id: int | None = Field(default=None, foreign_key="patch.id", index=True)
    reply_id: int = Field(foreign_key="message.id", index=True)
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
    quoted: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    evidence: str = ""
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


def _table(model: type[SQLModel]) -> Table:
    return model.__table__  # type: ignore[attr-defined,no-any-return]


MESSAGE = _table(Message)
REF = _table(MessageRef)
SERIES = _table(Series)
PATCH = _table(Patch)
FILE = _table(PatchFile)
HUNK = _table(Hunk)
TRAILER = _table(Trailer)
SCRAPE_MONTH = _table(ScrapeMonth)
SCRAPE_ERROR = _table(ScrapeError)
APPLY_RUN = _table(ApplyRun)
PATCH_APPLY = _table(PatchApply)
HUNK_APPLY = _table(HunkApply)
UPSTREAM = _table(PatchUpstream)
CONCERN = _table(Concern)
CONCERN_PLACE = _table(ConcernPlace)
HUNK_COVER = _table(HunkCover)
RACE = _table(RaceScenario)
TOKEN = _table(ApiToken)
EVENT = _table(Event)
ACCOUNT = _table(Account)
WEB_SESSION = _table(WebSession)
