"""What a search found inside each series: the messages and patches, with snippets.

The series list says which series match (read.series, with read.search's
`matching_series`); this says where: for the series of one page, the messages
holding every word (cover letter first, then the patches in order, then the
replies), each with its subject and a piece of its body around the words. The
words are marked by the database's own full-text machinery, SQLite FTS5's
`highlight()` (the body's window cut around the first word in SQL) and
PostgreSQL's `ts_headline`, over the same messages `matching_messages` finds, so
both backends list the same hits; `phrase_marks` keeps the marks that cover a
whole word searched for, which makes the two backends' snippets alike.

Mail text is untrusted, so no HTML is made here: the database marks the words
with two control characters and read/snippets.py cuts the text into (text,
marked) pieces, which the page escapes one by one.

A search of `file:` terms alone lists the patches touching the paths, with the
matching part of each path marked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, func, literal_column, select, text
from sqlmodel import Session

from reviewbot.models import FILE, MESSAGE, PATCH
from reviewbot.read.search import (
    PG_CONFIG,
    PG_SPLIT,
    SearchQuery,
    fts_expression,
    matching_messages,
    matching_patches,
    parse_query,
    pg_tsquery,
)
from reviewbot.read.snippets import START, STOP, Fragment, around, fragments, phrase_marks
from reviewbot.read.sql import rows

PER_SERIES = 5  # hits shown under each series; the rest are counted
# the database gives a wide window of the body, `around` keeps SNIPPET_CHARS of it
# around the first word found
SNIPPET_TOKENS = 48  # ts_headline's window
SNIPPET_CHARS = 240
# ts_headline must see the words as the index did (migration 0008 blanks PG_SPLIT):
# control characters stand in for those and are put back afterwards, so the
# snippet shows the message's own text (they are blanks to PostgreSQL's parser,
# as spaces are). `<` is stood in for too: the parser takes <tag ...> for markup
# and leaves it out of a headline (and after <script> everything), where a
# snippet must show patches' XML and mail's text as they are
_PG_SPLIT_SHOWN = PG_SPLIT + "<"
_PG_STAND_IN = "\x01\x04\x05\x06\x07"
_PG_LIMIT = 262143  # as migration 0008 indexes: words past it are not found either


@dataclass(frozen=True)
class SearchHit:
    """One message holding the words (or a patch touching the paths)."""

    message_id: int
    msgid: str
    kind: str  # cover, patch, reply, other
    patch_id: int | None  # the patch this message carries
    patch_number: int | None
    from_name: str
    from_email: str
    date: datetime | None
    archive_url: str | None
    subject: tuple[Fragment, ...]
    snippet: tuple[Fragment, ...]


@dataclass(frozen=True)
class SeriesHits:
    """The hits in one series: the first few, and how many there are in all."""

    series_id: int
    hits: tuple[SearchHit, ...]
    total: int


def search_hits(
    session: Session, q: str | None, series_ids: Sequence[int], per_series: int = PER_SERIES
) -> dict[int, SeriesHits]:
    """Where the search `q` matched in each of these series (series without hits are absent)."""
    query = parse_query(q)
    if query.empty or not series_ids:
        return {}
    if not query.words:
        return _file_hits(session, query, series_ids, per_series)
    ranked = _ranked(session, query, series_ids)
    shown = [r for r in ranked if r.rn <= per_series]
    marks = _marks(session, query, [r.id for r in shown])
    found: dict[int, list[SearchHit]] = {}
    totals: dict[int, int] = {}
    for r in shown:
        subject, snippet = marks.get(r.id, (r.subject, ""))
        body = around(phrase_marks(fragments(snippet), query.words), SNIPPET_CHARS)
        hit = _hit(r, phrase_marks(fragments(subject), query.words), body)
        found.setdefault(r.series_id, []).append(hit)
        totals[r.series_id] = r.total
    return {sid: SeriesHits(sid, tuple(hits), totals[sid]) for sid, hits in found.items()}


def _ranked(session: Session, query: SearchQuery, series_ids: Sequence[int]) -> list[Any]:
    """The matching messages of these series, numbered within each series."""
    order = (
        case((MESSAGE.c.kind == "cover", 0), (PATCH.c.id.is_not(None), 1), else_=2),
        PATCH.c.number,
        MESSAGE.c.date.is_(None),  # NULL dates last on both backends
        MESSAGE.c.date,
        MESSAGE.c.id,
    )
    series = MESSAGE.c.series_id
    inner = (
        select(
            *_HIT_COLUMNS,
            func.row_number().over(partition_by=series, order_by=order).label("rn"),
            func.count().over(partition_by=series).label("total"),
        )
        .select_from(MESSAGE.outerjoin(PATCH, PATCH.c.message_id == MESSAGE.c.id))
        .where(
            MESSAGE.c.series_id.in_(list(series_ids)),
            # `+ 0`: SQLite then reads the page's few messages by series and looks
            # each up in the search's result, instead of fetching every message the
            # search matched by primary key (1.5 ms against 70-230 on the 50k corpus)
            (MESSAGE.c.id + 0).in_(matching_messages(session, query)),
        )
        .subquery()
    )
    return rows(session, select(inner).order_by(inner.c.series_id, inner.c.rn))


_HIT_COLUMNS = (
    MESSAGE.c.id,
    MESSAGE.c.msgid,
    MESSAGE.c.series_id,
    MESSAGE.c.kind,
    MESSAGE.c.subject,
    MESSAGE.c.from_name,
    MESSAGE.c.from_email,
    MESSAGE.c.date,
    MESSAGE.c.archive_url,
    PATCH.c.id.label("own_patch"),
    PATCH.c.number.label("patch_number"),
)


def _hit(r: Any, subject: tuple[Fragment, ...], snippet: tuple[Fragment, ...]) -> SearchHit:
    return SearchHit(
        message_id=r.id,
        msgid=r.msgid,
        kind=r.kind,
        patch_id=r.own_patch,
        patch_number=r.patch_number,
        from_name=r.from_name,
        from_email=r.from_email,
        date=r.date,
        archive_url=r.archive_url,
        subject=subject,
        snippet=snippet,
    )


# FTS5 marks the words itself, highlight() over the whole subject and body. Its
# snippet() is not used: it starts its window at a sentence, which leaves the word
# cut at the window's end when the sentence is long (quoted code); the body's
# window is cut here instead, from a little before the first word marked
def _fts_marks(rowid: str) -> Any:
    return text(
        "WITH h AS MATERIALIZED (SELECT rowid AS id, "
        "highlight(message_fts, 0, :start, :stop) AS subject, "
        "highlight(message_fts, 1, :start, :stop) AS body "
        f"FROM message_fts WHERE message_fts MATCH :match AND {rowid} IN :ids), "
        "w AS (SELECT id, subject, body, max(instr(body, :start) - :before, 1) AS first FROM h) "
        "SELECT id, subject, "
        "CASE WHEN first > 1 THEN '…' ELSE '' END || substr(body, first, :width) "
        "|| CASE WHEN length(body) >= first + :width THEN '…' ELSE '' END AS snippet FROM w"
    ).bindparams(bindparam("ids", expanding=True))


# FTS5 runs the query once per rowid looked up: cheap for words, but a prefix
# (qemuProcess*) is expanded again each time, 446 ms for 75 messages on the 50k
# corpus; `+rowid` makes it run the query once and filter (12 ms; 2-6 ms for words)
_FTS_MARKS = {False: _fts_marks("rowid"), True: _fts_marks("+rowid")}


def _marks(session: Session, query: SearchQuery, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each message's subject and body snippet with START/STOP around the words."""
    if not ids:
        return {}
    if session.get_bind().dialect.name == "sqlite":
        match = fts_expression(query.words)
        window = {"before": SNIPPET_CHARS, "width": 3 * SNIPPET_CHARS}
        prefix = any(w.endswith("*") for w in query.words)
        marks = _FTS_MARKS[prefix]
        found = rows(session, marks, start=START, stop=STOP, match=match, ids=ids, **window)
    else:
        tsquery = pg_tsquery(query.words)
        subject = _headline(MESSAGE.c.subject, tsquery, "HighlightAll=true")
        body = _headline(
            func.left(MESSAGE.c.body, _PG_LIMIT),
            tsquery,
            f"MaxWords={SNIPPET_TOKENS}, MinWords={SNIPPET_TOKENS // 2}, ShortWord=0, "
            'MaxFragments=1, FragmentDelimiter=" … "',
        )
        stmt = select(MESSAGE.c.id, subject.label("subject"), body.label("snippet"))
        found = rows(session, stmt.where(MESSAGE.c.id.in_(ids)))
    return {r.id: (r.subject or "", r.snippet or "") for r in found}


