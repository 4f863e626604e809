"""State inference from replies, with reasons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reviewbot.models import PatchState as State
from reviewbot.series.state import (
    Reply,
    Verdict,
    infer_patch_state,
    infer_series_state,
    judge_reply,
)

T0 = datetime(2023, 7, 18, tzinfo=UTC)
AUTHOR = "author@example.org"


def reply(text: str, who: str = "rev@example.org", hours: int = 1, cover: bool = False) -> Reply:
    return Reply(f"m{hours}", "Rev", who, T0 + timedelta(hours=hours), text, cover)


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("Pushed now, thanks.", State.ACCEPTED),
        ("Series pushed.", State.ACCEPTED),
        ("Reviewed-by: R <r@example.org>\nand pushed.", State.ACCEPTED),
        ("Applied to master, thanks", State.ACCEPTED),
        ("Has this been pushed?", State.UNDER_REVIEW),
        ("NACK\n\nThis breaks ABI.", State.CHANGES_REQUESTED),
        ("Please keep the comment here.", State.CHANGES_REQUESTED),
        ("Reviewed-by: R <r@example.org>", State.UNDER_REVIEW),
        ("Is that intended?", State.UNDER_REVIEW),
        ("This patch is rejected: we don't want this feature.", State.REJECTED),
        ("Sorry, this won't be applied upstream.", State.REJECTED),
        ("Applied to master.", State.ACCEPTED),
        ("ACK and pushed.", State.ACCEPTED),
        # everyday review prose is not an outcome
        ("I applied the series locally and patch 3 breaks the build.", State.UNDER_REVIEW),
        ("I have pushed back on this approach before; see v1.", State.UNDER_REVIEW),
        ("The element is rejected by the RNG schema.", State.UNDER_REVIEW),
        ("Looks fine to me, this should be safe.", State.UNDER_REVIEW),
        ("This must be a typo, but fine.", State.UNDER_REVIEW),
    ],
)
def test_judge_reply(text: str, state: State) -> None:
    verdict = judge_reply(reply(text), AUTHOR)
    assert verdict is not None and verdict.state == state
    assert "Rev <rev@example.org>" in verdict.reason or state == State.CHANGES_REQUESTED


def test_author_answering_does_not_request_changes() -> None:
    assert judge_reply(reply("Please see v2.", who=AUTHOR), AUTHOR) is None


def test_author_pushing_own_series_counts() -> None:
    verdict = judge_reply(reply("Pushed, thanks for the review.", who=AUTHOR), AUTHOR)
    assert verdict is not None and verdict.state == State.ACCEPTED


def test_accepted_is_final_and_beats_superseded() -> None:
    replies = [reply("Pushed.", hours=1), reply("NACK", hours=2)]
    assert infer_patch_state(replies, AUTHOR, "series #2").state == State.ACCEPTED


def test_superseded_beats_review() -> None:
    verdict = infer_patch_state([reply("Please fix the leak.")], AUTHOR, "series #9")
    assert verdict == Verdict(State.SUPERSEDED, "a newer version exists: series #9")


def test_no_replies_is_new() -> None:
    assert infer_patch_state([], AUTHOR, None).state == State.NEW


def test_series_state_mixed_and_uniform() -> None:
    accepted = Verdict(State.ACCEPTED, "pushed")
    review = Verdict(State.UNDER_REVIEW, "replied")
    assert infer_series_state([accepted, accepted], None).state == State.ACCEPTED
    mixed = infer_series_state([accepted, review], None)
    assert mixed.state == State.UNDER_REVIEW and mixed.reason.startswith("1 of 2 patches")
    assert infer_series_state([review], "series #3").state == State.SUPERSEDED
