"""Comments anchored to hunk lines, their kinds, and answers: on the real corpus and on mess."""

from __future__ import annotations

import json
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.ingest.mbox import read_path
from reviewbot.mail.diff import PatchBody, split_patch
from reviewbot.mail.message import Message, parse_message
from reviewbot.mail.quotes import parse_quotes
from reviewbot.review.anchor import (
    KINDS,
    Comment,
    anchor_comments,
    canonical_kind,
    classify_comment,
    is_answer,
)
from tests.conftest import LIST

TRUTH = json.loads((LIST / "truth.json").read_text())


@cache
def corpus() -> dict[str, Message]:
    messages = {}
    for path in (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"):
        for raw in read_path(path):
            message = parse_message(raw.raw)
            messages[message.msgid] = message
    return messages


def patch_of(msgid: str) -> PatchBody:
    return split_patch(corpus()[msgid.strip("<>")].body)


def comments_of(reply_msgid: str) -> tuple[Comment, ...]:
    """A reply's comments, anchored in the message it answers (patch or cover)."""
    reply = corpus()[reply_msgid.strip("<>")]
    assert reply.in_reply_to is not None
    parent = patch_of(reply.in_reply_to)
    return anchor_comments(parse_quotes(reply.body), parent.files, parent.commit_message)


def line_of(comment: Comment) -> int | None:
    return comment.anchor.line if comment.anchor else None


def own_lines(body: str) -> list[str]:
    return [line for line in parse_quotes(body).own_text().split("\n") if line.strip()]


def assert_nothing_dropped(body: str, comments: tuple[Comment, ...]) -> None:
    text = "\n".join(c.text for c in comments)
    assert all(line in text for line in own_lines(body))


# --- the corpus ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "concern", TRUTH["concerns"], ids=[c["reply"] + f"-{c['line']}" for c in TRUTH["concerns"]]
)
def test_every_concern_of_truth_json(concern: dict[str, object]) -> None:
    reply = corpus()[str(concern["reply"]).strip("<>")]
    assert reply.in_reply_to == str(concern["patch"]).strip("<>")
    found = [
        (c.anchor.file, c.anchor.hunk, c.anchor.side, c.anchor.line, c.anchor.quoted_line)
        for c in comments_of(str(concern["reply"]))
        if c.anchor is not None
        and classify_comment(c.text)[0] == canonical_kind(str(concern["kind"]))
    ]
    want = (concern["file"], concern["hunk"], concern["side"], concern["line"], concern["anchor"])
    assert want in found


def test_truth_kinds_are_ours() -> None:
    assert canonical_kind("request") == "change-request"
    assert {canonical_kind(c["kind"]) for c in TRUTH["concerns"]} <= set(KINDS)


@pytest.mark.parametrize("reply", ["r011-ada@example.org", "r013-ada@example.org"])
def test_reviews_give_exactly_the_concerns_of_truth(reply: str) -> None:
    got = [(line_of(c), classify_comment(c.text)[0]) for c in comments_of(reply)]
    want = [
        (c["line"], canonical_kind(c["kind"]))
        for c in TRUTH["concerns"]
        if c["reply"] == f"<{reply}>"
    ]
    assert got == want


def test_the_race_stays_in_the_question_it_follows() -> None:
    first, second = comments_of("r011-ada@example.org")
    assert first.text.startswith("Dropping the guard is right, but please keep a comment")
    assert classify_comment(first.text) == ("change-request", "please keep a")
    assert "3. thread A calls virStoragePoolObjEndAPI(&obj)" in second.text
    assert (
        second.quoted_context[-1]
        == "+     * locked as the caller wants to return a locked object. */"
    )
    assert "hunk 0" in second.evidence and "new line 461" in second.evidence


@pytest.mark.parametrize(
    "reply",
    [
        "r015-ada@example.org",
        "r027-ada@example.org",
        "r014-lin@example.org",
        "r028-lin@example.org",
    ],
)
def test_acks_are_only_approvals(reply: str) -> None:
    comments = comments_of(reply)
    assert comments and {classify_comment(c.text)[0] for c in comments} == {"approval"}
    assert all(c.anchor is None for c in comments)


def test_cover_letter_reply_is_not_anchored() -> None:
    (comment,) = comments_of("r014-lin@example.org")
    assert comment.anchor is None and comment.scope == "patch"
    assert "commit-message" in comment.evidence


def test_the_author_answers_the_question_not_the_request() -> None:
    request, question = comments_of("r011-ada@example.org")
    answer = corpus()["r012-lin@example.org"].body
    assert is_answer(answer, question.text)
    assert not is_answer(answer, request.text)
    assert not is_answer(corpus()["r013-ada@example.org"].body, question.text)


