"""The API's read models: what /openapi.json documents of its answers.

SQLModel's family pattern, read side only (the tables live in reviewbot/models/;
request bodies and the error body in api/bodies.py):
`XPublic` is a list item, `XDetail` the detail view. Links are paths under the
server's root, like the `url` and `mbox` fields of patchwork's API.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field
from sqlmodel import SQLModel


class PersonRef(SQLModel):
    """A name and an address, as a message header gives them."""

    name: str
    email: str


class TrailerPublic(SQLModel):
    """A trailer: in the commit message ("patch"), or given in a reply to it or the cover."""

    name: str
    value: str
    source: str
    msgid: str
    mismatch: bool


class FilePublic(SQLModel):
    """One file a patch touches."""

    path: str
    old_path: str
    change: str
    added: int
    removed: int


class ApplyOutcomePublic(SQLModel):
    """What an apply run did with one patch; `commit` carries an already-applied one."""

    number: int
    status: str
    detail: str
    commit: str | None
    commit_url: str | None


class ApplyRunPublic(SQLModel):
    """A series' newest `reviewbot apply`: the tree, its HEAD, the base and why, when."""

    tree: str
    tree_head: str
    base: str
    base_source: str
    base_note: str
    date: datetime | None
    patches: list[ApplyOutcomePublic]


class HunkApplyPublic(SQLModel):
    """What an apply run did with one hunk."""

    file: str
    header: str
    status: str
    offset: int
    detail: str


class PatchApplyPublic(SQLModel):
    """The newest apply run of a patch's series, and what it did with the patch."""

    tree: str
    tree_head: str
    base: str
    base_source: str
    base_note: str
    date: datetime | None
    status: str | None  # None: the patch was not in that run
    detail: str
    commit: str | None
    commit_url: str | None
    hunks: list[HunkApplyPublic]


class UpstreamPublic(SQLModel):
    """Where a patch is in a tree's history, by its newest `reviewbot upstream` check:
    exact (same patch-id), similar (score, what differs), present or not-found."""

    patch_id: int
    number: int
    tree: str
    tree_head: str
    range: str
    match: str
    commit: str | None
    commit_url: str | None
    subject: str | None
    score: float | None
    tag: str | None
    author_date: datetime | None
    commit_date: datetime | None
    detail: str
    date: datetime | None


class PatchPublic(SQLModel):
    """A patch in a list."""

    id: int
    url: str
    mbox: str
    series_id: int
    number: int
    msgid: str
    subject: str
    title: str
    submitter: PersonRef
    date: datetime | None
    state: str
    state_reason: str
    state_by: str | None
    delegate: str | None
    archived: bool
    added: int
    removed: int
    archive_url: str | None  # the patch's mail in the list's public archive
    commit_ref: str | None  # the commit of the tree that carries it (`reviewbot upstream`)


class PatchDetail(PatchPublic):
    """One patch: commit message, diff, files, trailers and the replies it got; the newest
    apply run's result for it and where it is in the tree (`upstream`)."""

    commit_message: str
    diffstat: str
    diff: str
    diff_error: str | None
    files: list[FilePublic]
    trailers: list[TrailerPublic]
    replies: list[str]
    apply: PatchApplyPublic | None
    upstream: UpstreamPublic | None


class SeriesPublic(SQLModel):
    """A series (one version of a patch set) in a list."""

    id: int
    url: str
    mbox: str
    title: str
    version: int
    version_label: str
    total: int
    submitter: PersonRef
    date: datetime | None
    last_date: datetime | None
    state: str
    state_reason: str
    state_by: str | None
    delegate: str | None
    archived: bool
    cover_msgid: str | None
    patch_count: int
    missing: list[int]
    previous_id: int | None
    superseded_by_id: int | None
    rfc: bool


class SeriesDetail(SeriesPublic):
    """One series with its patches and the trailers given to all of them, its newest
    apply run, and where each checked patch is in the tree (`upstream`, by number)."""

    base_commit: str | None
    patches: list[PatchPublic]
    trailers: list[TrailerPublic]
    apply: ApplyRunPublic | None
    upstream: list[UpstreamPublic]


