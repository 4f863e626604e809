"""Apply a series to a git tree in a throw-away worktree and explain every result.

The user's checkout is never touched: a detached `git worktree` is made in a
temporary directory from the base, patches are applied there one by one with
`git apply` (so each hunk's fate can be read off git's own report), committed
so later patches see earlier ones, and the worktree is removed afterwards,
also on errors and Ctrl-C.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reviewbot.apply.git import run_git

_INDEX = re.compile(
    r"^diff --git a/(\S+) b/(\S+)\n(?:(?!diff --git).*\n)*?"
    r"index ([0-9a-f]{7,40})\.\.([0-9a-f]{7,40})",
    re.M,
)
_HUNK_OK = re.compile(r"^Hunk #(\d+) succeeded at (\d+)(?: \(offset (-?\d+) lines?\))?", re.M)
_NULL_BLOB = re.compile(r"^0+$")


@dataclass(frozen=True)
class HunkInput:
    """A hunk as stored: which file, where, and its text."""

    file: str
    index: int  # within the file
    header: str
    old_start: int
    old_len: int
    text: str


@dataclass(frozen=True)
class PatchInput:
    """A patch to apply."""

    number: int
    title: str
    diff: str
    diff_error: str | None
    hunks: tuple[HunkInput, ...]


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
    status: str  # applied, applied-with-offset, already-applied, conflict, missing-file, no-diff
    detail: str
    hunks: tuple[HunkResult, ...]


@dataclass(frozen=True)
class Base:
    """The commit a series is applied on, and how it was found."""

    commit: str
    source: str  # base-commit, blob-ids, option, head
    note: str


def old_blobs(patches: Sequence[PatchInput]) -> dict[str, str]:
    """path -> the blob id the first patch touching it expects (new files skipped)."""
    blobs: dict[str, str] = {}
    for patch in patches:
        for m in _INDEX.finditer(patch.diff):
            path, blob = m.group(1), m.group(3)
            if path not in blobs and not _NULL_BLOB.match(blob):
                blobs[path] = blob
    return blobs


def find_base(
    tree: Path,
    patches: Sequence[PatchInput],
    base_commit: str | None,
    option: str | None,
    head: str,
) -> Base:
    """The base: --base, else base-commit:, else the commit holding the blobs, else HEAD."""
    notes = []
    if option:
        return Base(_commit(tree, option), "option", f"--base {option}")
    if base_commit:
        found = run_git(
            tree, "rev-parse", "--verify", "--quiet", f"{base_commit}^{{commit}}", check=False
        )
        if found.ok:
            return Base(found.stdout.strip(), "base-commit", "named by the base-commit: line")
        notes.append(f"base-commit {base_commit} is not in this tree")
    blobs = old_blobs(patches)
    if blobs:
        guessed = _guess_from_blobs(tree, blobs, head)
        if guessed:
            notes.append(f"found from the blob ids of {len(blobs)} files")
            return Base(guessed, "blob-ids", "; ".join(notes))
        notes.append("no commit holds the blobs the patches expect")
    notes.append("using HEAD")
    return Base(head, "head", "; ".join(notes))


def _commit(tree: Path, rev: str) -> str:
    return run_git(tree, "rev-parse", "--verify", f"{rev}^{{commit}}").stdout.strip()


def _has_blobs(tree: Path, commit: str, blobs: dict[str, str]) -> bool:
    listing = run_git(tree, "ls-tree", "-r", commit, "--", *blobs, check=False)
    found = {}
    for line in listing.stdout.splitlines():
        meta, _, path = line.partition("\t")
        found[path] = meta.split()[2] if len(meta.split()) > 2 else ""
    return all(found.get(p, "").startswith(b) for p, b in blobs.items())


def _guess_from_blobs(tree: Path, blobs: dict[str, str], head: str) -> str | None:
    """b4's --guess-base: HEAD if it holds every expected blob, else a commit that does."""
    if _has_blobs(tree, head, blobs):
        return head
    candidates: list[str] = []
    for blob in blobs.values():
        full = run_git(tree, "rev-parse", "--verify", "--quiet", f"{blob}^{{blob}}", check=False)
        if not full.ok:
            return None  # a blob the repository has never seen: no commit can hold it
        log = run_git(tree, "log", "--all", "--format=%H", f"--find-object={full.stdout.strip()}")
        candidates.extend(log.stdout.split())
    for commit in dict.fromkeys(candidates):
        if _has_blobs(tree, commit, blobs):
            return commit
    return None


@contextmanager
def worktree(tree: Path, base: str) -> Iterator[Path]:
    """A detached worktree of `tree` at `base` in a temporary directory, always removed."""
    with tempfile.TemporaryDirectory(prefix="reviewbot-apply-") as tmp:
        path = Path(tmp) / "tree"
        run_git(tree, "worktree", "add", "--detach", "--quiet", str(path), base)
        try:
            yield path
        finally:
            removed = run_git(tree, "worktree", "remove", "--force", str(path), check=False)
            if not removed.ok:
                run_git(tree, "worktree", "prune", check=False)


def apply_patches(root: Path, base: Base, patches: Sequence[PatchInput]) -> list[PatchResult]:
    """Apply each patch in order in a worktree of the work tree at `root`.

    A failing patch does not stop the others.
    """
    with worktree(root, base.commit) as work:
        return [_apply_one(root, work, patch) for patch in patches]


