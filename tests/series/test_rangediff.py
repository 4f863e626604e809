"""Range-diff by hunk (reviewbot/series/rangediff.py) on synthetic patches."""

from __future__ import annotations

from reviewbot.series.rangediff import (
    HunkCounterpart,
    PatchHunk,
    SeriesPatch,
    body_diff,
    diff_series,
    map_hunks,
)

BODY = (" int x;", "-    old();", "+    new();", " return 0;")
OTHER = (" char *s;", "+    if (!s)", "+        return -1;", " free(s);")


def hunk(
    body: tuple[str, ...] = BODY, *, start: int = 10, file: str = "src/a.c", section: str = "f()"
) -> PatchHunk:
    """A hunk as diff.py stores it: header line, then body."""
    old_len = sum(1 for line in body if not line.startswith("+"))
    new_len = sum(1 for line in body if not line.startswith("-"))
    header = f"@@ -{start},{old_len} +{start},{new_len} @@ {section}".rstrip()
    text = header + "\n" + "\n".join(body) + "\n"
    return PatchHunk(file, header, section, start, old_len, start, new_len, text)


def patch(number: int, title: str, *hunks: PatchHunk, pid: int | None = None) -> SeriesPatch:
    return SeriesPatch(number, title, hunks, pid)


def body(*changed: str) -> tuple[str, ...]:
    return (" {", *changed, " }")


def statuses(old: list[SeriesPatch], new: list[SeriesPatch]) -> list[tuple[object, ...]]:
    return [(p.old_number, p.new_number, p.status) for p in diff_series(old, new).patches]


A = patch(1, "util: add helper", hunk(body("+int helper(void);"), file="src/util.h"))
B = patch(2, "conf: parse the new attribute", hunk(body("+    parse(attr);"), file="src/conf.c"))
C = patch(3, "qemu: use the helper", hunk(body("-    old();", "+    helper();"), file="src/qemu.c"))


def test_identical_versions_are_unchanged() -> None:
    assert statuses([A, B, C], [A, B, C]) == [(1, 1, "unchanged"), (2, 2, "unchanged")] + [
        (3, 3, "unchanged")
    ]


def test_dropped_patch_keeps_its_place() -> None:
    c2 = patch(2, C.title, *C.hunks)
    result = diff_series([A, B, C], [A, c2])
    assert [(p.old_number, p.new_number, p.status) for p in result.patches] == [
        (1, 1, "unchanged"),
        (2, None, "dropped"),
        (3, 2, "unchanged"),
    ]
    dropped = result.patches[1]
    assert dropped.title == B.title
    assert [(h.status, h.new_header) for h in dropped.hunks] == [("dropped", None)]
    assert dropped.hunks[0].old_header == B.hunks[0].header


def test_added_patch() -> None:
    new = patch(2, "docs: mention the helper", hunk(body("+Use helper()."), file="docs/x.rst"))
    c3 = patch(3, C.title, *C.hunks)
    result = diff_series([A, patch(2, C.title, *C.hunks)], [A, new, c3])
    assert [(p.old_number, p.new_number, p.status) for p in result.patches] == [
        (1, 1, "unchanged"),
        (None, 2, "added"),
        (2, 3, "unchanged"),
    ]
    assert [h.status for h in result.patches[1].hunks] == ["added"]
    assert result.patches[1].hunks[0].old_header is None


def test_renamed_and_reordered_patch_matched_by_content() -> None:
    # B moved to the end and was retitled; position alone would pair it with C
    renamed = patch(3, "conf: Parse the 'mode' attribute", *B.hunks)
    result = diff_series([A, B, C], [A, patch(2, C.title, *C.hunks), renamed])
    assert [(p.old_number, p.new_number, p.status) for p in result.patches] == [
        (1, 1, "unchanged"),
        (3, 2, "unchanged"),
        (2, 3, "changed"),
    ]
    assert result.patches[2].title == renamed.title
    assert [h.status for h in result.patches[2].hunks] == ["unchanged"]


def test_unrelated_patch_at_same_position_is_dropped_and_added() -> None:
    other = patch(2, "rpc: new protocol", hunk(OTHER, file="src/rpc.c"))
    assert statuses([A, B], [A, other]) == [
        (1, 1, "unchanged"),
        (2, None, "dropped"),
        (None, 2, "added"),
    ]


