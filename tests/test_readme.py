"""The README documents every command, option and setting (datasette's habit)."""

from __future__ import annotations

from pathlib import Path

import typer.main

from reviewbot.cli import app
from reviewbot.config import LIMIT_VARIABLES

README = (Path(__file__).parent.parent / "README.md").read_text()


def commands(group: typer.Typer, prefix: str = "") -> list[tuple[str, list[str]]]:
    click_group = typer.main.get_command(group)
    out = []

    def walk(cmd, path):  # type: ignore[no-untyped-def]
        # list_commands/get_command, not .commands: the top level loads its commands lazily
        if hasattr(cmd, "list_commands"):
            ctx = cmd.make_context(path or "reviewbot", [], resilient_parsing=True)
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), f"{path} {name}".strip())
        else:
            opts = [o for p in cmd.params for o in getattr(p, "opts", []) if o.startswith("--")]
            out.append((path, opts))

    walk(click_group, prefix)
    return out


def test_every_command_and_option_is_documented() -> None:
    found = commands(app)
    assert {"import-mbox", "series list", "series show", "thread"} <= {c for c, _ in found}
    for command, options in found:
        assert f"reviewbot {command}" in README, command
        for option in options:
            if option != "--help":
                assert option in README, (command, option)


def test_settings_and_two_commands_documented() -> None:
    for word in ("REVIEWBOT_DB", "REVIEWBOT_DATA_DIR", "make demo", "make test"):
        assert word in README
    for name in LIMIT_VARIABLES:  # every bound, in the Configuration table
        assert f"| `{name}` |" in README, name