def test_an_answer_may_rewrap_the_question() -> None:
    _, question = comments_of("r011-ada@example.org")
    rewrapped = (
        "> Is the comment accurate though?\n> The caller also relies on the reference taken in\n"
        "> virStoragePoolObjListSearch(), not only on the lock.\n\nRight, fixed in v2.\n"
    )
    assert is_answer(rewrapped, question.text)


def test_quoting_without_saying_anything_is_no_answer() -> None:
    assert not is_answer(
        "> Is the comment accurate though? The caller\n", "Is the comment accurate though?"
    )
    assert not is_answer("> Yes.\n\nok\n", "Yes.")


# --- the seed page: comments of a quoted review, anchored in a quoted patch ----------


def seed() -> str:
    (raw,) = list(read_path(LIST / "2016-October.txt.gz"))
    return parse_message(raw.raw).body


def test_seed_reviewer_comments_anchor_to_the_quoted_hunk() -> None:
    reply = parse_quotes(seed())
    patch = split_patch("\n".join(reply.quoted_lines(3)))  # the patch, rebuilt from its quote
    (hunk,) = patch.files[0].hunks
    assert hunk.header.startswith("@@ -151,6 +151,7 @@ qemuProcessHandleAgentEOF(")
    comments = anchor_comments(reply, patch.files, patch.commit_message, depth=3)
    anchored = [
        (c.anchor.file, c.anchor.hunk, c.anchor.side, c.anchor.line) for c in comments if c.anchor
    ]
    path = "src/qemu/qemu_process.c"
    assert anchored == [(path, 0, "new", 153), (path, 0, "new", 154), (path, 0, "new", 157)]
    by_line = {c.anchor.line: c for c in comments if c.anchor}
    assert by_line[154].anchor is not None
    assert by_line[154].anchor.quoted_line == "+    priv->agentError = false;"
    assert by_line[154].text.startswith("How does this alone solve the problem you saw.")
    # Nikolay's answers, interleaved later, are not part of John's comments
    assert "The place that is affected" not in by_line[154].text
    assert "Conversely, if for some reason" in by_line[154].text
    first = comments[0]
    assert first.anchor is None and "commit-message" in first.evidence


def test_seed_own_text_is_one_patch_level_comment() -> None:
    (comment,) = anchor_comments(parse_quotes(seed()), (), "")
    assert comment.anchor is None
    assert (
        "A. qemuConnectAgent wins" in comment.text
        and "B. qemuProcessHandleAgentEOF wins" in comment.text
    )


# --- messy replies ------------------------------------------------------------------

P08 = "v1p08.1689665401.git.backports@example.org"
P05 = "v1p05.1689665401.git.backports@example.org"
HUNK08 = (
    "> @@ -454,11 +454,16 @@ virStoragePoolObjListSearchCb(const void *payload,\n"
    ">      virStoragePoolObj *obj = (virStoragePoolObj *) payload;\n"
    "> -    VIR_LOCK_GUARD lock = virObjectLockGuard(obj);\n"
    ">\n"
)


def anchors(body: str, *patches: str) -> list[tuple[str, int, str, int] | None]:
    files = tuple(f for p in patches for f in patch_of(p).files)
    message = patch_of(patches[0]).commit_message if patches else ""
    comments = anchor_comments(parse_quotes(body), files, message)
    assert_nothing_dropped(body, comments)
    return [
        (c.anchor.file, c.anchor.hunk, c.anchor.side, c.anchor.line) if c.anchor else None
        for c in comments
    ]


OLD457 = ("src/conf/virstorageobj.c", 0, "old", 457)


def test_html_only_reply() -> None:
    raw = (
        b"From: Ada <ada@example.org>\nSubject: Re: [PATCH 08/10]\nMessage-ID: <h@x>\n"
        b"Content-Type: text/html; charset=utf-8\n\n"
        b"<html><body><div>Please keep the comment.</div>"
        b"<blockquote><pre>-    VIR_LOCK_GUARD lock = virObjectLockGuard(obj);</pre></blockquote>"
        b"<div>Why?</div></body></html>\n"
    )
    body = parse_message(raw).body  # mail.py flattens HTML: the quote markers are gone
    assert anchors(body, P08) == [None]
    html = raw.split(b"\n\n", 1)[1].decode()
    assert anchors(html, P08) == [None, OLD457]  # as HTML, the blockquote still anchors


