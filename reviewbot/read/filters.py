"""What a list is narrowed to (one Filters for every list), pages, and their SQL conditions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Boolean, ColumnElement, bindparam, func, or_
from sqlalchemy.ext.compiler import compiles

from reviewbot.globs import glob_regex, is_glob

T = TypeVar("T")


@dataclass(frozen=True)
class Filters:
    """What a list asks for; each list applies the fields that name its columns.

    The web UI's form, the API's query parameters and the CLI's options all
    become one of these, so the same filter gives the same rows everywhere.
    """

    submitter: str | None = None  # an address (exact) or part of a name or address
    series: int | None = None
    msgid: str | None = None
    since: datetime | None = None
    before: datetime | None = None
    q: str | None = None  # full-text words and file: terms (read.search)
    state: str | None = None
    file: str | None = None  # a path, or a directory with a trailing /
    open_concerns: bool | None = None
    archived: bool | None = None
    in_tree: bool | None = None  # a commit of the tree carries it (every patch: commit_ref)
    patch: int | None = None
    status: str | None = None
    category: str | None = None
    actor: str | None = None
    via: str | None = None  # api, cli, mail


@dataclass(frozen=True)
class Page:
    """Which slice of a list: page numbers from 1; `per_page` None is the whole list."""

    page: int = 1
    per_page: int | None = None

    @property
    def offset(self) -> int:
        """Rows to skip."""
        return (self.page - 1) * self.per_page if self.per_page else 0


@dataclass(frozen=True)
class Paged(Generic[T]):
    """One page of a list and how many items the whole list has."""

    items: tuple[T, ...]
    total: int
    page: Page

    @property
    def pages(self) -> int:
        """How many pages the list has (at least one)."""
        size = self.page.per_page or max(self.total, 1)
        return max(1, -(-self.total // size))


def like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_match(q: str, *columns: Any) -> ColumnElement[bool]:
    """Any of the columns contains `q` (LIKE: names, addresses and concern texts).

    Subjects and bodies are searched with the full-text index instead
    (read.search); these short columns have none.
    """
    pattern = like(q)
    return or_(*(c.like(pattern, escape="\\") for c in columns))


def person_match(value: str, name_col: Any, email_col: Any) -> ColumnElement[bool]:
    """An address matches exactly (any case); anything else is part of a name or address."""
    if "@" in value:
        return email_col == value.strip().strip("<>").lower()  # type: ignore[no-any-return]
    return text_match(value, name_col, email_col)


def time_range(f: Filters, column: Any) -> list[ColumnElement[bool]]:
    """since <= column < before."""
    conds = []
    if f.since is not None:
        conds.append(column >= f.since)
    if f.before is not None:
        conds.append(column < f.before)
    return conds


def path_match(path: str, old_col: Any, new_col: Any) -> ColumnElement[bool]:
    """A file by its path, every file under a directory given with a trailing /, or
    the files a glob names (`src/qemu/**`, `src/*.c`: reviewbot.globs)."""
    if path.endswith("/**") and not is_glob(path[:-2]):
        path = path[:-2]  # everything under a directory: the prefix LIKE below, no function
    if is_glob(path):
        return or_(*(_glob_match(path, col) for col in (old_col, new_col)))
    if path.endswith("/"):
        pattern = like(path)[1:]  # a prefix: no leading %
        return or_(old_col.like(pattern, escape="\\"), new_col.like(pattern, escape="\\"))
    return or_(old_col == path, new_col == path)


class _GlobMatch(ColumnElement[bool]):
    """`column` is a path the glob names: PostgreSQL's regex, SQLite's reviewbot_glob()."""

    # no statement cache: the compiled SQL would keep the first glob's bound value
    inherit_cache = False
    type = Boolean()

    def __init__(self, column: Any, glob: str) -> None:
        self.column = column
        self.glob = glob


@compiles(_GlobMatch)
def _glob_sqlite(element: _GlobMatch, compiler: Any, **kw: Any) -> str:
    call = func.reviewbot_glob(bindparam(None, element.glob, unique=True), element.column)
    return str(compiler.process(call, **kw))


@compiles(_GlobMatch, "postgresql")
def _glob_postgresql(element: _GlobMatch, compiler: Any, **kw: Any) -> str:
    match = element.column.op("~")(bindparam(None, glob_regex(element.glob), unique=True))
    return str(compiler.process(match, **kw))


def _glob_match(glob: str, column: Any) -> ColumnElement[bool]:
    # LIKE first, in C: `*` as %, `?` as _ is a looser pattern (a % crosses /), so
    # only the paths it lets through cost a call of the exact matcher
    loose = "".join({"*": "%", "?": "_"}.get(c) or like(c)[1:-1] for c in glob)
    return column.like(loose, escape="\\") & _GlobMatch(column, glob)


def paged(items: Sequence[T], total: int, page: Page) -> Paged[T]:
    """A Paged of these items."""
    return Paged(tuple(items), total, page)
