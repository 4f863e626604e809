"""Range-diff by hunk: synthetic patches, the real v1 -> v2 corpus series, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session

from reviewbot.errors import NotFound
from reviewbot.pipeline.importer import ImportReport
from reviewbot.series.rangediff import (
    HunkCounterpart,
    PatchHunk,
    SeriesPatch,
    body_diff,
    diff_series,
    map_hunks,
)
from tests import reads as queries
from tests.conftest import LIST, diff_body, mail, write_mbox

MONTHS = (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")
CLI = [sys.executable, "-m", "reviewbot"]

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


# the real series: v2 rewords one comment line of patch 08 and changes nothing else


@pytest.fixture
def versions(run_import: Callable[..., ImportReport], session: Session) -> dict[int, int]:
    run_import(*MONTHS)
    return {r["version"]: r["id"] for r in queries.list_series(session)}


def test_corpus_v1_to_v2(versions: dict[int, int], session: Session) -> None:
    data = queries.diff_series(session, versions[1], versions[2])
    assert (data["from"], data["to"]) == (versions[1], versions[2])
    got = {(p["old"], p["new"]): p["status"] for p in data["patches"]}
    assert got == {(n, n): "changed" if n == 8 else "unchanged" for n in range(1, 11)}
    patch8 = data["patches"][7]
    (h,) = patch8["hunks"]
    assert h["file"] == "src/conf/virstorageobj.c"
    assert h["old_header"] == h["new_header"]
    assert h["old_header"].startswith("@@ -454,11 +454,16 @@ virStoragePoolObjListSearchCb(")
    assert h["status"] == "changed"
    assert "-+     * locked as the caller wants to return a locked object. */" in h["detail"]
    assert "++     * locked as the caller wants a locked and ref'd object. */" in h["detail"]
    others = [h for p in data["patches"] if p["new"] != 8 for h in p["hunks"]]
    assert len(others) == 17 and {h["status"] for h in others} == {"unchanged"}


def test_corpus_map_hunks_and_backwards(versions: dict[int, int], session: Session) -> None:
    v1 = queries.load_patch_hunks(session, versions[1])
    v2 = queries.load_patch_hunks(session, versions[2])
    mapping = map_hunks(diff_series(v1, v2))
    assert len(mapping) == 18
    assert mapping[(v1[7].key, 0)] == HunkCounterpart(v2[7].key, 0, "changed")
    assert mapping[(v1[0].key, 1)] == HunkCounterpart(v2[0].key, 1, "unchanged")
    back = queries.diff_series(session, versions[2], versions[1])
    assert [p["status"] for p in back["patches"]].count("changed") == 1


def test_unknown_series(versions: dict[int, int], session: Session) -> None:
    with pytest.raises(NotFound, match="no series with id 999"):
        queries.diff_series(session, versions[1], 999)


def run(*args: object) -> subprocess.CompletedProcess[str]:
    env = {"COLUMNS": "400", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
    )


def test_cli_diff_json_and_unknown_id(db_url: str) -> None:
    db = db_url
    assert run("import-mbox", "--db", db, *MONTHS).returncode == 0
    ids = {
        r["version"]: r["id"]
        for r in json.loads(run("series", "list", "--db", db, "--json").stdout)
    }
    out = run("diff", ids[1], ids[2], "--db", db, "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert set(data) == {"from", "to", "patches"}
    assert (data["from"], data["to"]) == (ids[1], ids[2])
    assert {tuple(sorted(p)) for p in data["patches"]} == {
        ("hunks", "new", "old", "status", "title")
    }
    assert {tuple(sorted(h)) for p in data["patches"] for h in p["hunks"]} == {
        ("detail", "file", "new_header", "old_header", "status")
    }
    table = run("diff", ids[1], ids[2], "--db", db)
    assert table.returncode == 0 and "++     * locked as the caller wants a locked" in table.stdout
    missing = run("diff", ids[1], 999, "--db", db, "--json")
    assert missing.returncode == 3 and "no series with id 999" in missing.stderr


def test_cli_diff_prints_markup_literally(tmp_path: Path, db_url: str) -> None:
    evil = "owned [bold red]loud[/bold red]"
    db = db_url
    archive = write_mbox(
        tmp_path / "a.mbox",
        [
            mail("v1@example.org", f"[PATCH] {evil}", diff_body(path="src/[red]x[/red].c")),
            mail(
                "v2@example.org",
                f"[PATCH v2] {evil}",
                diff_body(path="src/[red]x[/red].c", line=30).replace("+new", "+[b]new"),
                date="Wed, 19 Jul 2023 09:30:00 +0200",
            ),
        ],
    )
    assert run("import-mbox", "--db", db, archive).returncode == 0
    shown = run("diff", "1", "2", "--db", db)
    assert shown.returncode == 0
    assert evil in shown.stdout and "src/[red]x[/red].c" in shown.stdout
    assert "++[b]new line" in shown.stdout
