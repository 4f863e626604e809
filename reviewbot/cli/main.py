"""The command line: thin Typer commands over pipeline.py and queries.py.

Exit codes (also in README):
    0  success
    1  an unexpected reviewbot error
    2  bad input: a path that is missing, not an mbox/maildir, damaged or truncated
       (everything readable was still imported)
    3  not found: unknown series or message
    4  database error: bad URL, unusable file
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot.cli import render
from reviewbot.config import load_settings
from reviewbot.db import open_engine, session_scope
from reviewbot.errors import InputError, ReviewbotError
from reviewbot.mail.threads import ThreadNode
from reviewbot.pipeline.apply import apply_series
from reviewbot.pipeline.importer import import_paths
from reviewbot.read import queries

app = typer.Typer(help="reviewbot: patch-series review for mailing lists.", no_args_is_help=True)
series_app = typer.Typer(help="List and show patch series.", no_args_is_help=True)
app.add_typer(series_app, name="series")
db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
# soft_wrap: an error naming a long path must stay on one line for grep and logs
err = Console(stderr=True, soft_wrap=True)
T = TypeVar("T")

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database file or SQLAlchemy URL [env: REVIEWBOT_DB]."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@contextmanager
def _errors() -> Iterator[None]:
    """Turn a ReviewbotError into a message on stderr and its exit code."""
    try:
        yield
    except ReviewbotError as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        raise typer.Exit(exc.exit_code) from exc
    except KeyboardInterrupt:
        # every finished batch is committed and every fetched page cached
        err.print("interrupted: what was done is kept; run the command again to resume")
        raise typer.Exit(130) from None


def _engine(db: str | None) -> Engine:
    return open_engine(load_settings(db=db).database_url)


def _with_session(db: str | None, fn: Callable[[Session], T], *, commit: bool = False) -> T:
    with _errors():
        engine = _engine(db)
        if commit:  # reads that may first bring cached results up to date
            with session_scope(engine) as session:
                return fn(session)
        with Session(engine) as session:
            return fn(session)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@app.command("import-mbox")
def import_mbox(
    paths: Annotated[list[Path], typer.Argument(help="mbox, .gz, pipermail .txt(.gz) or maildir")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import messages and rebuild threads and series (re-importing is a no-op)."""
    with _errors():
        engine = _engine(db)
        with _progress(as_json) as advance:
            report = import_paths(engine, paths, progress=advance)
    if as_json:
        _print_json(report.as_dict())
    else:
        console.print(
            f"{report.messages_new} new, {report.messages_duplicate} duplicate, "
            f"{report.messages_failed} failed messages; {report.series_new} new series, "
            f"{report.series_updated} updated"
            + (
                f"; {report.messages_reconstructed} rebuilt from quotes"
                if report.messages_reconstructed
                else ""
            )
        )
    for problem in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(problem)}", highlight=False)
    for problem in report.errors:
        err.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
    if report.errors:
        raise typer.Exit(2)


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[int], None]]:
    if quiet or not err.is_terminal:
        yield lambda _n: None
        return
    columns = (TextColumn("working"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("import", total=None)
        yield lambda n: bar.advance(task, n)


@app.command("scrape")
def scrape(
    archive_url: Annotated[str, typer.Argument(help="pipermail archive URL.")] = (
        "https://listman.redhat.com/archives/libvir-list/"
    ),
    month: Annotated[
        list[str] | None, typer.Option("--month", help="A month such as 2016-October (repeatable).")
    ] = None,
    since: Annotated[str | None, typer.Option(help="Every month from YYYY-MM on.")] = None,
    all_months: Annotated[bool, typer.Option("--all", help="Every month of the archive.")] = False,
    rate: Annotated[
        float, typer.Option(help="At most this many requests per second (0: no limit).")
    ] = 2.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one response.")] = 30.0,
    refresh: Annotated[bool, typer.Option(help="Re-read months already read completely.")] = False,
    db: DbOption = None,
    data_dir: Annotated[
        str | None, typer.Option(help="Cache and default database [env: REVIEWBOT_DATA_DIR].")
    ] = None,
    as_json: JsonOption = False,
    watch: Annotated[
        float | None,
        typer.Option(
            "--watch",
            metavar="INTERVAL",
            help="Keep following the archive: scrape again every INTERVAL seconds "
            "until SIGTERM (errors are logged and retried).",
        ),
    ] = None,
) -> None:
    """Scrape a pipermail archive (libvir-list by default), incrementally and politely."""
    from reviewbot.ingest.http import Fetcher  # imported here: only scraping needs HTTP
    from reviewbot.pipeline.scrape import Scraper

    with _errors():
        if since and not re.fullmatch(r"\d{4}-\d{2}", since):
            raise InputError(f"--since {since!r}: expected YYYY-MM")
        settings = load_settings(db=db, data_dir=data_dir)
    if watch is not None:
        from reviewbot.pipeline.watch import Round, follow

        job = Round(archive_url, month or [], since, all_months, refresh, rate, timeout)
        raise typer.Exit(follow(settings, job, watch, lambda line: err.print(line, markup=False)))
    with _errors():
        engine = open_engine(settings.database_url)
        fetcher = Fetcher(settings.data_dir / "http-cache", rate=rate, timeout=timeout)
        with fetcher, _progress(as_json) as advance:
            scraper = Scraper(
                engine, fetcher, archive_url, refresh=refresh, progress=lambda _what, n: advance(n)
            )
            report = scraper.run(month or [], since, all_months)
    if as_json:
        _print_json(report.as_dict())
    else:
        console.print(
            f"{len(report.months)} months, {report.pages_fetched} fetched, "
            f"{report.pages_cached} from cache; {report.messages_new} new, "
            f"{report.messages_duplicate} duplicate messages",
            markup=False,
        )
    for problem in report.errors:
        err.print(f"[red]error:[/red] {escape(problem['url'])}: {escape(problem['error'])}")
    if report.errors:
        raise typer.Exit(2)


@series_app.command("list")
def series_list(
    db: DbOption = None,
    as_json: JsonOption = False,
    state: Annotated[str | None, typer.Option(help="Only series in this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).")] = 0,
) -> None:
    """List series, newest first."""
    rows = _with_session(db, lambda s: queries.list_series(s, state=state, limit=limit))
    if as_json:
        _print_json(rows)
        return
    console.print(render.series_table(rows))


@series_app.command("show")
def series_show(
    series_id: Annotated[int, typer.Argument(help="Series id from `series list`.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one series: cover, patches, trailers, state and why."""
    data = _with_session(db, lambda s: queries.show_series(s, series_id))
    if as_json:
        _print_json(data)
        return
    render.series_detail(console, data)


@app.command("diff")
def diff(
    series_a: Annotated[int, typer.Argument(help="The older version's series id.")],
    series_b: Annotated[int, typer.Argument(help="The newer version's series id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Range-diff two versions of a series: patches and hunks changed, added, dropped."""
    data = _with_session(db, lambda s: queries.diff_series(s, series_a, series_b))
    if as_json:
        _print_json(data)
        return
    render.diff_report(console, series_a, series_b, data)


@app.command("thread")
def thread(
    msgid: Annotated[str, typer.Argument(help="Any Message-ID of the thread.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the reply tree containing a message; missing mail shows as placeholders."""

    def load(session: Session) -> tuple[ThreadNode, dict[str, Any]]:
        root = queries.thread_of(session, msgid)
        found = queries.messages_by_msgid(session, [n.msgid for _d, n in root.walk()])
        return root, found

    root, found = _with_session(db, load)
    if as_json:
        _print_json(render.thread_json(root, found))
        return
    console.print(render.thread_tree(root, found))


@app.command("apply")
def apply(
    series_id: Annotated[int, typer.Argument(help="Series id from `series list`.")],
    tree: Annotated[Path, typer.Option("--tree", help="A git work tree (never modified).")],
    base: Annotated[
        str | None, typer.Option("--base", help="Apply on this revision (default: found).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply a series in a throw-away worktree of TREE; report per patch and per hunk."""
    with _errors():
        result = apply_series(_engine(db), series_id, tree, base)
    if as_json:
        _print_json(result)
    else:
        render.apply_report(console, result)
    if any(p["status"] in ("conflict", "missing-file") for p in result["patches"]):
        raise typer.Exit(6)


@app.command("concerns")
def concerns(
    target: Annotated[str, typer.Argument(help="A series id (7) or a patch id (p42).")],
    open_only: Annotated[bool, typer.Option("--open", help="Only open concerns.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reviewer concerns of a series or patch: anchor, kind, status."""

    from reviewbot.review import concerns as review  # the linker is only loaded when it is needed

    def load(session: Session) -> list[dict[str, Any]]:
        review.ensure_linked(session=session, series_ids=[queries.series_of(session, target)])
        return queries.concerns_of(session, target, open_only=open_only)

    rows = _with_session(db, load, commit=True)
    if as_json:
        _print_json(rows)
    else:
        console.print(render.concerns_table(rows))


@app.command("races")
def races(
    series_id: Annotated[int, typer.Argument(help="Series id from `series list`.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Race scenarios discussed in a series' thread, with the hunks they concern."""

    from reviewbot.review import concerns as review

    def load(session: Session) -> list[dict[str, Any]]:
        review.ensure_linked(session=session, series_ids=[series_id])
        return queries.races_of(session, series_id)

    rows = _with_session(db, load, commit=True)
    if as_json:
        _print_json(rows)
    else:
        render.races_report(console, rows)


@app.command("link")
def link(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Link every series' concerns and races now (otherwise done when first shown)."""
    from reviewbot.review import concerns as review

    start = time.perf_counter()
    done = _with_session(db, lambda s: review.ensure_linked(session=s), commit=True)
    result = {"series": done, "seconds": round(time.perf_counter() - start, 3)}
    if as_json:
        _print_json(result)
    else:
        console.print(f"linked {done} series in {result['seconds']} s", markup=False)


@app.command("serve")
def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
) -> None:
    """Serve the web UI and the REST API for a database."""
    import os

    import uvicorn

    with _errors():
        url = load_settings(db=db).database_url
        open_engine(url).dispose()  # migrate once, before any worker starts
    # workers are separate processes: they find the database through the environment
    os.environ["REVIEWBOT_DB"] = url
    console.print(f"serving {url} on http://{host}:{port}/", markup=False, highlight=False)
    uvicorn.run("reviewbot.app:app_from_env", factory=True, host=host, port=port, workers=workers)


@db_app.command("migrate")
def db_migrate(
    sqlite_file: Annotated[Path, typer.Argument(help="The SQLite database to copy.")],
    postgres_url: Annotated[
        str, typer.Argument(help="An empty PostgreSQL database: postgresql+psycopg://...")
    ],
    as_json: JsonOption = False,
) -> None:
    """Copy an SQLite database into PostgreSQL (schema, then every row), checking counts."""
    from reviewbot.store.copydb import copy_sqlite_to_postgres

    with _errors():
        counts = copy_sqlite_to_postgres(sqlite_file, postgres_url)
    if as_json:
        _print_json(counts)
    else:
        console.print(
            ", ".join(f"{n} {t}" for t, n in counts.items()) + " rows copied", markup=False
        )


DEMO_DATA = Path(__file__).resolve().parents[2] / "data"


@app.command("demo")
def demo(
    db: Annotated[str, typer.Option("--db", help="Database file to load the demo into.")] = (
        "demo.db"
    ),
    data: Annotated[
        Path, typer.Option("--data", help="Folder of mbox / .txt.gz archives to load.")
    ] = DEMO_DATA,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Load the demo archive (data/) into a database, link it, and serve the web UI."""
    from reviewbot.review import concerns as review

    with _errors():
        paths = sorted(p for p in data.glob("*") if p.name.endswith((".gz", ".mbox", ".txt")))
        if not paths:
            raise InputError(f"{data}: no archives to load (pass --data)")
        engine = _engine(db)
        report = import_paths(engine, paths)
        with session_scope(engine) as session:
            review.ensure_linked(session=session)
        engine.dispose()
    console.print(
        f"loaded {len(paths)} archives: {report.messages_new} new messages, "
        f"{report.series_new} new series",
        markup=False,
    )
    serve(db=db, host=host, port=port, workers=1)


# registered last: their module uses the helpers above
from reviewbot.cli.admin import state_app, token_app  # noqa: E402

app.add_typer(token_app, name="token")
app.add_typer(state_app, name="state")


def main() -> None:
    """Console entry point."""
    app()
