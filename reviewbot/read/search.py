"""Full-text search over messages on either backend, behind one small interface.

`parse_query` splits what a user typed into words and `file:PATH` terms; the
`matching_*` functions turn a query into a SELECT of series, patch or message
ids, for the web UI's listing and the REST API's `q` filter alike. Words are
looked up in a full-text index over message subjects and bodies (so patch
diffs too): on SQLite the FTS5 table `message_fts` (migration 0006, filled in
bulk at the end of each import, and by `reviewbot link` after an interrupted
one), on PostgreSQL a GIN index on the tsvector expression `PG_DOCUMENT`
(migration 0015; it was a stored column from 0008). `file:` terms match the
paths a patch touches (a substring, any case the database's LIKE gives).

User text only ever reaches the database as bound parameters, and on both
backends each word is a quoted phrase, never query syntax: FTS5 operators,
column filters, tsquery's `&|!:*` or parentheses are just punctuation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import reduce
from typing import Any

from sqlalchemy import Select, bindparam, false, func, literal_column, or_, select, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from reviewbot.models import FILE, MESSAGE, PATCH

# Punctuation PostgreSQL's parser keeps inside one token (paths, file and host
# names, addresses, hyphenated words) where FTS5's unicode61 tokenizer splits:
# migration 0008 turns these into spaces before to_tsvector, and so must every
# query, so that `virstorageobj.c` finds `src/conf/virstorageobj.c` on both
# backends. Keep this equal to migration 0008's translate().
PG_SPLIT = "/.@-"
PG_CONFIG = "simple"  # no stemming or stop words: code identifiers match exactly
# the indexed expression, exactly as migration 0015 wrote it: PostgreSQL uses the
# index only for a query on the same expression
PG_DOCUMENT = (
    "to_tsvector('simple'::regconfig, translate(left("
    "coalesce(message.subject, '') || ' ' || coalesce(message.body, ''), 262143), "
    "'/.@-', '    '))"
)
_TOKEN = re.compile(r"[^\W_]+")  # what both tokenizers keep: letters and digits
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class SearchQuery:
    """What the user typed, split into words and `file:` paths."""

    words: tuple[str, ...]
    files: tuple[str, ...]

    @property
    def empty(self) -> bool:
        """True when there is nothing to search for."""
        return not self.words and not self.files


def parse_query(raw: str | None) -> SearchQuery:
    """Split a search box's text: `file:src/x.c` terms and plain words."""
    words, files = [], []
    # control characters are blanks: FTS5 reads its query as a C string (a NUL
    # cuts a quoted phrase short, a syntax error) and PostgreSQL text cannot hold NUL
    raw = _CONTROL.sub(" ", raw or "")
    for term in re.findall(r'"[^"]*"|\S+', raw):
        term = term.strip('"')
        if term.lower().startswith("file:") and term[5:]:
            files.append(term[5:])
        elif term:
            words.append(term)
    return SearchQuery(tuple(words), tuple(files))


def _split_prefix(word: str) -> tuple[str, bool]:
    """A word without its trailing `*`, and whether it asked for a prefix match."""
    if word.endswith("*") and len(word) > 1:
        return word.rstrip("*"), True
    return word, False


def fts_expression(words: tuple[str, ...]) -> str:
    """An FTS5 MATCH expression: every word as a quoted phrase, all required.

    Quoting keeps user text out of FTS5's query syntax (no operator or column
    filter can be injected); a trailing * still asks for a prefix match.
    """
    parts = []
    for raw in words:
        word, prefix = _split_prefix(raw)
        parts.append('"' + word.replace('"', '""') + '"' + ("*" if prefix else ""))
    return " AND ".join(parts)