class CoverPublic(SQLModel):
    """A cover letter in a list (`id` is its message id)."""

    id: int
    url: str
    msgid: str
    series_id: int
    subject: str
    submitter: PersonRef
    date: datetime | None


class CoverDetail(CoverPublic):
    """A cover letter with its text."""

    body: str


class MessagePublic(SQLModel):
    """Any imported message in a list."""

    id: int
    url: str
    msgid: str
    subject: str
    sender: PersonRef
    date: datetime | None
    kind: str
    series_id: int | None
    patch_id: int | None
    in_reply_to: str | None


class MessageDetail(MessagePublic):
    """One message: its text, the Message-IDs it references, and how it was read."""

    body: str
    references: list[str]
    warnings: str
    parse_error: str | None
    archive_url: str | None
    reconstructed_from: str | None


class ConcernReplyPublic(SQLModel):
    """Something said about a concern afterwards (role: author, reviewer or other)."""

    msgid: str
    author: str
    date: str | None
    text: str
    role: str


class StatusSourcePublic(SQLModel):
    """What set a concern's status: a message (Message-ID), a version ("v2") or a user."""

    kind: str
    ref: str


class ConcernPublic(SQLModel):
    """A reviewer's point, anchored to a hunk line (file, hunk, side, line), patch or series,
    with its conversation. Listed on a later version than the one it was raised on
    (`outcome_here` set), the place is where it stands on that version."""

    id: int
    url: str
    series_id: int
    patch_id: int | None
    patch_number: int | None
    patch_msgid: str | None
    reply_msgid: str
    position: int
    scope: str
    file: str | None
    hunk: int | None
    side: str | None
    line: int | None
    quoted_line: str | None
    kind: str
    status: str
    status_reason: str
    reviewer: PersonRef
    date: datetime | None
    text: str
    quoted: str
    evidence: str
    archive_url: str | None  # the reply in the list's public archive
    hunk_number: int | None
    raised_on_version: str
    outcome_here: str | None
    status_source: StatusSourcePublic | None
    replies: list[ConcernReplyPublic]


class RaceLinePublic(SQLModel):
    """A diff line a step names: `hunk` counts from 0 within its file, `hunk_number` from 1."""

    patch_msgid: str
    file: str
    hunk: int
    hunk_number: int
    side: str
    line: int


class RaceStepPublic(SQLModel):
    """One step of an interleaving: label, actor (its lane), text, identifiers, lines."""

    label: str
    actor: str | None
    text: str
    identifiers: list[str]
    lines: list[RaceLinePublic]


class RaceAlternativePublic(SQLModel):
    """One competing order of a race ("A. qemuConnectAgent wins"), with its own steps."""

    label: str
    winner: str
    text: str
    steps: list[RaceStepPublic]


class RaceLinkPublic(SQLModel):
    """A hunk (or a whole patch, `file` null) the race talks about, and why we think so."""

    patch_msgid: str
    file: str | None
    hunk: int | None
    hunk_number: int | None
    evidence: list[str]


class RacePublic(SQLModel):
    """An interleaving described in a review, as steps, with the hunks it concerns."""

    id: int
    url: str
    series_id: int
    message_msgid: str
    position: int
    depth: int
    steps: list[RaceStepPublic]
    actors: list[str]
    identifiers: list[str]
    outcome: str
    alternatives: list[RaceAlternativePublic]
    links: list[RaceLinkPublic]
    evidence: list[str]


class PersonPublic(SQLModel):
    """Somebody who wrote to the list, with how much."""

    email: str
    url: str
    name: str
    messages: int
    patches: int
    series: int


class EventPublic(SQLModel):
    """One change: who, when, what, from -> to ("via" mail: inferred from the thread)."""

    id: int
    url: str
    created_at: datetime
    category: str
    actor: str
    via: str
    target: str
    target_id: int
    series_id: int | None
    patch_id: int | None
    field: str
    old_value: str | None
    new_value: str | None
    note: str
    msgid: str | None = Field(
        description="The mail that caused it (events inferred from mail; they are dated by it)"
    )
