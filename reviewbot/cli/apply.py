"""`apply`: a series applied to a git tree in a throw-away worktree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlmodel import Session

from reviewbot.cli import ids, jsonout, render
from reviewbot.cli.common import DbOption, JsonOption, console, engine_for, errors, print_json
from reviewbot.pipeline.apply import apply_series


def apply(
    series_id: Annotated[str, typer.Argument(help="Series id from `series list`.")],
    tree: Annotated[Path, typer.Option("--tree", help="A git work tree (never modified).")],
    base: Annotated[
        str | None, typer.Option("--base", help="Apply on this revision (default: found).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Apply a series in a throw-away worktree of TREE; report per patch and per hunk."""
    with errors():
        engine = engine_for(db)
        with Session(engine) as session:
            number = ids.existing_series(session, series_id, "apply")
        report = apply_series(engine, number, tree, base)
    if as_json:
        print_json(jsonout.apply_report(report))
    else:
        render.apply_report(console, report)
    if report.failed:
        raise typer.Exit(6)