def _apply_one(root: Path, work: Path, patch: PatchInput) -> PatchResult:
    if not patch.diff.strip():
        return PatchResult(patch.number, "no-diff", "the mail carries no diff", ())
    if patch.diff_error:
        return PatchResult(patch.number, "conflict", f"damaged patch: {patch.diff_error}", ())
    missing = [h.file for h in patch.hunks if not (work / h.file).exists() and h.old_len]
    if missing:
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
    patch_file = work.parent / f"patch-{patch.number:04d}.diff"
    patch_file.write_text(patch.diff, encoding="utf-8")
    # one git call for the common case: the patch applies as it is
    forward = run_git(work, "apply", "--index", "--verbose", str(patch_file), check=False)
    if forward.ok:
        return _applied(patch, forward.stderr)
    if _reverse_applies(work, patch_file, patch):
        commit = _bringing_commit(root, patch)
        detail = f"already in the tree (brought by {commit})" if commit else "already in the tree"
        hunks = tuple(
            HunkResult(h.file, h.header, "already-applied", 0, detail) for h in patch.hunks
        )
        return PatchResult(patch.number, "already-applied", detail, hunks)
    if _three_way(work, patch_file):
        hunks = tuple(
            HunkResult(h.file, h.header, "applied", 0, "3-way merge") for h in patch.hunks
        )
        return PatchResult(patch.number, "applied", "applied with a 3-way merge", hunks)
    return _conflict(work, patch)


def _reverse_applies(work: Path, patch_file: Path, patch: PatchInput) -> bool:
    """Is the change already in the tree?

    A hunk rebuilt from a review quote is often cut right after its last added
    line; git then anchors it to the end of the file, so such hunks are checked
    again with --unidiff-zero, which lifts that anchoring.
    """
    args = ["apply", "--check", "--reverse", str(patch_file)]
    if run_git(work, *args, check=False).ok:
        return True
    trimmed = any(h.text.rstrip("\n").split("\n")[-1][:1] in ("+", "-") for h in patch.hunks)
    return trimmed and run_git(work, *args, "--unidiff-zero", check=False).ok


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
        detail = ", ".join(f"{h.file} {h.header.split(' @@')[0]} by {h.offset:+d}" for h in moved)
        return PatchResult(patch.number, "applied-with-offset", detail, tuple(hunks))
    return PatchResult(patch.number, "applied", "", tuple(hunks))


def _three_way(work: Path, patch_file: Path) -> bool:
    """A clean 3-way merge (needs the blobs); on conflicts the worktree is reset.

    Patches applied so far live only in the index; they are committed first so
    that resetting a failed merge cannot take them away.
    """
    run_git(work, "commit", "--quiet", "--allow-empty", "--no-verify", "-m", "applied so far")
    merged = run_git(work, "apply", "--3way", "--index", str(patch_file), check=False)
    if merged.ok and "conflicts" not in merged.stderr:
        return True
    run_git(work, "reset", "--hard", "--quiet", "HEAD")
    return False


def _conflict(work: Path, patch: PatchInput) -> PatchResult:
    """Try each hunk on its own to say which ones fail, and what the tree has there."""
    results = []
    for h in patch.hunks:
        results.append(_try_hunk(work, patch, h))
    failed = [r for r in results if r.status == "conflict"]
    detail = "; ".join(f"{r.file} {r.header.split(' @@')[0]} @@ does not apply" for r in failed)
    return PatchResult(
        patch.number, "conflict", detail or "the patch does not apply", tuple(results)
    )


def _try_hunk(work: Path, patch: PatchInput, hunk: HunkInput) -> HunkResult:
    single = work.parent / f"hunk-{patch.number:04d}-{hunk.index}.diff"
    single.write_text(f"--- a/{hunk.file}\n+++ b/{hunk.file}\n{hunk.text}", encoding="utf-8")
    ok = run_git(work, "apply", "--check", "--verbose", str(single), check=False)
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
    if run_git(work, "apply", "--check", "--reverse", str(single), check=False).ok:
        return HunkResult(hunk.file, hunk.header, "already-applied", 0, "already in the tree")
    return HunkResult(hunk.file, hunk.header, "conflict", 0, _expected_vs_tree(work, hunk))


def _expected_vs_tree(work: Path, hunk: HunkInput) -> str:
    expected = [ln[1:] for ln in hunk.text.split("\n")[1:] if ln[:1] in (" ", "-")]
    try:
        lines = (work / hunk.file).read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError as exc:
        return f"cannot read {hunk.file}: {exc}"
    start = max(hunk.old_start - 1, 0)
    actual = lines[start : start + max(hunk.old_len, 1)]
    return (
        f"expected at line {hunk.old_start}:\n"
        + "\n".join(expected)
        + "\n--- the tree has:\n"
        + "\n".join(actual)
    )


def _bringing_commit(root: Path, patch: PatchInput) -> str | None:
    """The commit that added the patch's first added line to its file, if history says."""
    for h in patch.hunks:
        added = [ln[1:] for ln in h.text.split("\n")[1:] if ln.startswith("+") and ln[1:].strip()]
        if added:
            log = run_git(
                root, "log", "-n1", "--format=%h %s", "-S", added[0], "--", h.file, check=False
            )
            return log.stdout.strip() or None
    return None
