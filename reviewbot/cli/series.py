"""`series list`, `series show`, `diff` and `thread`: reading series and threads."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlmodel import Session

from reviewbot.cli import ids, jsonout, render
from reviewbot.cli.common import DbOption, JsonOption, console, print_json, read
from reviewbot.errors import NotFound
from reviewbot.mail.threads import ThreadNode
from reviewbot.read import messages, series, versions
from reviewbot.read.filters import Filters, Page
from reviewbot.read.messages import MessageSummary
from reviewbot.series.rangediff import SeriesDiff

series_app = typer.Typer(help="List and show patch series.", no_args_is_help=True)


@series_app.command("list")
def series_list(
    db: DbOption = None,
    as_json: JsonOption = False,
    state: Annotated[str | None, typer.Option(help="Only series in this state.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many (0: all).", min=0)] = 0,
) -> None:
    """List series, newest first."""
    page = Page(1, limit or None)
    found = read(db, lambda s: series.list_series(s, Filters(state=state), page)).items
    if as_json:
        print_json([jsonout.series_summary(r) for r in found])
        return
    render.series_table(console, found)


@series_app.command("show")
def series_show(
    series_id: Annotated[str, typer.Argument(help="Series id from `series list` (7 or #7).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one series: cover, patches, trailers, state and why."""
    detail = read(
        db, lambda s: series.series_detail(s, ids.existing_series(s, series_id, "series show"))
    )
    if as_json:
        print_json(jsonout.series_detail(detail))
        return
    render.series_detail(console, detail)


def diff(
    series_a: Annotated[str, typer.Argument(help="The older version's series id.")],
    series_b: Annotated[str, typer.Argument(help="The newer version's series id.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Range-diff two versions of a series: patches and hunks changed, added, dropped."""

    def load(session: Session) -> tuple[int, int, SeriesDiff]:
        old, new = (ids.existing_series(session, x, "diff") for x in (series_a, series_b))
        return old, new, versions.range_diff(session, old, new)

    old, new, result = read(db, load)
    if as_json:
        print_json(jsonout.range_diff(old, new, result))
        return
    render.diff_report(console, old, new, result)


def thread(
    msgid: Annotated[str, typer.Argument(help="Any Message-ID of the thread.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show the reply tree containing a message; missing mail shows as placeholders."""

    def load(session: Session) -> tuple[ThreadNode, dict[str, MessageSummary]]:
        try:
            root = messages.thread_of(session, msgid)
        except NotFound as exc:
            if hint := ids.message_hint(session, msgid):
                raise NotFound(f"{exc}; {hint}") from exc
            raise
        return root, messages.messages_by_msgid(session, [n.msgid for _d, n in root.walk()])

    root, found = read(db, load)
    if as_json:
        print_json(jsonout.thread(root, found))
        return
    console.print(render.thread_tree(root, found))
