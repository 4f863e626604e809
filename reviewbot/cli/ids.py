"""Ids on the command line: series 7 (or #7), patch p42, concern 12; and, when a number
names nothing of the kind asked for but something of another kind, the form that
would have worked ("no series with id 21; did you mean the patch p21?")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from reviewbot.errors import InputError, NotFound
from reviewbot.events import parse_target
from reviewbot.read.ids import Named, what_number_names
from reviewbot.read.series import series_summary


@contextmanager
def suggesting(session: Session, kind: str, number: int) -> Iterator[None]:
    """A NotFound for `kind` `number` (series, patch, concern) says which other kind
    has that number, in the form the CLI takes; the exit code stays "not found"."""
    try:
        yield
    except NotFound as exc:
        hint = _hint(what_number_names(session, number), kind)
        if hint is None:
            raise
        raise NotFound(f"{exc}; {hint}") from exc


def _hint(named: Named, wanted: str) -> str | None:
    n = named.number
    if wanted == "series" and named.patch_series is not None and not named.series:
        return f"did you mean the patch p{n} (in series {named.patch_series})?"
    if wanted == "patch" and named.series and named.patch_series is None:
        return f"did you mean the series {n}?"
    if wanted == "concern" and not named.concern:
        lists = [f"series {n} (`concerns {n}`)"] if named.series else []
        lists += [f"patch p{n} (`concerns p{n}`)"] if named.patch_series else []
        return f"did you mean the concerns of {' or '.join(lists)}?" if lists else None
    return None


def series_id(session: Session, text: str, command: str) -> int:
    """A series id ("7" or "#7"); a patch id ("p21") is an InputError naming its series."""
    kind, number = parse_target(text)
    if kind == "series":
        return number
    named = what_number_names(session, number)
    where = f": patch p{number} is in series {named.patch_series}" if named.patch_series else ""
    raise InputError(f"{text!r} is a patch id; `{command}` takes a series id{where}")


def existing_series(session: Session, text: str, command: str) -> int:
    """A series id that names a series: else NotFound (with a hint) or InputError."""
    number = series_id(session, text, command)
    with suggesting(session, "series", number):
        series_summary(session, number)
    return number


def concern_id(text: str) -> int:
    """A concern id ("12"); a series or patch id says which command lists its concerns."""
    if text.isascii() and text.isdigit() and int(text) < 2**63:
        return int(text)
    kind, number = parse_target(text)  # InputError for what is no id at all
    listing = f"`concerns p{number}`" if kind == "patch" else f"`concerns {number}`"
    raise InputError(f"{text!r} is a {kind} id; {listing} lists its concerns")


def message_hint(session: Session, text: str) -> str | None:
    """For a Message-ID that is really a series or patch id: where that thread starts."""
    try:
        kind, number = parse_target(text.strip("<>"))
    except InputError:
        return None
    named = what_number_names(session, number)
    if kind == "patch" and named.patch_msgid:
        return f"patch p{number} is <{named.patch_msgid}>"
    if kind == "series" and named.series_msgid:
        return f"series {number} starts at <{named.series_msgid}>"
    return None
