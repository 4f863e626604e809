"""Races told as numbered or lettered lists, and the lists that are not races.  (pure)

On libvir-list a race is argued as a list ("1. thread A ... 2. thread B ... 3. ...")
or as competing orders ("A. qemuConnectAgent wins ... B. ... wins", "1. ... or 2.
...", "3. either ... or ..."). Mail is full of other lists (callers, event sources,
questions, recipes, changelogs), so a list is a race only with two distinct actors
or ordering/concurrency language across its steps. Every verdict keeps its
evidence, so the UI can say why a list is, or is not, a race.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from reviewbot.review.actors import (
    cast,
    find_actors,
    find_identifiers,
    qualified_names,
    read_as,
    step_of,
)
from reviewbot.review.race_steps import (
    Alternative,
    RaceScenario,
    Step,
    all_steps,
    last_sentence,
    quoted_lines,
    squash,
    unique,
)
from reviewbot.review.race_words import (
    is_changelog,
    is_conclusion,
    ordered_enough,
    ordering_words,
    why_a_recipe,
)

_MARKER = re.compile(r"^\s{0,3}\(?(\d{1,2}[a-z]?|[A-Ha-h])[.)]\s+(\S.*)$")
_ANY_MARKER = re.compile(r"^[\s>]*\(?(?:\d{1,2}[a-z]?|[A-Ha-h])[.)]\s", re.M)
_WINS = re.compile(
    r"^(?P<who>[\w>()' -]{1,60}?)\s+(?:wins?|goes first|runs first|comes first|is first"
    r"|gets (?:there|the lock) first)\b"
)
_EITHER = re.compile(
    r"(?i)^(?P<pre>.*?)\beither\b(?!\s+(?:case|way|of)\b)\s*(?P<a>.+?),?\s+or\s+(?P<b>.+)$"
)
# "Either:", "one of these:" before items that are then the orders; "two cases",
# "three ways at once" say nothing of the kind
_OR_LEAD = re.compile(r"(?i)\beither\W*$|\bone of (?:these|the following)\W*$")
_OR_END = re.compile(r",?\s+or$")
_CONNECTORS = frozenset({"or", "and", "then", "and then", "meanwhile", "later", "at the same time"})

# (block, line, depth, label or "" for a paragraph, text)
_Unit = tuple[int, int, int, str, str]


@dataclass(frozen=True)
class ListVerdict:
    """A numbered or lettered list and whether it is a race, with the evidence either way."""

    depth: int
    line: int  # first line of the list in the text, from 0
    is_race: bool
    evidence: tuple[str, ...]
    scenario: RaceScenario  # the list read as a scenario, race or not
    last: int = 0  # last line of the list


@dataclass
class _Item:  # mutable while its list is being scanned
    label: str
    line: int
    lines: list[str]
    subs: list[_Item] = field(default_factory=list)


@dataclass
class _List:
    depth: int
    block: int
    first: int  # first and last unit: tells what follows the list closely
    items: list[_Item]
    lead: str = ""
    tail: str = ""
    last: int = 0
    last_line: int = 0
    bridges: list[str] = field(default_factory=list)


def list_races(text: str) -> list[ListVerdict]:
    """The lists of a message that are races; "A. X wins / B. Y wins" right after a race
    are the competing orders of that race."""
    races: list[tuple[_List, ListVerdict]] = []
    for lst, verdict in _candidates(text):
        if not verdict.is_race:
            continue
        prev = races[-1][0] if races else None
        new = verdict.scenario
        if new.alternatives and not new.steps and prev and _follows(prev, lst):
            old, labels = races.pop()[1], "/".join(a.label for a in new.alternatives)
            merged = replace(
                old.scenario,
                alternatives=old.scenario.alternatives + new.alternatives,
                actors=unique([*old.scenario.actors, *new.actors]),
                identifiers=unique([*old.scenario.identifiers, *new.identifiers]),
                evidence=(*old.scenario.evidence, f"alternatives {labels} follow"),
            )
            verdict = replace(old, scenario=merged, last=verdict.last)
        races.append((lst, verdict))
    return [verdict for _, verdict in races]


def classify_lists(text: str) -> tuple[ListVerdict, ...]:
    """Every numbered or lettered list in a message with its race verdict and evidence."""
    return tuple(verdict for _, verdict in _candidates(text))


def _follows(prev: _List, lst: _List) -> bool:
    return prev.block == lst.block and lst.first - prev.last <= 3


def _candidates(text: str) -> list[tuple[_List, ListVerdict]]:
    if not _ANY_MARKER.search(text):  # most replies hold no list: stay fast
        return []
    qualified = qualified_names(text)
    return [(lst, _judge(lst, qualified)) for lst in _lists(_units(text))]


def _units(text: str) -> list[_Unit]:
    """List items and paragraphs, per block of lines at one quote depth."""
    units: list[_Unit] = []
    block, depth, open_unit = -1, -1, False
    for number, (level, line) in enumerate(quoted_lines(text)):
        if not line.strip():
            open_unit = False  # a blank line ends a unit but not the quote block
            continue
        if level != depth:
            block, depth, open_unit = block + 1, level, False
        if marker := _MARKER.match(line):
            units.append((block, number, depth, marker.group(1), marker.group(2)))
        elif open_unit:  # a wrapped line continues its item or paragraph
            units[-1] = (*units[-1][:4], f"{units[-1][4]}\n{line}")
        else:
            units.append((block, number, depth, "", line))
        open_unit = True
    return units


def _lists(units: list[_Unit]) -> list[_List]:
    """Group items into lists: 1, 2, 3 / A, B with nested 1, 2 / 1 with 1a..1e."""
    lists: list[_List] = []
    cur: _List | None = None
    for i, (block, line, depth, label, body) in enumerate(units):
        if cur and block != cur.block:
            cur = None
        nxt = units[i + 1] if i + 1 < len(units) else None
        if cur and not label:
            word, before = squash(body), cur.items[-1].label
            # "or" / "then" alone between two items still belongs to the list.
            if word.lower() in _CONNECTORS and nxt and nxt[0] == block and _continues(cur, nxt[3]):
                cur.bridges.append(f"'{word}' between steps {before} and {nxt[3]}")
                continue
            cur.tail, cur = body, None
        elif cur and _continues(cur, label):
            last = cur.items[-1]
            (cur.items if label == _next(last.label) else last.subs).append(
                _Item(label, line, [body])
            )
        elif label in ("1", "A", "a"):
            prev = units[i - 1] if i else None
            lead = prev[4] if prev and prev[0] == block and not prev[3] else ""
            cur = _List(depth, block, i, [_Item(label, line, [body])], lead)
            lists.append(cur)
        else:
            cur = None
        if cur:
            cur.last, cur.last_line = i, line + body.count("\n")
    return [lst for lst in lists if len(lst.items) >= 2]


def _continues(cur: _List, label: str) -> bool:
    last = cur.items[-1]
    if not label:
        return False
    if label == _next(last.label):
        return True
    if last.label.isdigit():  # "1a" after "1", "1b" after "1a": sub-items
        return label == f"{last.label}{chr(ord('a') + len(last.subs))}"
    # "A." with steps 1, 2; a "1." after "3." starts the next list instead
    return last.label.isalpha() and label.isdigit() and int(label) == len(last.subs) + 1


def _next(label: str) -> str:
    if label.isdigit():
        return str(int(label) + 1)
    return chr(ord(label) + 1) if len(label) == 1 else ""


def _judge(lst: _List, qualified: dict[str, str]) -> ListVerdict:
    """Is this list a race? Two actors, or ordering across steps; never questions."""
    heads = [_step(item, qualified) for item in lst.items]
    lead = last_sentence(lst.lead)
    questions = sum(s.text.rstrip().endswith("?") for s in heads)
    ordered, relative = ordering_words(heads)
    ors = [b for b in lst.bridges if b[:4] == "'or'"]
    bridged = any(b[:4] not in ("'or'", "'and") for b in lst.bridges)
    wins = _wins(lst, qualified)
    named = unique(a for s in heads for a in find_actors(s.text))
    recipe = why_a_recipe(lead, heads)
    if is_changelog(lead):
        why, is_race = f"changelog: '{lead}'", False
    elif questions * 2 > len(heads):
        why, is_race = f"{questions} of {len(heads)} steps are questions", False
    elif wins:
        why = "competing orders: " + ", ".join(f"{a.label}. {a.text}" for a in wins)
        is_race = True
    elif len(named) >= 2 or bridged or ordered_enough(ordered, relative, recipe):
        why, is_race = "", True
    elif recipe and (ordered or relative):
        why = (
            f"a recipe or enumeration ({recipe}): its steps follow each other, none runs alongside"
        )
        is_race = False
    else:
        one = f"only one actor ({named[0]})" if named else "no actors"
        why, is_race = f"{one}; no ordering across steps", False
    steps, alternatives, fork = tuple(heads), wins, ""
    if is_race and not wins:
        steps, alternatives, fork = _fork(lst, heads, qualified, lead, ors)
    elif wins:
        steps = ()
    evidence = [f"steps {heads[0].label}-{heads[-1].label}"]
    scenario = _scenario(lst, steps, alternatives, lead, qualified, evidence)
    for name, hits in (("ordering", ordered), ("tied to the step before", relative)):
        if hits:
            evidence.append(f"{name}: " + ", ".join(f"'{w}' (step {lab})" for lab, w in hits))
    evidence += [b + (": alternative conditions" if b in ors else "") for b in lst.bridges]
    evidence += [e for e in (fork, why) if e]
    scenario = replace(scenario, evidence=tuple(evidence))
    first = lst.items[0].line
    return ListVerdict(lst.depth, first, is_race, tuple(evidence), scenario, lst.last_line)


def _step(item: _Item, qualified: dict[str, str]) -> Step:
    subs = (f"{s.label}. {' '.join(s.lines)}" for s in item.subs)
    return step_of(item.label, " ".join([*item.lines, *subs]), qualified)


def _scenario(
    lst: _List,
    steps: tuple[Step, ...],
    alternatives: tuple[Alternative, ...],
    lead: str,
    qualified: dict[str, str],
    evidence: list[str],
) -> RaceScenario:
    """The list read as a scenario, each step in its lane; how, added to `evidence`."""
    listing = [i for i in lst.items if i.subs and not alternatives]
    evidence += [f"step {i.label} lists {i.subs[0].label}-{i.subs[-1].label}" for i in listing]
    steps, alternatives, actors, placed = cast(steps, alternatives, lst.lead)
    if actors:  # each step's own actor is in Step.actor
        evidence.append("actors: " + ", ".join(actors))
    evidence += placed
    race = RaceScenario(steps, actors, (), "", alternatives, lst.depth, (), lst.items[0].line, lead)
    evidence += read_as(all_steps(race), qualified)
    outcome = _outcome(lst, steps if not alternatives else (), evidence)
    heads = (i for a in alternatives for i in find_identifiers(a.text))  # the racers first
    idents = unique([*heads, *(i for s in all_steps(race) for i in s.identifiers)])
    return replace(race, identifiers=idents, outcome=outcome)


def _wins(lst: _List, qualified: dict[str, str]) -> tuple[Alternative, ...]:
    """Items headed "X wins" are competing orders of one race; fewer than two: none."""
    heads = [squash(" ".join(i.lines)) for i in lst.items]
    wins = [_WINS.match(head) for head in heads]
    if sum(w is not None for w in wins) < 2:
        return ()
    winners = [_winner(w.group("who")) if w else "" for w in wins]
    return tuple(
        _branch(item, who, head, qualified)
        for item, who, head in zip(lst.items, winners, heads, strict=True)
    )


def _fork(
    lst: _List, heads: list[Step], qualified: dict[str, str], lead: str, ors: list[str]
) -> tuple[tuple[Step, ...], tuple[Alternative, ...], str]:
    """A race's shared steps, the orders it forks into, and why: items joined by "or" (or
    after "either:"), or a last step "either X, or Y"; otherwise all steps, no fork."""
    trailing = all(_OR_END.search(h.text) for h in heads[:-1])
    if len(ors) == len(lst.items) - 1 or trailing or (_OR_LEAD.search(lead) and not lst.bridges):
        pairs = zip(lst.items, heads, strict=True)
        joined = tuple(_branch(i, _first_actor(h.text), h.text, qualified) for i, h in pairs)
        return (), joined, "alternatives: the steps are joined by 'or'"
    m = _EITHER.match(heads[-1].text)
    if not m or min(len(m.group("a").split()), len(m.group("b").split())) < 2:
        return tuple(heads), (), ""
    shared = heads[:-1]
    if len(m.group("pre").split()) >= 3:
        shared.append(step_of(heads[-1].label, m.group("pre"), qualified))
    found: list[Alternative] = []
    for label, part in (("A", m.group("a")), ("B", m.group("b"))):
        part = part.strip(" ,;.")
        found.append(Alternative(label, _first_actor(part), part, (step_of("1", part, qualified),)))
    return tuple(shared), tuple(found), f"alternatives: step {heads[-1].label} is 'either ... or'"


def _branch(item: _Item, who: str, head: str, qualified: dict[str, str]) -> Alternative:
    """One competing order: its sub-steps, or its head alone as its one step."""
    head = _OR_END.sub("", head)
    steps = tuple(_step(s, qualified) for s in item.subs)
    return Alternative(item.label, who, head, steps or (step_of("1", head, qualified),))


def _winner(who: str) -> str:
    who = who.strip()
    named = find_actors(who)
    return named[0] if named else who


def _first_actor(text: str) -> str:
    named = find_actors(text)
    if named:
        return named[0]
    idents = find_identifiers(text)  # a function may act; a field ("priv->mon") may not
    first = idents[0] if idents and text.startswith(idents[0]) else ""
    return first if "->" not in first else ""


def _outcome(lst: _List, steps: tuple[Step, ...], evidence: list[str]) -> str:
    """A concluding paragraph after the steps ("In both cases ..."), else the last step's end."""
    tail = squash(lst.tail)
    if tail and is_conclusion(tail):
        evidence.append("outcome: the paragraph after the steps")
        return tail
    if not lst.items[-1].subs and steps:
        evidence.append(f"outcome: the end of step {lst.items[-1].label}")
        return last_sentence(steps[-1].text)
    return ""
