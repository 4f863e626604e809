"""Apply a series to a throw-away index of its base and explain every result.

The user's checkout and repository are never touched: patches are applied one
by one with `git apply --cached` to a temporary index of the base
(apply.scratch), so each hunk's fate can be read off git's own report and
later patches see earlier ones. Everything is read through git objects: no
path taken from a mail is ever opened, and a path that is absolute, leaves the
tree, names .git or goes through a symbolic link (one of the base's, or one an
earlier patch created) is refused per hunk before git sees it (apply.paths).

Each patch is, in this order: refused, applied (forward, maybe with offsets),
already-applied (a commit of the base's history carries it: `carried`, from
the patch-id index; else it reverse-applies), missing-file, applied with a
3-way merge, or conflict (which hunk, what it expected, what the tree has).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.apply.base import Base
from reviewbot.apply.paths import header_paths, path_refusal, symlink_refusal
from reviewbot.apply.scratch import SYMLINK, Scratch, scratch_index

_HUNK_OK = re.compile(r"^Hunk #(\d+) succeeded at (\d+)(?: \(offset (-?\d+) lines?\))?", re.M)
NO_HISTORY = "already in the tree (it reverse-applies); no history to name the commit"


@dataclass(frozen=True)
class HunkInput:
    """A hunk as stored: which file, where, and its text."""

    file: str
    index: int  # within the file
    header: str
    old_start: int
    old_len: int
    text: str
    old_file: str = ""  # the path before a rename, when it differs


@dataclass(frozen=True)
class PatchInput:
    """A patch to apply."""

    number: int
    title: str
    diff: str
    diff_error: str | None
    hunks: tuple[HunkInput, ...]
    author_name: str = ""
    author_email: str = ""


@dataclass(frozen=True)
class HunkResult:
    """What happened to one hunk."""

    file: str
    header: str
    status: str
    offset: int
    detail: str


@dataclass(frozen=True)
class PatchResult:
    """What happened to one patch, and to each of its hunks."""

    number: int
    # applied, applied-with-offset, already-applied, conflict, missing-file, no-diff, refused
    status: str
    detail: str
    hunks: tuple[HunkResult, ...]
    commit: str | None = None  # already-applied: the commit that carries it, when known


@dataclass(frozen=True)
class Carried:
    """A commit of the base's history that carries a patch, and how to say so."""

    commit: str
    detail: str


@dataclass
class _Tree:
    """The scratch index as the series goes: its paths' modes, the links patches made."""

    scratch: Scratch
    modes: dict[str, str]
    made_by: dict[str, int] = field(default_factory=dict)

    def touched(self, patch: PatchInput) -> None:
        """Read the modes of what an applied patch touched; note the links it made."""
        paths = header_paths(patch.diff) | {h.file for h in patch.hunks}
        safe = sorted(p for p in paths if path_refusal(p) is None)
        now = self.scratch.entries(*safe) if safe else {}
        for path in safe:
            if path in now:
                if now[path] == SYMLINK and self.modes.get(path) != SYMLINK:
                    self.made_by[path] = patch.number
                self.modes[path] = now[path]
            else:
                self.modes.pop(path, None)


Lookup = Callable[[int], Carried | None]


def apply_patches(
    root: Path,
    base: Base,
    patches: Sequence[PatchInput],
    carried: Lookup | None = None,
) -> list[PatchResult]:
    """Apply each patch in order to a scratch index of `base` in the repository at `root`.

    A failing patch does not stop the others. `carried(number)` names the
    commit of the base's history that carries a patch that does not apply.
    """
    with scratch_index(root, base.commit) as scratch:
        tree = _Tree(scratch, scratch.entries())
        return [_apply_one(tree, p, carried or _nothing) for p in patches]


def _nothing(_number: int) -> Carried | None:
    return None


def _apply_one(tree: _Tree, patch: PatchInput, carried_by: Lookup) -> PatchResult:
    if not patch.diff.strip():
        return PatchResult(patch.number, "no-diff", "the mail carries no diff", ())
    if patch.diff_error:
        return PatchResult(patch.number, "conflict", f"damaged patch: {patch.diff_error}", ())
    if refused := _refused(tree, patch):
        return refused
    scratch = tree.scratch
    patch_file = scratch.write(f"patch-{patch.number:04d}.diff", patch.diff)
    # one git call for the common case: the patch applies as it is
    forward = scratch.git("apply", "--cached", "--verbose", str(patch_file))
    if forward.ok:
        tree.touched(patch)
        return _applied(patch, forward.stderr)
    if (carried := carried_by(patch.number)) is not None:
        return _already(patch, carried.detail, carried.commit)
    if _reverse_applies(scratch, patch_file, patch):
        return _already(patch, NO_HISTORY, None)
    missing = [h.file for h in patch.hunks if h.old_len and h.file not in tree.modes]
    if missing:
        return _missing(patch, missing)
    if _three_way(scratch, patch_file):
        tree.touched(patch)
        hunks = tuple(
            HunkResult(h.file, h.header, "applied", 0, "3-way merge") for h in patch.hunks
        )
        return PatchResult(patch.number, "applied", "applied with a 3-way merge", hunks)
    return _conflict(scratch, patch)


def _refused(tree: _Tree, patch: PatchInput) -> PatchResult | None:
    """The patch refused, per hunk, when a path it names may not be touched."""
    reasons: dict[str, str] = {}
    paths = header_paths(patch.diff) | {h.file for h in patch.hunks}
    paths |= {h.old_file for h in patch.hunks if h.old_file not in ("", "/dev/null")}
    for path in sorted(paths):
        why = path_refusal(path) or symlink_refusal(path, tree.modes, tree.made_by)
        if why:
            reasons[path] = why
    if not reasons:
        return None
    hunks = []
    for h in patch.hunks:
        why = reasons.get(h.file) or reasons.get(h.old_file)
        status = "refused" if why else "not-tried"
        hunks.append(HunkResult(h.file, h.header, status, 0, f"refused: {why}" if why else ""))
    detail = "refused: " + "; ".join(reasons.values())
    return PatchResult(patch.number, "refused", detail, tuple(hunks))


