"""Diffs: where they start, what unidiff makes of them, and what it rejects."""

from __future__ import annotations

from reviewbot.mail.diff import has_diff, split_patch
from tests.conftest import diff_body


def test_split_patch_parts() -> None:
    body = "From: Real Author <real@example.org>\n\n" + diff_body(line=20)
    p = split_patch(body)
    assert p.inbody_from == "Real Author <real@example.org>"
    assert p.commit_message.startswith("Fix it.")
    assert "1 file changed" in p.diffstat
    assert p.diff_error is None
    (f,) = p.files
    (h,) = f.hunks
    assert (f.path, f.change, f.added, f.removed) == ("src/util/virfile.c", "modified", 1, 1)
    assert (h.old_start, h.old_len, h.new_start, h.new_len) == (20, 3, 20, 3)
    assert h.section == "virFileDoThing(void)"
    assert "2.39.2" not in p.diff


def test_signature_after_blank_context_line() -> None:
    body = (
        diff_body()
        .replace(" context two\n-- ", " context two\n \n-- ")
        .replace("@@ -10,3 +10,3 @@", "@@ -10,4 +10,4 @@")
    )
    assert split_patch(body).diff_error is None


def test_a_removed_dash_line_is_not_a_signature() -> None:
    body = diff_body().replace("-old line\n", "-- \n")
    p = split_patch(body)
    assert p.diff_error is None and p.files[0].removed == 1


def test_bad_hunk_counts_are_kept_raw_and_flagged() -> None:
    body = diff_body().replace("@@ -10,3 +10,3 @@", "@@ -10,9 +10,9 @@")
    p = split_patch(body)
    assert p.has_diff and p.files == () and p.diff_error and "diff not parsed" in p.diff_error
    assert "+new line" in p.diff


def test_rename_binary_and_mode_changes() -> None:
    diff = (
        "msg\n---\ndiff --git a/old.c b/new.c\nsimilarity index 100%\nrename from old.c\n"
        "rename to new.c\ndiff --git a/img.png b/img.png\nindex 1111111..2222222 100644\n"
        "Binary files a/img.png and b/img.png differ\ndiff --git a/run.sh b/run.sh\n"
        "old mode 100644\nnew mode 100755\n"
    )
    p = split_patch(diff)
    assert [(f.path, f.change) for f in p.files] == [
        ("new.c", "renamed"),
        ("img.png", "binary"),
        ("run.sh", "mode"),
    ]


def test_quoted_diff_is_not_a_diff() -> None:
    quoted = "\n".join("> " + line for line in diff_body().split("\n"))
    assert not has_diff(quoted)
    assert has_diff(diff_body())


def test_cvs_index_diff_detected() -> None:
    body = (
        "msg\nIndex: foo.c\n" + "=" * 67 + "\n--- foo.c\t1.1\n+++ foo.c\t1.2\n@@ -1 +1 @@\n-a\n+b\n"
    )
    p = split_patch(body)
    assert p.has_diff and p.commit_message == "msg"


def test_a_file_without_a_name_is_a_rejected_diff() -> None:
    # found by test_mangled_diffs: `diff --git a/ b/` parsed as a file whose path is ""
    body = "x\n---\ndiff --git a/ b/\nold mode 100644\nnew mode 100755\n"
    p = split_patch(body)
    assert p.has_diff and p.files == ()
    assert p.diff_error == "diff not parsed: file 1 of the diff has no name"
