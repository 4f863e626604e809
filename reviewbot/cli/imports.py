"""`import-mbox` and `scrape`: mail into the database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from reviewbot.cli.common import (
    DbOption,
    JsonOption,
    UpstreamTreeOption,
    console,
    err,
    errors,
    print_json,
    progress,
)
from reviewbot.config import load_settings
from reviewbot.db import open_engine
from reviewbot.errors import InputError
from reviewbot.ingest.http import Fetcher
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.scrape import LIBVIR_LIST, Scraper
from reviewbot.pipeline.watch import Round, follow


def import_mbox(
    paths: Annotated[list[Path], typer.Argument(help="mbox, .gz, pipermail .txt(.gz) or maildir")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import messages and rebuild threads and series (re-importing is a no-op)."""
    with errors():
        engine = open_engine(load_settings(db=db).database_url)
        with progress(as_json) as advance:
            report = import_paths(engine, paths, progress=advance)
    if as_json:
        print_json(report.as_dict())
    else:
        rebuilt = report.messages_reconstructed
        console.print(
            f"{report.messages_new} new, {report.messages_duplicate} duplicate, "
            f"{report.messages_failed} failed messages; {report.series_new} new series, "
            f"{report.series_updated} updated"
            + (f"; {rebuilt} rebuilt from quotes" if rebuilt else "")
        )
    for problem in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(problem)}", highlight=False)
    for problem in report.errors:
        err.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
    if report.errors:
        raise typer.Exit(2)


def scrape(
    archive_url: Annotated[str, typer.Argument(help="pipermail archive URL.")] = LIBVIR_LIST,
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
    upstream_tree: UpstreamTreeOption = None,
) -> None:
    """Scrape a pipermail archive (libvir-list by default), incrementally and politely."""
    with errors():
        if since and not re.fullmatch(r"\d{4}-\d{2}", since):
            raise InputError(f"--since {since!r}: expected YYYY-MM")
        settings = load_settings(db=db, data_dir=data_dir, upstream_tree=upstream_tree)
    if watch is not None:
        job = Round(archive_url, month or [], since, all_months, refresh, rate, timeout)
        raise typer.Exit(follow(settings, job, watch, lambda line: err.print(line, markup=False)))
    with errors():
        engine = open_engine(settings.database_url)
        fetcher = Fetcher(settings.data_dir / "http-cache", rate=rate, timeout=timeout)
        with fetcher, progress(as_json) as advance:
            scraper = Scraper(
                engine, fetcher, archive_url, refresh=refresh, progress=lambda _what, n: advance(n)
            )
            report = scraper.run(month or [], since, all_months)
    if as_json:
        print_json(report.as_dict())
    else:
        console.print(
            f"{len(report.months)} months, {report.pages_fetched} fetched, "
            f"{report.pages_cached} from cache; {report.messages_new} new, "
            f"{report.messages_duplicate} duplicate messages",
            markup=False,
        )
    for problem in report.errors:
        err.print(f"[red]error:[/red] {escape(problem.url)}: {escape(problem.error)}")
    if report.errors:
        raise typer.Exit(2)