def _headline(document: Any, tsquery: Any, options: str) -> Any:
    """ts_headline over the text as the index saw it, given back its own characters."""
    config: Any = literal_column(f"'{PG_CONFIG}'")  # a constant, as read.search writes it
    seen = func.translate(document, _PG_SPLIT_SHOWN, _PG_STAND_IN)
    marks = f'StartSel="{START}", StopSel="{STOP}", {options}'
    headline = func.ts_headline(config, seen, tsquery, marks)
    return func.translate(headline, _PG_STAND_IN, _PG_SPLIT_SHOWN)


def _file_hits(
    session: Session, query: SearchQuery, series_ids: Sequence[int], per_series: int
) -> dict[int, SeriesHits]:
    """For `file:` terms alone: the patches touching the paths, the matching paths marked."""
    found = rows(
        session,
        select(*_HIT_COLUMNS, FILE.c.old_path, FILE.c.new_path)
        .select_from(
            PATCH.join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id).join(
                FILE, FILE.c.patch_id == PATCH.c.id
            )
        )
        .where(
            PATCH.c.series_id.in_(list(series_ids)),
            PATCH.c.id.in_(matching_patches(session, query)),
        )
        .order_by(PATCH.c.series_id, PATCH.c.number, PATCH.c.id, FILE.c.id),
    )
    paths: dict[int, list[str]] = {}
    first: dict[int, Any] = {}
    for r in found:
        first.setdefault(r.id, r)
        path = r.new_path or r.old_path or ""
        if any(t.lower() in path.lower() for t in query.files):
            paths.setdefault(r.id, []).append(path)
    by_series: dict[int, list[SearchHit]] = {}
    for mid, r in first.items():
        snippet = _mark_paths(paths.get(mid, []), query.files)
        by_series.setdefault(r.series_id, []).append(_hit(r, fragments(r.subject), snippet))
    return {
        sid: SeriesHits(sid, tuple(hits[:per_series]), len(hits)) for sid, hits in by_series.items()
    }


def _mark_paths(paths: list[str], terms: tuple[str, ...]) -> tuple[Fragment, ...]:
    """The paths, comma-separated, each term marked where it occurs (any case)."""
    pattern = re.compile("|".join(re.escape(t) for t in terms), re.IGNORECASE)
    joined = ", ".join(dict.fromkeys(paths))
    return fragments(pattern.sub(lambda m: START + m.group(0) + STOP, joined))
