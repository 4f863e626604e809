"""`import-mbox`: mail files into the database.

The web archives' commands (`scrape`, `fetch`) are in cli/archives.py: this one
loads no HTTP client or HTML parser (30 MB and ~0.1 s of every import).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from reviewbot.cli.common import (
    DbOption,
    JobsOption,
    JsonOption,
    console,
    err,
    errors,
    print_json,
    progress,
)
from reviewbot.config import load_settings
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import ImportReport, import_paths


def import_mbox(
    paths: Annotated[list[Path], typer.Argument(help="mbox, .gz, pipermail .txt(.gz) or maildir")],
    db: DbOption = None,
    as_json: JsonOption = False,
    jobs: JobsOption = None,
) -> None:
    """Import messages and rebuild threads and series (re-importing is a no-op)."""
    with errors():
        settings = load_settings(db=db)
        engine = open_engine(settings.database_url)
        with progress(as_json) as advance:
            report = import_paths(
                engine, paths, progress=advance, limits=settings.limits, jobs=jobs
            )
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
    say_problems(report)


def say_problems(report: ImportReport) -> None:
    """An import's warnings and errors on stderr; exit 2 when there were errors."""
    for problem in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(problem)}", highlight=False)
    for problem in report.errors:
        err.print(f"[red]error:[/red] {escape(problem)}", highlight=False)
    if report.errors:
        raise typer.Exit(2)
