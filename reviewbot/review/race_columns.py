"""Races drawn as columns: one column per actor, time going down.  (pure)

Two shapes are common on the lists, columns split by "|":

    Thread A                     | Thread B
    -----------------------------+-----------------------------
    virObjectLock(vm)            |
                                 | qemuProcessStop(vm)

or by position, as lockdep and memory-barriers.txt draw them:

           CPU0                    CPU1
           ----                    ----
      lock(&mm->mmap_lock);
                                   lock(&sb->s_umount);

A table is a race when its header names at least two actors ("Thread A", "CPU1",
"T2", a function) and at least two of their columns hold steps; each cell is a
step in its column's lane, numbered top to bottom (left to right within a row). A
"Time" column, if any, labels the steps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot.review.actors import (
    actor_named,
    cast,
    is_actor_label,
    qualified_names,
    read_as,
    step_of,
)
from reviewbot.review.race_steps import (
    RaceScenario,
    Step,
    last_sentence,
    lead_before,
    quoted_line,
    quoted_lines,
    unique,
)
from reviewbot.review.race_words import tells_the_end

_SEGMENT = re.compile(r"\S+(?:[ ]{1,2}\S+)*")  # text between runs of 3+ spaces
_RULE = re.compile(r"^[\s|+:*]*[-=_]{3,}[-=_\s|+:*]*$")
_ART = re.compile(r"^[\s|:.<>^vV=*+-]*$")  # arrows and rules drawn between the steps
_NAME = re.compile(r"^[A-Za-z#][\w .()#-]{0,39}$")  # what a column header can be: no paths
_TIME = re.compile(r"(?i)^(?:time|t|when|step|#|seq)$")
_CODE = re.compile(r"[()=;&\[\]]|->|\b[a-z]+[A-Z_]\w*|\b(?:lock|unlock|free|read|write)\b")


@dataclass(frozen=True)
class _Column:
    name: str
    start: int
    end: int
    is_time: bool


def column_races(text: str) -> list[tuple[RaceScenario, int]]:
    """Two-column race diagrams in a message, as (scenario, its last line)."""
    found: list[tuple[RaceScenario, int]] = []
    lines: list[tuple[int, str]] | None = None  # the message's lines, once one is a header
    qualified: dict[str, str] = {}
    at, raw = 0, text.split("\n")
    while at < len(raw):
        columns = _header(quoted_line(raw[at])[1].expandtabs(8)) if _may_head(raw[at]) else None
        if not columns:
            at += 1
            continue
        if lines is None:
            lines = [(depth, line.expandtabs(8)) for depth, line in quoted_lines(text)]
            qualified = qualified_names(text)
        table = _table(lines, at, columns)
        race = _scenario(lines, at, table, columns, qualified) if table else None
        if race is not None:
            found.append((race, table[-1][0] if table else at))
        at = table[-1][0] + 1 if table else at + 1
    return found


def _may_head(raw: str) -> bool:
    """The cheap test first: a name first (not a diff line), then cells apart ("|", a
    tab, 3 spaces)."""
    inner = raw.lstrip(" \t>").rstrip()
    if not inner or not (inner[0].isalpha() or inner[0] in "|#"):
        return False
    return "|" in inner or "   " in inner or "\t" in inner


def _header(line: str) -> list[_Column] | None:
    """The columns a header line names, when at least two of its cells are actors."""
    if "|" in line:
        cells = [(m.start(), m.end(), m.group(0).strip()) for m in re.finditer(r"[^|]+", line)]
    else:
        cells = [(m.start(), m.end(), m.group(0)) for m in _SEGMENT.finditer(line)]
    cells = [c for c in cells if c[2]]
    if not 2 <= len(cells) <= 4 or not all(_NAME.match(c[2]) for c in cells):
        return None
    columns = [_Column(name, a, b, bool(_TIME.match(name))) for a, b, name in cells]
    actors = [c for c in columns if not c.is_time and is_actor_label(c.name)]
    if len(actors) < 2 or len(actors) + sum(c.is_time for c in columns) != len(columns):
        return None
    return columns


def _table(
    lines: list[tuple[int, str]], at: int, columns: list[_Column]
) -> list[tuple[int, list[str]]] | None:
    """The rows under a header (line number, one cell per column) up to a blank line."""
    depth, header = lines[at]
    piped, framed = "|" in header, header.lstrip().startswith("|")
    rows: list[tuple[int, list[str]]] = []
    i = at + 1
    if i < len(lines) and lines[i][0] == depth and _RULE.match(lines[i][1]):
        i += 1
    while i < len(lines) and lines[i][0] == depth and len(rows) < 60:
        line = lines[i][1]
        if not line.strip():
            # a "|" table may leave a blank row between two steps
            nxt = lines[i + 1] if i + 1 < len(lines) else (depth, "")
            if piped and nxt[0] == depth and "|" in nxt[1]:
                i += 1
                continue
            break
        if piped and "|" not in line:
            break
        if not _RULE.match(line):
            rows.append((i, _cells(line, columns, piped, framed)))
        i += 1
    return rows or None


def _cells(line: str, columns: list[_Column], piped: bool, framed: bool) -> list[str]:
    """A row's text per column: by "|" in a piped table, else by where each piece starts."""
    cells = [""] * len(columns)
    if piped:
        parts = line.split("|")[1:] if framed else line.split("|")
        for j, part in enumerate(parts[: len(columns)]):
            cells[j] = part.rstrip()
        return cells
    bounds = [(a.end + b.start) / 2 for a, b in zip(columns, columns[1:], strict=False)]
    for m in _SEGMENT.finditer(line):
        j = sum(m.start() >= bound for bound in bounds)
        cells[j] = (cells[j] + " " + m.group(0)) if cells[j] else " " * m.start() + m.group(0)
    return cells


