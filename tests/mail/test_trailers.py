"""Trailers in patches and replies."""

from __future__ import annotations

from reviewbot.mail.trailers import find_trailers


def test_known_trailers_in_order() -> None:
    text = (
        "Fix it.\n\nFixes: a2ae3d299cf9\nSigned-off-by: A <a@example.org>\n"
        "reviewed-by: B Person <b@example.org>\nAcked-by: C <c at example.org>\n"
    )
    found = find_trailers(text)
    assert [t.text for t in found] == [
        "Fixes: a2ae3d299cf9",
        "Signed-off-by: A <a@example.org>",
        "Reviewed-by: B Person <b@example.org>",
        "Acked-by: C <c@example.org>",  # pipermail obscuring undone
    ]
    assert (found[2].person_name, found[2].person_email) == ("B Person", "b@example.org")
    assert found[3].person_email == "c@example.org"


def test_quoted_trailers_do_not_count() -> None:
    text = "> Reviewed-by: Someone <s@example.org>\n| Acked-by: X <x@example.org>\nThanks\n"
    assert find_trailers(text) == ()


def test_unknown_and_prose_lines_ignored() -> None:
    assert find_trailers("Link: https://x\nNot-a-trailer: y\nI Reviewed-by: eye\n") == ()
