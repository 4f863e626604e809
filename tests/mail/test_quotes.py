"""Quote structure of replies: depth, attributions, snips, signatures, footers."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.ingest.mbox import read_path
from reviewbot.mail.message import parse_message
from reviewbot.mail.quotes import (
    BLOCK_KINDS,
    QuotedReply,
    html_to_quoted_text,
    parse_quotes,
    split_markers,
)
from tests.conftest import LIST


def kinds(reply: QuotedReply) -> list[tuple[str, int]]:
    return [(b.kind, b.depth) for b in reply.blocks]


def seed_body() -> str:
    (raw,) = list(read_path(LIST / "2016-October.txt.gz"))
    return parse_message(raw.raw).body


@pytest.mark.parametrize(
    ("line", "depth", "text"),
    [
        ("plain", 0, "plain"),
        ("> one", 1, "one"),
        (">one", 1, "one"),
        (">> two", 2, "two"),
        ("> > two", 2, "two"),
        (">>> three", 3, "three"),
        ("> > > three", 3, "three"),
        ("| piped", 1, "piped"),
        ("> | mixed", 2, "mixed"),
        (" > indented", 1, "indented"),
        (">", 1, ""),
        ("> +    added;", 1, "+    added;"),
        (">      context;", 1, "     context;"),
        ("|| cond)", 0, "|| cond)"),
        (">>From what I've seen", 1, "From what I've seen"),
        ("> >From here", 1, "From here"),
        (">From the start", 0, "From the start"),
    ],
)
def test_split_markers(line: str, depth: int, text: str) -> None:
    assert split_markers(line) == (depth, text)


@pytest.mark.parametrize(
    ("attribution", "author"),
    [
        ("On 26.10.2016 22:48, John Ferlan wrote:", "John Ferlan"),
        ("On Tue, Jul 18, 2023 at 09:30:08AM +0200, Backport Robot wrote:", "Backport Robot"),
        ("On 7/18/23 09:30, Backport Robot wrote:", "Backport Robot"),
        ("On Tue, Jul 18, 2023 at 9:30 AM Ada Reviewer <ada@example.org> wrote:", "Ada Reviewer"),
        ('On 2023-07-18, "Ferlan, John" <jferlan@redhat.com> wrote:', "Ferlan, John"),
        ("Ada Reviewer <ada@example.org> wrote:", "Ada Reviewer"),
        ("Peter Krempa via libvir-list wrote:", "Peter Krempa"),
        ("Quoting Daniel P. Berrangé (2023-07-18 10:20:00):", "Daniel P. Berrangé"),
        ("* Ada Reviewer <ada@example.org> [2023-07-18 09:30:00 +0200]:", "Ada Reviewer"),
    ],
)
def test_attribution_and_its_author(attribution: str, author: str) -> None:
    reply = parse_quotes(f"{attribution}\n> quoted line\n\nmy comment\n")
    assert kinds(reply) == [("attribution", 0), ("quote", 1), ("text", 0)]
    assert reply.blocks[0].author == author
    assert reply.blocks[0].lines == (attribution,)


def test_attribution_wrapped_over_two_lines() -> None:
    body = (
        "On Tue, Jul 18, 2023 at 09:30:08AM +0200, Backport Robot <backports@example.org>\n"
        "wrote:\n> -old\n\nwhy?\n"
    )
    reply = parse_quotes(body)
    assert kinds(reply) == [("attribution", 0), ("quote", 1), ("text", 0)]
    (attribution,) = reply.attributions
    assert attribution.author == "Backport Robot" and len(attribution.lines) == 2


def test_wrote_in_a_sentence_without_a_quote_is_text() -> None:
    reply = parse_quotes("This is what Peter wrote:\nthe code is fine\n")
    assert kinds(reply) == [("text", 0)]


def test_seed_page_has_three_levels_of_attribution() -> None:
    reply = parse_quotes(seed_body())
    assert [(a.depth, a.author) for a in reply.attributions] == [
        (0, "Nikolay Shirokovskiy"),
        (1, "John Ferlan"),
        (2, "Nikolay Shirokovskiy"),
    ]
    patch = reply.quoted_lines(3)
    assert "diff --git a/src/qemu/qemu_process.c b/src/qemu/qemu_process.c" in patch
    assert "+    priv->agentError = false;" in patch
    assert "Usually on domain shutdown event comes first from qemu" in patch
    assert reply.own_text().startswith("I was not correct. io loop event dispatching")
    assert "B. qemuProcessHandleAgentEOF wins" in reply.own_text()
    footer = [b for b in reply.blocks if b.kind == "footer"]
    assert [(b.depth, b.lines[1]) for b in footer] == [(1, "libvir-list mailing list")]


def test_pipermail_escaped_from_is_a_single_level_quote() -> None:
    reply = parse_quotes(seed_body())
    line = "From what I've seen in code agentError has 2 meanings, they described"
    assert line in reply.quoted_lines(1)
    assert not any(line in b.lines for b in reply.blocks if b.depth != 1)


@pytest.mark.parametrize(
    "snip", ["[...]", "[snip]", "<snip>", "...", "[ ... ]", "[SNIP]", "(...)", "[... snip ...]"]
)
def test_snips(snip: str) -> None:
    reply = parse_quotes(f"> first\n\n{snip}\n\n> second\nreply\n")
    assert kinds(reply) == [("quote", 1), ("snip", 0), ("quote", 1), ("text", 0)]
    assert reply.blocks[1].lines == (snip,)


def test_quoted_snip_keeps_its_depth() -> None:
    reply = parse_quotes("> first\n> [...]\n> second\n")
    assert kinds(reply) == [("quote", 1), ("snip", 1), ("quote", 1)]


def test_signature_is_not_own_text() -> None:
    reply = parse_quotes("> -x\n\nNo.\n\n-- \nAda Reviewer\nRed Hat\n")
    assert kinds(reply) == [("quote", 1), ("text", 0), ("signature", 0)]
    assert reply.own_text() == "No."
    assert reply.blocks[-1].lines[:2] == ("-- ", "Ada Reviewer")


def test_quoted_patch_signature() -> None:
    reply = parse_quotes("> +new\n> -- \n> 2.39.2\n\nok\n")
    assert kinds(reply) == [("quote", 1), ("signature", 1), ("text", 0)]


@pytest.mark.parametrize(
    "footer",
    [
        "--\nlibvir-list mailing list\nlibvir-list@redhat.com\n"
        "https://listman.redhat.com/mailman/listinfo/libvir-list",
        "--\nlibvir-list mailing list\nlibvir-list at redhat.com\n"
        "https://www.redhat.com/mailman/listinfo/libvir-list",
        "_______________________________________________\n"
        "Devel mailing list -- devel@lists.libvirt.org\n"
        "To unsubscribe send an email to devel-leave@lists.libvirt.org",
    ],
)
def test_list_footer(footer: str) -> None:
    reply = parse_quotes(f"> -x\n\nNo.\n\n{footer}\n")
    assert kinds(reply) == [("quote", 1), ("text", 0), ("footer", 0)]
    assert reply.own_text() == "No."
    quoted = parse_quotes("\n".join("> " + line for line in footer.split("\n")) + "\n\nok\n")
    assert kinds(quoted) == [("footer", 1), ("text", 0)]


def test_blank_lines_keep_own_paragraphs_together() -> None:
    reply = parse_quotes("> q\n\none\n\ntwo\n\n> r\n\nthree\n")
    assert kinds(reply) == [("quote", 1), ("text", 0), ("quote", 1), ("text", 0)]
    assert reply.blocks[1].lines == ("one", "", "two")
    assert [b.first_line for b in reply.blocks] == [1, 3, 7, 9]


def test_depth_changes_make_blocks() -> None:
    reply = parse_quotes("> a\n> > b\n>> c\n> d\n| e\ntext\n")
    assert kinds(reply) == [("quote", 1), ("quote", 2), ("quote", 1), ("text", 0)]
    assert reply.blocks[1].lines == ("b", "c")
    assert reply.blocks[2].lines == ("d", "e")


def test_outlook_original_message_is_a_quote() -> None:
    body = (
        "Fine by me.\n\n-----Original Message-----\nFrom: Ada Reviewer <ada@example.org>\n"
        "Sent: Tuesday, July 18, 2023 9:30 AM\nSubject: Re: [PATCH]\n\nPlease fix it.\n"
    )
    reply = parse_quotes(body)
    assert kinds(reply) == [("text", 0), ("attribution", 0), ("quote", 1)]
    assert reply.attributions[0].author == "Ada Reviewer"
    assert reply.own_text() == "Fine by me."


def test_html_blockquotes_keep_their_depth() -> None:
    html = (
        "<html><body><div>On Tue, Ada wrote:</div><blockquote><div>first</div>"
        "<blockquote>deeper<br>still</blockquote></blockquote>"
        "<div>my answer &amp; more</div></body></html>"
    )
    text = html_to_quoted_text(html)
    assert "> > deeper\n> > still" in text
    reply = parse_quotes(html)
    assert reply.attributions[0].author == "Ada"
    assert ("quote", 2) in kinds(reply)
    assert reply.own_text() == "my answer & more"


def test_empty_and_odd_bodies() -> None:
    assert parse_quotes("").blocks == ()
    assert kinds(parse_quotes(">\n>\n")) == [("quote", 1)]
    assert kinds(parse_quotes("-- \n")) == [("signature", 0)]
    assert kinds(parse_quotes("\r\n> a\r\nb\r\n")) == [("quote", 1), ("text", 0)]


LINES = st.sampled_from(
    [
        "> quoted",
        ">> deeper",
        "> > deeper",
        "| piped",
        ">",
        "",
        "-- ",
        "--",
        "[...]",
        "On Tue, Jul 18, 2023, Ada wrote:",
        "On Tue, Jul 18, 2023 at 09:30:08AM +0200, Ada",
        "wrote:",
        "Ada wrote:",
        "libvir-list mailing list",
        "-----Original Message-----",
        "From: Ada",
        ">>From x",
        "own words",
        "> +    added;",
        "<div>html?</div>",
    ]
)


@settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(st.lists(st.one_of(LINES, st.text(max_size=30)), max_size=40))
def test_no_line_is_dropped(lines: list[str]) -> None:
    """Every non-blank line comes back, in order, in exactly one block."""
    body = "\n".join(line.replace("\r", " ") for line in lines)
    if body.lstrip().startswith("<"):
        body = "x\n" + body  # HTML conversion rewrites the text; tested above
    blocks = parse_quotes(body).blocks
    assert all(b.kind in BLOCK_KINDS and b.lines for b in blocks)
    got = [line for b in blocks for line in b.lines if line.strip()]
    want = [split_markers(line)[1] for line in body.split("\n")]
    assert got == [line for line in want if line.strip()]


def test_real_corpus_replies_parse() -> None:
    for path in (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"):
        for raw in read_path(path):
            body = parse_message(raw.raw).body
            parse_quotes(body)
