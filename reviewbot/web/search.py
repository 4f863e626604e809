"""Full-text search over messages, behind one small interface.

`matching_series(session, query)` answers which series a search names, as a
SELECT of series ids the listing combines with its filters. On SQLite the
words go to the FTS5 table `message_fts` (subjects and bodies, so patch diffs
too; migration 0006 keeps it filled by triggers); other dialects fall back to
LIKE on subjects until they get their own index (PostgreSQL: a tsvector).
`file:PATH` terms search the paths a patch touches.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, literal_column, or_, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from reviewbot import store
from reviewbot.queries import FILE, MESSAGE, PATCH


@dataclass(frozen=True)
class SearchQuery:
    """What the user typed, split into words and `file:` paths."""

    words: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when there is nothing to search for."""
        return not self.words and not self.files


def parse_query(raw: str) -> SearchQuery:
    """Split a search box's text: `file:src/x.c` terms and plain words."""
    words, files = [], []
    for term in re.findall(r'"[^"]*"|\S+', raw or ""):
        term = term.strip('"')
        if term.lower().startswith("file:") and term[5:]:
            files.append(term[5:])
        elif term:
            words.append(term)
    return SearchQuery(tuple(words), tuple(files))


def fts_expression(words: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression: every word as a quoted phrase, all required.

    Quoting keeps user text out of FTS5's query syntax (no operator or column
    filter can be injected); a trailing * still asks for a prefix match.
    """
    parts = []
    for word in words:
        prefix = word.endswith("*") and len(word) > 1
        word = word.rstrip("*") if prefix else word
        parts.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " AND ".join(parts)


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _file_ids(paths: tuple[str, ...]) -> Select:
    conds: list[ColumnElement[bool]] = []
    for path in paths:
        pattern = _like(path)
        conds.append(
            or_(
                FILE.c.new_path.like(pattern, escape="\\"),
                FILE.c.old_path.like(pattern, escape="\\"),
            )
        )
    return select(PATCH.c.series_id).join(FILE, FILE.c.patch_id == PATCH.c.id).where(and_(*conds))


def _word_ids(session: Session, words: tuple[str, ...]) -> Select:
    if session.get_bind().dialect.name == "sqlite":
        hits: Any = (
            select(literal_column("rowid"))
            .select_from(text("message_fts"))
            .where(text("message_fts MATCH :match").bindparams(match=fts_expression(words)))
        )
        return select(MESSAGE.c.series_id).where(
            MESSAGE.c.id.in_(hits), MESSAGE.c.series_id.is_not(None)
        )
    conds = [MESSAGE.c.subject.ilike(_like(w), escape="\\") for w in words]
    return select(MESSAGE.c.series_id).where(and_(*conds), MESSAGE.c.series_id.is_not(None))


def catch_up(session: Session) -> None:
    """Index messages an interrupted import left out (imports index in bulk at the end)."""
    if store.index_pending(session=session):
        store.index_messages(session=session)
        session.commit()


def matching_series(session: Session, query: SearchQuery) -> Select:
    """A SELECT of the ids of series with a message matching every term of `query`."""
    if query.words:
        catch_up(session)
    selects = []
    if query.words:
        selects.append(_word_ids(session, query.words))
    if query.files:
        selects.append(_file_ids(query.files))
    ids = selects[0]
    for other in selects[1:]:
        ids = ids.intersect(other)  # type: ignore[assignment]
    return ids
