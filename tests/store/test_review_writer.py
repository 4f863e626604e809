"""ReviewWriter: a review stored a share at a time, as pool workers hand the shares
back, is the review stored at once, ids included.

Relinking keeps the id of every concern whose (reply, position) had one and gives the
others new ids. Stored share by share, a new concern of an early share must not take
an id before the kept ones of a later share are back in the table: on SQLite a new
row takes the largest id present plus one, which would be the id a later share's
concern keeps (a UNIQUE failure) or at least not the id storing at once gives.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import Session

from reviewbot import store
from reviewbot.db import open_engine
from reviewbot.models import CONCERN
from reviewbot.pipeline.importer import import_paths
from reviewbot.review.thread import FoundConcern, ThreadReview
from tests.conftest import LIST, NewDatabases

SOURCES = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"]


def _stored(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(CONCERN).order_by(CONCERN.c.id)))


def _found(row: Any) -> FoundConcern:
    """A stored concern as linking finds it again (conversation and context aside)."""
    fields = {k: v for k, v in row._mapping.items() if k not in ("id", "context_zstd")}
    return FoundConcern(**{**fields, "replies": (), "quoted": "", "evidence": ""})


def _reviews(rows: list[Any]) -> list[ThreadReview]:
    """One review per series, the series holding the newest concern id last, and a new
    concern (a later comment of a kept one's reply) in the first."""
    by_series: dict[int, list[FoundConcern]] = {}
    for row in rows:
        by_series.setdefault(row.series_id, []).append(_found(row))
    order = sorted(by_series, key=lambda sid: max(r.id for r in rows if r.series_id == sid))
    first = by_series[order[0]]
    first.append(replace(first[0], position=first[0].position + 100, text="a new comment"))
    return [ThreadReview(sid, tuple(by_series[sid]), ()) for sid in order]


def test_shares_store_the_rows_storing_at_once_stores(new_db: NewDatabases) -> None:
    engines = {how: open_engine(new_db(how)) for how in ("at-once", "in-shares")}
    for engine in engines.values():
        import_paths(engine, SOURCES, jobs=1)
    rows = _stored(engines["at-once"])
    assert rows == _stored(engines["in-shares"])
    reviews = _reviews(rows)
    assert len(reviews) >= 2, "the corpus' concerns are all in one series"
    series_ids = sorted(r.series_id for r in reviews)
    for how, shares in (("at-once", [reviews]), ("in-shares", [[r] for r in reviews])):
        with Session(engines[how]) as s, s.begin():
            writer = store.ReviewWriter(session=s, series_ids=series_ids)
            for share in shares:
                writer.add(share)
            writer.finish()
    once, shares = (_stored(e) for e in engines.values())
    assert once == shares
    assert len(once) == len(rows) + 1
    # kept: every concern that was there has its id; the new one comes after them all
    assert {(r.reply_id, r.position): r.id for r in rows}.items() <= {
        (r.reply_id, r.position): r.id for r in once
    }.items()
    assert max(once, key=lambda r: r.id).text == "a new comment"
    for engine in engines.values():
        engine.dispose()