def _scenario(
    lines: list[tuple[int, str]],
    at: int,
    rows: list[tuple[int, list[str]]],
    columns: list[_Column],
    qualified: dict[str, str],
) -> RaceScenario | None:
    """The table read as steps in lanes; None unless two lanes hold code-like steps."""
    time = next((j for j, c in enumerate(columns) if c.is_time), None)
    lanes = [actor_named(c.name) for c in columns]
    steps: list[Step] = []
    owner: list[tuple[int, int]] = []  # (column, indent) of each step
    for _, cells in rows:
        filled = [j for j, cell in enumerate(cells) if j != time and not _ART.match(cell)]
        for j in filled:
            indent = len(cells[j]) - len(cells[j].lstrip())
            if steps and filled == [j] and owner[-1][0] == j and indent > owner[-1][1] + 1:
                last = steps[-1]  # a deeper-indented line continues the step above it
                steps[-1] = step_of(last.label, f"{last.text} {cells[j]}", qualified, last.actor)
                continue
            label = cells[time].strip() if time is not None and cells[time].strip() else ""
            label = label or str(len(steps) + 1)
            steps.append(step_of(label, cells[j], qualified, lanes[j]))
            owner.append((j, indent))
    used = unique(s.actor or "" for s in steps)
    if len(used) < 2 or sum(bool(_CODE.search(s.text)) for s in steps) < 2:
        return None
    placed, _, actors, _ = cast(steps, (), "")
    names = " | ".join(lanes[j] for j, c in enumerate(columns) if not c.is_time)
    evidence = [
        f"two-column diagram: {names}",
        f"steps {steps[0].label}-{steps[-1].label}",
        "actors: " + ", ".join(actors),
        *read_as(placed, qualified),
    ]
    outcome = _outcome(lines, rows[-1][0] + 1, lines[at][0])
    evidence.append("outcome: the paragraph after the diagram" if outcome else "")
    if not outcome:
        outcome = last_sentence(placed[-1].text)
        evidence[-1] = f"outcome: the last step ({placed[-1].label})"
    idents = unique(i for s in placed for i in s.identifiers)
    lead = lead_before(lines, at)
    return RaceScenario(
        placed, actors, idents, outcome, (), lines[at][0], tuple(evidence), at, lead, "columns"
    )


def _outcome(lines: list[tuple[int, str]], i: int, depth: int) -> str:
    """The paragraph after the diagram when it says how the race ends."""
    while i < len(lines) and lines[i][0] == depth and not lines[i][1].strip():
        i += 1
    paragraph = []
    while i < len(lines) and lines[i][0] == depth and lines[i][1].strip():
        paragraph.append(lines[i][1].strip())
        i += 1
    text = " ".join(paragraph)
    if " -> " in text or len(text) > 400:  # another drawing of the race, or a long story
        return ""
    return text if tells_the_end(text) else ""
