"""Races written as arrow timelines: "A: lock -> B: unlock -> A: use".  (pure)

Each arrow-separated part "ACTOR: what it does" is a step in that actor's lane, in
order; a timeline may wrap onto lines that start or end with an arrow, and may end
in a part with no actor, its outcome ("-> use-after-free"). It is a race with two
distinct actors; a call chain ("a() -> b() -> c()") names none, so it is not one.
Field accesses ("priv->agent") have no spaces around the arrow and never split.
"""

from __future__ import annotations

import re
from dataclasses import replace

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
    quoted_lines,
    unique,
)

_ARROW = re.compile(r"\s+(?:-{1,2}>|={1,2}>|→|⟶|~>)\s+")
_ANY_ARROW = re.compile(r"(?<=\s)(?:--?>|==?>|→|⟶|~>)(?=\s)")  # the cheap test first
_ENDINGS = ("->", "=>", "→", "⟶", "~>")
_STARTS = re.compile(r"^\s*(?:-{1,2}>|={1,2}>|→|⟶|~>)\s")
_LABEL = r"(?P<actor>[A-Za-z][\w/.-]*(?:\s+[A-Za-z0-9][\w/.-]*){0,2})\s*:\s+(?P<act>\S.*)"
_PART = re.compile(rf"^{_LABEL}$")
_FIRST = re.compile(rf"(?:^|(?<=:\s)){_LABEL}$")


def timeline_races(text: str) -> list[tuple[RaceScenario, int]]:
    """Arrow timelines in a message, as (scenario, its last line)."""
    if not any(arrow in text for arrow in _ENDINGS) or not _ANY_ARROW.search(text):
        return []
    qualified = qualified_names(text)
    found = []
    lines = quoted_lines(text)
    for depth, first, last, joined in _joined(lines):
        race = _timeline(joined, depth, first, qualified)
        if race is not None:
            found.append((replace(race, lead=lead_before(lines, first)), last))
    return found


def _joined(lines: list[tuple[int, str]]) -> list[tuple[int, int, int, str]]:
    """Lines joined where an arrow carries on: (depth, first line, last line, text)."""
    out: list[tuple[int, int, int, str]] = []
    for number, (depth, line) in enumerate(lines):
        prev = out[-1] if out else None
        carries = prev and prev[0] == depth and prev[2] == number - 1
        if prev and carries and (prev[3].endswith(_ENDINGS) or _STARTS.match(line)):
            out[-1] = (depth, prev[1], number, f"{prev[3].rstrip()} {line.strip()}")
        elif line.strip():
            out.append((depth, number, number, line.strip()))
    return [j for j in out if _ANY_ARROW.search(j[3])]


def _timeline(text: str, depth: int, line: int, qualified: dict[str, str]) -> RaceScenario | None:
    """One arrow timeline read as steps; None unless two actors take turns in it."""
    parts = _ARROW.split(text)
    steps: list[Step] = []
    outcome = ""
    for n, part in enumerate(parts):
        m = (_FIRST.search(part) if n == 0 else _PART.match(part.strip())) or None
        if m and is_actor_label(m.group("actor")):
            actor = actor_named(m.group("actor"))
            steps.append(step_of(str(len(steps) + 1), m.group("act"), qualified, actor))
        elif n == len(parts) - 1 and len(steps) >= 2:
            outcome = part.strip(" .")
        else:
            return None
    if len(unique(s.actor or "" for s in steps)) < 2:
        return None
    placed, _, actors, _ = cast(steps, (), "")
    evidence = [
        "arrow timeline: " + " -> ".join(s.actor or "?" for s in placed),
        f"steps 1-{len(placed)}",
        "actors: " + ", ".join(actors),
        *read_as(placed, qualified),
        "outcome: the part after the last step" if outcome else "outcome: the last step",
    ]
    idents = unique(i for s in placed for i in s.identifiers)
    outcome = outcome or last_sentence(placed[-1].text)
    return RaceScenario(
        placed, actors, idents, outcome, (), depth, tuple(evidence), line, "", "timeline"
    )
