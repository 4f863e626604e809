"""`upstream`: which commit of a tree carries each patch of a series (or one patch)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reviewbot.cli import jsonout, render
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
from reviewbot.errors import InputError
from reviewbot.events import parse_target
from reviewbot.pipeline.upstream import check_upstream


def upstream(
    target: Annotated[
        str,
        typer.Argument(metavar="SERIES_OR_PATCH", help="A series id (7) or a patch id (p42)."),
    ],
    tree: Annotated[
        Path | None,
        typer.Option(
            "--tree", help="A git work tree, never modified [env: REVIEWBOT_UPSTREAM_TREE]."
        ),
    ] = None,
    rev: Annotated[
        list[str] | None,
        typer.Option(
            "--rev",
            metavar="RANGE",
            help="Also look in this revision range, e.g. v8.0.0..v9.0.0 (repeatable); "
            "the last 2 years of HEAD are always looked in.",
        ),
    ] = None,
    accept: Annotated[
        bool,
        typer.Option(
            "--accept", help="Confirm `similar` matches: they get commit_ref and become accepted."
        ),
    ] = False,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Find the commit of TREE that carries each patch: exact, similar, present, not-found."""
    with errors():
        kind, target_id = parse_target(target)
        settings = load_settings(db=db, data_dir=data_dir)
        where = tree or settings.upstream_tree
        if where is None:
            raise InputError("no --tree given (and REVIEWBOT_UPSTREAM_TREE is not set)")
        with progress(as_json) as advance:
            report = check_upstream(
                engine_for(db),
                kind,
                target_id,
                where,
                revs=rev or [],
                accept=accept,
                index_dir=settings.index_dir,
                progress=advance,
            )
    if as_json:
        print_json(jsonout.upstream_report(report))
    else:
        render.upstream_report(console, report)
