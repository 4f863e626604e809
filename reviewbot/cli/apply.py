"""`apply`: a series applied to a throw-away index of a git tree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from reviewbot.cli import ids, jsonout, render
from reviewbot.cli.common import (
    DataDirOption,
    DbOption,
    JsonOption,
    console,
    engine_for,
    errors,
    print_json,
    progress,
)
from reviewbot.config import load_settings
from reviewbot.pipeline.apply import apply_series


def apply(
    series_id: Annotated[str, typer.Argument(help="Series id from `series list`.")],
    tree: Annotated[Path, typer.Option("--tree", help="A git work tree (never modified).")],
    base: Annotated[
        str | None, typer.Option("--base", help="Apply on this revision (default: found).")
    ] = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply a series to a throw-away index of TREE; report per patch and per hunk."""
    with errors():
        engine = engine_for(db)
        with Session(engine) as session:
            number = ids.existing_series(session, series_id, "apply")
        index_dir = load_settings(db=db, data_dir=data_dir).index_dir
        with progress(as_json) as advance:  # reading a tree's history the first time
            report = apply_series(engine, number, tree, base, index_dir, advance)
    if as_json:
        print_json(jsonout.apply_report(report))
    else:
        render.apply_report(console, report)
    if report.failed:
        raise typer.Exit(6)
