"""Which hunks and patches a race scenario concerns, and which lines each step names.  (pure)

A race is linked to every hunk whose function context, changed or context lines
name its identifiers, and to the patches it names ("patch 3", "3/10"). Each link
keeps its evidence: which identifier was found where. Each step then gets the
lines of those hunks that name its own identifiers, so a reader sees, and the UI
highlights, what the step is about.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from reviewbot.mail.diff import FileDiff, Hunk
from reviewbot.review.race_steps import RaceScenario, Step, StepLine, all_steps

_PATCH_WORD = re.compile(r"(?i)\bpatch(?:es)?\s+#?(\d{1,3}(?:\s*(?:,|and|&|-|to)\s*\d{1,3})*)\b")
_PATCH_FRACTION = re.compile(r"(?<![\w/.])0*(\d{1,3})/0*(\d{1,3})(?![\w/])")
_PLACES = {"+": "an added line", "-": "a removed line", " ": "a context line"}


@dataclass(frozen=True)
class RaceLink:
    """A race tied to a patch, or to one hunk of it (index within its file, from 0)."""

    patch_msgid: str
    file: str | None
    hunk: int | None
    evidence: tuple[str, ...]


def find_patch_refs(text: str) -> tuple[int, ...]:
    """Patch numbers a text names: "patch 3", "patches 4 and 5", "3/10", "08/10"."""
    numbers: list[int] = []
    for m in _PATCH_WORD.finditer(text):
        for a, b in re.findall(r"(\d+)(?:\s*(?:-|to)\s*(\d+))?", m.group(1)):
            first, last = int(a), int(b or a)
            numbers += range(first, last + 1) if last - first < 50 else [first]
    for m in _PATCH_FRACTION.finditer(text):
        n, total = int(m.group(1)), int(m.group(2))
        if 0 < n <= total and total > 1:
            numbers.append(n)
    return tuple(sorted(set(numbers)))


def link_race(
    race: RaceScenario, patches: Sequence[tuple[str, Sequence[FileDiff]]], text: str
) -> tuple[RaceLink, ...]:
    """Hunks whose context or lines mention the race's identifiers, and patches it names.

    `patches` are (key, files) in series order, so "patch N" is patches[N - 1]; `text`
    is the message the race came from (the race keeps the sentence introducing it).
    """
    own = [s.text for s in all_steps(race)]
    named = set(find_patch_refs(" ".join([race.lead, race.outcome, *own])))
    patterns = [(i, re.compile(r"(?<!\w)" + re.escape(i) + r"(?!\w)")) for i in race.identifiers]
    links: list[RaceLink] = []
    for number, (key, files) in enumerate(patches, 1):
        said = (f"the race names patch {number}",) if number in named else ()
        hunks = [
            RaceLink(key, f.path, h.index, said + ev)
            for f in files
            for h in f.hunks
            if (ev := _hunk_evidence(patterns, h))
        ]
        links += hunks or ([RaceLink(key, None, None, said)] if said else [])
    return tuple(links)


def _hunk_evidence(patterns: list[tuple[str, re.Pattern[str]]], hunk: Hunk) -> tuple[str, ...]:
    """Where each identifier occurs in a hunk; empty unless the match is strong enough."""
    seen: dict[str, list[str]] = {}
    lines = hunk.text.split("\n")[1:]
    for ident, pattern in patterns:
        where = ["the function context"] if pattern.search(hunk.section) else []
        kinds = {x[:1] for x in lines if pattern.search(x)}
        where += [place for kind, place in _PLACES.items() if kind in kinds]
        if where:
            seen[ident] = where
    strong = any(w != _PLACES[" "] for ws in seen.values() for w in ws)
    # Context lines alone are weak: one shared name there is too easily a coincidence.
    if not strong and len(seen) < 2:
        return ()
    return tuple(f"{ident} in {' and '.join(ws)}" for ident, ws in seen.items())


_MAX_LINES = 12  # per step: more would light up the whole hunk


def place_steps(
    race: RaceScenario,
    patches: Sequence[tuple[str, Sequence[FileDiff]]],
    links: Sequence[RaceLink],
) -> RaceScenario:
    """The race with each step's `lines`: the lines of its linked hunks naming the step's
    identifiers (a removed line on the old side, an added or context line on the new)."""
    hunks = {(key, f.path, h.index): h for key, files in patches for f in files for h in f.hunks}
    linked = [
        (lk.patch_msgid, lk.file, lk.hunk, hunks[key])
        for lk in links
        if lk.file is not None
        and lk.hunk is not None
        and (key := (lk.patch_msgid, lk.file, lk.hunk)) in hunks
    ]

    def place(step: Step) -> Step:
        found = [
            StepLine(msgid, file, index, side, number)
            for msgid, file, index, hunk in linked
            for side, number in _naming(hunk, step.identifiers)
        ]
        return replace(step, lines=tuple(found[:_MAX_LINES]))

    alternatives = tuple(
        replace(a, steps=tuple(place(s) for s in a.steps)) for a in race.alternatives
    )
    return replace(race, steps=tuple(place(s) for s in race.steps), alternatives=alternatives)


def _naming(hunk: Hunk, identifiers: Sequence[str]) -> list[tuple[str, int]]:
    """(side, number) of the lines of a hunk that name any of these identifiers."""
    if not identifiers:
        return []
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(i)}(?!\w)" for i in identifiers))
    old, new = hunk.old_start, hunk.new_start
    out = []
    for line in hunk.text.split("\n")[1:]:
        kind, body = line[:1], line[1:]
        if kind not in ("+", "-", " ") or (kind == " " and not line):
            continue
        if pattern.search(body):
            out.append(("old", old) if kind == "-" else ("new", new))
        old += kind != "+"
        new += kind != "-"
    return out
