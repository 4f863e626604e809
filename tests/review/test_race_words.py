"""The words that tell a race from a recipe, an enumeration or a changelog."""

from __future__ import annotations

import pytest

from reviewbot.review.actors import step_of
from reviewbot.review.race_words import (
    is_changelog,
    ordered_enough,
    ordering_words,
    tells_the_end,
    why_a_recipe,
)


def _steps(*texts: str) -> list:  # type: ignore[type-arg]
    return [step_of(str(n), t, {}) for n, t in enumerate(texts, 1)]


@pytest.mark.parametrize("lead", ["Changes in v2:", "Since v1:", "v2 -> v3:", "changed since v1:"])
def test_changelog_leads(lead: str) -> None:
    assert is_changelog(lead)


@pytest.mark.parametrize("lead", ["Changes in v2", "Here is the race:", "v2 is better:"])
def test_leads_that_are_not_changelogs(lead: str) -> None:
    assert not is_changelog(lead)


def test_concurrency_is_enough_even_in_a_recipe() -> None:
    steps = _steps("start the domain", "meanwhile destroy it", "at the same time query it")
    ordered, relative = ordering_words(steps)
    recipe = why_a_recipe("To reproduce:", steps)
    assert recipe == "'To reproduce' in 'To reproduce:'"
    assert ordered_enough(ordered, relative, recipe)


def test_sequence_alone_is_enough_only_outside_a_recipe() -> None:
    steps = _steps("start the domain", "then kill the agent", "finally shut it down")
    ordered, relative = ordering_words(steps)
    assert why_a_recipe("", steps) == "steps 1, 2, 3 are commands"
    assert not ordered_enough(ordered, relative, why_a_recipe("", steps))
    assert ordered_enough(ordered, relative, "")


def test_the_then_of_if_then_is_no_ordering() -> None:
    ordered, relative = ordering_words(_steps("If x is set, then pass NULL.", "If not, then y."))
    assert ordered == [] and relative == []


@pytest.mark.parametrize(
    ("text", "ends"),
    [("*** DEADLOCK ***", True), ("In both cases x leaks.", True), ("Thanks, Ada", False)],
)
def test_what_tells_how_a_race_ends(text: str, ends: bool) -> None:
    assert tells_the_end(text) is ends
