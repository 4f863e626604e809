"""The texts stored once, as SQL expressions that read either form.  (db layer)

A message's body is its own column or, when NULL, what its compressed raw bytes
give (SQLite: the `reviewbot_body` function reviewbot.db registers; PostgreSQL
always keeps the body, which its full-text index is built over). A patch's
commit message, diffstat and diff, and a hunk's text, are their own columns or,
when NULL, a slice of their message's body; a hunk's section is its column or,
when NULL, what its header gives; a patch's subject is its message's. Statements select these
expressions instead of the columns and join MESSAGE (through PATCH for a hunk).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import LargeBinary, Text, case, func, null
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from reviewbot.models import HUNK, MESSAGE, PATCH


class _Body(FunctionElement[str]):
    """coalesce(body, reviewbot_body(raw_zstd)) on SQLite; the body column elsewhere."""

    type = Text()
    name = "message_body"
    inherit_cache = True


@compiles(_Body, "sqlite")
def _body_sqlite(element: _Body, compiler: Any, **kw: Any) -> str:
    body, raw = list(element.clauses)
    return str(compiler.process(func.coalesce(body, func.reviewbot_body(raw)), **kw))


@compiles(_Body)
def _body_default(element: _Body, compiler: Any, **kw: Any) -> str:
    body, _raw = list(element.clauses)
    return str(compiler.process(body, **kw))


def message_body(table: Any = MESSAGE) -> ColumnElement[str]:
    """A message's body, of MESSAGE or of an alias of it."""
    return _Body(table.c.body, table.c.raw_zstd)


class _PackedBody(FunctionElement[bytes]):
    """The compressed bytes a NULL body derives from (SQLite); NULL elsewhere."""

    type = LargeBinary()
    name = "packed_body"
    inherit_cache = True


@compiles(_PackedBody, "sqlite")
def _packed_body_sqlite(element: _PackedBody, compiler: Any, **kw: Any) -> str:
    body, raw = list(element.clauses)
    return str(compiler.process(case((body.is_(None), raw), else_=null()), **kw))


@compiles(_PackedBody)
def _packed_body_default(element: _PackedBody, compiler: Any, **kw: Any) -> str:
    return "NULL"


def packed_body(table: Any = MESSAGE) -> ColumnElement[bytes]:
    """Beside the `body` column, what message_body derives in SQL when it is NULL, for
    Python to derive (packed.body_from) where that work is better spent."""
    return _PackedBody(table.c.body, table.c.raw_zstd)


class _Section(FunctionElement[str]):
    """packed.derived_section in SQL: the header after its closing "@@", spaces trimmed."""

    type = Text()
    name = "hunk_section"
    inherit_cache = True


def _section_sql(element: _Section, compiler: Any, find: str, **kw: Any) -> str:
    header = compiler.process(list(element.clauses)[0], **kw)
    # the closing "@@" is looked for from the third character on, as in Python
    after = f"substr({header}, {find}(substr({header}, 3), '@@') + 4)"
    return f"trim({after}, ' ')"


@compiles(_Section, "sqlite")
def _section_sqlite(element: _Section, compiler: Any, **kw: Any) -> str:
    return _section_sql(element, compiler, "instr", **kw)


@compiles(_Section)
def _section_default(element: _Section, compiler: Any, **kw: Any) -> str:
    return _section_sql(element, compiler, "strpos", **kw)


def header_section(header: Any) -> ColumnElement[str]:
    """The section a hunk header (a column or an expression) gives, in SQL."""
    return _Section(header)


def _slice(column: Any, at: Any, length: Any, body: ColumnElement[str]) -> ColumnElement[str]:
    # coalesce stops at the stored text: the body is read only for a slice
    return func.coalesce(column, func.substr(body, at + 1, length))


BODY = message_body()
COMMIT_MESSAGE = _slice(PATCH.c.commit_message, PATCH.c.commit_at, PATCH.c.commit_len, BODY)
DIFFSTAT = _slice(PATCH.c.diffstat, PATCH.c.diffstat_at, PATCH.c.diffstat_len, BODY)
DIFF = _slice(PATCH.c.diff, PATCH.c.diff_at, PATCH.c.diff_len, BODY)
HUNK_TEXT = _slice(HUNK.c.text, HUNK.c.text_at, HUNK.c.text_len, BODY)
# a hunk's section: its own column, else what its header gives
HUNK_SECTION = func.coalesce(HUNK.c.section, header_section(HUNK.c.header))

# the patch columns with the three texts and the subject as expressions (join MESSAGE
# on message_id)
_PATCH_TEXTS = {
    "commit_message": COMMIT_MESSAGE,
    "diffstat": DIFFSTAT,
    "diff": DIFF,
    "subject": func.coalesce(PATCH.c.subject, MESSAGE.c.subject),
}
_SPANS = frozenset(
    f"{name}_{end}" for name in ("commit", "diffstat", "diff") for end in ("at", "len")
)


def patch_columns() -> list[Any]:
    """Every patch column a reader wants, the texts as text (MESSAGE must be joined)."""
    out: list[Any] = []
    for column in PATCH.c:
        if column.name in _SPANS:
            continue
        text = _PATCH_TEXTS.get(column.name)
        out.append(column if text is None else text.label(column.name))
    return out


def hunk_columns() -> list[Any]:
    """Every hunk column a reader wants, text and section as text (PATCH, MESSAGE joined)."""
    texts = {"text": HUNK_TEXT, "section": HUNK_SECTION}
    return [
        texts[c.name].label(c.name) if c.name in texts else c
        for c in HUNK.c
        if c.name not in ("text_at", "text_len")
    ]
