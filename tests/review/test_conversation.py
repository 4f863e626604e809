"""Concerns as conversations: who raised a point, who answered, and where it stands."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reviewbot.review.concerns import review_thread
from reviewbot.review.conversation import Person
from reviewbot.review.thread import SeriesThread, ThreadPatch, ThreadReply
from tests.conftest import diff_body

AUTHOR = Person("Alice Author", "alice@example.org")
T0 = datetime(2023, 7, 18, 9, 0, tzinfo=UTC)
PATCH = ThreadPatch(1, "p1@x", diff_body().split("---\n", 1)[1], "Fix it.", AUTHOR)
# the patch's hunk as a reviewer quotes it
QUOTED = "> @@ -10,3 +10,3 @@ virFileDoThing(void)\n>  context one\n> -old line\n> +new line\n"


def _reply(n: int, sender: str, body: str, parent: str, minutes: int) -> ThreadReply:
    name, email = sender.split(" <")
    return ThreadReply(
        n, f"r{n}@x", parent, body, name, email.rstrip(">"), T0 + timedelta(minutes=minutes)
    )


def _review(*replies: ThreadReply) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    thread = SeriesThread(7, AUTHOR, (PATCH,), {1: tuple(replies)})
    found = review_thread(thread, None).concerns
    return [
        (c.reviewer_email, c.status, c.text, [(r.msgid, r.role) for r in c.replies]) for c in found
    ]


BOB = "Bob Reviewer <bob@example.org>"
ALICE = "Alice Author <alice@example.org>"
CAROL = "Carol Critic <carol@example.org>"


def test_the_authors_answer_is_a_reply_and_answers_the_concern() -> None:
    review = _review(
        _reply(2, BOB, QUOTED + "Why change this line?\n", "p1@x", 1),
        _reply(3, ALICE, "> Why change this line?\nBecause the old one leaks.\n", "r2@x", 2),
    )
    assert review == [
        ("bob@example.org", "answered", "Why change this line?", [("r3@x", "author")])
    ]


def test_the_authors_question_back_is_a_reply_not_a_concern() -> None:
    review = _review(
        _reply(2, BOB, QUOTED + "Please use the helper here.\n", "p1@x", 1),
        _reply(3, ALICE, "> Please use the helper here.\nWhich helper do you mean?\n", "r2@x", 2),
        # the author's words quoting nothing still belong to what they answer
        _reply(4, ALICE, "Also, I am not sure it exists.\n", "r2@x", 3),
    )
    assert [(email, replies) for email, _s, _t, replies in review] == [
        ("bob@example.org", [("r3@x", "author"), ("r4@x", "author")])
    ]


def test_an_ack_by_the_reviewer_resolves_and_a_new_point_reopens() -> None:
    first = _reply(2, BOB, QUOTED + "Why change this line?\n", "p1@x", 1)
    answer = _reply(3, ALICE, "> Why change this line?\nIt leaks.\n", "r2@x", 2)
    ack = _reply(4, BOB, "> It leaks.\nOK, thanks.\n", "r3@x", 3)
    assert _review(first, answer, ack)[0][1] == "resolved"
    more = _reply(4, BOB, "> It leaks.\nBut then the caller leaks too, no?\n", "r3@x", 3)
    assert _review(first, answer, more)[0][1] == "open"


def test_another_reviewers_plus_one_is_a_reply() -> None:
    review = _review(
        _reply(2, BOB, QUOTED + "Please keep the error path as it was.\n", "p1@x", 1),
        _reply(3, CAROL, "> Please keep the error path as it was.\n+1, same here.\n", "r2@x", 2),
    )
    assert review == [
        ("bob@example.org", "open", "Please keep the error path as it was.", [("r3@x", "other")])
    ]


def test_a_new_point_by_another_reviewer_is_a_concern_of_its_own() -> None:
    review = _review(
        _reply(2, BOB, QUOTED + "Please keep the error path as it was.\n", "p1@x", 1),
        _reply(3, CAROL, QUOTED + "Please also fix the context line.\n", "p1@x", 2),
    )
    assert [(email, status) for email, status, _t, _r in review] == [
        ("bob@example.org", "open"),
        ("carol@example.org", "open"),
    ]


def test_an_answer_dated_before_its_question_still_follows_it() -> None:
    """Dates rebuilt from an attribution line have no zone: In-Reply-To decides the order."""
    review = _review(
        _reply(2, BOB, QUOTED + "Why change this line?\n", "p1@x", 60),
        _reply(3, ALICE, "> Why change this line?\nIt leaks.\n", "r2@x", 0),
    )
    assert review[0][1] == "answered" and review[0][3] == [("r3@x", "author")]
