"""Reads and writes for messages rebuilt from quotes (pipeline/reconstruction.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from reviewbot.models import (
    CONCERN,
    FILE,
    HUNK,
    HUNK_APPLY,
    HUNK_COVER,
    MESSAGE,
    PATCH,
    PATCH_APPLY,
    SERIES,
    TRAILER,
    Message,
    MessageRef,
)
from reviewbot.store._base import _chunks, _t
from reviewbot.store.messages import (
    NewMessage,
    ReferenceChain,
    _message_values,
    _reference_rows,
)
from reviewbot.texts import message_body

# what a real mail taking over its reconstruction's row must not change: the row
# keeps its Message-ID (and id), and is placed again as the mail it really is
_KEEP = frozenset({"msgid"})


def load_seeds(*, session: Session, msgids: Sequence[str]) -> list[Any]:
    """Parsed replies among these Message-IDs: what reconstruction reads of each."""
    m = _t(Message)
    body = message_body().label("body")
    cols = [m.c.id, m.c.msgid, m.c.subject, m.c.date, body, m.c.from_name, m.c.from_email]
    out: list[Any] = []
    for chunk in _chunks(list(msgids)):
        out.extend(
            session.connection().execute(
                select(*cols).where(m.c.msgid.in_(chunk), m.c.parse_error.is_(None))
            )
        )
    return out


def emails_by_name(*, session: Session, names: Sequence[str]) -> dict[str, str]:
    """The address each display name most often wrote from, for names that have one."""
    m = _t(Message)
    seen: dict[str, Counter[str]] = {}
    for chunk in _chunks(sorted(set(names))):
        rows = session.connection().execute(
            select(m.c.from_name, m.c.from_email).where(
                m.c.from_name.in_(chunk), m.c.from_email != "", m.c.reconstructed_from.is_(None)
            )
        )
        for name, email in rows:
            seen.setdefault(name, Counter())[email] += 1
    return {name: counts.most_common(1)[0][0] for name, counts in seen.items()}


def replace_refs(*, session: Session, chain: ReferenceChain) -> None:
    """Give a message a new References chain (the rebuilt ancestors joined it)."""
    r = _t(MessageRef)
    conn = session.connection()
    conn.execute(delete(r).where(r.c.message_id == chain.message_id))
    if chain.msgids:
        conn.execute(insert(r), _reference_rows(chain))


def reconstructed_among(*, session: Session, msgids: Sequence[str]) -> dict[str, int]:
    """Message-ID -> row id of those stored only as reconstructions."""
    m = _t(Message)
    out: dict[str, int] = {}
    for chunk in _chunks(list(msgids)):
        rows = session.connection().execute(
            select(m.c.msgid, m.c.id).where(
                m.c.msgid.in_(chunk), m.c.reconstructed_from.isnot(None)
            )
        )
        out.update({msgid: mid for msgid, mid in rows})
    return out


def replace_message(*, session: Session, message_id: int, message: NewMessage) -> None:
    """Put the real mail into the row that held its reconstruction.

    The row id stays, so replies pointing at it keep pointing at it; the caller
    takes it out of its series first (unplace_message) and places it again.
    """
    m = _t(Message)
    dialect = session.connection().dialect.name
    values = {k: v for k, v in _message_values(message, dialect).items() if k not in _KEEP}
    values["reconstructed_from"] = None
    session.connection().execute(update(m).where(m.c.id == message_id).values(**values))


def unplace_message(*, session: Session, message_id: int) -> int | None:
    """Take a message out of its series (its patch row and all hanging from it); the
    series it was in, or None. For a rebuilt message whose real mail has arrived:
    the real mail is placed afresh, like any new mail."""
    conn = session.connection()
    row = conn.execute(select(MESSAGE.c.series_id).where(MESSAGE.c.id == message_id)).first()
    series_id = row.series_id if row else None
    patch_ids = [
        r.id for r in conn.execute(select(PATCH.c.id).where(PATCH.c.message_id == message_id))
    ]
    if patch_ids:
        runs = select(HUNK_APPLY.c.id).where(HUNK_APPLY.c.patch_id.in_(patch_ids))
        conn.execute(delete(HUNK_APPLY).where(HUNK_APPLY.c.id.in_(runs)))
        conn.execute(delete(PATCH_APPLY).where(PATCH_APPLY.c.patch_id.in_(patch_ids)))
        conn.execute(delete(CONCERN).where(CONCERN.c.patch_id.in_(patch_ids)))
        conn.execute(delete(HUNK_COVER).where(HUNK_COVER.c.patch_id.in_(patch_ids)))
        conn.execute(delete(TRAILER).where(TRAILER.c.patch_id.in_(patch_ids)))
        conn.execute(delete(HUNK).where(HUNK.c.patch_id.in_(patch_ids)))
        conn.execute(delete(FILE).where(FILE.c.patch_id.in_(patch_ids)))
        # replies placed under the rebuilt patch are placed again by the rebuild
        conn.execute(update(MESSAGE).where(MESSAGE.c.patch_id.in_(patch_ids)).values(patch_id=None))
        conn.execute(delete(PATCH).where(PATCH.c.id.in_(patch_ids)))
    conn.execute(update(SERIES).where(SERIES.c.cover_id == message_id).values(cover_id=None))
    conn.execute(
        update(MESSAGE).where(MESSAGE.c.id == message_id).values(series_id=None, patch_id=None)
    )
    return series_id
