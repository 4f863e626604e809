"""Race scenarios: interleavings reviewers spell out as numbered steps.  (pure)

On libvir-list a race is argued as a list ("1. thread A ... 2. thread B ... 3. ...")
or as competing orders ("A. qemuConnectAgent wins ... B. ... wins"). Mail is full of
other lists (callers, event sources, questions, changelogs), so a list is a race only
with two distinct actors or ordering/concurrency language across its steps. Every
verdict keeps its evidence, so the UI can say why a list is, or is not, a race.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

_QUOTE = re.compile(r"^[ \t]{0,2}((?:>[ \t]?)+)")
_MARKER = re.compile(r"^\s{0,3}\(?(\d{1,2}[a-z]?|[A-Ha-h])[.)]\s+(\S.*)$")
_ANY_MARKER = re.compile(r"^[\s>]*\(?(?:\d{1,2}[a-z]?|[A-Ha-h])[.)]\s", re.M)
_IDENT = re.compile(
    r"\b[A-Za-z_]\w*(?:->[A-Za-z_]\w*)+"  # fields: priv->agentError, obj->lock
    r"|\b[A-Za-z_]\w*(?=\(\))"  # foo(): a call, even when foo is an English word
    r"|\b[a-z][a-z0-9]*[A-Z]\w*"  # camelCase: qemuProcessHandleAgentEOF
    r"|\b[a-z][a-z0-9]*_\w+"  # snake_case: qemu_agent
    r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b"  # CAPS with "_": VIR_LOCK_GUARD
)
_FIELD = re.compile(r"\b([A-Za-z_]\w*)->([A-Za-z_]\w*)\b(?!->)")
# One canonical name per actor: "the IO loop", "io loop thread" are the same thread.
_ACTORS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b[Tt]hread\s+([A-H]|\d{1,2})\b"), "thread {0}"),
    (re.compile(r"(?i)\b(?:IO|I/O)\s+loop(?:\s+thread)?\b"), "IO loop thread"),
    (re.compile(r"(?i)\bevent\s+loop(?:\s+thread)?\b"), "event loop"),
    (re.compile(r"(?i)(?:\b\w+->)?\bworkerPool\b|\b(?:worker|thread)\s*pool\b"), "worker pool"),
    (re.compile(r"(?i)\b(worker|main)\s+thread\b"), "{0} thread"),
    (re.compile(r"\bCPU\s?(\d{1,3}|[A-H])\b"), "CPU{0}"),
    (re.compile(r"\b[Pp]rocess\s+([A-H]|\d{1,2})\b"), "process {0}"),
    (re.compile(r"(?i)\b(parent|child)\s+process\b"), "{0} process"),
    (re.compile(r"(?i)\bthe\s+guest\b"), "the guest"),
    (re.compile(r"(?i)\bthe\s+(?:qemu\s+)?monitor\b"), "the monitor"),
)
_ORDER = re.compile(
    r"(?i)\b(then|before|after|afterwards|meanwhile|in the meantime|while|later|finally"
    r"|until|by the time|now we|delayed|races? with|racing|concurrently|in parallel"
    r"|simultaneously|at the same time|(?:a )?different thread|another thread|other thread"
    r"|asynchronous(?:ly)?)\b"
)
# Words tying a step to the one before it: a sequence, not an enumeration.
_RELATIVE = re.compile(
    r"(?i)^(?:now|then|meanwhile|later|finally|afterwards|next|at the same time|while)\b"
    r"|\b(?:then|meanwhile|in the meantime|at the same time|by the time)\b"
)
_WINS = re.compile(
    r"^(?P<who>[\w>()' -]{1,60}?)\s+(?:wins?|goes first|runs first|comes first|is first"
    r"|gets (?:there|the lock) first)\b"
)
_CHANGELOG = re.compile(r"(?i)\b(?:changes?|changelog|changed|diff)\b.*\b(?:v\d+|since|from)\b")
_CONCLUSION = re.compile(
    r"(?i)^(?:in (?:both|all|either|each) cases?|so\b|thus|hence|therefore|as a result"
    r"|the (?:end )?result|this (?:means|leads|results|causes)|which (?:means|leads)|=>|->)"
)
_CONNECTORS = frozenset({"or", "and", "then", "and then", "meanwhile", "later", "at the same time"})
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])")

# (block, line, depth, label or "" for a paragraph, text)
_Unit = tuple[int, int, int, str, str]


@dataclass(frozen=True)
class Step:
    """One step of an interleaving: its label ("1", "A"), actor, text and identifiers."""

    label: str
    actor: str | None
    text: str
    identifiers: tuple[str, ...]


@dataclass(frozen=True)
class Alternative:
    """One competing order of a race ("A. qemuConnectAgent wins"), with its own steps."""

    label: str
    winner: str
    text: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class RaceScenario:
    """An interleaving found in a message; `depth` is its quote depth (0 = unquoted)."""

    steps: tuple[Step, ...]
    actors: tuple[str, ...]
    identifiers: tuple[str, ...]
    outcome: str
    alternatives: tuple[Alternative, ...]
    depth: int
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ListVerdict:
    """A numbered or lettered list and whether it is a race, with the evidence either way."""

    depth: int
    line: int  # first line of the list in the text, from 0
    is_race: bool
    evidence: tuple[str, ...]
    scenario: RaceScenario  # the list read as a scenario, race or not


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
    bridges: list[str] = field(default_factory=list)


def find_races(text: str) -> tuple[RaceScenario, ...]:
    """Race scenarios described in a message body, at any quote depth, in text order."""
    races: list[tuple[_List, RaceScenario]] = []
    for lst, verdict in _candidates(text):
        if not verdict.is_race:
            continue
        new, prev = verdict.scenario, (races[-1][0] if races else None)
        # "A. X wins / B. Y wins" just after a race are the competing orders of that race.
        if new.alternatives and prev and prev.block == lst.block and lst.first - prev.last <= 3:
            old, labels = races.pop()[1], "/".join(a.label for a in new.alternatives)
            new = replace(
                old,
                alternatives=old.alternatives + new.alternatives,
                identifiers=_unique([*old.identifiers, *new.identifiers]),
                evidence=(*old.evidence, f"alternatives {labels} follow"),
            )
        races.append((lst, new))
    return tuple(race for _, race in races)


def classify_lists(text: str) -> tuple[ListVerdict, ...]:
    """Every numbered or lettered list in a message with its race verdict and evidence."""
    return tuple(verdict for _, verdict in _candidates(text))


def find_identifiers(text: str) -> tuple[str, ...]:
    """Code identifiers (functions, fields, CAPS macros and events) in order, unique."""
    return _unique(m.group(0) for m in _IDENT.finditer(text))


def find_actors(text: str) -> tuple[str, ...]:
    """Actors named in a text (threads, IO loop, worker pool, CPUs, the guest...), in order."""
    hits: list[tuple[int, str]] = []
    for pattern, name in _ACTORS:
        hits += [(m.start(), name.format(*m.groups())) for m in pattern.finditer(text)]
    return _unique(name for _, name in sorted(hits))


def lead_of(race: RaceScenario, text: str) -> str:
    """The sentence introducing a race ("Patch 3 opens this race:") in its message."""
    for lst, verdict in _candidates(text):
        if verdict.depth == race.depth and verdict.scenario.steps[:1] == race.steps[:1]:
            return _last_sentence(lst.lead)
    return ""


def _candidates(text: str) -> list[tuple[_List, ListVerdict]]:
    if not _ANY_MARKER.search(text):  # most replies hold no list: stay fast
        return []
    qualified = _qualified_names(text)
    return [(lst, _judge(lst, qualified)) for lst in _lists(_units(text))]


def _units(text: str) -> list[_Unit]:
    """List items and paragraphs, per block of lines at one quote depth."""
    units: list[_Unit] = []
    block, depth, open_unit = -1, -1, False
    for number, raw in enumerate(text.split("\n")):
        m = _QUOTE.match(raw)
        level, line = (m.group(1).count(">"), raw[m.end() :]) if m else (0, raw)
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
            word, before = _squash(body), cur.items[-1].label
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
            cur.last = i
    return [lst for lst in lists if len(lst.items) >= 2]


def _continues(cur: _List, label: str) -> bool:
    last = cur.items[-1]
    if not label:
        return False
    if label == _next(last.label):
        return True
    if last.label.isdigit():  # "1a" after "1", "1b" after "1a": sub-items
        return label == f"{last.label}{chr(ord('a') + len(last.subs))}"
    return label.isdigit() and int(label) == len(last.subs) + 1  # "A." with steps 1, 2


def _next(label: str) -> str:
    if label.isdigit():
        return str(int(label) + 1)
    return chr(ord(label) + 1) if len(label) == 1 else ""


def _judge(lst: _List, qualified: dict[str, str]) -> ListVerdict:
    """Is this list a race? Two actors, or ordering across steps; never questions."""
    alternatives = _alternatives(lst, qualified)
    scenario, evidence = _scenario(lst, alternatives, qualified)
    steps, lead = scenario.steps, _last_sentence(lst.lead)
    questions = sum(s.text.rstrip().endswith("?") for s in steps)
    ordered = [(s.label, m.group(0)) for s in steps for m in _ORDER.finditer(s.text)]
    relative = [(s.label, m.group(0)) for s in steps[1:] for m in _RELATIVE.finditer(s.text)]
    for name, hits in (("ordering", ordered), ("tied to the step before", relative)):
        if hits:
            evidence.append(f"{name}: " + ", ".join(f"'{w}' (step {lab})" for lab, w in hits))
    evidence += [b + (": alternative conditions" if b[:4] == "'or'" else "") for b in lst.bridges]
    bridged = any(b[:4] not in ("'or'", "'and") for b in lst.bridges)
    if _CHANGELOG.search(lead) and lead.endswith(":"):
        why, is_race = f"changelog: '{lead}'", False
    elif questions * 2 > len(steps):
        why, is_race = f"{questions} of {len(steps)} steps are questions", False
    elif alternatives:
        why = "competing orders: " + ", ".join(f"{a.label}. {a.text}" for a in alternatives)
        is_race = True
    elif len(scenario.actors) >= 2 or len(dict(ordered)) >= 2 or relative or bridged:
        why, is_race = "", True
    else:
        one = f"only one actor ({scenario.actors[0]})" if scenario.actors else "no actors"
        why, is_race = f"{one}; no ordering across steps", False
    evidence = [f"steps {steps[0].label}-{steps[-1].label}", *evidence] + ([why] if why else [])
    scenario = replace(scenario, evidence=tuple(evidence))
    return ListVerdict(lst.depth, lst.items[0].line, is_race, tuple(evidence), scenario)


def _scenario(
    lst: _List, alternatives: tuple[Alternative, ...], qualified: dict[str, str]
) -> tuple[RaceScenario, list[str]]:
    """The list read as a scenario, and the evidence of how it was read."""
    steps = tuple(_step(item, qualified) for item in lst.items)
    if alternatives:  # the competitors named by "X wins" are the actors of that race
        heads = (_step(_Item(a.label, 0, [a.text]), qualified) for a in alternatives)
        steps = tuple(replace(s, actor=a.winner) for s, a in zip(heads, alternatives, strict=True))
    listing = [i for i in lst.items if i.subs and not alternatives]
    evidence = [f"step {i.label} lists {i.subs[0].label}-{i.subs[-1].label}" for i in listing]
    everything = (*steps, *(s for a in alternatives for s in a.steps))
    actors = _unique([*(s.actor for s in everything if s.actor)])
    actors = _unique([*actors, *(a for s in steps for a in find_actors(s.text))])
    if actors:  # each step's own actor is in Step.actor
        evidence.append("actors: " + ", ".join(actors))
    read = {(m[0], _qualify(m, qualified)) for s in everything for m in _IDENT.finditer(s.text)}
    evidence += [f"{b} read as {q} (so spelled in the message)" for b, q in sorted(read) if b != q]
    outcome = _outcome(lst, steps, evidence)
    idents = _unique(i for s in everything for i in s.identifiers)
    return RaceScenario(steps, actors, idents, outcome, alternatives, lst.depth, ()), evidence


def _step(item: _Item, qualified: dict[str, str]) -> Step:
    subs = (f"{s.label}. {' '.join(s.lines)}" for s in item.subs)
    text = _squash(" ".join([*item.lines, *subs]))
    actors = find_actors(text)
    idents = _unique(_qualify(m, qualified) for m in _IDENT.finditer(text))
    return Step(item.label, actors[0] if actors else None, text, idents)


def _qualify(match: re.Match[str], qualified: dict[str, str]) -> str:
    """A bare field name ("agentError") is the field the message spells in full."""
    name, text = match.group(0), match.string
    is_call = text[match.end() : match.end() + 1] == "("
    if is_call or text[max(0, match.start() - 2) : match.start()] == "->":
        return name
    return qualified.get(name, name)


def _qualified_names(text: str) -> dict[str, str]:
    """Field names the message spells only one way in full: agentError -> priv->agentError."""
    owners: dict[str, set[str]] = {}
    for m in _FIELD.finditer(text):
        owners.setdefault(m.group(2), set()).add(m.group(0))
    return {name: next(iter(full)) for name, full in owners.items() if len(full) == 1}


def _alternatives(lst: _List, qualified: dict[str, str]) -> tuple[Alternative, ...]:
    """Items headed "X wins" are competing orders of one race; fewer than two: none."""
    heads = [_squash(" ".join(i.lines)) for i in lst.items]
    wins = [_WINS.match(head) for head in heads]
    if sum(w is not None for w in wins) < 2:
        return ()
    winners = [w.group("who").strip() if w else "" for w in wins]
    steps = [tuple(_step(s, qualified) for s in i.subs) for i in lst.items]
    parts = zip(lst.items, winners, heads, steps, strict=True)
    return tuple(Alternative(i.label, who, head, st) for i, who, head, st in parts)


def _outcome(lst: _List, steps: tuple[Step, ...], evidence: list[str]) -> str:
    """A concluding paragraph after the steps ("In both cases ..."), else the last step's end."""
    tail = _squash(lst.tail)
    if tail and _CONCLUSION.match(tail):
        evidence.append("outcome: the paragraph after the steps")
        return tail
    if not lst.items[-1].subs:
        evidence.append(f"outcome: the end of step {steps[-1].label}")
        return _last_sentence(steps[-1].text)
    return ""


def _last_sentence(text: str) -> str:
    parts = [p for p in _SENTENCE.split(_squash(text)) if p]
    return parts[-1] if parts else ""


def _squash(text: str) -> str:
    """Re-join wrapped lines: "a different thread (\\nfrom x)" -> "... thread (from x)"."""
    return re.sub(r"\s+", " ", text).strip().replace("( ", "(")


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
