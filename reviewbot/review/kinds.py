"""Comment kinds: what a review comment asks for, and the words that decided it.  (pure)

The kinds are the words reviewers use for what they ask: objection (NACK), nit,
change-request, question, suggestion, approval (acks), information.
"""

from __future__ import annotations

import re

KINDS = ("objection", "nit", "change-request", "question", "suggestion", "approval", "information")
# names other tools (and truth.json) use for the same kinds
KIND_ALIASES = {"request": "change-request", "nack": "objection", "ack": "approval"}

_OBJECTION = re.compile(
    r"\bNACK(?:ed)?\b|\bNacked-by:|\bI (?:strongly )?(?:disagree|object)\b|"
    r"\bI'?m (?:against|not (?:in favou?r|convinced))\b|\bnot acceptable\b",
    re.I,
)
_NIT = re.compile(r"(?:^|\n)\s*(?:nit(?:pick)?s?|minor)\s*[:,-]|\(nit\)|\bnit:", re.I)
_APPROVAL = re.compile(
    r"^\s*(?:Reviewed|Acked|Tested)-by\s*:|\bACK(?:ed)?\b|\bLGTM\b|"
    r"\blooks? (?:good|fine|ok(?:ay)?|sane|reasonable|correct|right)\b|^\s*(?:pushed|applied)\b",
    re.I | re.M,
)
_SUGGESTION = re.compile(
    r"\b(?:how about|what about|why not|maybe|perhaps|consider(?:ing)?|I'?d (?:suggest|prefer)|"
    r"I (?:would )?suggest|(?:might|may) want to|could also|would it (?:be|make sense)|"
    r"it would be (?:nice|better|cleaner|simpler)|alternatively)\b",
    re.I,
)
# "could you rename ...?" asks for a change; "could you explain ...?" is a question
_POLITE_REQUEST = re.compile(
    r"^(?:could|can|would|will) you (?:please )?"
    r"(?!explain|clarify|elaborate|tell|describe|say|confirm|share)\w+",
    re.I,
)
# "should" asks for something only when it leads the sentence ("This should use
# ..."); "... whether they should attempt ..." in a description asks nothing
_REQUEST = re.compile(
    r"\bplease\s+(?!note|see|find|ignore)\w+(?:\s+\w+)?|"
    r"^(?:(?:I think|IMO|IMHO|but|so|also|then),? )?(?:you|we|this|that|it|there|the \w+) "
    r"(?:should|must|needs? to|has to)\b(?! be (?:fine|safe|ok|okay|enough))|"
    r"\b(?:is|looks) (?:wrong|broken|incorrect|not (?:right|correct))\b|"
    r"\bisn'?t (?:right|correct)\b|"
    r"^(?:keep|drop|remove|add|rename|use|move|split|fix|change|put|make|don'?t|do not|avoid|"
    r"replace|squash|mention|document|update|reword)\b(?:\s+\w+)?",
    re.I,
)
# a question the writer ended with a full stop: "How does this alone solve it."
_INTERROGATIVE = re.compile(
    r"^(?:(?:how|why|what|where|when|which|who) (?:does|do|did|is|are|was|were|can|could|would|"
    r"should|will)|(?:is|are|does|do|did|can|could|would|should|isn'?t|doesn'?t) "
    r"(?:this|that|it|there|we|you|the)) ",
    re.I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:\d+[a-z]?[.)]|[-*•])\s)")


def canonical_kind(name: str) -> str:
    """The kind name used here for another tool's name ("request" -> "change-request")."""
    low = name.strip().lower()
    return KIND_ALIASES.get(low, low)


def classify_comment(text: str) -> tuple[str, str]:
    """(kind, evidence): what a comment is, and the words that decided it."""
    if m := _OBJECTION.search(text):
        return "objection", m.group(0)
    if m := _NIT.search(text):
        return "nit", m.group(0).strip()
    found: dict[str, str] = {}
    for sentence in _SENTENCE_END.split(text):
        kind, words = _sentence_kind(" ".join(sentence.split()))
        if kind:
            found.setdefault(kind, words)
    for kind in ("change-request", "question", "suggestion"):
        if kind in found:
            return kind, found[kind]
    if m := _APPROVAL.search(text):
        return "approval", m.group(0).strip()
    return "information", "no question, request, objection or ack"


def _sentence_kind(sentence: str) -> tuple[str, str]:
    """The kind one sentence asks for, with its deciding words; ("", "") for none."""
    if sentence.rstrip(")\"' ").endswith("?") or _INTERROGATIVE.match(sentence):
        if m := _SUGGESTION.search(sentence):
            return "suggestion", m.group(0)
        if m := _POLITE_REQUEST.match(sentence):
            return "change-request", m.group(0)
        return "question", sentence[:80]
    if m := _REQUEST.search(sentence):
        return "change-request", m.group(0)
    if m := _SUGGESTION.search(sentence):
        return "suggestion", m.group(0)
    return "", ""
