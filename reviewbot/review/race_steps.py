"""What a race scenario is made of: steps in lanes, competing orders, the lines they name.  (pure)

The shapes a race is told in (numbered lists, two-column diagrams, arrow
timelines) all come out as a `RaceScenario`; linking fills in each step's
`lines` from the patch's parsed diff.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_QUOTE = re.compile(r"^[ \t]{0,2}((?:>[ \t]?)+)")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")


@dataclass(frozen=True)
class StepLine:
    """A diff line a step names: hunk index within its file (from 0), side old/new, number."""

    patch_msgid: str
    file: str
    hunk: int
    side: str  # "old" for a removed line, "new" for an added or context line
    line: int


@dataclass(frozen=True)
class Step:
    """One step of an interleaving: label ("1"), actor (its lane), text, identifiers, lines."""

    label: str
    actor: str | None
    text: str
    identifiers: tuple[str, ...]
    lines: tuple[StepLine, ...] = ()


@dataclass(frozen=True)
class Alternative:
    """One competing order of a race ("A. qemuConnectAgent wins"), with its own steps."""

    label: str
    winner: str
    text: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class RaceScenario:
    """An interleaving found in a message; `depth` is its quote depth (0 = unquoted).

    `steps` are the steps every order shares, `alternatives` the orders it forks into
    (then `steps` may be empty). `line` is where it starts in the message (from 0),
    `lead` the sentence introducing it, `shape` how it was told.
    """

    steps: tuple[Step, ...]
    actors: tuple[str, ...]
    identifiers: tuple[str, ...]
    outcome: str
    alternatives: tuple[Alternative, ...]
    depth: int
    evidence: tuple[str, ...]
    line: int = 0
    lead: str = ""
    shape: str = "list"  # list, columns, timeline


def all_steps(race: RaceScenario) -> tuple[Step, ...]:
    """The shared steps, then every alternative's steps."""
    return (*race.steps, *(s for a in race.alternatives for s in a.steps))


def quoted_lines(text: str) -> list[tuple[int, str]]:
    """Each line of a message as (quote depth, the line without its quote marks)."""
    return [quoted_line(raw) for raw in text.split("\n")]


def quoted_line(raw: str) -> tuple[int, str]:
    """One line as (quote depth, the line without its quote marks)."""
    m = _QUOTE.match(raw)
    return (m.group(1).count(">"), raw[m.end() :]) if m else (0, raw)


def lead_before(lines: list[tuple[int, str]], at: int) -> str:
    """The last sentence of the paragraph just above line `at`, at its quote depth."""
    depth, i, paragraph = lines[at][0], at - 1, list[str]()
    while i >= 0 and lines[i][0] == depth and not lines[i][1].strip():
        i -= 1
    while i >= 0 and lines[i][0] == depth and lines[i][1].strip():
        paragraph.insert(0, lines[i][1].strip())
        i -= 1
    return last_sentence(" ".join(paragraph))


def last_sentence(text: str) -> str:
    """The last sentence of a paragraph, wrapped lines joined."""
    parts = [p for p in _SENTENCE.split(squash(text)) if p]
    return parts[-1] if parts else ""


def sentences(text: str) -> list[str]:
    """A paragraph split into sentences."""
    return [p for p in _SENTENCE.split(squash(text)) if p]


def squash(text: str) -> str:
    """Re-join wrapped lines: "a different thread (\\nfrom x)" -> "... thread (from x)"."""
    return re.sub(r"\s+", " ", text).strip().replace("( ", "(")


def unique(items: Iterable[str]) -> tuple[str, ...]:
    """Items in order, each once."""
    return tuple(dict.fromkeys(items))
