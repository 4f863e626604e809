"""A state's history: each step with the mail that moved it, in the order the mail was
written, ending where the verdict on the whole thread ends."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from reviewbot.models import PatchState as State
from reviewbot.series.history import Cause, Newer, patch_history, series_history
from reviewbot.series.state import Reply, infer_patch_state

T0 = datetime(2023, 7, 18, tzinfo=UTC)
AUTHOR = "author@example.org"


def reply(msgid: str, text: str, hours: int, who: str = "rev@example.org") -> Reply:
    return Reply(msgid, "Rev", who, T0 + timedelta(hours=hours), text, False)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


REPLIES = [
    reply("q@x", "Why is this needed?", 1),
    reply("a@x", "Because it leaks.", 2, who=AUTHOR),  # the author: no change
    reply("c@x", "Please fix the comment.", 3),
    reply("p@x", "Pushed now, thanks.", 5),
    reply("late@x", "Please drop this.", 6),  # after an outcome: final
]


def test_each_step_names_the_mail_that_moved_it() -> None:
    history = patch_history(REPLIES, AUTHOR, None)
    assert [(s.state, s.cause) for s in history.steps] == [
        (State.NEW, None),
        (State.UNDER_REVIEW, Cause("q@x", at(1))),
        (State.CHANGES_REQUESTED, Cause("c@x", at(3))),
        (State.ACCEPTED, Cause("p@x", at(5))),
    ]
    assert history.final == infer_patch_state(REPLIES, AUTHOR, None)


def test_the_order_mail_arrived_in_does_not_matter() -> None:
    want = patch_history(REPLIES, AUTHOR, None)
    shuffled = list(REPLIES)
    for seed in range(5):
        random.Random(seed).shuffle(shuffled)
        assert patch_history(shuffled, AUTHOR, None) == want


def test_a_newer_version_supersedes_from_the_moment_it_was_posted() -> None:
    v2 = Newer("v2", Cause("v2-cover@x", at(4)))
    history = patch_history(REPLIES[:3], AUTHOR, v2)
    assert [(s.state, s.cause) for s in history.steps][-1] == (State.SUPERSEDED, v2.cause)
    assert history.steps[-1].reason == "a newer version exists: v2"
    # accepted before v2 was posted: it stays accepted
    done = patch_history(REPLIES, AUTHOR, Newer("v2", Cause("v2-cover@x", at(9))))
    assert done.final.state == State.ACCEPTED and done.steps[-1].cause == Cause("p@x", at(5))
    # accepted after v2 was posted (a late push of v1): superseded, then accepted
    late = patch_history(REPLIES, AUTHOR, Newer("v2", Cause("v2-cover@x", at(4))))
    assert [s.state for s in late.steps][-2:] == [State.SUPERSEDED, State.ACCEPTED]


def test_a_newer_version_posted_at_no_known_time_counts_at_the_end() -> None:
    history = patch_history(REPLIES[:1], AUTHOR, Newer("v2", None))
    assert history.steps[-1].state == State.SUPERSEDED and history.steps[-1].cause is None
    assert history.final == infer_patch_state(REPLIES[:1], AUTHOR, "v2")


def test_same_date_replies_are_ordered_by_message_id() -> None:
    one = reply("b@x", "Pushed, thanks.", 1)
    other = reply("a@x", "This patch is rejected.", 1)
    assert patch_history([one, other], AUTHOR, None) == patch_history([other, one], AUTHOR, None)
    assert patch_history([one, other], AUTHOR, None).final.state == State.REJECTED


def test_a_series_moves_when_its_patches_do() -> None:
    cover_push = reply("push@x", "Series pushed.", 4)  # on the cover: every patch sees it
    first = patch_history(
        [reply("r1@x", "Reviewed-by: R <r@example.org>", 1), cover_push], AUTHOR, None
    )
    second = patch_history(
        [reply("r2@x", "Please fix the leak.", 2), reply("ok@x", "Pushed, thanks.", 3)],
        AUTHOR,
        None,
    )
    series = series_history([first, second], None)
    assert [(s.state, s.cause.msgid if s.cause else None) for s in series.steps] == [
        (State.NEW, None),
        (State.UNDER_REVIEW, "r1@x"),
        (State.CHANGES_REQUESTED, "r2@x"),
        (State.UNDER_REVIEW, "ok@x"),  # one accepted, one under review: review first
        (State.ACCEPTED, "push@x"),
    ]
    assert series.final.state == State.ACCEPTED


def test_a_superseded_series_moves_once_at_the_newer_version() -> None:
    v2 = Newer("v2", Cause("v2@x", at(8)))
    patches = [patch_history([reply(f"r{n}@x", "Looks fine.", n)], AUTHOR, v2) for n in (1, 2)]
    series = series_history(patches, v2)
    assert [(s.state, s.cause) for s in series.steps] == [
        (State.NEW, None),
        (State.UNDER_REVIEW, Cause("r1@x", at(1))),
        (State.SUPERSEDED, v2.cause),
    ]
