"""Trailers in patches and replies."""

from __future__ import annotations

from reviewbot.mail.message import restore_bracketed_addresses
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


def test_hyperkitty_obscured_addresses_are_restored() -> None:
    """HyperKitty's exports write every address in a body as user(a)host."""
    (trailer,) = find_trailers("Reviewed-by: J\u00e1n Tomko <jtomko(a)redhat.com>\n")
    assert (trailer.value, trailer.person_email) == (
        "J\u00e1n Tomko <jtomko@redhat.com>",
        "jtomko@redhat.com",
    )


def test_parenthesised_a_outside_brackets_is_left_alone() -> None:
    assert restore_bracketed_addresses("if (f(a)->x && g(a)+1)") == "if (f(a)->x && g(a)+1)"
    assert restore_bracketed_addresses("<a(a)b.c> and <d at e.f>") == "<a@b.c> and <d@e.f>"
