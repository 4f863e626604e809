"""Arrow timelines: "A: lock -> B: unlock -> A: use", and the arrows that are not races."""

from __future__ import annotations

import pytest

from reviewbot.review.race_timelines import timeline_races
from reviewbot.review.races import find_races

WRAPPED = """The order that hurts:

  A: virObjectLock(vm) -> B: qemuProcessStop(vm) -> A: virObjectUnlock(vm)
     -> B: virDomainObjListRemove() -> A: vm->def->name (use after free)
"""


def test_a_wrapped_timeline_is_one_race() -> None:
    (race,) = find_races(WRAPPED)
    assert race.shape == "timeline" and race.actors == ("A", "B")
    assert [s.actor for s in race.steps] == ["A", "B", "A", "B", "A"]
    assert race.steps[4].identifiers == ("vm->def->name",)  # "->" without spaces: a field
    assert race.lead == "The order that hurts:"
    assert race.line == 2


def test_named_threads_and_an_outcome_part() -> None:
    text = "> Thread 1: virObjectUnref(obj) --> thread 2: virObjectLock(obj) --> crash\n"
    (race,) = find_races(text)
    assert race.depth == 1 and race.actors == ("thread 1", "thread 2")
    assert race.outcome == "crash"
    assert "outcome: the part after the last step" in race.evidence


NOT_TIMELINES = {
    "call chain": "qemuProcessStop -> qemuDomainObjEndJob -> virDomainObjEndAPI\n",
    "versions": "v1 -> v2: rebased, and priv->agent -> NULL is fine\n",
    "one actor": "thread A: lock(x) -> thread A: unlock(x)\n",
    "labels that are not actors": "Note: foo() -> Fixes: bar()\n",
}


@pytest.mark.parametrize("name", sorted(NOT_TIMELINES))
def test_arrows_that_are_not_races(name: str) -> None:
    assert timeline_races(NOT_TIMELINES[name]) == []
