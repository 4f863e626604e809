"""Reads of review results: concerns (with their ported places) and race scenarios.

`queries.concerns_of` / `queries.races_of` are these; kept apart so queries.py
stays about messages, threads and series.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import or_, select
from sqlmodel import Session

from reviewbot.read.queries import (
    CONCERN,
    MESSAGE,
    PATCH,
    RACE,
    all_rows,
    patch_msgids,
    person,
    target_id,
)


def concerns_of(session: Session, target: str, *, open_only: bool = False) -> list[dict[str, Any]]:
    """Concerns of a series ("7") or of one patch ("p42"), in thread order.

    Concerns still standing from the previous version, carried to an unchanged
    hunk here (Gerrit's ported comments), are listed too, at their place here,
    with `ported_from` saying where they were made.
    """
    stmt = (
        select(CONCERN, PATCH.c.number, MESSAGE.c.msgid.label("reply_msgid"))
        .join(MESSAGE, MESSAGE.c.id == CONCERN.c.reply_id)
        .outerjoin(PATCH, PATCH.c.id == CONCERN.c.patch_id)
        .order_by(CONCERN.c.date, CONCERN.c.reply_id, CONCERN.c.position)
    )
    if target.lower().startswith("p"):
        patch_ids = [target_id(target[1:])]
        own = CONCERN.c.patch_id == patch_ids[0]
    else:
        series_id = target_id(target)
        own = CONCERN.c.series_id == series_id
        patch_ids = [
            r.id
            for r in all_rows(session, select(PATCH.c.id).where(PATCH.c.series_id == series_id))
        ]
    stmt = stmt.where(or_(own, CONCERN.c.ported_patch_id.in_(patch_ids)))
    if open_only:
        stmt = stmt.where(CONCERN.c.status == "open")
    rows = all_rows(session, stmt)
    wanted = set(patch_ids)
    ids = {r.patch_id for r in rows if r.patch_id} | {
        r.ported_patch_id for r in rows if r.ported_patch_id
    }
    msgids = patch_msgids(session, ids)
    numbers = _patch_numbers(session, ids)
    return [_concern(r, msgids, numbers, wanted) for r in rows]


def _concern(
    r: Any, msgids: dict[int, str], numbers: dict[int, int], wanted: set[int]
) -> dict[str, Any]:
    """A concern row as `concerns --json` gives it, at its ported place when listed there."""
    made = {
        "patch": r.number,
        "patch_msgid": msgids.get(r.patch_id),
        "file": r.file,
        "hunk": r.hunk,
        "side": r.side,
        "line": r.line,
    }
    ported = None
    if r.ported_patch_id is not None:
        ported = {
            "patch": numbers.get(r.ported_patch_id),
            "patch_msgid": msgids.get(r.ported_patch_id),
            "file": r.ported_file,
            "hunk": r.ported_hunk,
            "side": r.side,
            "line": r.ported_line,
        }
    here_is_port = ported is not None and r.ported_patch_id in wanted and r.patch_id not in wanted
    place = ported if here_is_port and ported is not None else made
    return {
        "id": r.id,
        **place,
        "kind": r.kind,
        "status": r.status,
        "status_reason": r.status_reason,
        "reviewer": person(r.reviewer_name, r.reviewer_email),
        "reply_msgid": r.reply_msgid,
        "text": r.text,
        "quoted_line": r.quoted_line,
        "evidence": r.evidence,
        "ported_from": made if here_is_port else None,
        "ported_to": None if here_is_port else ported,
    }


def _patch_numbers(session: Session, ids: set[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = all_rows(session, select(PATCH.c.id, PATCH.c.number).where(PATCH.c.id.in_(sorted(ids))))
    return {r.id: r.number for r in rows}


def races_of(session: Session, series_id: int) -> list[dict[str, Any]]:
    """Race scenarios described in a series' thread, with their links to hunks."""
    rows = all_rows(
        session,
        select(RACE, MESSAGE.c.msgid)
        .join(MESSAGE, MESSAGE.c.id == RACE.c.message_id)
        .where(RACE.c.series_id == series_id)
        .order_by(RACE.c.message_id, RACE.c.position),
    )
    return [
        {
            "id": r.id,
            "message_msgid": r.msgid,
            "steps": json.loads(r.steps),
            "actors": json.loads(r.actors),
            "identifiers": json.loads(r.identifiers),
            "outcome": r.outcome,
            "alternatives": json.loads(r.alternatives),
            "links": [_race_link(link) for link in json.loads(r.links)],
            "evidence": json.loads(r.evidence),
            "depth": r.depth,
        }
        for r in rows
    ]


def _race_link(link: dict[str, Any]) -> dict[str, Any]:
    """A stored race link in the published shape: the patch is named by Message-ID."""
    return {
        "patch_msgid": link.get("patch_msgid", link.get("patch_key")),
        "file": link.get("file"),
        "hunk": link.get("hunk"),
        "evidence": link.get("evidence", []),
    }
