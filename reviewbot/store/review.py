"""Concerns and race scenarios: replaced wholesale when their series is rebuilt."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from reviewbot.models import Concern, Message, RaceScenario, Series
from reviewbot.review.concerns import FoundRace, ThreadReview
from reviewbot.store._base import _chunks, _t


def replace_review(
    *, session: Session, series_ids: Sequence[int], reviews: Sequence[ThreadReview]
) -> None:
    """Replace the concerns and races of these series, keeping the ids of those that stay.

    A concern is the same concern while its reply and its place in it are: the
    REST API hands its id out (details, PATCH, events), so a new reply in the
    thread must not renumber it. Likewise a race by (message, position).
    """
    conn = session.connection()
    concern, race = _t(Concern), _t(RaceScenario)
    kept_concerns: dict[tuple[int, int], int] = {}
    kept_races: dict[tuple[int, int], int] = {}
    for chunk in _chunks(list(series_ids)):
        for cid, reply, position in conn.execute(
            select(concern.c.id, concern.c.reply_id, concern.c.position).where(
                concern.c.series_id.in_(chunk)
            )
        ):
            kept_concerns[(reply, position)] = cid
        for rid, message, position in conn.execute(
            select(race.c.id, race.c.message_id, race.c.position).where(race.c.series_id.in_(chunk))
        ):
            kept_races[(message, position)] = rid
        conn.execute(delete(concern).where(concern.c.series_id.in_(chunk)))
        conn.execute(delete(race).where(race.c.series_id.in_(chunk)))
    concerns = [asdict(c) for r in reviews for c in r.concerns]
    races = [_race_row(race) for r in reviews for race in r.races]
    _insert_keeping_ids(conn, concern, concerns, kept_concerns, ("reply_id", "position"))
    _insert_keeping_ids(conn, race, races, kept_races, ("message_id", "position"))


def _race_row(race: FoundRace) -> dict[str, object]:
    """A race as its row stores it: steps, alternatives and links as JSON."""
    s = race.scenario
    return {
        "series_id": race.series_id,
        "message_id": race.message_id,
        "position": race.position,
        "depth": s.depth,
        "steps": json.dumps([asdict(step) for step in s.steps]),
        "actors": json.dumps(list(s.actors)),
        "identifiers": json.dumps(list(s.identifiers)),
        "outcome": s.outcome,
        "alternatives": json.dumps([asdict(a) for a in s.alternatives]),
        "links": json.dumps([asdict(link) for link in race.links]),
        "evidence": json.dumps(list(s.evidence)),
    }


def _insert_keeping_ids(
    conn: Any,
    table: Any,
    rows: Sequence[dict[str, object]],
    kept: dict[tuple[int, int], int],
    key: tuple[str, str],
) -> None:
    """Insert rows, those whose key had a row before under that row's id."""
    old = [dict(r, id=kept[k]) for r in rows if (k := (r[key[0]], r[key[1]])) in kept]
    new = [r for r in rows if (r[key[0]], r[key[1]]) not in kept]
    for batch in (old, new):  # executemany needs one shape: with an id, or without
        if batch:
            conn.execute(insert(table), batch)


def review_dirty(*, session: Session, series_ids: Sequence[int] | None) -> list[int]:
    """Which of these series (all when None) need their concerns and races linked."""
    s = _t(Series)
    stmt = select(s.c.id).where(s.c.review_dirty.is_(True)).order_by(s.c.id)
    if series_ids is not None:
        stmt = stmt.where(s.c.id.in_(list(series_ids)))
    return [r[0] for r in session.connection().execute(stmt)]


def previous_versions(*, session: Session, series_ids: Sequence[int]) -> list[int]:
    """The series these ones supersede."""
    s = _t(Series)
    out: list[int] = []
    for chunk in _chunks(list(series_ids)):
        rows = session.connection().execute(select(s.c.id).where(s.c.superseded_by_id.in_(chunk)))
        out.extend(r[0] for r in rows)
    return out


def load_placed_replies(*, session: Session, series_ids: Sequence[int]) -> list[Any]:
    """Replies placed under these series (by rebuild), oldest first."""
    m = _t(Message)
    cols = [
        m.c.id,
        m.c.msgid,
        m.c.body,
        m.c.from_name,
        m.c.from_email,
        m.c.date,
        m.c.series_id,
        m.c.patch_id,
    ]
    out: list[Any] = []
    for chunk in _chunks(list(series_ids)):
        out.extend(
            session.connection().execute(
                select(*cols)
                .where(m.c.series_id.in_(chunk), m.c.kind.in_(("reply", "other")))
                .order_by(m.c.date, m.c.id)
            )
        )
    return out


def mark_reviewed(*, session: Session, series_ids: Sequence[int]) -> None:
    """Clear the review_dirty flag."""
    s = _t(Series)
    for chunk in _chunks(list(series_ids)):
        session.connection().execute(update(s).where(s.c.id.in_(chunk)).values(review_dirty=False))