def test_top_posted_reply_is_a_patch_level_comment() -> None:
    body = "I'd rather not do this.\n\nOn 7/18/23 09:30, Backport Robot wrote:\n" + HUNK08
    (comment,) = anchor_comments(parse_quotes(body), patch_of(P08).files, "")
    assert comment.anchor is None and "top-posted" in comment.evidence


def test_reply_quoting_two_patches() -> None:
    body = (
        "> diff --git a/src/qemu/qemu_process.c b/src/qemu/qemu_process.c\n"
        "> @@ -8724,16 +8724,13 @@ qemuProcessRefreshDisks(virDomainObj *vm,\n"
        ">          if (info->removable) {\n"
        "> -            virObjectEvent *event = NULL;\n\n"
        "Same problem as in 5/10.\n\n"
        "> diff --git a/src/conf/virstorageobj.c b/src/conf/virstorageobj.c\n"
        + HUNK08
        + "\nHere.\n"
    )
    assert anchors(body, P08) == [None, OLD457]
    both = anchors(body, P08, P05)
    assert both == [("src/qemu/qemu_process.c", 0, "old", 8727), OLD457]


def test_quote_of_a_quote() -> None:
    body = (
        "On Wed, Jul 19, 2023, Ada Reviewer wrote:\n"
        "> > -    VIR_LOCK_GUARD lock = virObjectLockGuard(obj);\n"
        "> Why drop it?\n\n"
        "Because it unlocks too early.\n\n"
        "> > +    virObjectLock(obj);\n\n"
        "And this one is needed.\n"
    )
    comments = anchor_comments(parse_quotes(body), patch_of(P08).files, "")
    # under the earlier message's own words: an answer to them, not to a line
    assert line_of(comments[0]) is None and "Why drop it?" in comments[0].evidence
    # right under the patch line quoted through that message: about the line
    assert line_of(comments[1]) == 458
    assert "through a quote of a quote, depth 2" in comments[1].evidence
    deeper = anchor_comments(parse_quotes(body), patch_of(P08).files, "", depth=2)
    assert [line_of(c) for c in deeper] == [457]
    assert deeper[0].text == "Why drop it?"


def test_reply_to_a_message_that_is_not_a_patch() -> None:
    cover = corpus()["cover.1689665401.git.backports@example.org"].body
    body = "".join("> " + line + "\n" for line in cover.split("\n")[:6]) + "\nSounds good.\n"
    (comment,) = anchor_comments(parse_quotes(body), (), "")
    assert comment.anchor is None and comment.text == "Sounds good."


def test_trimmed_hunk_without_header_still_anchors() -> None:
    body = "> +    virObjectUnlock(obj);\n\nWhy unlock here?\n"
    assert anchors(body, P08) == [("src/conf/virstorageobj.c", 0, "new", 465)]


def test_whitespace_damage_and_rewrapped_lines() -> None:
    body = (
        "> @@ -8742,8 +8739,10 @@ qemuProcessRefreshDisks(virDomainObj *vm,\n"
        "> +\tif (emitEvent) {\n"
        "> +                    virObjectEvent *event =\n"
        "> virDomainEventTrayChangeNewFromObj(vm, disk->info.alias, reason);\n\n"
        "Long line.\n\n"
        ">+ if (emitEvent) {\n\n"
        "Tabs.\n"
    )
    comments = anchor_comments(parse_quotes(body), patch_of(P05).files, "")
    assert [(c.anchor.hunk, line_of(c)) for c in comments if c.anchor] == [(1, 8743), (1, 8742)]
    assert "re-wrapped" in comments[0].evidence and "whitespace differs" in comments[1].evidence


TWIN_HUNKS = split_patch(
    "Twins.\n---\ndiff --git a/f.c b/f.c\n--- a/f.c\n+++ b/f.c\n"
    "@@ -10,4 +10,4 @@ one(void)\n {\n-    a();\n+    b();\n     return 0;\n }\n"
    "@@ -30,4 +30,4 @@ two(void)\n {\n-    a();\n+    b();\n     return 0;\n }\n"
).files


@pytest.mark.parametrize(
    ("header", "where"),
    [
        ("> @@ -30,4 +30,4 @@ two(void)\n", (1, 31)),
        ("> @@ -99,5 +99,5 @@ two(void)\n", (1, 31)),  # numbers moved, function did not
        ("> @@ -10,4 +10,4 @@ one(void)\n", (0, 11)),
        ("", (0, 11)),
    ],
)
def test_hunk_header_decides_between_identical_lines(header: str, where: tuple[int, int]) -> None:
    body = header + ">  {\n> -    a();\n\nWhy?\n"
    (comment,) = anchor_comments(parse_quotes(body), TWIN_HUNKS, "")
    assert comment.anchor is not None
    assert (comment.anchor.hunk, comment.anchor.line, comment.anchor.side) == (*where, "old")
    assert ("ambiguous" in comment.evidence) == (not header)


