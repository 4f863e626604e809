"""`serve`, `demo` and `db migrate`: running the web UI and API, and moving a database."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from reviewbot.cli.common import (
    DbOption,
    JsonOption,
    UpstreamTreeOption,
    console,
    engine_for,
    err,
    errors,
    print_json,
    require_database,
)
from reviewbot.config import load_limits, load_settings
from reviewbot.db import open_engine
from reviewbot.errors import InputError
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.watch import refresh_every
from reviewbot.store.copydb import copy_sqlite_to_postgres

db_app = typer.Typer(help="Database administration.", no_args_is_help=True)
DEMO_DATA = Path(__file__).resolve().parents[2] / "data"


def serve(
    db: DbOption = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
    upstream_tree: UpstreamTreeOption = None,
) -> None:
    """Serve the web UI and the REST API for a database."""
    with errors():
        settings = load_settings(db=db, upstream_tree=upstream_tree)
        url = settings.database_url
        require_database(url)
        open_engine(url).dispose()  # migrate once, before any worker starts
    # workers are separate processes: they find the database through the environment
    os.environ["REVIEWBOT_DB"] = url
    console.print(f"serving {url} on http://{host}:{port}/", markup=False, highlight=False)
    if settings.upstream_tree is not None:
        # one refresher in this process, however many workers serve the requests
        job = threading.Thread(
            target=refresh_every,
            args=(settings, threading.Event(), lambda line: err.print(line, markup=False)),
            name="upstream",
            daemon=True,
        )
        job.start()
    uvicorn.run("reviewbot.app:app_from_env", factory=True, host=host, port=port, workers=workers)


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
    with errors():
        limits = load_limits()  # a bad $REVIEWBOT_MAX_* stops it before any database is made
        paths = sorted(p for p in data.glob("*") if p.name.endswith((".gz", ".mbox", ".txt")))
        if not paths:
            raise InputError(f"{data}: no archives to load (pass --data)")
        engine = engine_for(db, create=True)
        report = import_paths(engine, paths, limits=limits)  # links the review too
        engine.dispose()
    console.print(
        f"loaded {len(paths)} archives: {report.messages_new} new messages, "
        f"{report.series_new} new series",
        markup=False,
    )
    serve(db=db, host=host, port=port, workers=1)


@db_app.command("migrate")
def db_migrate(
    sqlite_file: Annotated[Path, typer.Argument(help="The SQLite database to copy.")],
    postgres_url: Annotated[
        str, typer.Argument(help="An empty PostgreSQL database: postgresql+psycopg://...")
    ],
    as_json: JsonOption = False,
) -> None:
    """Copy an SQLite database into PostgreSQL (schema, then every row), checking counts."""
    with errors():
        counts = copy_sqlite_to_postgres(sqlite_file, postgres_url)
    if as_json:
        print_json(counts)
    else:
        console.print(
            ", ".join(f"{n} {t}" for t, n in counts.items()) + " rows copied", markup=False
        )
