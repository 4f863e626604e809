"""Anchoring when the reviewer trimmed the quote: no file header, no `@@`, a cut in the
middle, context lines whose leading space the mailer ate, or the patch quoted through
another reply. Each comment must land on the line it sits under, not on "the patch"."""

from __future__ import annotations

from reviewbot.mail.quotes import parse_quotes
from reviewbot.review.anchor import Comment, anchor_comments
from tests.review.test_anchor import P08, patch_of


def _anchored(body: str) -> list[tuple[str, int] | None]:
    patch = patch_of(P08)
    comments: tuple[Comment, ...] = anchor_comments(
        parse_quotes(body), patch.files, patch.commit_message
    )
    return [(c.anchor.side, c.anchor.line) if c.anchor else None for c in comments]


def _hunk_lines() -> list[str]:
    return patch_of(P08).files[0].hunks[0].text.split("\n")


def test_a_quote_starting_at_the_hunk_header() -> None:
    lines = _hunk_lines()
    body = "\n".join("> " + line for line in lines[:5]) + "\nWhy drop the guard?\n"
    assert _anchored(body) == [("old", 457)]


def test_a_quote_starting_in_the_middle_of_a_hunk() -> None:
    lines = _hunk_lines()  # lines[5:9]: blank, +virObjectLock, blank, +/* If we find ...
    body = "\n".join("> " + line for line in lines[5:9]) + "\nReword this?\n"
    assert _anchored(body) == [("new", 460)]


def test_context_lines_whose_leading_space_the_mailer_ate() -> None:
    body = (  # a mailer that re-flows quotes strips every leading blank
        "> if (data->searcher(obj, data->opaque))\n> return 1;\nIs returning locked right here?\n"
    )
    assert _anchored(body) == [("new", 463)]
    # the same words as prose, or too short to tell, anchor nowhere
    assert _anchored("> return 1;\nWhat?\n") == [None]


def test_snips_inside_the_quote() -> None:
    lines = _hunk_lines()
    for snip in ("[snip]", "[...]", "<snip>"):
        body = (
            "> "
            + lines[0]
            + "\n> "
            + snip
            + "\n"
            + "\n".join("> " + line for line in lines[7:9])
            + "\nWhy this comment?\n"
        )
        assert _anchored(body) == [("new", 460)], snip


def test_the_patch_quoted_through_another_reply() -> None:
    """A reviewer quoting the author quoting the patch comments on the line itself."""
    lines = _hunk_lines()
    body = (
        "On Thu, Author wrote:\n> On Wed, Ada wrote:\n"
        + "\n".join("> > " + line for line in lines[:5])
        + "\n\nThis line is still wrong.\n"
    )
    assert _anchored(body) == [("old", 457)]
