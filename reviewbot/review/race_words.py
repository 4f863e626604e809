"""Words that tell a race from any other list: ordering, concurrency, recipes.  (pure)

A race's steps happen alongside each other ("meanwhile", "at the same time", "in a
different thread"); a recipe's or a changelog's follow each other too ("then",
"after that") without racing. race_lists weighs these words; the conclusion words
also end a two-column diagram.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from reviewbot.review.race_steps import Step

_ORDER = re.compile(
    r"(?i)\b(then|before|after|afterwards|meanwhile|in the meantime|while|later|finally"
    r"|until|by the time|now we|delayed|races? with|racing|concurrently|in parallel"
    r"|simultaneously|at the same time|(?:a )?different thread|another thread|other thread"
    r"|asynchronous(?:ly)?)\b"
)
# Of those, the words only a race uses: a recipe's steps come "then", "after" each other too.
_CONCURRENT = re.compile(
    r"(?i)^(?:meanwhile|in the meantime|while|by the time|delayed|races? with|racing"
    r"|concurrently|in parallel|simultaneously|at the same time|(?:a )?different thread"
    r"|another thread|other thread|asynchronous(?:ly)?)$"
)
# A recipe or an enumeration: "To reproduce:", "X is called from:", or steps that start
# with a command ("start the VM"). Its steps may follow each other but never race.
_RECIPE_LEAD = re.compile(
    r"(?i)\b(?:to reproduce|reproduc\w+|how to|recipe|instructions|test steps"
    r"|procedure|to test|tested (?:with|by)|test case|install\w*)\b"
    r"|\b(?:called|used|invoked|reached) (?:from|by|in)\b|\bcallers\b|\busers of\b"
)
_COMMAND = re.compile(
    r"(?i)^(?:then,?\s+|now,?\s+|and\s+|finally,?\s+)?(?:start|run|kill|stop|build|apply|install"
    r"|configure|create|define|boot|shut|wait|check|open|close|add|remove|edit|set|enable"
    r"|disable|use|try|restart|reboot|attach|detach|migrate|destroy|undefine|compile|clone"
    r"|copy|mount|unmount|make|type|press|click|log|go|repeat|do|execute|launch|connect"
    r"|disconnect|save|restore|suspend|resume|pause|unpause|trigger|observe|see|verify)\b"
)
# Words tying a step to the one before it: a sequence, not an enumeration.
_RELATIVE = re.compile(
    r"(?i)^(?:now|then|meanwhile|later|finally|afterwards|next|at the same time)\b"
    r"|\b(?:then|meanwhile|in the meantime|at the same time|by the time)\b"
)
_HARM = re.compile(r"(?i)deadlock|crash|use-after-free|use after free|freed|leak|\bhangs?\b")
_CONDITION = re.compile(r"(?i)^(?:if|when|unless|in case)\b")
_CHANGELOG = re.compile(
    r"(?i)\b(?:changes?|changelog|changed|diff)\b.*\b(?:v\d+|since|from)\b"
    r"|^(?:since|in|for)?\s*v\d+\s*(?:->|to|vs\.?)?\s*(?:v\d+)?\s*:$"
)
_CONCLUSION = re.compile(
    r"(?i)^(?:in (?:both|all|either|each) cases?|so\b|thus|hence|therefore|as a result"
    r"|the (?:end )?result|this (?:means|leads|results|causes)|which (?:means|leads)|=>|->)"
)


def ordering_words(
    steps: Sequence[Step],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(step label, word) of the ordering words in the steps, and of the words tying a
    step to the one before ("then", "meanwhile" from step 2 on)."""
    ordered = [(s.label, m[0]) for s in steps for m in _ORDER.finditer(s.text) if _counts(s, m)]
    relative = [
        (s.label, m[0]) for s in steps[1:] for m in _RELATIVE.finditer(s.text) if _counts(s, m)
    ]
    return ordered, relative


def ordered_enough(
    ordered: list[tuple[str, str]], relative: list[tuple[str, str]], recipe: str
) -> bool:
    """Ordering enough for a race: concurrency words, or (unless a recipe) sequence words
    across two steps or a step tied to the one before."""
    concurrent = {label for label, word in ordered if _CONCURRENT.match(word)}
    if len(concurrent) >= 2 or (concurrent and len(dict(ordered)) >= 2):
        return True
    return not recipe and (len(dict(ordered)) >= 2 or bool(relative))


def why_a_recipe(lead: str, steps: Sequence[Step]) -> str:
    """Why a list reads as a recipe or an enumeration (its lead, or steps that are
    commands), else ""."""
    if m := _RECIPE_LEAD.search(lead):
        return f"'{m.group(0)}' in '{lead}'"
    commands = [s.label for s in steps if _COMMAND.match(s.text)]
    if len(commands) * 2 >= len(steps):
        return "steps " + ", ".join(commands) + " are commands"
    return ""


def is_changelog(lead: str) -> bool:
    """Whether the sentence before a list introduces a changelog ("Changes in v2:")."""
    return bool(_CHANGELOG.search(lead)) and lead.endswith(":")


def is_conclusion(text: str) -> bool:
    """Whether a paragraph concludes a race ("In both cases ...", "So ...", "=> crash")."""
    return _CONCLUSION.match(text) is not None


def tells_the_end(text: str) -> bool:
    """Whether a paragraph after a diagram says how the race ends: a conclusion, or a
    crash, a deadlock, a use-after-free..."""
    return is_conclusion(text) or _HARM.search(text) is not None


def _counts(step: Step, word: re.Match[str]) -> bool:
    """An ordering word counts, but not the "then" of "If ..., then ..."."""
    return word[0].lower() != "then" or not _CONDITION.match(step.text)
