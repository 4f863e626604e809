"""Actors and lanes: the names a step's actor goes by, and where an unnamed step runs."""

from __future__ import annotations

import pytest

from reviewbot.review.actors import actor_named, cast, find_actors, is_actor_label, step_of
from reviewbot.review.race_steps import Alternative


def test_a_named_thread_is_one_actor_and_descriptions_are_none() -> None:
    text = (
        "when thread A takes the lock, the Migration thread and the main thread wait; "
        "a different thread, the same thread, this whole thread and the IO loop thread"
    )
    assert find_actors(text) == ("thread A", "migration thread", "main thread", "IO loop thread")


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("Thread A", "thread A"),
        ("CPU 1", "CPU1"),
        ("T2", "T2"),
        ("B", "B"),
        ("libvirtd", "libvirtd"),
    ],
)
def test_labels_that_name_actors(label: str, name: str) -> None:
    assert is_actor_label(label) and actor_named(label) == name


@pytest.mark.parametrize("label", ["120", ": 3", "Description", "Option", "v2", "Note"])
def test_labels_that_do_not(label: str) -> None:
    assert not is_actor_label(label)


def _cast(*texts: str) -> list[str | None]:
    steps = [step_of(str(n), t, {}) for n, t in enumerate(texts, 1)]
    placed, _, _, _ = cast(steps, (), "")
    return [s.actor for s in placed]


def test_a_step_runs_where_the_scenario_says_its_thing_is_handled() -> None:
    assert _cast(
        "EVENT_X is delivered in the IO loop thread. It is handled in the worker pool.",
        "the IO loop thread frees priv->mon",
        "now we execute the EVENT_X handler and read priv->mon",
    ) == ["IO loop thread", "IO loop thread", "worker pool"]


def test_where_a_thing_arrives_places_a_step_that_receives_it() -> None:
    assert _cast(
        "EVENT_X is delivered in the IO loop thread. It is handled in the worker pool.",
        "EVENT_X is received again",
    ) == ["IO loop thread", "IO loop thread"]


def test_an_ambiguous_step_stays_unplaced() -> None:
    assert _cast(
        "EVENT_X is delivered in the IO loop thread. It is handled in the worker pool.",
        "EVENT_X is logged",
    ) == ["IO loop thread", None]


def test_racing_functions_are_lanes() -> None:
    steps = [step_of("1", "qemuProcessStop() clears priv->mon", {}), step_of("2", "boom", {})]
    placed, _, actors, evidence = cast(
        steps, (), "There is a race between qemuProcessStop and qemuMonitorIO."
    )
    assert [s.actor for s in placed] == ["qemuProcessStop", None]
    assert "step 1 in the qemuProcessStop lane: it names qemuProcessStop" in evidence
    assert actors == ("qemuProcessStop",)


def test_a_winner_owns_the_steps_before_anyone_else_acts() -> None:
    steps = tuple(
        step_of(n, t, {})
        for n, t in (("1", "the lock is free"), ("2", "thread B sleeps"), ("3", "x"))
    )
    _, (alt,), actors, _ = cast((), (Alternative("A", "thread A", "thread A wins", steps),), "")
    assert [s.actor for s in alt.steps] == ["thread A", "thread B", None]
    assert actors == ("thread A", "thread B")