def test_blank_quoted_context_lines_follow_the_cursor() -> None:
    body = "> @@ -30,4 +30,4 @@ two(void)\n>      return 0;\n>  }\n\nEnd.\n"
    (comment,) = anchor_comments(parse_quotes(body), TWIN_HUNKS, "")
    assert comment.anchor is not None and (comment.anchor.hunk, comment.anchor.line) == (1, 33)


def test_code_that_looks_like_a_diffstat_is_still_code() -> None:
    files = split_patch(
        "m\n---\ndiff --git a/g.c b/g.c\n--- a/g.c\n+++ b/g.c\n"
        "@@ -5,2 +5,2 @@ g(void)\n     mask = FLAG_A | 3\n-    x();\n+    y();\n"
    ).files
    (comment,) = anchor_comments(parse_quotes(">      mask = FLAG_A | 3\n\nHm.\n"), files, "")
    assert comment.anchor is not None and (comment.anchor.side, comment.anchor.line) == ("new", 5)


def test_snip_and_commit_message_comments_go_to_the_patch() -> None:
    body = (
        "> 'virStoragePoolObjListSearch' explicitly documents that it's returning\n\n"
        "Typo: maches.\n\n" + HUNK08 + "\n[...]\n\nReviewed-by: Ada <ada@example.org>\n"
    )
    comments = anchor_comments(
        parse_quotes(body), patch_of(P08).files, patch_of(P08).commit_message
    )
    assert [c.anchor for c in comments] == [None, None]
    assert "commit-message" in comments[0].evidence and "snip" in comments[1].evidence


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("NACK, this breaks migration.", "objection"),
        ("nit: s/maches/matches/", "nit"),
        ("Please keep the comment.", "change-request"),
        ("Keep the guard and add a comment instead.", "change-request"),
        ("This should use g_autoptr.", "change-request"),
        ("Could you split this into two patches?", "change-request"),
        ("Is that intended?", "question"),
        ("How does this alone solve the problem you saw.", "question"),
        ("How about using VIR_LOCK_GUARD here?", "suggestion"),
        ("Maybe consider a helper for this.", "suggestion"),
        ("Reviewed-by: Ada Reviewer <ada@example.org>", "approval"),
        ("ACK", "approval"),
        ("Looks good to me.", "approval"),
        ("Pushed now, thanks.", "approval"),
        ("I checked whether they should attempt the connection.", "information"),
        ("FYI the same bug exists in 8.0.0.", "information"),
    ],
)
def test_classify_comment(text: str, kind: str) -> None:
    got, evidence = classify_comment(text)
    assert got == kind
    assert evidence


# --- anything goes ------------------------------------------------------------------

BODIES = [
    corpus()["r011-ada@example.org"].body,
    corpus()["r013-ada@example.org"].body,
    seed(),
]


@st.composite
def mangled(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(BODIES)).split("\n")
    for _ in range(draw(st.integers(0, 12))):
        at = draw(st.integers(0, len(lines)))
        op = draw(st.sampled_from(["delete", "insert", "quote", "unquote", "squash", "wrap"]))
        if op == "insert" or not lines or at >= len(lines):
            lines.insert(at, draw(st.text(max_size=40)))
        elif op == "delete":
            del lines[at]
        elif op == "quote":
            lines[at] = ">" + lines[at]
        elif op == "unquote":
            lines[at] = lines[at].lstrip(">")
        elif op == "squash":
            lines[at] = " ".join(lines[at].split())
        else:
            cut = draw(st.integers(0, len(lines[at])))
            lines[at : at + 1] = [lines[at][:cut], "> " + lines[at][cut:]]
    return "\n".join(lines)[: draw(st.integers(0, 20000))]


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(mangled(), st.integers(1, 3))
def test_anchor_comments_never_raises_on_mangled_bodies(body: str, depth: int) -> None:
    patch = patch_of(P08)
    comments = anchor_comments(parse_quotes(body), patch.files, patch.commit_message, depth=depth)
    for comment in comments:
        assert classify_comment(comment.text)[0] in KINDS
        is_answer(body, comment.text)
    if depth == 1:
        assert_nothing_dropped(body, comments)
