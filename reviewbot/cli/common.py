"""What every command shares: options, the database session, errors -> exit codes, output.

Exit codes (also in README):
    0  success
    1  an unexpected reviewbot error
    2  bad input: a path that is missing, not an mbox/maildir, damaged or truncated
       (everything readable was still imported)
    3  not found: unknown series or message
    4  database or storage error: bad URL, unusable file, disk full (one line)
    5  git failed
    6  apply: some patch did not apply
    7  a write lost to somebody else's
"""

from __future__ import annotations

import errno
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from reviewbot.config import load_settings
from reviewbot.db import open_engine, session_scope, sqlite_file
from reviewbot.errors import InputError, ReviewbotError

_STORAGE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}
console = Console()
# soft_wrap: an error naming a long path must stay on one line for grep and logs
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database file or SQLAlchemy URL [env: REVIEWBOT_DB]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
UpstreamTreeOption = Annotated[
    str | None,
    typer.Option(
        "--upstream-tree",
        help="A git tree to look for patches in after each round (`reviewbot upstream`) "
        "[env: REVIEWBOT_UPSTREAM_TREE].",
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        min=1,
        help="Worker processes that parse mail and review threads "
        "(default: one per CPU; 1: none, all in this process).",
    ),
]
DataDirOption = Annotated[
    str | None,
    typer.Option("--data-dir", help="Caches and the default database [env: REVIEWBOT_DATA_DIR]."),
]


@contextmanager
def errors() -> Iterator[None]:
    """Turn a ReviewbotError into a message on stderr and its exit code."""
    try:
        yield
    except ReviewbotError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code) from exc
    except SQLAlchemyError as exc:
        # a full disk, a lost server: one line, never the statement's parameters
        # (they hold message bodies); what was committed before is kept
        err.print(f"[red]error:[/red] database: {escape(_first_line(exc))}", highlight=False)
        raise typer.Exit(4) from exc
    except OSError as exc:
        if exc.errno not in _STORAGE_ERRORS:
            raise
        err.print(f"[red]error:[/red] storage: {escape(str(exc))}", highlight=False)
        raise typer.Exit(4) from exc
    except KeyboardInterrupt:
        # every finished batch is committed and every fetched page cached
        err.print("interrupted: what was done is kept; run the command again to resume")
        raise typer.Exit(130) from None


def engine_for(db: str | None, *, create: bool = False) -> Engine:
    """The database of --db / REVIEWBOT_DB, migrated; an SQLite file must exist unless
    the command makes databases (`create`)."""
    url = load_settings(db=db).database_url
    if not create:
        require_database(url)
    return open_engine(url)


def require_database(url: str) -> None:
    """InputError (exit 2) for an SQLite file that does not exist.

    Opening one would create it empty, and a mistyped --db would then report
    "no series with id 1" instead of the typo.
    """
    path = sqlite_file(url)
    if path is not None and not path.exists():
        raise InputError(f"no database at {path} (import-mbox, scrape, fetch and demo create one)")


def read(db: str | None, fn: Callable[[Session], T]) -> T:
    """Run a read in a session; errors become exit codes."""
    with errors():
        engine = engine_for(db)
        with Session(engine) as session:
            return fn(session)


def write(db: str | None, fn: Callable[[Session], T]) -> T:
    """Run a write in one transaction, committed on success; errors become exit codes."""
    with errors(), session_scope(engine_for(db)) as session:
        return fn(session)


def print_json(data: object) -> None:
    """JSON for scripts, on stdout."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal's stderr; nothing when quiet or piped."""
    if quiet or not err.is_terminal:
        yield lambda _n: None
        return
    columns = (TextColumn("working"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("import", total=None)
        yield lambda n: bar.advance(task, n)


def _first_line(exc: SQLAlchemyError) -> str:
    """What the database said, without SQLAlchemy's statement and parameters."""
    said = str(getattr(exc, "orig", None) or exc).strip()
    return said.splitlines()[0][:300] if said else type(exc).__name__
