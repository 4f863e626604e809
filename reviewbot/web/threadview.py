"""What the thread and message pages show, and a message body's quote folds."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from reviewbot.mail.threads import ThreadNode
from reviewbot.read.concerns import ConcernEntry, raised_in
from reviewbot.read.messages import (
    MessageDetail,
    MessageSummary,
    bare_msgid,
    bodies,
    message_detail,
    message_source,
    messages_by_msgid,
    own_patches,
    thread_of,
)
from reviewbot.read.patches import PatchSummary, siblings


@dataclass(frozen=True)
class BodyBlock:
    """A run of a body's lines: quoted (shown folded) or the author's own."""

    quoted: bool
    text: str
    lines: int


def body_blocks(body: str) -> list[BodyBlock]:
    """Split a body into runs of quoted ("> ") and own lines."""
    blocks: list[BodyBlock] = []
    run: list[str] = []
    quoted = False
    for line in body.split("\n"):
        is_quote = line.startswith(">")
        if run and is_quote != quoted:
            blocks.append(BodyBlock(quoted, "\n".join(run), len(run)))
            run = []
        quoted = is_quote
        run.append(line)
    if run and any(x.strip() for x in run):
        blocks.append(BodyBlock(quoted, "\n".join(run), len(run)))
    return blocks


@dataclass(frozen=True)
class ThreadPage:
    """The reply tree containing a message, each message with its body and concerns."""

    root: ThreadNode
    messages: dict[str, MessageSummary]
    bodies: dict[int, str]
    focus: str
    patches: dict[int, PatchSummary]  # patches the replies answer, by id
    own_patch: dict[int, int]  # message id -> the patch it carries
    anchor_map: dict[int, list[ConcernEntry]]  # reply id -> the concerns it raised


def thread_page(session: Session, msgid: str) -> ThreadPage:
    """The thread of `msgid`; NotFound when there is no such message."""
    root = thread_of(session, msgid)
    found = messages_by_msgid(session, [n.msgid for _d, n in root.walk()])
    ids = [m.id for m in found.values()]
    series_ids = sorted({m.series_id for m in found.values() if m.series_id})
    patches = {p.id: p for sid in series_ids for p in siblings(session, sid)}
    return ThreadPage(
        root=root,
        messages=found,
        bodies=bodies(session, ids),
        focus=bare_msgid(msgid),
        patches=patches,
        own_patch=own_patches(session, ids),
        anchor_map=raised_in(session, ids),
    )


@dataclass(frozen=True)
class MessagePage:
    """One message with its raw source (decoded for display) and the concerns it raised."""

    detail: MessageDetail
    raw: str
    anchors: list[ConcernEntry]


def message_page(session: Session, msgid: str) -> MessagePage:
    """The message page of `msgid`; NotFound when there is no such message."""
    detail = message_detail(session, msgid)
    raw = message_source(session, msgid).decode("utf-8", "replace")
    return MessagePage(
        detail, raw, raised_in(session, [detail.message.id]).get(detail.message.id, [])
    )
