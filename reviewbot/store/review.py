"""Concerns and race scenarios: replaced wholesale when their series is rebuilt."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, fields
from typing import Any

from sqlalchemy import delete, select, tuple_, update
from sqlmodel import Session

from reviewbot.models import (
    CONCERN,
    CONCERN_PLACE,
    HUNK_COVER,
    RACE,
    Message,
    Series,
)
from reviewbot.packed import pack_texts
from reviewbot.review.conversation import ConcernReply
from reviewbot.review.coverage import Cover
from reviewbot.review.thread import (
    CarriedStatus,
    FoundConcern,
    FoundPlace,
    FoundRace,
    ThreadReview,
)
from reviewbot.store import bulk
from reviewbot.store._base import _chunks, _t
from reviewbot.texts import packed_body


class ReviewWriter:
    """Replaces the concerns, races, hunk coverage and later-version places linking
    found for some series, their thread reviews given a share at a time (as workers
    finish them), in the rows giving them all at once would write.

    A concern is the same concern while its reply and its place in it are: the
    REST API hands its id out (details, PATCH, events), so a new reply in the
    thread must not renumber it. Likewise a race by (message, position). Rows
    that keep an id are stored as they come; rows that take a new id wait for
    `finish`, so the ids they take do not depend on how the reviews were shared
    out (and never collide with a kept id not yet stored).
    """

    def __init__(self, *, session: Session, series_ids: Sequence[int]) -> None:
        self._conn = session.connection()
        self._kept_concerns: dict[tuple[int, int], int] = {}
        self._kept_races: dict[tuple[int, int], int] = {}
        self._new_concerns: list[dict[str, object]] = []
        self._new_races: list[dict[str, object]] = []
        self._places: list[tuple[int, FoundPlace]] = []
        self._settled: list[CarriedStatus] = []
        concern, race = CONCERN, RACE
        for chunk in _chunks(list(series_ids)):
            for cid, reply, position in self._conn.execute(
                select(concern.c.id, concern.c.reply_id, concern.c.position).where(
                    concern.c.series_id.in_(chunk)
                )
            ):
                self._kept_concerns[(reply, position)] = cid
            for rid, message, position in self._conn.execute(
                select(race.c.id, race.c.message_id, race.c.position).where(
                    race.c.series_id.in_(chunk)
                )
            ):
                self._kept_races[(message, position)] = rid
            self._conn.execute(delete(concern).where(concern.c.series_id.in_(chunk)))
            self._conn.execute(delete(race).where(race.c.series_id.in_(chunk)))
            self._conn.execute(delete(CONCERN_PLACE).where(CONCERN_PLACE.c.linked_by.in_(chunk)))
            self._conn.execute(delete(HUNK_COVER).where(HUNK_COVER.c.series_id.in_(chunk)))

    def add(self, reviews: Sequence[ThreadReview]) -> None:
        """Store what these reviews found that keeps its id; keep the rest for finish."""
        concerns = [_concern_row(c) for r in reviews for c in r.concerns]
        races = [_race_row(race) for r in reviews for race in r.races]
        self._new_concerns += _insert_kept(
            self._conn, CONCERN, concerns, self._kept_concerns, ("reply_id", "position")
        )
        self._new_races += _insert_kept(
            self._conn, RACE, races, self._kept_races, ("message_id", "position")
        )
        bulk.insert_rows(self._conn, HUNK_COVER, [_cover_row(c) for r in reviews for c in r.covers])
        self._places += [(r.series_id, p) for r in reviews for p in r.places]
        self._settled += [s for r in reviews for s in r.carried_statuses]

    def finish(self) -> None:
        """Store the new rows, in the order the reviews came, then the places and what
        the reviews settle in earlier versions (whose concerns are all stored by now)."""
        bulk.insert_rows(self._conn, CONCERN, self._new_concerns)
        bulk.insert_rows(self._conn, RACE, self._new_races)
        _save_places(self._conn, self._places)
        for settled in self._settled:
            _settle_carried(self._conn, settled)


_PACKED = ("replies", "quoted", "evidence")


def _concern_row(c: FoundConcern) -> dict[str, object]:
    """A concern as its row stores it: the conversation as JSON, the quote and the
    evidence packed together (models.Concern.context_zstd)."""
    row = {f.name: getattr(c, f.name) for f in fields(c) if f.name not in _PACKED}
    row["replies"] = json.dumps([_reply_json(r) for r in c.replies], ensure_ascii=False)
    row["context_zstd"] = pack_texts(c.quoted, c.evidence)
    return row


def _cover_row(c: Cover) -> dict[str, object]:
    return {
        "series_id": c.series_id,
        "patch_id": c.patch_id,
        "file": c.file,
        "hunk": c.hunk,
        "reviewer_name": c.reviewer.name,
        "reviewer_email": c.reviewer.email,
        "how": c.how,
        "reply_id": c.reply_id,
    }


def _reply_json(r: ConcernReply) -> dict[str, object]:
    return {
        "msgid": r.msgid,
        "author": r.author,
        "email": r.email,
        "date": r.date.isoformat() if r.date else None,
        "text": r.text,
        "role": r.role,
    }


def _save_places(conn: Any, places: Sequence[tuple[int, FoundPlace]]) -> None:
    """Each concern's place in the next version (with the series that linked it), its
    id found by (reply, position)."""
    if not places:
        return
    keys = sorted({(p.reply_id, p.position) for _s, p in places})
    ids: dict[tuple[int, int], int] = {}
    for chunk in _chunks(keys):
        stmt = select(CONCERN.c.id, CONCERN.c.reply_id, CONCERN.c.position).where(
            tuple_(CONCERN.c.reply_id, CONCERN.c.position).in_(chunk)
        )
        ids.update({(reply, position): cid for cid, reply, position in conn.execute(stmt)})
    rows = [
        {
            "concern_id": ids[(p.reply_id, p.position)],
            "series_id": p.series_id,
            "patch_id": p.patch_id,
            "file": p.file,
            "hunk": p.hunk,
            "line": p.line,
            "outcome": p.outcome,
            "linked_by": linked_by,
        }
        for linked_by, p in places
        if (p.reply_id, p.position) in ids
    ]
    bulk.insert_rows(conn, CONCERN_PLACE, rows)


def _settle_carried(conn: Any, settled: CarriedStatus) -> None:
    """A later version settles a concern carried to it: addressed or dropped there."""
    st = settled.status
    conn.execute(
        update(CONCERN)
        .where(
            CONCERN.c.reply_id == settled.reply_id,
            CONCERN.c.position == settled.position,
            CONCERN.c.status.in_(("open", "answered")),
        )
        .values(
            status=st.status,
            status_reason=st.reason,
            status_source_kind=st.source_kind,
            status_source_ref=st.source_ref,
        )
    )


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


def _insert_kept(
    conn: Any,
    table: Any,
    rows: Sequence[dict[str, object]],
    kept: dict[tuple[int, int], int],
    key: tuple[str, str],
) -> list[dict[str, object]]:
    """Insert the rows whose key had a row before, under that row's id; return the
    others (executemany needs one shape: with an id, or without)."""
    bulk.insert_rows(
        conn, table, [dict(r, id=kept[k]) for r in rows if (k := (r[key[0]], r[key[1]])) in kept]
    )
    return [r for r in rows if (r[key[0]], r[key[1]]) not in kept]


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
    """Replies placed under these series (by rebuild), oldest first: `body` as stored,
    or None and `packed` the compressed bytes it derives from (packed.body_from), which
    the reviewing worker derives instead of this process."""
    m = _t(Message)
    cols = [
        m.c.id,
        m.c.msgid,
        m.c.body,
        packed_body().label("packed"),
        m.c.from_name,
        m.c.from_email,
        m.c.date,
        m.c.series_id,
        m.c.patch_id,
        m.c.in_reply_to,
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


def load_carried(*, session: Session, series_ids: Sequence[int]) -> list[Any]:
    """Earlier versions' concerns standing on these series: their key, place and status."""
    p, c = CONCERN_PLACE, CONCERN
    out: list[Any] = []
    for chunk in _chunks(list(series_ids)):
        stmt = (
            select(
                p.c.series_id,
                p.c.patch_id,
                p.c.file,
                p.c.hunk,
                p.c.line,
                c.c.reply_id,
                c.c.position,
                c.c.side,
                c.c.status,
            )
            .join(c, c.c.id == p.c.concern_id)
            .where(p.c.series_id.in_(chunk), p.c.outcome == "carried")
            .order_by(p.c.id)
        )
        out.extend(session.connection().execute(stmt))
    return out


def mark_review_dirty(*, session: Session, series_ids: Sequence[int]) -> None:
    """Flag series whose concerns and races must be linked again."""
    s = _t(Series)
    for chunk in _chunks(sorted(set(series_ids))):
        session.connection().execute(update(s).where(s.c.id.in_(chunk)).values(review_dirty=True))
