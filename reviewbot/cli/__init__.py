"""The command line: thin Typer commands over pipeline/ and read/.

Each command parses its options, opens a session, calls the library and
prints a table or, with --json, the objects in cli/jsonout.py. Errors become
a message on stderr and an exit code (cli/common.py lists them).

Commands are named here and imported when they run (cli/lazy.py): `reviewbot
--help` loads none of them, `series list` only cli/series.py and what it needs.
"""

from __future__ import annotations

import gc

import typer

from reviewbot.allocator import return_big_blocks
from reviewbot.cli.lazy import LazyCommand, LazyGroup


def _c(name: str, target: str, help: str) -> LazyCommand:
    return LazyCommand(name, f"reviewbot.cli.{target}", help)


# the first paragraph of each command's docstring, as the command list shows it
# (tests/cli/test_startup.py checks they agree)
COMMANDS = (
    _c(
        "import-mbox",
        "imports:import_mbox",
        "Import messages and rebuild threads and series (re-importing is a no-op).",
    ),
    _c(
        "scrape",
        "archives:scrape",
        "Scrape a list's web archive (pipermail or HyperKitty), incrementally and politely.",
    ),
    _c(
        "fetch",
        "archives:fetch",
        "Get the whole thread of one message from its archive, import it, show its series.",
    ),
    _c(
        "diff",
        "series:diff",
        "Range-diff two versions of a series: patches and hunks changed, added, dropped.",
    ),
    _c(
        "thread",
        "series:thread",
        "Show the reply tree containing a message; missing mail shows as placeholders.",
    ),
    _c(
        "apply",
        "apply:apply",
        "Apply a series to a throw-away index of TREE; report per patch and per hunk.",
    ),
    _c(
        "upstream",
        "upstream:upstream",
        "Find the commit of TREE that carries each patch: exact, similar, present, not-found.",
    ),
    _c(
        "concerns",
        "review:concerns",
        "Reviewer concerns of a series or patch: anchor, kind, status.",
    ),
    _c(
        "coverage",
        "coverage:coverage",
        "Review coverage: each hunk, reviewed or not and by whom; each reviewer's files.",
    ),
    _c(
        "races",
        "review:races",
        "Race scenarios told in a series' thread: actors, steps by lane, alternative orders,\n"
        "the lines each step names and the hunks it concerns.",
    ),
    _c(
        "link",
        "review:link",
        "Finish what an interrupted import left: rebuild, index and link every changed series.",
    ),
    _c("serve", "serve:serve", "Serve the web UI and the REST API for a database."),
    _c(
        "demo",
        "serve:demo",
        "Load the demo archive (data/) into a database, link it, and serve the web UI.",
    ),
    _c(
        "queue",
        "users:queue",
        "What waits for a user, longest waiting first (the web UI's /me).",
    ),
    _c("series", "series:series_app", "List and show patch series."),
    _c("concern", "review:concern_app", "Show or settle one concern."),
    _c("db", "serve:db_app", "Database administration."),
    _c("token", "admin:token_app", "API tokens for the REST API's writes."),
    _c("state", "admin:state_app", "Set a patch's or series' state."),
    _c("user", "users:user_app", "People of the web UI: addresses, watched paths, passwords."),
    _c(
        "events",
        "admin:events",
        "The log of changes, newest first: who, when, from -> to, and the mail that caused it.",
    ),
)


class _Commands(LazyGroup):
    table = COMMANDS


app = typer.Typer(
    help="reviewbot: patch-series review for mailing lists.", no_args_is_help=True, cls=_Commands
)


@app.callback()
def _group() -> None:
    # a callback makes Typer build a group although no command is registered on it
    pass


# the cyclic garbage collector's thresholds for a command (Python's: 700, 10, 10)
GC_THRESHOLDS = (10_000, 20, 20)


def main() -> None:
    """Console entry point."""
    # parsing mail allocates millions of short-lived objects that reference counting
    # frees; at the default thresholds the collector kept walking them and every
    # module: the 10k import took 9.29/9.02 s against 9.49/10.53 s, alternating, with
    # the same peak memory (151 MB). Pool workers take the same (pipeline/workers.py)
    gc.set_threshold(*GC_THRESHOLDS)
    return_big_blocks()  # a mail of a few MiB must not leave its copies held (allocator.py)
    app()
