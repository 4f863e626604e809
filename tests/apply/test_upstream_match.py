"""Matching a patch to the commit that carries it: subjects, changed lines, scores.  (pure)"""

from __future__ import annotations

import pytest

from reviewbot.apply.upstream import (
    EXACT,
    SIMILAR,
    HistoryView,
    MailPatch,
    changed_lines,
    diff_score,
    exact_match,
    normalise_subject,
    similar_match,
    what_differs,
)
from reviewbot.ingest.patchindex import IndexedCommit

DIFF = (
    "diff --git a/src/a.c b/src/a.c\n--- a/src/a.c\n+++ b/src/a.c\n"
    "@@ -10,4 +10,4 @@ f(void)\n ctx one\n-    return -1;\n+    goto cleanup;\n ctx two\n"
    " ctx three\n-- \n2.39.2\n"
)


def commit(n: int, subject: str, email: str = "jim@example.org", pid: str = "") -> IndexedCommit:
    return IndexedCommit(
        f"{n:040x}",
        pid,
        "2023-02-06T10:40:12-07:00",
        "2023-02-07T00:00:00+00:00",
        email,
        "Jim",
        subject,
    )


def patch(title: str, diff: str = DIFF, email: str = "jim@example.org", pid: str | None = None):
    return MailPatch(1, title, "Jim", email, diff, pid)


@pytest.mark.parametrize(
    ("subject", "normal"),
    [
        ("[PATCH v2 03/10] qemu: Jump to cleanup label.", "qemu: jump to cleanup label"),
        ("Re: [libvirt] [PATCH]  qemu:   Jump", "qemu: jump"),
        ("qemu: Jump", "qemu: jump"),
    ],
)
def test_subjects_are_compared_without_prefixes_case_or_spacing(subject: str, normal: str) -> None:
    assert normalise_subject(subject) == normal


def test_changed_lines_end_where_the_hunk_ends_so_the_signature_is_not_a_removal() -> None:
    lines = changed_lines(DIFF)
    assert [(c.file, c.sign, c.text) for c in lines] == [
        ("src/a.c", "-", "return -1;"),
        ("src/a.c", "+", "goto cleanup;"),
    ]


def test_exact_is_the_oldest_commit_with_the_patch_id() -> None:
    view = HistoryView(
        [commit(3, "x", pid="ab" * 20), commit(2, "y"), commit(1, "x", pid="ab" * 20)]
    )
    found = exact_match(patch("x", pid="ab" * 20), view)
    assert found is not None and found.match == EXACT and found.score == 1.0
    assert found.commit == f"{1:040x}"
    assert found.detail == "same patch-id; also as " + f"{3:040x}"[:12]
    assert exact_match(patch("x", pid="cd" * 20), view) is None


def test_candidates_by_subject_or_by_author_with_a_like_subject() -> None:
    same_subject = commit(1, "qemu: Jump to cleanup label", email="other@example.org")
    reworded = commit(2, "qemu: jump to the cleanup label on failure")
    unrelated = commit(3, "conf: something else entirely")
    view = HistoryView([unrelated, reworded, same_subject])
    found = view.candidates(patch("qemu: Jump to cleanup label"))
    assert found == [same_subject, reworded]


def test_rebased_copy_is_similar_with_score_one_and_says_so() -> None:
    rebased = DIFF.replace("@@ -10,4 +10,4 @@", "@@ -20,4 +20,4 @@").replace("ctx two", "other ctx")
    c = commit(1, "qemu: Jump to cleanup label on failure")
    found = similar_match(patch("qemu: jump to cleanup label"), [c], {c.commit: rebased})
    assert found is not None and found.match == SIMILAR and found.score == 1.0
    assert "subject 'qemu: Jump to cleanup label on failure'" in found.detail
    assert "the same changed lines in other context (rebased)" in found.detail


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d.replace("+    goto cleanup;", "+\tgoto  cleanup;"), "whitespace only"),
        (lambda d: d.replace("+    goto cleanup;", "+    goto out;"), "1 changed line differs"),
    ],
)
def test_what_differs(edit, says: str) -> None:  # type: ignore[no-untyped-def]
    c = commit(1, "qemu: Jump")
    assert what_differs(patch("qemu: Jump"), c, edit(DIFF)) == says
    assert what_differs(patch("qemu: Jump", email="x@example.org"), c, edit(DIFF)).startswith(
        "author jim@example.org; "
    )


def test_a_different_change_is_not_similar() -> None:
    other = DIFF.replace("-    return -1;\n+    goto cleanup;", "-    a = 1;\n+    b = 2;")
    c = commit(1, "qemu: Jump")
    assert diff_score(DIFF, other) == 0.0
    assert similar_match(patch("qemu: Jump"), [c], {c.commit: other}) is None
