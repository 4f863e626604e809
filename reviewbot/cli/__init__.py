"""The command line: thin Typer commands over pipeline/ and read/.

Each command parses its options, opens a session, calls the library and
prints a table or, with --json, the objects in cli/jsonout.py. Errors become
a message on stderr and an exit code (cli/common.py lists them).
"""

from __future__ import annotations

import typer

from reviewbot.cli import admin, apply, coverage, imports, review, serve, upstream, users
from reviewbot.cli import series as series_commands

app = typer.Typer(help="reviewbot: patch-series review for mailing lists.", no_args_is_help=True)
app.command("import-mbox")(imports.import_mbox)
app.command("scrape")(imports.scrape)
app.command("fetch")(imports.fetch)
app.add_typer(series_commands.series_app, name="series")
app.command("diff")(series_commands.diff)
app.command("thread")(series_commands.thread)
app.command("apply")(apply.apply)
app.command("upstream")(upstream.upstream)
app.command("concerns")(review.concerns)
app.add_typer(review.concern_app, name="concern")
app.command("coverage")(coverage.coverage)
app.command("races")(review.races)
app.command("link")(review.link)
app.command("serve")(serve.serve)
app.add_typer(serve.db_app, name="db")
app.command("demo")(serve.demo)
app.add_typer(admin.token_app, name="token")
app.add_typer(admin.state_app, name="state")
app.add_typer(users.user_app, name="user")
app.command("queue")(users.queue)
app.command("events")(admin.events)


def main() -> None:
    """Console entry point."""
    app()