def test_retitled_rewrite_in_place_matched_by_position() -> None:
    rewrite = patch(2, "conf: validate instead", hunk(OTHER, file="src/conf.c"))
    assert statuses([A, B], [A, rewrite]) == [(1, 1, "unchanged"), (2, 2, "changed")]


def test_hunk_moved_by_twenty_lines() -> None:
    old = patch(1, "fix", hunk(start=100), hunk(OTHER, start=300))
    new = patch(1, "fix", hunk(start=120), hunk(OTHER, start=300))
    (result,) = diff_series([old], [new]).patches
    assert result.status == "unchanged"
    moved, same = result.hunks
    assert (moved.status, moved.detail) == ("moved", "moved +20 lines")
    assert moved.old_header == "@@ -100,3 +100,3 @@ f()"
    assert moved.new_header == "@@ -120,3 +120,3 @@ f()"
    assert (same.status, same.detail) == ("unchanged", "")


def test_hunk_with_one_changed_line() -> None:
    edited = (" int x;", "-    old();", "+    new(true);", " return 0;")
    # also shifted: the edit is found although the line numbers differ
    (result,) = diff_series(
        [patch(1, "fix", hunk())], [patch(1, "fix", hunk(edited, start=14))]
    ).patches
    assert result.status == "changed"
    (h,) = result.hunks
    assert h.status == "changed"
    assert h.detail.splitlines() == [
        " -    old();",
        "-+    new();",
        "++    new(true);",
        "  return 0;",
    ]


def test_hunk_rewritten_in_same_function_is_changed() -> None:
    old = patch(1, "fix", hunk(BODY, section="virFoo(int x)"))
    new = patch(1, "fix", hunk(OTHER, start=40, section="virFoo(int x)"))
    (result,) = diff_series([old], [new]).patches
    assert [h.status for h in result.hunks] == ["changed"]


def test_new_hunk_in_a_file_and_dropped_hunk() -> None:
    old = patch(1, "fix", hunk(start=10), hunk(OTHER, start=200, section="g()"))
    extra = hunk(body("+    log();"), start=80, section="h()")
    new = patch(1, "fix", hunk(start=10), extra)
    (result,) = diff_series([old], [new]).patches
    assert result.status == "changed"
    # a dropped hunk is listed after the counterpart of the hunk that preceded it
    assert [(h.status, h.old_index, h.new_index) for h in result.hunks] == [
        ("unchanged", 0, 0),
        ("dropped", 1, None),
        ("added", None, 1),
    ]
    added = result.hunks[2]
    assert (added.file, added.old_header, added.new_header) == ("src/a.c", None, extra.header)
    assert added.detail == " {\n+    log();\n }"


def test_hunks_in_other_files_do_not_match() -> None:
    old = patch(1, "fix", hunk(file="src/a.c"))
    new = patch(1, "fix", hunk(file="src/b.c"))
    (result,) = diff_series([old], [new]).patches
    assert [(h.file, h.status) for h in result.hunks] == [
        ("src/a.c", "dropped"),
        ("src/b.c", "added"),
    ]


def test_map_hunks_gives_each_old_hunk_its_counterpart() -> None:
    old = [
        patch(1, "one", hunk(start=10), hunk(OTHER, start=50), pid=11),
        patch(2, "two", hunk(body("+x"), file="b.c"), pid=12),
    ]
    edited = (" int x;", "-    old();", "+    newer();", " return 0;")
    new = [patch(1, "one", hunk(OTHER, start=70), hunk(edited), pid=21)]
    mapping = map_hunks(diff_series(old, new))
    assert mapping == {
        (11, 0): HunkCounterpart(21, 1, "changed"),
        (11, 1): HunkCounterpart(21, 0, "moved"),
        (12, 0): HunkCounterpart(None, None, "dropped"),
    }


def test_body_diff_groups() -> None:
    old = ["-a", "+b", " c", " d", " e", " f", "+g"]
    new = ["-a", "+B", " c", " d", " e", " f", "+G"]
    expected = [" -a", "-+b", "++B", "  c", "@@", "  f", "-+g", "++G"]
    assert body_diff(old, new).splitlines() == expected
