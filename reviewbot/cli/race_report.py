"""Race scenarios as the CLI prints them: actors, numbered steps in their lanes,
alternative orders as branches, the lines each step names, the linked hunks."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from rich.console import Console

from reviewbot.cli.tables import terminal_width
from reviewbot.read.races import RaceEntry
from reviewbot.review.race_steps import Step


def races_report(console: Console, rows: Sequence[RaceEntry]) -> None:
    """`races`: each scenario as text: actors, numbered steps in their lanes, alternative
    orders as branches, the lines each step names and the hunks it is linked to."""
    if not rows:
        console.print("no race scenarios in this series' thread", markup=False)
    # the width now ($COLUMNS or the terminal's), not the console's, which was fixed
    # when it was made; the text is wrapped here, so rich must not wrap it again
    width = max(60, min(terminal_width(), 120))
    for number, race in enumerate(rows, 1):
        if number > 1:
            console.print()
        for indent, text in race_text(number, race):
            console.print(_wrap(text, indent, width), markup=False, highlight=False, soft_wrap=True)


def race_text(number: int, race: RaceEntry) -> list[tuple[int, str]]:
    """The lines of one race as the CLI prints them, each with its indent."""
    quoted = f", quoted {race.depth} deep" if race.depth else ""
    out = [(0, f"Race {number} (id {race.id}), told in <{race.message_msgid}>{quoted}")]
    out.append((2, "Actors: " + (", ".join(race.actors) or "none named")))
    if race.steps:
        out.append(
            (2, "Steps:" if not race.alternatives else "Steps, then one of the orders below:")
        )
        out += _steps_text(race.steps, 4)
    if race.alternatives:
        out.append((2, f"Alternative orders (one of {len(race.alternatives)} happens):"))
        for i, alt in enumerate(race.alternatives):
            out.append((4, f"{'or ' if i else ''}{alt.label}. {alt.text}"))
            out += _steps_text(alt.steps, 7)
    if race.outcome:
        out.append((2, f"Outcome: {race.outcome}"))
    out.append((2, "Linked hunks:" if race.links else "Linked hunks: none"))
    for link in race.links:
        where = _hunk_name(link.file, link.hunk) if link.file else "the whole patch"
        out.append((4, f"{where} of <{link.patch_msgid}>: {'; '.join(link.evidence)}"))
    return out


def _steps_text(steps: Sequence[Step], indent: int) -> list[tuple[int, str]]:
    out = []
    for step in steps:
        out.append((indent, f"{step.label}. [{step.actor or '?'}] {step.text}"))
        groups: dict[tuple[str, int], dict[str, list[str]]] = {}
        for x in step.lines:
            groups.setdefault((x.file, x.hunk), {}).setdefault(x.side, []).append(str(x.line))
        for (file, hunk), sides in groups.items():
            where = "; ".join(f"{side} {', '.join(numbers)}" for side, numbers in sides.items())
            out.append((indent + 3, f"lines: {_hunk_name(file, hunk)}: {where}"))
    return out


def _hunk_name(file: str | None, hunk: int | None) -> str:
    """A hunk as people count them: from 1."""
    return f"{file} hunk {hunk + 1}" if hunk is not None else f"{file}"


def _wrap(text: str, indent: int, width: int) -> str:
    """A line wrapped to the terminal, its continuation lines indented under its text."""
    return textwrap.fill(
        text,
        width,
        initial_indent=" " * indent,
        subsequent_indent=" " * (indent + 3),
        break_long_words=False,
        break_on_hyphens=False,
    )
