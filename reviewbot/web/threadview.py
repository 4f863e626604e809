"""Read models of the thread and message pages, and a message body's quote folds."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.mail.threads import ThreadNode
from reviewbot.read import queries
from reviewbot.read.queries import CONCERN, MESSAGE, PATCH
from reviewbot.read.web_views import ensure_linked


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
class Anchor:
    """What a reply comments on: a patch, and a file/line when a concern says so."""

    patch_id: int | None
    patch_number: int | None
    file: str | None
    side: str | None
    line: int | None
    kind: str
    status: str


def anchors_of(session: Session, message_ids: list[int]) -> dict[int, list[Anchor]]:
    """The concerns each of these replies raised, as anchors (reply id -> anchors)."""
    rows = session.connection().execute(
        select(CONCERN, PATCH.c.number)
        .outerjoin(PATCH, PATCH.c.id == CONCERN.c.patch_id)
        .where(CONCERN.c.reply_id.in_(message_ids))
        .order_by(CONCERN.c.reply_id, CONCERN.c.position)
    )
    out: dict[int, list[Anchor]] = {}
    for r in rows:
        out.setdefault(r.reply_id, []).append(
            Anchor(r.patch_id, r.number, r.file, r.side, r.line, r.kind, r.status)
        )
    return out


def thread_page(session: Session, msgid: str) -> dict[str, Any]:
    """The reply tree containing `msgid`, each message with its body and anchors."""
    root: ThreadNode = queries.thread_of(session, msgid)
    found = queries.messages_by_msgid(session, [n.msgid for _d, n in root.walk()])
    series_ids = sorted({m.series_id for m in found.values() if m.series_id})
    if series_ids:  # the anchors shown are the linked concerns
        ensure_linked(session, series_ids)
    patch_ids = [m.patch_id for m in found.values() if m.patch_id]
    patches = {
        r.id: r
        for r in session.connection().execute(
            select(PATCH.c.id, PATCH.c.number, PATCH.c.title, PATCH.c.message_id).where(
                PATCH.c.id.in_(patch_ids)
            )
        )
    }
    own_patch = {
        r.message_id: r.id
        for r in session.connection().execute(
            select(PATCH.c.id, PATCH.c.message_id).where(
                PATCH.c.message_id.in_([m.id for m in found.values()])
            )
        )
    }
    return {
        "root": root,
        "messages": found,
        "focus": msgid.strip().strip("<>"),
        "patches": patches,
        "own_patch": own_patch,
        "anchor_map": anchors_of(session, [m.id for m in found.values()]),
    }


def message_page(session: Session, msgid: str) -> dict[str, Any]:
    """One message with its raw source (decoded for display)."""
    msgid = msgid.strip().strip("<>")
    row = session.connection().execute(select(MESSAGE).where(MESSAGE.c.msgid == msgid)).first()
    if row is None:
        raise NotFound(f"no message <{msgid}>")
    own = session.connection().execute(select(PATCH.c.id).where(PATCH.c.message_id == row.id))
    return {
        "message": row,
        "raw": bytes(row.raw).decode("utf-8", "replace"),
        "patch_id": own.scalar(),
        "anchors": anchors_of(session, [row.id]).get(row.id, []),
    }
