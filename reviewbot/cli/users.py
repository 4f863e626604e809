"""`user` and `queue`: the people of the web UI (addresses, watched paths, passwords)
and what waits for them, from the shell."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from sqlmodel import Session

from reviewbot import store
from reviewbot.cli.common import DbOption, JsonOption, console, print_json, read, write
from reviewbot.errors import InputError
from reviewbot.read.accounts import AccountInfo, account_of
from reviewbot.read.queue import Queue, queue_of
from reviewbot.read.series import SeriesSummary
from reviewbot.series.watch import clean_address, clean_glob
from reviewbot.tokens import hash_password

user_app = typer.Typer(
    help="People of the web UI: addresses, watched paths, passwords.", no_args_is_help=True
)
NameArg = Annotated[str, typer.Argument(help="The user's name (as in `token create NAME`).")]
RemoveOption = Annotated[bool, typer.Option("--remove", help="Remove them instead.")]


@user_app.command("show")
def user_show(name: NameArg, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Show a user's addresses and watched paths."""
    _print_account(read(db, lambda s: account_of(s, name)), as_json)


@user_app.command("email")
def user_email(
    name: NameArg,
    addresses: Annotated[list[str], typer.Argument(help="Addresses they write from.")],
    remove: RemoveOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add (or --remove) the addresses a user writes from: their queue knows them by these."""
    _edit(db, name, "emails", addresses, remove, as_json)


@user_app.command("watch")
def user_watch(
    name: NameArg,
    globs: Annotated[list[str], typer.Argument(help="Path globs such as 'src/qemu/**'.")],
    remove: RemoveOption = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Add (or --remove) paths a user watches: series touching them join their queue."""
    _edit(db, name, "watches", globs, remove, as_json)


@user_app.command("password")
def user_password(
    name: NameArg,
    clear: Annotated[bool, typer.Option("--clear", help="Take the password away.")] = False,
    db: DbOption = None,
) -> None:
    """Set the password a user signs in to the web UI with (read from stdin when piped;
    stored as an argon2 hash)."""
    password = None if clear else _read_password()
    hashed = hash_password(password) if password is not None else None
    write(db, lambda s: store.set_password(session=s, name=name, password_hash=hashed))
    console.print(f"password of {name} {'cleared' if clear else 'set'}", markup=False)


def queue(
    user: Annotated[
        str | None, typer.Option("--user", help="Whose queue (default: the local user).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """What waits for a user, longest waiting first (the web UI's /me)."""
    found = read(db, lambda s: queue_of(s, user or getpass.getuser()))
    if as_json:
        print_json(queue_json(found))
        return
    if not found.items:
        sys.stdout.write(f"nothing waits for {found.account.name}\n")
    for item in found.items:  # one line per series, one per reason under it: never wrapped
        s = item.series
        since = _date(item.waiting_since) or "?"
        sys.stdout.write(f"{s.id}\t{s.title} {s.version_label}\t{s.state}\twaiting since {since}\n")
        for r in item.reasons:
            sys.stdout.write(f"\t- {r.text} (since {_date(r.since) or '?'})\n")


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise typer.BadParameter("the two passwords differ")
    else:
        first = sys.stdin.readline().rstrip("\r\n")
    if len(first) < 8:
        raise typer.BadParameter("a password has at least 8 characters")
    return first


def _edit(
    db: str | None, name: str, field: str, items: list[str], remove: bool, as_json: bool
) -> None:
    clean = clean_glob if field == "watches" else clean_address

    def run(session: Session) -> AccountInfo:
        values = [x.strip() for x in items] if remove else [clean(x) for x in items]
        store.edit_account_list(
            session=session,
            name=name,
            field=field,
            add=() if remove else values,
            remove=values if remove else (),
        )
        return account_of(session, name)

    try:
        found = write(db, run)
    except InputError as exc:  # raised before the transaction: still an exit code
        raise typer.BadParameter(str(exc)) from exc
    _print_account(found, as_json)


def _print_account(a: AccountInfo, as_json: bool) -> None:
    if as_json:
        print_json(
            {
                "name": a.name,
                "emails": list(a.emails),
                "watches": list(a.watches),
                "password": a.has_password,
            }
        )
        return
    console.print(f"{a.name}", markup=False)
    console.print(f"  addresses: {', '.join(a.emails) or '(none)'}", markup=False)
    console.print(f"  watches:   {', '.join(a.watches) or '(none)'}", markup=False)
    console.print(f"  password:  {'set' if a.has_password else 'none'}", markup=False)


def _date(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _series(s: SeriesSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "title": s.title,
        "version": s.version,
        "state": s.state,
        "submitter": s.submitter,
        "date": _date(s.date),
        "delegate": s.delegate,
        "archived": s.archived,
    }


def queue_json(q: Queue) -> dict[str, Any]:
    """`queue --json`: the same object as GET /api/v1/me/queue."""
    return {
        "user": q.account.name,
        "emails": list(q.account.emails),
        "watches": list(q.account.watches),
        "items": [
            {
                "series": _series(i.series),
                "waiting_since": _date(i.waiting_since),
                "reasons": [
                    {
                        "kind": r.kind,
                        "text": r.text,
                        "since": _date(r.since),
                        "patch": r.patch_id,
                        "concern": r.concern_id,
                    }
                    for r in i.reasons
                ],
            }
            for i in q.items
        ],
        "watched": [
            {"series": _series(w.series), "globs": list(w.globs), "paths": list(w.paths)}
            for w in q.watched
        ],
    }
