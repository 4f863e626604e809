"""Race scenarios described in a series' thread, with the hunks they are linked to."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.models import MESSAGE, RACE
from reviewbot.read.filters import Filters, Page, Paged, paged
from reviewbot.read.sql import page_rows, rows
from reviewbot.review.race_links import RaceLink
from reviewbot.review.race_steps import Alternative, Step, StepLine


@dataclass(frozen=True)
class RaceEntry:
    """An interleaving described in a message of the thread, as stored by linking."""

    id: int
    series_id: int
    message_msgid: str
    position: int
    depth: int  # its quote depth in the message (0: the author's own words)
    steps: tuple[Step, ...]
    actors: tuple[str, ...]
    identifiers: tuple[str, ...]
    outcome: str
    alternatives: tuple[Alternative, ...]
    links: tuple[RaceLink, ...]
    evidence: tuple[str, ...]


def _step(s: dict[str, Any]) -> Step:
    return Step(
        str(s.get("label", "")),
        s.get("actor"),
        str(s.get("text", "")),
        tuple(s.get("identifiers", ())),
        tuple(_line(x) for x in s.get("lines", ())),  # races linked before lines: none
    )


def _line(x: dict[str, Any]) -> StepLine:
    return StepLine(
        str(x.get("patch_msgid", "")),
        str(x.get("file", "")),
        int(x.get("hunk", 0)),
        str(x.get("side", "new")),
        int(x.get("line", 0)),
    )


def _alternative(a: dict[str, Any]) -> Alternative:
    steps = tuple(_step(s) for s in a.get("steps", ()))
    return Alternative(
        str(a.get("label", "")), str(a.get("winner", "")), str(a.get("text", "")), steps
    )


def _link(link: dict[str, Any]) -> RaceLink:
    # "patch_key" is what races linked before the patch was named by Message-ID stored
    msgid = link.get("patch_msgid", link.get("patch_key"))
    return RaceLink(
        msgid or "", link.get("file"), link.get("hunk"), tuple(link.get("evidence", ()))
    )


def _entry(r: Any) -> RaceEntry:
    return RaceEntry(
        r.id,
        r.series_id,
        r.msgid,
        r.position,
        r.depth,
        tuple(_step(s) for s in json.loads(r.steps)),
        tuple(json.loads(r.actors)),
        tuple(json.loads(r.identifiers)),
        r.outcome,
        tuple(_alternative(a) for a in json.loads(r.alternatives)),
        tuple(_link(lk) for lk in json.loads(r.links)),
        tuple(json.loads(r.evidence)),
    )


def _statement() -> Select[Any]:
    return select(RACE, MESSAGE.c.msgid).join(MESSAGE, MESSAGE.c.id == RACE.c.message_id)


def races_of(session: Session, series_id: int) -> list[RaceEntry]:
    """The race scenarios of a series' thread, in thread order."""
    stmt = _statement().where(RACE.c.series_id == series_id)
    return [_entry(r) for r in rows(session, stmt.order_by(RACE.c.message_id, RACE.c.position))]


def list_races(session: Session, f: Filters, page: Page) -> Paged[RaceEntry]:
    """Race scenarios by series and by the message describing them."""
    stmt = _statement()
    if f.series is not None:
        stmt = stmt.where(RACE.c.series_id == f.series)
    if f.msgid:
        stmt = stmt.where(MESSAGE.c.msgid == f.msgid)
    stmt = stmt.order_by(RACE.c.series_id, RACE.c.message_id, RACE.c.position)
    found, total = page_rows(session, stmt, page)
    return paged([_entry(r) for r in found], total, page)


def race_detail(session: Session, race_id: int) -> RaceEntry:
    """One race scenario; NotFound when there is none."""
    found = rows(session, _statement().where(RACE.c.id == race_id))
    if not found:
        raise NotFound(f"no race scenario with id {race_id}")
    return _entry(found[0])
