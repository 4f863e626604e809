"""Rebuilding quoted messages: the seed page's patch, review and answer come back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.ingest.mbox import read_path
from reviewbot.mail.diff import parse_diff
from reviewbot.mail.message import Message, parse_message
from reviewbot.review.reconstruct import ReconstructedMessage, reconstruct_quoted, repair_diff
from tests.conftest import LIST

SEED = LIST / "2016-October.txt.gz"
SUBJECT = "[libvirt] [PATCH 01/10] qemu: agent: unset error flag in EOF handler"


@pytest.fixture(scope="module")
def seed() -> Message:
    messages = [parse_message(raw.raw) for raw in read_path(SEED)]
    assert len(messages) == 1
    return messages[0]


@pytest.fixture(scope="module")
def rebuilt(seed: Message) -> tuple[ReconstructedMessage, ...]:
    return reconstruct_quoted(seed.body, seed.subject, seed.date)


def test_three_levels_deepest_first(rebuilt: tuple[ReconstructedMessage, ...]) -> None:
    assert [m.depth for m in rebuilt] == [3, 2, 1]
    assert [m.parent_depth for m in rebuilt] == [None, 3, 2]
    assert [m.is_patch for m in rebuilt] == [True, False, False]


def test_patch_is_rebuilt(rebuilt: tuple[ReconstructedMessage, ...]) -> None:
    patch = rebuilt[0]
    assert patch.subject == SUBJECT
    assert patch.author == "Nikolay Shirokovskiy"
    assert patch.date_text == "10/04/2016 02:56 AM"
    assert patch.commit_message.startswith(
        "Usually on domain shutdown event comes first from qemu\n"
        "and the flag is unset in processSerialChangedEvent."
    )
    assert patch.commit_message.endswith("thus qemu agent becomes unavailable.")
    assert "---" not in patch.commit_message
    files, error = parse_diff(patch.diff)
    assert error is None
    assert [f.path for f in files] == ["src/qemu/qemu_process.c"]
    (hunk,) = files[0].hunks
    assert hunk.header.startswith("@@ -151,")
    assert hunk.header == "@@ -151,6 +151,7 @@ qemuProcessHandleAgentEOF(qemuAgentPtr agent,"
    assert hunk.section == "qemuProcessHandleAgentEOF(qemuAgentPtr agent,"
    assert "\n+    priv->agentError = false;\n" in hunk.text
    assert (hunk.added, hunk.removed) == (1, 0)


def test_review_is_rebuilt(rebuilt: tuple[ReconstructedMessage, ...]) -> None:
    review = rebuilt[1]
    assert review.author == "John Ferlan"
    assert review.date_text == "26.10.2016 22:48"
    assert review.subject == f"Re: {SUBJECT}"
    assert "What error occurred that would be avoided by clearing the agentError" in review.body
    # the patch it reviews is quoted in it, as in the review that was sent
    assert "\n> Usually on domain shutdown event comes first from qemu\n" in review.body
    assert "\nUsually on domain shutdown" not in review.body
    assert "\n> +    priv->agentError = false;\n" in review.body
    assert review.body.startswith("On 10/04/2016 02:56 AM, Nikolay Shirokovskiy wrote")
    assert (review.commit_message, review.diff) == ("", "")


def test_answer_is_rebuilt(rebuilt: tuple[ReconstructedMessage, ...]) -> None:
    answer = rebuilt[2]
    assert answer.author == "Nikolay Shirokovskiy"
    assert answer.date_text == "27.10.2016 11:21"
    assert answer.subject == f"Re: {SUBJECT}"
    assert "In short qemu agent becomes unavailable after shutdown." in answer.body
    assert "I was not correct." not in answer.body  # the reply's own text
    assert "mailing list" not in answer.body  # the list footer


def test_no_quotes_nothing_rebuilt() -> None:
    assert reconstruct_quoted("Just a note.\n\nThanks", "Re: x", None) == ()


def test_quote_of_only_a_diff_with_snip() -> None:
    body = (
        "> diff --git a/f.c b/f.c\n"
        "> --- a/f.c\n"
        "> +++ b/f.c\n"
        "> @@ -10,9 +10,9 @@ int main(void)\n"
        ">  a;\n"
        ">\n"
        "> -b;\n"
        "> +c;\n"
        "> [...]\n"
        "> @@ -40,3 +40,4 @@\n"
        ">  x;\n"
        "> +y;\n"
        ">\n"
        "Why c?\n"
    )
    (msg,) = reconstruct_quoted(body, "Re: Re: [PATCH] f: c", datetime(2024, 1, 1, tzinfo=UTC))
    assert msg.is_patch and msg.subject == "[PATCH] f: c" and msg.author is None
    files, error = parse_diff(msg.diff)
    assert error is None
    headers = [h.header for h in files[0].hunks]
    assert headers == ["@@ -10,3 +10,3 @@ int main(void)", "@@ -40,1 +40,2 @@"]


def test_repair_drops_lines_after_an_unplaceable_one() -> None:
    diff = repair_diff(["--- a/f", "+++ b/f", "@@ -1,5 +1,5 @@", " a", "oops text", " b"])
    assert diff == "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n a\n"


def test_html_reply_does_not_raise() -> None:
    body = "<html><body><p>ok</p><blockquote>On Mon, X wrote:<br>hi</blockquote></body></html>"
    result = reconstruct_quoted(body, "Re: hi", None)
    assert all(not m.is_patch for m in result)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    ">",
                    ">>",
                    "> >",
                    "| ",
                    ">>> @@ -1,2 +1,3 @@",
                    "> +x",
                    "> -y",
                    "> --- a/f",
                    "> +++ b/f",
                    ">> diff --git a/f b/f",
                    "On 1.1.2020 10:00, A wrote:",
                    "> [...]",
                    "> -- ",
                    "<html>",
                    "@@ -x @@",
                    "> @@ -0,0 +0,0 @@",
                    "---",
                ]
            ),
            st.text(max_size=40),
        ),
        max_size=30,
    ),
    st.text(max_size=30),
)
def test_messy_input_never_raises(lines: list[str], subject: str) -> None:
    result = reconstruct_quoted("\n".join(lines), subject, None)
    for msg in result:
        assert msg.depth >= 1
        if msg.diff:
            parse_diff(msg.diff)  # must not raise either
