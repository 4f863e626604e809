"""Who does what in a race: code identifiers, actors, and the lane each step belongs in.  (pure)

An actor is a thread, CPU, process or component ("the IO loop", "thread B"), or a
function the scenario races ("A. qemuConnectAgent wins"). A step sits in the lane
of the actor it names; one that names none is placed by what the scenario says
elsewhere ("VSERPORT_CHANGE ... is handled in a different thread (from
driver->workerPool)" puts "Now we execute VSERPORT_CHANGE handler" in the worker
pool), or, in a branch "X wins", in X's lane until another actor acts. Every
placement that is not spelled in the step itself keeps its reason as evidence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from reviewbot.review.race_steps import Alternative, Step, sentences, squash, unique

_IDENT = re.compile(
    r"\b[A-Za-z_]\w*(?:->[A-Za-z_]\w*)+"  # fields: priv->agentError, obj->lock
    r"|\b[A-Za-z_]\w*(?=\(\))"  # foo(): a call, even when foo is an English word
    r"|\b[a-z][a-z0-9]*[A-Z]\w*"  # camelCase: qemuProcessHandleAgentEOF
    r"|\b[a-z][a-z0-9]*_\w+"  # snake_case: qemu_agent
    r"|\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[A-Z0-9]\b"  # CAPS with "_": VIR_LOCK_GUARD
)
_FIELD = re.compile(r"\b([A-Za-z_]\w*)->([A-Za-z_]\w*)\b(?!->)")
# Words that make "<word> thread" a description, not a thread's name.
_NOT_A_NAME = (
    r"a|an|the|this|that|same|other|another|different|each|one|any|every|separate|new|calling"
    r"|current|second|first|single|own|its|their|our|my|your|which|some|no|one|two|both|per"
    r"|loop|io|whole|mail|email|e-mail|review|discussion|previous|earlier|later|old|original"
    r"|above|below|following|last|next|when|then|while|and|or|so|if|until|before|after|as|in"
    r"|on|at|from|by|to|with|of|for|is|was|one's|whose"
)
# One canonical name per actor: "the IO loop", "io loop thread" are the same thread. Each
# pattern runs only on a text holding its word (lowercased): most texts name no actor.
_ACTORS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("thread", re.compile(r"\b[Tt]hread\s+([A-H]|\d{1,2})\b"), "thread {0}"),
    ("loop", re.compile(r"(?i)\b(?:IO|I/O)\s+loop(?:\s+thread)?\b"), "IO loop thread"),
    ("loop", re.compile(r"(?i)\bevent\s+loop(?:\s+thread)?\b"), "event loop"),
    (
        "pool",
        re.compile(r"(?i)(?:\b\w+->)?\bworkerPool\b|\b(?:worker|thread)\s*pool\b"),
        "worker pool",
    ),
    (
        "thread",
        re.compile(
            rf"(?i)\b(?!(?:{_NOT_A_NAME})\b)([a-z][\w-]{{2,}})\s+thread\b"
            r"(?!\s+(?-i:[A-H]|\d{1,2})\b)"
        ),
        "{0} thread",
    ),
    ("cpu", re.compile(r"\bCPU\s?(\d{1,3}|[A-H])\b"), "CPU{0}"),
    ("process", re.compile(r"\b[Pp]rocess\s+([A-H]|\d{1,2})\b"), "process {0}"),
    ("process", re.compile(r"(?i)\b(parent|child)\s+process\b"), "{0} process"),
    ("guest", re.compile(r"(?i)\bthe\s+guest\b"), "the guest"),
    ("monitor", re.compile(r"(?i)\bthe\s+(?:qemu\s+)?monitor\b"), "the monitor"),
)
# A column header or timeline label naming an actor: "T1", "CPU 0", "B", "libvirtd".
_LABEL = re.compile(
    r"(?i)(?:thread|cpu|core|task|proc(?:ess)?|worker|vcpu|t|p)\s?(?:[A-H]|\d{1,3})|(?-i:[A-H])"
    r"|(?:the\s+)?(?:libvirtd|qemu|guest|kernel|daemon|agent|monitor|client|server|caller|callee"
    r"|reader|writer|producer|consumer|main|worker|parent|child|waker|waiter|sender|receiver"
    r"|host|source|destination|src|dst|irq|interrupt|handler|timer)(?:\s+(?:thread|side|\w))?"
)
_RUN = r"handled|executed|run|processed|dispatched|called|invoked|scheduled|queued"
_ARRIVE = r"delivered|received|emitted|sent|fired|triggered|raised"
# "<subject> is handled in <actor>": where a thing runs, or where it arrives.
_WHERE = re.compile(
    rf"(?i)\b(?P<verb>{_RUN}|{_ARRIVE})\s+(?:\w+ly\s+)?(?:in|by|from|on|inside|within)\b(?P<rest>.*)$"
)
_PRONOUN = re.compile(r"(?i)^(?:however,?\s+|but\s+|and\s+)?(?:it|this|that|which|they)\b")
_RUN_WORDS = re.compile(
    r"(?i)\b(?:handl\w*|execut\w*|runs?|running|process(?:es|ed|ing)?|dispatch\w*|invok\w*"
    r"|call(?:s|ed)?|callback)\b"
)
_ARRIVE_WORDS = re.compile(
    r"(?i)\b(?:deliver\w*|receiv\w*|emit\w*|sen[dt]s?|fire[sd]?|trigger\w*)\b"
)
_RACERS = re.compile(
    r"(?i)\brace\s+(?:between|of)\s+(?P<a>\S+)\s+and\s+(?P<b>\S+)"
    r"|(?P<c>\S+)\s+(?:races?|racing)\s+(?:with|against)\s+(?P<d>\S+)"
)


@dataclass(frozen=True)
class _Where:
    """A thing a message says runs (or arrives) in an actor: the step's lane when it names it."""

    family: str  # run, arrive
    actor: str
    said: str  # the sentence saying so


