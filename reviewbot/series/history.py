"""The states a patch or a series went through, each with the mail that moved it.  (pure)

A state is inferred from the whole thread (series/state.py); its history replays
the same judgement one mail at a time, in the order the mail was written (Date,
then Message-ID), so it is the same whatever order the mail was imported in,
and its last state is the state inferred from the whole thread. Each step names
its cause: the reply that moved it, or the newer version that superseded it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reviewbot.models import PatchState
from reviewbot.series.state import (
    Reply,
    Verdict,
    fold,
    infer_series_state,
    judge_reply,
    reply_order,
    superseded,
)


@dataclass(frozen=True)
class Cause:
    """The mail that moved a state: its Message-ID and Date (None: it had none)."""

    msgid: str
    date: datetime | None

    def order(self) -> tuple[bool, datetime, str]:
        """Oldest first, undated last, the same date by Message-ID."""
        return (self.date is None, self.date or datetime.min, self.msgid)


@dataclass(frozen=True)
class Newer:
    """A newer version: its label ("v2") and the mail that posted it (None: unknown)."""

    label: str
    cause: Cause | None


@dataclass(frozen=True)
class Step:
    """One state of a history, why, and the mail that moved it there (None: at the start)."""

    state: PatchState
    reason: str
    cause: Cause | None


@dataclass(frozen=True)
class History:
    """The steps a state took, oldest first, and the verdict on the whole thread."""

    steps: tuple[Step, ...]
    final: Verdict


_START = Step(PatchState.NEW, "no replies yet", None)


def patch_history(replies: Sequence[Reply], submitter: str, newer: Newer | None) -> History:
    """Every state one patch went through as its replies (and its cover's) arrived."""
    verdict = Verdict(_START.state, _START.reason)
    posted: str | None = None
    steps = [_START]
    for cause, reply in _timeline(replies, newer):
        if reply is None:
            posted = newer.label if newer else None
        else:
            verdict = fold(verdict, judge_reply(reply, submitter))
        shown = superseded(verdict, posted)
        if shown.state != steps[-1].state:
            steps.append(Step(shown.state, shown.reason, cause))
    if newer is not None and posted is None:  # posted at a time unknown: it counts at the end
        shown = superseded(verdict, newer.label)
        if shown.state != steps[-1].state:
            steps.append(Step(shown.state, shown.reason, None))
    return History(tuple(steps), superseded(verdict, newer.label if newer else None))


def _timeline(replies: Sequence[Reply], newer: Newer | None) -> list[tuple[Cause, Reply | None]]:
    """The replies and the newer version's posting (None) in the order they were written."""
    points: list[tuple[Cause, Reply | None]] = [
        (Cause(r.msgid, r.date), r) for r in sorted(replies, key=reply_order)
    ]
    if newer is not None and newer.cause is not None:
        points.append((newer.cause, None))
    # a stable sort: replies keep reply_order among themselves
    return sorted(points, key=lambda p: p[0].order())


def series_history(patches: Sequence[History], newer: Newer | None) -> History:
    """Every state a series went through: its patches' histories, merged in time, and
    the newer version's posting; judged at each moment as infer_series_state does."""
    moments = sorted(
        {s.cause for h in patches for s in h.steps if s.cause is not None}
        | ({newer.cause} if newer and newer.cause else set()),
        key=Cause.order,
    )
    now = [0] * len(patches)  # each patch's current step
    first = infer_series_state([_verdict(h.steps[0]) for h in patches], None)
    steps = [Step(first.state, first.reason, None)]
    posted: str | None = None
    for moment in moments:
        for n, h in enumerate(patches):
            while now[n] + 1 < len(h.steps) and _reached(h.steps[now[n] + 1], moment):
                now[n] += 1
        if newer is not None and newer.cause == moment:
            posted = newer.label
        current = [_verdict(h.steps[i]) for h, i in zip(patches, now, strict=True)]
        verdict = infer_series_state(current, posted)
        if verdict.state != steps[-1].state:
            steps.append(Step(verdict.state, verdict.reason, moment))
    final = infer_series_state([h.final for h in patches], newer.label if newer else None)
    if final.state != steps[-1].state:  # moved at a time unknown (an undated newer version)
        steps.append(Step(final.state, final.reason, None))
    return History(tuple(steps), final)


def _reached(step: Step, moment: Cause) -> bool:
    """Whether `step` had happened by `moment`."""
    return step.cause is not None and step.cause.order() <= moment.order()


def _verdict(step: Step) -> Verdict:
    return Verdict(step.state, step.reason)
