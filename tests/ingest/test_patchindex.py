"""The on-disk patch-id index: kept by commit, appended to, a damaged line skipped."""

from __future__ import annotations

from pathlib import Path

from reviewbot.ingest.patchindex import FILE_NAME, IndexedCommit, PatchIndex, parse_line


def entry(n: int, subject: str = "qemu: fix\tit") -> IndexedCommit:
    return IndexedCommit(
        f"{n:040x}",
        f"{n + 100:040x}",
        "2023-01-23T11:42:18+01:00",
        "2023-01-23T11:42:18+01:00",
        "a@example.org",
        "A. Author",
        subject,
    )


def test_entries_survive_a_reload_and_only_new_commits_are_missing(tmp_path: Path) -> None:
    index = PatchIndex(tmp_path)
    index.add([entry(1), entry(2)])
    again = PatchIndex(tmp_path)
    assert len(again) == 2 and again.get(f"{1:040x}") == entry(1, "qemu: fix it")
    assert again.missing([f"{n:040x}" for n in (1, 3, 2, 4)]) == [f"{3:040x}", f"{4:040x}"]


def test_a_line_cut_short_is_skipped_and_later_lines_still_read(tmp_path: Path) -> None:
    PatchIndex(tmp_path).add([entry(1)])
    path = tmp_path / FILE_NAME
    whole = entry(2).line()
    with path.open("a") as f:
        f.write(whole[:-10])  # a run killed in the middle of the subject
    assert parse_line(whole[:-10] + "\n") is None
    PatchIndex(tmp_path).add([entry(3)])
    found = PatchIndex(tmp_path)
    assert sorted(found.missing(f"{n:040x}" for n in (1, 2, 3))) == [f"{2:040x}"]


def test_without_a_directory_nothing_is_written(tmp_path: Path) -> None:
    index = PatchIndex(None)
    index.add([entry(1)])
    assert f"{1:040x}" in index and index.path is None
