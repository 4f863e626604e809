"""Unified diffs: a patch mail's body -> commit message, diffstat, files, hunks.  (pure)

unidiff does the hunk parsing; this module finds where the diff starts in a
mail, cuts off the signature, and turns a diff unidiff rejects into a flagged
raw diff instead of an exception.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import unidiff

_DIFF_START = re.compile(r"^(?:diff --git |diff -\S|Index: \S|--- \S)")
_INBODY_HEADER = re.compile(r"^(From|Date|Subject): ?(.*)$")
_HUNK_HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@ ?(.*)$")


@dataclass(frozen=True)
class Hunk:
    """One @@ block: where it sits in the old and new file, and its text."""

    index: int
    header: str
    section: str
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    added: int
    removed: int
    text: str


@dataclass(frozen=True)
class FileDiff:
    """One file of a diff with its hunks; `change` says what happened to it."""

    old_path: str
    new_path: str
    change: str  # modified, added, removed, renamed, binary, mode
    added: int
    removed: int
    hunks: tuple[Hunk, ...]

    @property
    def path(self) -> str:
        """The path a reviewer knows the file by: the new one unless deleted."""
        return self.old_path if self.change == "removed" else self.new_path


@dataclass(frozen=True)
class PatchBody:
    """A patch mail's body taken apart."""

    inbody_from: str | None
    commit_message: str
    diffstat: str
    diff: str
    files: tuple[FileDiff, ...]
    diff_error: str | None

    @property
    def has_diff(self) -> bool:
        """True when the body carries a diff, parsed or not."""
        return bool(self.diff.strip())


def find_diff_start(lines: list[str]) -> int | None:
    """Index of the first unquoted line that starts a diff, or None."""
    for i, line in enumerate(lines):
        if not _DIFF_START.match(line):
            continue
        if line.startswith("--- ") and not (i + 1 < len(lines) and lines[i + 1].startswith("+++ ")):
            continue
        return i
    return None


def has_diff(body: str) -> bool:
    """Cheap test: does this body contain an unquoted diff?"""
    if "\n+++ " not in body and "diff " not in body and "Index: " not in body:
        return False
    return find_diff_start(body.split("\n")) is not None


def split_patch(body: str) -> PatchBody:
    """Split a patch mail body into in-body From, message, diffstat and diff."""
    lines = body.split("\n")
    inbody_from, lines = _take_inbody_headers(lines)
    start = find_diff_start(lines)
    head = lines if start is None else lines[:start]
    diff_lines = [] if start is None else _strip_signature(lines[start:])
    message, diffstat = _split_message(head)
    diff = "\n".join(diff_lines) + ("\n" if diff_lines else "")
    files, error = parse_diff(diff) if diff_lines else ((), None)
    return PatchBody(inbody_from, message, diffstat, diff, files, error)


def _take_inbody_headers(lines: list[str]) -> tuple[str | None, list[str]]:
    """git send-email puts "From: Real Author" first when sender != author."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    found: str | None = None
    start = i
    while i < len(lines) and (m := _INBODY_HEADER.match(lines[i])):
        if m.group(1) == "From":
            found = m.group(2).strip()
        i += 1
    if i == start:
        return None, lines
    if i < len(lines) and not lines[i].strip():
        i += 1
    return found, lines[i:]


def _split_message(head: list[str]) -> tuple[str, str]:
    """Commit message above the "---" line, diffstat below it."""
    for i, line in enumerate(head):
        if line.rstrip() == "---":
            return "\n".join(head[:i]).strip("\n"), "\n".join(head[i + 1 :]).strip("\n")
    return "\n".join(head).strip("\n"), ""


def _strip_signature(lines: list[str]) -> list[str]:
    """Drop the "-- " signature git appends; hunk counts tell it from a diff line."""
    out: list[str] = []
    remaining_old = remaining_new = 0
    for line in lines:
        if remaining_old <= 0 and remaining_new <= 0:
            if line == "-- ":
                break
            m = _HUNK_HEADER.match(line)
            if m:
                remaining_old = int(m.group(2) or 1)
                remaining_new = int(m.group(4) or 1)
        elif line.startswith("-"):
            remaining_old -= 1
        elif line.startswith("+"):
            remaining_new -= 1
        elif not line.startswith("\\"):
            remaining_old -= 1
            remaining_new -= 1
        out.append(line)
    while out and out[-1] == "":
        out.pop()
    return out


def parse_diff(diff: str) -> tuple[tuple[FileDiff, ...], str | None]:
    """Files and hunks of a unified diff; on a diff unidiff rejects, (), reason."""
    try:
        patchset = unidiff.PatchSet(diff)
    except (unidiff.UnidiffParseError, ValueError, IndexError) as exc:
        return (), f"diff not parsed: {exc}"
    files = tuple(_file(pf) for pf in patchset)
    if not files:
        return (), "diff not parsed: no file headers found"
    # `diff --git a/ b/` names no file: nothing could be anchored to it or applied
    unnamed = next((i for i, f in enumerate(files, 1) if not f.path), None)
    if unnamed is not None:
        return (), f"diff not parsed: file {unnamed} of the diff has no name"
    return files, None


def _file(pf: unidiff.PatchedFile) -> FileDiff:
    hunks = tuple(_hunk(i, h) for i, h in enumerate(pf))
    return FileDiff(
        old_path=_strip_prefix(pf.source_file),
        new_path=_strip_prefix(pf.target_file),
        change=_change(pf),
        added=pf.added,
        removed=pf.removed,
        hunks=hunks,
    )


def _strip_prefix(path: str) -> str:
    if path == "/dev/null":
        return path
    return path[2:] if path[:2] in ("a/", "b/") else path


def _change(pf: unidiff.PatchedFile) -> str:
    if pf.is_binary_file:
        return "binary"
    if pf.is_added_file:
        return "added"
    if pf.is_removed_file:
        return "removed"
    if pf.is_rename:
        return "renamed"
    return "modified" if len(pf) else "mode"


def _hunk(index: int, h: unidiff.Hunk) -> Hunk:
    text = str(h)
    header, _, _ = text.partition("\n")
    return Hunk(
        index=index,
        header=header,
        section=(h.section_header or "").strip(),
        old_start=h.source_start,
        old_len=h.source_length,
        new_start=h.target_start,
        new_len=h.target_length,
        added=h.added,
        removed=h.removed,
        text=text,
    )
