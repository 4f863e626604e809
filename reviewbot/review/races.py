"""Race scenarios: the interleavings a message spells out, in any of their shapes.  (pure)

A race is told as a numbered list ("1. thread A ... 2. thread B ..."), as competing
orders ("A. X wins / B. Y wins", "either ... or ..."), as a two-column diagram
("Thread A | Thread B", "CPU0   CPU1" with time going down) or as an arrow timeline
("A: lock -> B: unlock -> A: use"), at any quote depth, several to a message, by
the reviewer or the patch's author. race_lists, race_columns and race_timelines
read each shape; actors puts every step in its lane.
"""

from __future__ import annotations

from reviewbot.review.actors import find_actors, find_identifiers
from reviewbot.review.race_columns import column_races
from reviewbot.review.race_lists import ListVerdict, classify_lists, list_races
from reviewbot.review.race_steps import Alternative, RaceScenario, Step, StepLine
from reviewbot.review.race_timelines import timeline_races

__all__ = [
    "Alternative",
    "ListVerdict",
    "RaceScenario",
    "Step",
    "StepLine",
    "classify_lists",
    "find_actors",
    "find_identifiers",
    "find_races",
]


def find_races(text: str) -> tuple[RaceScenario, ...]:
    """Race scenarios described in a message body, at any quote depth, in text order.

    A diagram or timeline inside a list that is already a race is part of that race.
    """
    lists = [(v.scenario, v.line, v.last) for v in list_races(text)]
    drawn = [(race, race.line, last) for race, last in (*column_races(text), *timeline_races(text))]
    inside = [
        d
        for d in drawn
        if any(first <= d[1] <= last or first <= d[2] <= last for _, first, last in lists)
    ]
    found = [*lists, *(d for d in drawn if d not in inside)]
    return tuple(race for race, _, _ in sorted(found, key=lambda f: f[1]))
