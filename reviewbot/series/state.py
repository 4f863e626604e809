"""Patch and series state, inferred from the replies, with the reason.  (pure)

Patchwork's state names, so users recognise them. Explicit outcomes (accepted,
rejected) are final; a newer version makes a series superseded; otherwise the
strongest review signal wins.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reviewbot.mail.trailers import REVIEW_TRAILERS, find_trailers
from reviewbot.models import PatchState

_RANK = {
    PatchState.NEW: 0,
    PatchState.UNDER_REVIEW: 1,
    PatchState.CHANGES_REQUESTED: 2,
    PatchState.SUPERSEDED: 3,
    PatchState.REJECTED: 4,
    PatchState.ACCEPTED: 5,
}
_SUBJECT = (
    r"(?:(?:the |this |whole |entire |both |all )*(?:series|patch(?:es|set)?|it|both|all|v\d+)\s+)?"
)
# An outcome is a short line of its own ("Pushed now, thanks.", "Series applied to
# master.", "ACK and pushed."), not a word in a sentence: "I applied the series
# locally and it breaks", "I have pushed back on this before" are review.
_ACCEPTED = re.compile(
    r"^\s*(?:(?:ack(?:ed)?|reviewed|thanks|now|and)[,.!]?\s+)*"
    + _SUBJECT
    + r"(?:(?:is|are|was|were|has been|have been|now|I'?ve|I have|I)\s+)*"
    r"(?:pushed|applied|merged|committed)"
    r"(?:\s+(?:now|as well|too|upstream|to (?:master|main|the \S+ branch|\S+)))?"
    r"(?:[,.!]\s*(?:(?:thanks?|thx)\b[^\n?]*)?)?\s*$",
    re.I | re.M,
)
_REJECTED = re.compile(
    r"^\s*(?:(?:the |this )?(?:series|patch(?:es)?|it) (?:is |was )?rejected\b|"
    r".*\b(?:won'?t|will not) be (?:applied|merged|accepted)\b|"
    r".*\b(?:not going to|will not|won'?t) (?:apply|merge|accept) (?:this|it)\b)",
    re.I | re.M,
)
_NACK = re.compile(r"^\s*(?:NACK|Nacked-by:)", re.M)
_CHANGES = re.compile(
    r"\b(?:please (?:keep|change|fix|drop|remove|add|rename|use|split|move|update|rework|"
    r"reword|send|squash|don'?t|do not|make|document|mention)|needs? (?:to be )?(?:fixed|"
    r"changed|reworked|a v\d)|send (?:a )?v\d|"
    r"this is wrong|is not correct|isn'?t correct|is broken)\b",
    re.I,
)


@dataclass(frozen=True)
class Reply:
    """A reply as state inference sees it: who, when, and the unquoted text."""

    msgid: str
    author_name: str
    author_email: str
    date: datetime | None
    text: str
    on_cover: bool


@dataclass(frozen=True)
class Verdict:
    """A state and the reason it was inferred."""

    state: PatchState
    reason: str


def unquoted(text: str) -> str:
    """The lines somebody wrote themselves: no quotes, no signature."""
    lines = []
    for line in text.split("\n"):
        if line == "-- ":
            break
        if not line.lstrip().startswith((">", "|")):
            lines.append(line)
    return "\n".join(lines)


def judge_reply(reply: Reply, submitter: str) -> Verdict | None:
    """What one reply says about the patch it answers, if anything."""
    text = reply.text
    who = f"{reply.author_name} <{reply.author_email}>" if reply.author_email else reply.author_name
    where = "the cover letter" if reply.on_cover else "the patch"
    if m := _ACCEPTED.search(text):
        return Verdict(PatchState.ACCEPTED, f"{who} wrote {_quote(m)} in reply to {where}")
    if m := _REJECTED.search(text):
        return Verdict(PatchState.REJECTED, f"{who} wrote {_quote(m)} in reply to {where}")
    if reply.author_email == submitter:
        return None  # the author answering does not change the state
    if m := _NACK.search(text):
        return Verdict(PatchState.CHANGES_REQUESTED, f"{who} NACKed it ({reply.msgid})")
    review = [t for t in find_trailers(text) if t.name in REVIEW_TRAILERS]
    if review:
        return Verdict(PatchState.UNDER_REVIEW, f"{who} gave {review[0].name} ({reply.msgid})")
    if m := _CHANGES.search(text):
        return Verdict(PatchState.CHANGES_REQUESTED, f"{who} asked for changes: {_quote(m)}")
    return Verdict(PatchState.UNDER_REVIEW, f"{who} replied ({reply.msgid})")


def _quote(m: re.Match[str]) -> str:
    """The line the match ends on, as evidence for the reason."""
    text, end = m.string, max(m.end() - 1, 0)
    start = text.rfind("\n", 0, end) + 1
    stop = text.find("\n", end)
    return repr(text[start : stop if stop >= 0 else len(text)].strip()[:80])


FINAL = (PatchState.ACCEPTED, PatchState.REJECTED)


def infer_patch_state(
    replies: Sequence[Reply], submitter: str, superseded_by: str | None
) -> Verdict:
    """The state of one patch from its replies (and its cover's), oldest first."""
    verdict = Verdict(PatchState.NEW, "no replies yet")
    for reply in sorted(replies, key=reply_order):
        verdict = fold(verdict, judge_reply(reply, submitter))
    return superseded(verdict, superseded_by)


def reply_order(reply: Reply) -> tuple[bool, datetime, str]:
    """Replies are judged oldest first; undated last; the same date by Message-ID, so
    the order never depends on the order mail arrived in."""
    return (reply.date is None, reply.date or datetime.min, reply.msgid)


def fold(verdict: Verdict, found: Verdict | None) -> Verdict:
    """The state after one more reply said `found`: explicit outcomes are final, else the
    strongest signal so far wins (the latest among equals, for its reason)."""
    if found is None or verdict.state in FINAL:
        return verdict
    if found.state in FINAL or _RANK[found.state] >= _RANK[verdict.state]:
        return found
    return verdict


def superseded(verdict: Verdict, newer: str | None) -> Verdict:
    """A newer version supersedes whatever is not an explicit outcome."""
    if newer and verdict.state not in FINAL:
        return Verdict(PatchState.SUPERSEDED, f"a newer version exists: {newer}")
    return verdict


def infer_series_state(patch_verdicts: Sequence[Verdict], superseded_by: str | None) -> Verdict:
    """A series' state from its patches' states."""
    if not patch_verdicts:
        if superseded_by:
            return Verdict(PatchState.SUPERSEDED, f"a newer version exists: {superseded_by}")
        return Verdict(PatchState.NEW, "no patches received")
    states = [v.state for v in patch_verdicts]
    for final in (PatchState.ACCEPTED, PatchState.REJECTED, PatchState.SUPERSEDED):
        if all(s == final for s in states):
            return Verdict(final, f"every patch is {final}: {patch_verdicts[0].reason}")
    if superseded_by:
        return Verdict(PatchState.SUPERSEDED, f"a newer version exists: {superseded_by}")
    # mixed: what still needs a reviewer's attention comes first
    for state in (
        PatchState.CHANGES_REQUESTED,
        PatchState.UNDER_REVIEW,
        PatchState.NEW,
        PatchState.ACCEPTED,
    ):
        if state in states:
            first = next(v for v in patch_verdicts if v.state == state)
            count = states.count(state)
            return Verdict(state, f"{count} of {len(states)} patches {state}: {first.reason}")
    return patch_verdicts[0]