def _pg_word(word: str) -> ColumnElement[Any]:
    """One word as a tsquery: a phrase of its tokens, tokenized as the column is."""
    word, prefix = _split_prefix(word)
    config: ColumnElement[Any] = literal_column(f"'{PG_CONFIG}'")  # a constant, not user text
    if not prefix:
        # phraseto_tsquery runs the same parser as to_tsvector: VIR_LOCK_GUARD
        # becomes 'vir' <-> 'lock' <-> 'guard', priv->agentError 'priv' <-> 'agenterror'
        split = func.translate(word, PG_SPLIT, " " * len(PG_SPLIT))
        return func.phraseto_tsquery(config, split)
    # to_tsquery is needed for :* but parses operators, so it only ever gets
    # tokens of letters and digits, joined here
    tokens = _TOKEN.findall(word.lower())
    return func.to_tsquery(config, " <-> ".join(tokens) + ":*")


def pg_tsquery(words: tuple[str, ...]) -> ColumnElement[Any]:
    """PostgreSQL's tsquery of the words: all of them, each a phrase of its tokens."""
    return reduce(lambda a, b: a.op("&&")(b), [_pg_word(w) for w in words])


def searchable(words: tuple[str, ...]) -> tuple[str, ...]:
    """The words with a letter or digit: neither index holds punctuation."""
    return tuple(w for w in words if _TOKEN.search(w))


def message_ids(session: Session, words: tuple[str, ...]) -> Select[Any]:
    """A SELECT of the ids of messages whose subject or body holds every word.

    A word of punctuation alone matches nothing (on both backends alike:
    FTS5 would match nothing, PostgreSQL would drop it from the query).
    """
    if not words or len(searchable(words)) < len(words):
        return select(MESSAGE.c.id).where(false())
    if session.get_bind().dialect.name == "sqlite":
        return (
            select(literal_column("rowid").label("id"))
            .select_from(text("message_fts"))
            .where(
                text("message_fts MATCH :match").bindparams(
                    # unique: two searches in one statement keep their own values
                    bindparam("match", fts_expression(words), unique=True)
                )
            )
        )
    match = literal_column(PG_DOCUMENT).op("@@")(pg_tsquery(words))
    # its own FROM message even inside a statement on message (no correlation)
    return select(MESSAGE.c.id).where(match).correlate(None)


def _touching(path: str) -> Select[Any]:
    """A SELECT of ids of patches with a file whose old or new path contains `path`."""
    pattern = "%" + path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return select(FILE.c.patch_id).where(
        or_(FILE.c.new_path.like(pattern, escape="\\"), FILE.c.old_path.like(pattern, escape="\\"))
    )


def _intersect(selects: list[Select[Any]]) -> Select[Any]:
    if not selects:
        raise ValueError("an empty search query matches everything: do not filter by it")
    out = selects[0]
    for other in selects[1:]:
        out = out.intersect(other)  # type: ignore[assignment]
    return out


def matching_patches(session: Session, query: SearchQuery) -> Select[Any]:
    """A SELECT of ids of patches whose own message holds every word and that touch every path."""
    selects = [_touching(path) for path in query.files]
    if query.words:
        hits = message_ids(session, query.words)
        selects.append(select(PATCH.c.id).where(PATCH.c.message_id.in_(hits)))
    return _intersect(selects)


def matching_series(session: Session, query: SearchQuery) -> Select[Any]:
    """A SELECT of ids of series with a message holding every word, touching every path."""
    selects = [
        select(PATCH.c.series_id).where(PATCH.c.id.in_(_touching(path))) for path in query.files
    ]
    if query.words:
        hits = message_ids(session, query.words)
        selects.append(
            select(MESSAGE.c.series_id).where(
                MESSAGE.c.id.in_(hits), MESSAGE.c.series_id.is_not(None)
            )
        )
    return _intersect(selects)


def matching_messages(session: Session, query: SearchQuery) -> Select[Any]:
    """A SELECT of ids of messages holding every word, in series touching every path."""
    selects = []
    if query.words:
        selects.append(message_ids(session, query.words))
    if query.files:
        series = matching_series(session, SearchQuery((), query.files))
        selects.append(select(MESSAGE.c.id).where(MESSAGE.c.series_id.in_(series)))
    return _intersect(selects)