def find_identifiers(text: str) -> tuple[str, ...]:
    """Code identifiers (functions, fields, CAPS macros and events) in order, unique."""
    return unique(m.group(0) for m in _IDENT.finditer(text))


def is_identifier(text: str) -> bool:
    """Whether a text is exactly one code identifier."""
    return _IDENT.fullmatch(text) is not None


def find_actors(text: str) -> tuple[str, ...]:
    """Actors named in a text (threads, IO loop, worker pool, CPUs, the guest...), in order."""
    hits: list[tuple[int, int, str]] = []
    lowered = text.lower()
    for word, pattern, name in _ACTORS:
        for m in pattern.finditer(text) if word in lowered else ():
            words = (g.lower() if g and g.istitle() and len(g) > 1 else g for g in m.groups())
            hits.append((m.start(), m.end(), name.format(*words)))
    kept: list[tuple[int, int, str]] = []
    for start, end, name in sorted(hits, key=lambda h: (h[0], h[0] - h[1])):
        if not any(start < k_end and k_start < end for k_start, k_end, _ in kept):
            kept.append((start, end, name))  # "IO loop thread" is not also a "loop thread"
    return unique(name for *_, name in sorted(kept))


def is_actor_label(label: str) -> bool:
    """Whether a column header or a timeline label names an actor ("Thread A", "CPU1", "T2")."""
    label = squash(label).rstrip(" :")
    if not label[:1].isalpha() or len(label) > 40:
        return False
    return _LABEL.fullmatch(label) is not None or is_identifier(label) or bool(find_actors(label))


def actor_named(phrase: str) -> str:
    """The canonical name of an actor written as a label ("Thread A", "CPU 1", "main")."""
    phrase = squash(phrase).strip(" :")
    found = find_actors(phrase)
    return found[0] if len(found) == 1 else phrase


def qualified_names(text: str) -> dict[str, str]:
    """Field names the message spells only one way in full: agentError -> priv->agentError."""
    owners: dict[str, set[str]] = {}
    for m in _FIELD.finditer(text):
        owners.setdefault(m.group(2), set()).add(m.group(0))
    return {name: next(iter(full)) for name, full in owners.items() if len(full) == 1}


def step_of(label: str, text: str, qualified: dict[str, str], actor: str | None = None) -> Step:
    """A step from its text: the actor it names first (unless given), its identifiers."""
    text = squash(text)
    if actor is None:
        named = find_actors(text)
        actor = named[0] if named else None
    idents = unique(_qualify(m, qualified) for m in _IDENT.finditer(text))
    return Step(label, actor, text, idents)


def read_as(steps: Iterable[Step], qualified: dict[str, str]) -> list[str]:
    """Evidence for bare field names read as the full ones the message spells."""
    read = {(m[0], _qualify(m, qualified)) for s in steps for m in _IDENT.finditer(s.text)}
    return [f"{b} read as {q} (so spelled in the message)" for b, q in sorted(read) if b != q]


