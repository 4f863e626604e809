"""`concerns`, `races` and `link`: what reviewers said, anchored to the diff."""

from __future__ import annotations

import getpass
import time
from typing import Annotated

import typer
from sqlmodel import Session

from reviewbot import store
from reviewbot.cli import ids, jsonout, race_report, render
from reviewbot.cli.common import (
    DbOption,
    JobsOption,
    JsonOption,
    console,
    engine_for,
    errors,
    print_json,
    read,
    write,
)
from reviewbot.events import Change, parse_target
from reviewbot.pipeline.importer import catch_up
from reviewbot.pipeline.workers import Workers
from reviewbot.read import concerns as concern_reads
from reviewbot.read import races as race_reads
from reviewbot.read.concerns import ConcernEntry
from reviewbot.read.patches import series_of_patch
from reviewbot.read.series import series_summary


def concerns(
    target: Annotated[str, typer.Argument(help="A series id (7 or #7) or a patch id (p42).")],
    open_only: Annotated[bool, typer.Option("--open", help="Only open concerns.")] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reviewer concerns of a series or patch: anchor, kind, status."""

    def load(session: Session) -> list[ConcernEntry]:
        kind, target_id = parse_target(target)
        with ids.suggesting(session, kind, target_id):
            if kind == "patch":
                series_of_patch(session, target_id)  # NotFound for an unknown patch
                return concern_reads.concerns_of(session, patch_id=target_id, open_only=open_only)
            series_summary(session, target_id)  # NotFound for an unknown series
        return concern_reads.concerns_of(session, series_id=target_id, open_only=open_only)

    found = read(db, load)
    if as_json:
        print_json([jsonout.concern(c) for c in found])
    else:
        render.concerns_table(console, found)


def races(
    series_id: Annotated[str, typer.Argument(help="Series id from `series list`.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Race scenarios told in a series' thread: actors, steps by lane, alternative orders,
    the lines each step names and the hunks it concerns."""

    def load(session: Session) -> list[race_reads.RaceEntry]:
        return race_reads.races_of(session, ids.existing_series(session, series_id, "races"))

    found = read(db, load)
    if as_json:
        print_json([jsonout.race(r) for r in found])
    else:
        race_report.races_report(console, found)


def link(db: DbOption = None, as_json: JsonOption = False, jobs: JobsOption = None) -> None:
    """Finish what an interrupted import left: rebuild, index and link every changed series."""
    start = time.perf_counter()
    with errors(), Workers(jobs) as workers:
        done = catch_up(engine_for(db), workers)
    result = {"series": done, "seconds": round(time.perf_counter() - start, 3)}
    if as_json:
        print_json(result)
    else:
        console.print(f"linked {done} series in {result['seconds']} s", markup=False)


concern_app = typer.Typer(help="Show or settle one concern.", no_args_is_help=True)
ConcernId = Annotated[str, typer.Argument(help="Concern id from `concerns`.")]


@concern_app.command("show")
def concern_show(concern_id: ConcernId, db: DbOption = None, as_json: JsonOption = False) -> None:
    """One concern: where it is anchored, its conversation, and what set its status."""

    def load(session: Session) -> ConcernEntry:
        number = ids.concern_id(concern_id)
        with ids.suggesting(session, "concern", number):
            return concern_reads.concern_detail(session, number)

    found = read(db, load)
    if as_json:
        print_json(jsonout.concern(found))
    else:
        render.concern_detail(console, found)


@concern_app.command("resolve")
def concern_resolve(
    concern_id: ConcernId,
    reopen: Annotated[bool, typer.Option("--reopen", help="Open it again instead.")] = False,
    note: Annotated[str, typer.Option(help="Why (kept with the event).")] = "",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Resolve a concern (or reopen it), recorded as an event by the local user."""
    status = "open" if reopen else "resolved"
    with errors():
        number = ids.concern_id(concern_id)

    def run(session: Session) -> list[Change]:
        with ids.suggesting(session, "concern", number):
            row = store.load_target(session=session, target="concern", target_id=number)
        return store.apply_changes(
            session=session,
            target="concern",
            row=row,
            values={"status": status},
            actor=getpass.getuser(),
            via="cli",
            note=note,
        )

    changes = write(db, run)
    result = [{"target": c.target, "id": c.target_id, "from": c.old, "to": c.new} for c in changes]
    if as_json:
        print_json(result)
    elif not changes:
        console.print(f"concern {number} is already {status}", markup=False)
    else:
        console.print(f"concern {number}: {changes[0].old} -> {status}", markup=False)
