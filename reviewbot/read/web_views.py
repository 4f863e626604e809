"""Read models of the series and patch pages, over queries.py.

Concerns and races are linked on demand (review.ensure_linked) for the series
a page shows, so a page is right even before `reviewbot link` ran.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from reviewbot import store
from reviewbot.errors import NotFound
from reviewbot.read import queries
from reviewbot.read.queries import MESSAGE, SERIES


def ensure_linked(session: Session, series_ids: list[int]) -> None:
    """Link the concerns and races of these series if their threads changed."""
    if not store.review_dirty(session=session, series_ids=series_ids):
        return  # the common case: nothing to write
    from reviewbot.review import concerns as review  # the linker is only loaded when it is needed

    review.ensure_linked(session=session, series_ids=series_ids)
    session.commit()


@dataclass(frozen=True)
class Version:
    """One version of a series in its history."""

    id: int
    label: str
    date: Any
    state: str
    current: bool


def versions_of(session: Session, series_id: int) -> list[Version]:
    """Every version of a series, oldest first, following previous/superseded links."""
    conn = session.connection()
    seen: dict[int, Any] = {}
    todo = [series_id]
    while todo and len(seen) < 50:  # a bound: links are data, a cycle must not hang a page
        sid = todo.pop()
        if sid in seen:
            continue
        row = conn.execute(select(SERIES).where(SERIES.c.id == sid)).first()
        if row is None:
            continue
        seen[sid] = row
        todo.extend(x for x in (row.previous_id, row.superseded_by_id) if x)
    rows = sorted(seen.values(), key=lambda r: (r.version, r.date or 0, r.id))
    return [Version(r.id, r.version_label, r.date, r.state, r.id == series_id) for r in rows]


def reconstructed(session: Session, msgids: list[str]) -> dict[str, str]:
    """Of these messages, those rebuilt from quotes: msgid -> the reply they came from."""
    rows = session.connection().execute(
        select(MESSAGE.c.msgid, MESSAGE.c.reconstructed_from).where(
            MESSAGE.c.msgid.in_(msgids), MESSAGE.c.reconstructed_from.is_not(None)
        )
    )
    return {m: r for m, r in rows}


def series_page(session: Session, series_id: int) -> dict[str, Any]:
    """Everything the series page shows."""
    ensure_linked(session, [series_id])
    summary = queries.show_series(session, series_id)
    concerns = queries.concerns_of(session, str(series_id))
    by_patch: dict[Any, Counter[str]] = {}
    for c in concerns:
        by_patch.setdefault(c["patch"], Counter())[c["status"]] += 1
    versions = versions_of(session, series_id)
    previous = summary["previous"]
    earlier: list[dict[str, Any]] = []
    range_diff = None
    if previous:
        ensure_linked(session, [previous])
        earlier = [c for c in queries.concerns_of(session, str(previous)) if c["file"]]
        range_diff = queries.diff_series(session, previous, series_id)
    cover_ids = [summary["cover_msgid"]] if summary["cover_msgid"] else []
    msgids = cover_ids + summary["replies"] + [p["msgid"] for p in summary["patches"]]
    messages = queries.messages_by_msgid(session, msgids)
    return {
        "series": summary,
        "cover": messages.get(summary["cover_msgid"] or ""),
        "cover_replies": [messages[m] for m in summary["replies"] if m in messages],
        "concern_counts": by_patch,
        "series_concerns": [c for c in concerns if c["patch"] is None],
        "earlier_concerns": earlier,
        "previous": previous,
        "versions": versions,
        "range_diff": range_diff,
        "reconstructed": reconstructed(session, msgids),
    }


def patch_row(session: Session, patch_id: int) -> Any:
    """The patch with its message's Message-ID, date and reconstruction note."""
    row = (
        session.connection()
        .execute(
            select(
                queries.PATCH,
                MESSAGE.c.msgid,
                MESSAGE.c.date,
                MESSAGE.c.reconstructed_from,
            )
            .join(MESSAGE, MESSAGE.c.id == queries.PATCH.c.message_id)
            .where(queries.PATCH.c.id == patch_id)
        )
        .first()
    )
    if row is None:
        raise NotFound(f"no patch with id {patch_id}")
    return row