def cast(
    steps: Sequence[Step], alternatives: Sequence[Alternative], lead: str
) -> tuple[tuple[Step, ...], tuple[Alternative, ...], tuple[str, ...], list[str]]:
    """Put every step in a lane; the scenario's actors (its lanes, in order) and why."""
    everything = [*steps, *(s for a in alternatives for s in a.steps)]
    texts = [lead, *(s.text for s in everything)]
    racers = _racers(texts, [a.winner for a in alternatives])
    where = _where(texts, racers)
    evidence: list[str] = []
    placed = tuple(_place(s, s.label, racers, where, evidence) for s in steps)
    branches = tuple(_branch(a, racers, where, evidence) for a in alternatives)
    every = [*placed, *(s for a in branches for s in a.steps)]
    actors = unique(
        [
            *(a.winner for a in branches if a.winner),
            *(s.actor for s in every if s.actor),
            *(name for s in every for name in find_actors(s.text)),
        ]
    )
    return placed, branches, actors, evidence


def _branch(
    alt: Alternative, racers: Sequence[str], where: dict[str, list[_Where]], evidence: list[str]
) -> Alternative:
    """A competing order's steps in lanes: before anyone else acts, the winner's."""
    out: list[Step] = []
    for s in alt.steps:
        step = _place(s, f"{alt.label}.{s.label}", racers, where, evidence)
        others = any(o.actor and o.actor != alt.winner for o in out)
        if step.actor is None and alt.winner and not others:
            evidence.append(f"step {alt.label}.{s.label} in the {alt.winner} lane: {alt.text}")
            step = replace(step, actor=alt.winner)
        out.append(step)
    return replace(alt, steps=tuple(out))


def _place(
    step: Step,
    name: str,
    racers: Sequence[str],
    where: dict[str, list[_Where]],
    evidence: list[str],
) -> Step:
    """A step's actor: the one it names, a racing function it names, or where it runs."""
    if step.actor:
        return step
    named = [r for r in racers if re.search(rf"(?<!\w){re.escape(r)}(?!\w)", step.text)]
    if named:
        first = min(named, key=step.text.find)
        evidence.append(f"step {name} in the {first} lane: it names {first}")
        return replace(step, actor=first)
    for ident in step.identifiers:
        found = _pick(where.get(ident, []), step.text)
        if found and found.said not in step.text:
            evidence.append(f"step {name} in the {found.actor} lane: '{found.said}'")
            return replace(step, actor=found.actor)
    return step


def _pick(options: list[_Where], text: str) -> _Where | None:
    """Where a step runs, among what the scenario says about a thing it names."""
    actors = {o.actor for o in options}
    if len(actors) <= 1:
        return options[0] if options else None
    family = "run" if _RUN_WORDS.search(text) else "arrive" if _ARRIVE_WORDS.search(text) else ""
    fitting = {o.actor: o for o in options if o.family == family}
    return next(iter(fitting.values())) if len(fitting) == 1 else None


def _racers(texts: Sequence[str], winners: Sequence[str]) -> list[str]:
    """Functions the scenario races: the winners of its competing orders, "a race between X
    and Y", "X races with Y"."""
    named = [w for w in winners if is_identifier(w)]
    for text in texts:
        for m in _RACERS.finditer(text):
            named += [g.strip(",.;:()") for g in m.groups() if g]
    return [n for n in unique(named) if is_identifier(n.rstrip("()")) and "->" not in n]


def _where(texts: Sequence[str], racers: Sequence[str]) -> dict[str, list[_Where]]:
    """What runs, or arrives, in which actor: "X is handled in a different thread (from
    driver->workerPool)"; "it" is the thing of the sentence before."""
    found: dict[str, list[_Where]] = {}
    for text in texts:
        before: tuple[str, ...] = ()
        for sentence in sentences(text):
            m = _WHERE.search(sentence)
            subject = find_identifiers(sentence[: m.start()]) if m else ()
            if m and not subject and _PRONOUN.match(sentence):
                subject = before
            actor = _actor_in(m.group("rest"), racers) if m else None
            if m and actor:
                family = "run" if re.fullmatch(_RUN, m.group("verb"), re.I) else "arrive"
                for ident in subject:
                    found.setdefault(ident, []).append(_Where(family, actor, squash(sentence)))
            before = find_identifiers(sentence) or before
    return found


def _actor_in(text: str, racers: Sequence[str]) -> str | None:
    named = find_actors(text)
    if named:
        return named[0]
    hits = [r for r in racers if r in text]
    return min(hits, key=text.find) if hits else None


def _qualify(match: re.Match[str], qualified: dict[str, str]) -> str:
    """A bare field name ("agentError") is the field the message spells in full."""
    name, text = match.group(0), match.string
    is_call = text[match.end() : match.end() + 1] == "("
    if is_call or text[max(0, match.start() - 2) : match.start()] == "->":
        return name
    return qualified.get(name, name)
