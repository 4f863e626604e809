"""A review as conversations: each reviewer's point with what was said about it.  (pure)

Gerrit's comment threads, built from mail. Every comment block of a reply is
either a **concern** (a point made by someone other than the patch's author) or
a **reply** in the conversation of an earlier concern: the one whose words it
quotes right above it, else, for the author's own words, the first concern of
the message being answered. The author's questions back to the reviewer are
replies too, never concerns.

A concern's status follows its conversation, each change with its source:
`open` -> `answered` (the author replied) -> `resolved` (the reviewer
acknowledged) or back to `open` (the reviewer came back with more). Acks are
`approval`s and plain information `noted`, neither waiting for anyone; the
next version's `addressed`/`dropped` are decided in review.concerns.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from reviewbot.mail.diff import FileDiff
from reviewbot.mail.quotes import parse_quotes
from reviewbot.review.anchor import Comment, classify_comment, read_reply

_ACK = re.compile(
    r"(?i)^\W*(?:ok(?:ay)?|thanks?|thank you|makes sense|fair enough|got it|agreed|right"
    r"|sure|sounds good|understood|i see|fine|good point|yes|yep|indeed|perfect|great)\b"
)
_MIN_QUOTE = 8  # squashed characters a quoted line needs to tell whose words it repeats


@dataclass(frozen=True)
class Person:
    """Someone in the thread, as mail names them (an address may be missing)."""

    name: str
    email: str

    def same(self, other: Person) -> bool:
        """The same person: same address, else (when one has none) the same name."""
        if self.email and other.email:
            return self.email.lower() == other.email.lower()
        return bool(self.name) and self.name.lower() == other.name.lower()


@dataclass(frozen=True)
class Said:
    """One reply's comment block, as the conversation engine sees it."""

    reply_id: int
    msgid: str
    parent: str | None  # the Message-ID it answers
    sender: Person
    date: datetime | None
    patch_id: int | None  # the patch the reply was placed under (None: the cover letter)
    author: Person  # that patch's (or the series') author
    position: int  # the block's order within its reply
    comment: Comment


@dataclass(frozen=True)
class ConcernReply:
    """Something said about a concern afterwards."""

    msgid: str
    author: str
    email: str
    date: datetime | None
    text: str
    role: str  # author, reviewer, other


@dataclass
class Conversation:
    """A concern being built: the point made, and what followed (mutable while linking)."""

    said: Said
    kind: str
    why: str
    replies: list[ConcernReply] = field(default_factory=list)

    @property
    def reviewer(self) -> Person:
        """Who raised the concern."""
        return self.said.sender


@dataclass(frozen=True)
class Status:
    """Where a concern stands, why, and what set it (kind: message, version or user)."""

    status: str
    reason: str
    source_kind: str | None
    source_ref: str | None


@dataclass(frozen=True)
class Heard:
    """A reply read: its comment blocks, and the hunks of its patch it quoted."""

    said: tuple[Said, ...]
    quoted: frozenset[tuple[str, int]]  # (file, hunk within the file)


def comments_of(
    reply_id: int,
    msgid: str,
    parent: str | None,
    sender: Person,
    date: datetime | None,
    body: str,
    patch: tuple[int, Sequence[FileDiff], str, Person] | None,
    author: Person,
) -> Heard:
    """Every comment block of a reply, anchored to the patch it was placed under."""
    files: tuple[FileDiff, ...] = ()
    commit, patch_id = "", None
    if patch is not None:
        patch_id, files, commit, author = patch[0], tuple(patch[1]), patch[2], patch[3]
    read = read_reply(parse_quotes(body), files, commit)
    said = tuple(
        Said(reply_id, msgid, parent, sender, date, patch_id, author, i, c)
        for i, c in enumerate(read.comments)
    )
    return Heard(said, read.quoted)


def converse(said: Sequence[Said]) -> list[Conversation]:
    """Concerns with their replies, from every comment of a thread in date order."""
    conversations: list[Conversation] = []
    heard: list[tuple[str, Conversation]] = []  # squashed words said, and where
    by_message: dict[str, list[Conversation]] = {}
    for s in said:
        conv = _answered(s, heard, by_message.get(s.parent or "", []))
        if conv is None and s.sender.same(s.author):
            own = by_message.get(s.parent or "", [])
            conv = own[0] if own else None  # the author's words: about what they answer
            if conv is None:
                continue  # the author's own note: part of the thread, not a concern
        if conv is not None:
            conv.replies.append(_reply(s, conv))
        else:
            kind, why = classify_comment(s.comment.text)
            conv = Conversation(s, kind, why)
            conversations.append(conv)
        heard.append((_squash(s.comment.text), conv))
        if conv not in by_message.setdefault(s.msgid, []):
            by_message[s.msgid].append(conv)
    return conversations


def _answered(
    s: Said, heard: list[tuple[str, Conversation]], parents: list[Conversation]
) -> Conversation | None:
    """The conversation whose words are quoted right above this comment, if any."""
    quoted = [q for q in reversed(s.comment.quoted_context) if len(_squash(q)) >= _MIN_QUOTE]
    for line in quoted[:6]:  # the nearest quoted lines: what the comment answers
        if line.lstrip()[:1] in ("+", "-", "@"):
            continue  # a diff line quoted again: the patch, not somebody's words
        wanted = _squash(line)
        found = [conv for words, conv in heard if wanted in words]
        if found:
            near = [conv for conv in found if conv in parents]
            return (near or found)[-1]
    return None


def _reply(s: Said, conv: Conversation) -> ConcernReply:
    if s.sender.same(s.author):
        role = "author"
    elif s.sender.same(conv.reviewer):
        role = "reviewer"
    else:
        role = "other"
    return ConcernReply(s.msgid, s.sender.name, s.sender.email, s.date, s.comment.text, role)


def status_of(conv: Conversation) -> Status:
    """Where a concern stands after its conversation, and which message set that."""
    status = {"approval": "approval", "information": "noted"}.get(conv.kind, "open")
    current = Status(status, "", None, None)
    for r in conv.replies:
        if r.role == "author" and current.status in ("open", "noted"):
            current = Status("answered", f"{r.author} answered", "message", r.msgid)
        elif r.role == "reviewer" and current.status in ("open", "answered"):
            if is_ack(r.text):
                current = Status("resolved", f"{r.author} acknowledged", "message", r.msgid)
            elif current.status == "answered":
                current = Status("open", f"{r.author} followed up", "message", r.msgid)
        elif r.role == "reviewer" and current.status == "resolved" and not is_ack(r.text):
            current = Status("open", f"{r.author} reopened it", "message", r.msgid)
    return current


def is_ack(text: str) -> bool:
    """A short acknowledgement ("OK, thanks", "Makes sense", an Acked-by), not a new point."""
    first = text.strip().split("\n\n")[0]
    if "?" in first:
        return False
    return bool(_ACK.match(first)) or classify_comment(text)[0] == "approval"


def _squash(text: str) -> str:
    return "".join(text.split())
