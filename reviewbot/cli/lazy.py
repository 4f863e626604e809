"""Commands loaded when they run: how `reviewbot --help` starts without the web stack.

Every command module imports what it needs at its top (SQLAlchemy, FastAPI,
uvicorn, git's runner...). Importing them all to print the command list cost
seconds of start-up, so the top-level group knows its commands as a table of
`module:attribute` names with their one-line help, lists them from it, and
imports a command's module only when that command is asked for. This is the one
place where reviewbot imports by name (importlib); everything else imports at
the top of the module, as ruff's PLC0415 wants.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any, ClassVar

import typer
import typer.main
from typer import _click as click  # typer 0.29 vendors click: its commands are these
from typer.core import TyperCommand, TyperGroup


@dataclass(frozen=True)
class LazyCommand:
    """A command by name: `target` is "module:attribute", a function or a Typer sub-app;
    `help` is the first paragraph of its help, shown in the command list."""

    name: str
    target: str
    help: str

    def load(self) -> click.Command:
        """Import the command's module and build its click command."""
        module, attribute = self.target.split(":")
        found: Any = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: click.Command = typer.main.get_group(found)
        else:
            single = typer.Typer(add_completion=False)
            single.command(self.name)(found)
            command = typer.main.get_command(single)
        command.name = self.name
        return command


class LazyGroup(TyperGroup):
    """A Typer group whose commands are a table of LazyCommand (subclass it to set it)."""

    table: ClassVar[tuple[LazyCommand, ...]] = ()
    _listing = False  # while printing the group's own help: placeholders will do

    def list_commands(self, ctx: click.Context) -> list[str]:
        """The table's names, in its order."""
        return [c.name for c in self.table]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, imported on first use (a placeholder while listing)."""
        lazy = next((c for c in self.table if c.name == cmd_name), None)
        if lazy is None:
            return None
        if self._listing:
            return TyperCommand(lazy.name, help=lazy.help)
        if lazy.name not in self.commands:
            self.commands[lazy.name] = lazy.load()
        return self.commands[lazy.name]

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """The command named first in `args`; a typo gets typer's "Did you mean" from
        the table (typer looks only among the commands already loaded)."""
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.UsageError as exc:
            near = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if near and "Did you mean" not in exc.message:
                exc.message = (
                    f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, near))}?"
                )
            raise

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The group's help, its command list read from the table."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
