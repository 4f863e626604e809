"""`token`, `state` and `events`: the REST API's tokens, writes and log, from the shell."""

from __future__ import annotations

import getpass
import sys
from dataclasses import replace
from typing import Annotated

import typer
from sqlmodel import Session

from reviewbot import store
from reviewbot.cli import jsonout, render
from reviewbot.cli.common import (
    DbOption,
    JsonOption,
    console,
    errors,
    print_json,
    read,
    write,
)
from reviewbot.cli.ids import suggesting
from reviewbot.errors import InputError
from reviewbot.events import Change, parse_target
from reviewbot.read.events import EventEntry, list_events
from reviewbot.read.filters import Filters, Page
from reviewbot.read.patches import series_of_patch
from reviewbot.read.series import series_summary
from reviewbot.read.tokens import list_tokens

token_app = typer.Typer(help="API tokens for the REST API's writes.", no_args_is_help=True)
state_app = typer.Typer(help="Set a patch's or series' state.", no_args_is_help=True)


@token_app.command("create")
def token_create(
    user: Annotated[str, typer.Argument(help="Who the token acts as (shown in events).")],
    read_only: Annotated[bool, typer.Option("--read-only", help="A token that cannot write.")] = (
        False
    ),
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Create an API token and print it: it is shown this once and stored hashed."""
    made = write(db, lambda s: store.create_token(session=s, user=user, read_only=read_only))
    if as_json:
        print_json(
            {"id": made.id, "user": made.user, "read_only": made.read_only, "token": made.token}
        )
        return
    flag = " (read-only)" if made.read_only else ""
    console.print(f"token {made.id} for {made.user}{flag}:", markup=False)
    sys.stdout.write(made.token + "\n")


@token_app.command("list")
def token_list(db: DbOption = None, as_json: JsonOption = False) -> None:
    """List API tokens (never their secrets)."""
    found = read(db, list_tokens)
    if as_json:
        print_json(
            [
                {
                    "id": t.id,
                    "user": t.user,
                    "read_only": t.read_only,
                    "created_at": t.created_at.isoformat(),
                    "revoked_at": t.revoked_at.isoformat() if t.revoked_at else None,
                }
                for t in found
            ]
        )
        return
    for t in found:
        flags = " read-only" if t.read_only else ""
        gone = f" revoked {t.revoked_at.isoformat()}" if t.revoked_at else ""
        console.print(
            f"{t.id}\t{t.user}{flags}\tcreated {t.created_at.isoformat()}{gone}", markup=False
        )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[
        int,
        typer.Argument(help="Token id from `token create` or `token list`.", min=1, max=2**63 - 1),
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Revoke an API token: requests with it get 401 from now on."""
    write(db, lambda s: store.revoke_token(session=s, token_id=token_id))
    if as_json:
        print_json({"id": token_id, "revoked": True})
    else:
        console.print(f"token {token_id} revoked", markup=False)


@state_app.command("set")
def state_set(
    target: Annotated[str, typer.Argument(help="A series id (7 or #7) or a patch id (p42).")],
    state: Annotated[str, typer.Argument(help="new, under-review, changes-requested, ...")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Set a state as the API's PATCH does, recorded as an event by the local user."""

    def run(session: Session) -> list[Change]:
        kind, target_id = parse_target(target)
        with suggesting(session, kind, target_id):
            row = store.load_target(session=session, target=kind, target_id=target_id)
        return store.set_state(
            session=session, target=kind, row=row, state=state, actor=getpass.getuser(), via="cli"
        )

    changes = write(db, run)
    result = [{"target": c.target, "id": c.target_id, "from": c.old, "to": c.new} for c in changes]
    if as_json:
        print_json(result)
    elif not changes:
        console.print(f"{target} is already {state}", markup=False)
    else:
        console.print(f"{target}: {changes[0].old} -> {changes[0].new}", markup=False)


def events(
    target: Annotated[
        str | None, typer.Argument(help="Only those of a series (7 or #7) or a patch (p42).")
    ] = None,
    via: Annotated[
        str | None,
        typer.Option(help="Only those made by: mail (inferred), api, cli, web or tree."),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).", min=0)] = 50,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """The log of changes, newest first: who, when, from -> to, and the mail that caused it."""
    if via not in (None, "mail", "api", "cli", "web", "tree"):
        with errors():
            raise InputError(f"unknown --via {via!r}: expected mail, api, cli, web or tree")

    def load(session: Session) -> list[EventEntry]:
        f = Filters(via=via)
        if target is not None:
            kind, number = parse_target(target)
            with suggesting(session, kind, number):
                if kind == "patch":
                    series_of_patch(session, number)  # NotFound for an unknown patch
                else:
                    series_summary(session, number)  # NotFound for an unknown series
            f = replace(f, series=number) if kind == "series" else replace(f, patch=number)
        return list(list_events(session, f, Page(1, limit or None)).items)

    found = read(db, load)
    if as_json:
        print_json([jsonout.event(e) for e in found])
    else:
        render.events_table(console, found)