def _already(patch: PatchInput, detail: str, commit: str | None) -> PatchResult:
    hunks = tuple(HunkResult(h.file, h.header, "already-applied", 0, detail) for h in patch.hunks)
    return PatchResult(patch.number, "already-applied", detail, hunks, commit)


def _missing(patch: PatchInput, missing: list[str]) -> PatchResult:
    hunks = tuple(
        HunkResult(
            h.file,
            h.header,
            "missing-file" if h.file in missing else "not-tried",
            0,
            f"{h.file} does not exist in the tree" if h.file in missing else "",
        )
        for h in patch.hunks
    )
    return PatchResult(patch.number, "missing-file", ", ".join(sorted(set(missing))), hunks)


def _reverse_applies(scratch: Scratch, patch_file: Path, patch: PatchInput) -> bool:
    """Is the change already in the tree?

    A hunk rebuilt from a review quote is often cut right after its last added
    line; git then anchors it to the end of the file, so such hunks are checked
    again with --unidiff-zero, which lifts that anchoring.
    """
    args = ["apply", "--cached", "--check", "--reverse", str(patch_file)]
    if scratch.git(*args).ok:
        return True
    trimmed = any(h.text.rstrip("\n").split("\n")[-1][:1] in ("+", "-") for h in patch.hunks)
    return trimmed and scratch.git(*args, "--unidiff-zero").ok


def _applied(patch: PatchInput, report: str) -> PatchResult:
    """Per-hunk offsets from `git apply --verbose`'s "Hunk #N succeeded at L (offset K)"."""
    offsets: dict[tuple[str, int], int] = {}
    current = ""
    for line in report.splitlines():
        if line.startswith("Checking patch "):
            current = line.removeprefix("Checking patch ").rstrip(".")
        elif m := _HUNK_OK.match(line):
            offsets[(current, int(m.group(1)) - 1)] = int(m.group(3) or 0)
    hunks = []
    for h in patch.hunks:
        off = offsets.get((h.file, h.index), 0)
        status = "applied-with-offset" if off else "applied"
        hunks.append(
            HunkResult(h.file, h.header, status, off, f"offset {off:+d} lines" if off else "")
        )
    moved = [h for h in hunks if h.offset]
    if moved:
        detail = ", ".join(f"{h.file} {_at(h.header)} by {h.offset:+d}" for h in moved)
        return PatchResult(patch.number, "applied-with-offset", detail, tuple(hunks))
    return PatchResult(patch.number, "applied", "", tuple(hunks))


def _at(header: str) -> str:
    """A hunk's place without its function context: "@@ -50,3 +50,4 @@"."""
    return header.split(" @@")[0] + " @@"


def _three_way(scratch: Scratch, patch_file: Path) -> bool:
    """A clean 3-way merge (needs the blobs); on conflicts the index is put back."""
    saved = scratch.save()
    merged = scratch.git("apply", "--cached", "--3way", str(patch_file))
    if merged.ok and "conflicts" not in merged.stderr:
        return True
    scratch.restore(saved)
    return False


def _conflict(scratch: Scratch, patch: PatchInput) -> PatchResult:
    """Try each hunk on its own to say which ones fail, and what the tree has there."""
    results = [_try_hunk(scratch, patch, h) for h in patch.hunks]
    failed = [r for r in results if r.status == "conflict"]
    detail = "; ".join(f"{r.file} {_at(r.header)} does not apply" for r in failed)
    return PatchResult(
        patch.number, "conflict", detail or "the patch does not apply", tuple(results)
    )


def _try_hunk(scratch: Scratch, patch: PatchInput, hunk: HunkInput) -> HunkResult:
    single = scratch.write(
        f"hunk-{patch.number:04d}-{hunk.index}.diff",
        f"--- a/{hunk.file}\n+++ b/{hunk.file}\n{hunk.text}",
    )
    ok = scratch.git("apply", "--cached", "--check", "--verbose", str(single))
    if ok.ok:
        m = _HUNK_OK.search(ok.stderr)
        off = int(m.group(3) or 0) if m else 0
        return HunkResult(
            hunk.file,
            hunk.header,
            "applied-with-offset" if off else "applied",
            off,
            "applies on its own; the patch as a whole does not",
        )
    if scratch.git("apply", "--cached", "--check", "--reverse", str(single)).ok:
        return HunkResult(hunk.file, hunk.header, "already-applied", 0, "already in the tree")
    return HunkResult(hunk.file, hunk.header, "conflict", 0, _expected_vs_tree(scratch, hunk))


def _expected_vs_tree(scratch: Scratch, hunk: HunkInput) -> str:
    """What the hunk expected and what the tree's blob has at those lines."""
    expected = [ln[1:] for ln in hunk.text.split("\n")[1:] if ln[:1] in (" ", "-")]
    text = scratch.blob_text(hunk.file)
    if text is None:
        return (
            f"expected at line {hunk.old_start}:\n"
            + "\n".join(expected)
            + (f"\n--- the tree has no {hunk.file}")
        )
    lines = text.split("\n")
    start = max(hunk.old_start - 1, 0)
    actual = lines[start : start + max(hunk.old_len, 1)]
    return (
        f"expected at line {hunk.old_start}:\n"
        + "\n".join(expected)
        + "\n--- the tree has:\n"
        + "\n".join(actual)
    )
