"""The commit a series is applied on, how it was found, and why (b4's --guess-base).

`--base` when given (a revision that does not resolve is bad input, exit 2),
else the series' `base-commit:` line when the tree has that commit, else the
commit whose tree holds the blob ids of the patches' `index` lines: HEAD when
it holds them all, else the newest commit that adds them and holds them all.
Else HEAD. The note says which candidates were tried and why one was chosen.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reviewbot.apply.git import run_git
from reviewbot.errors import InputError

_INDEX = re.compile(
    r"^diff --git a/(\S+) b/(\S+)\n(?:(?!diff --git).*\n)*?"
    r"index ([0-9a-f]{7,40})\.\.([0-9a-f]{7,40})",
    re.M,
)
_NULL_BLOB = re.compile(r"^0+$")


class HasDiff(Protocol):
    """A patch, as far as the base guess is concerned."""

    @property
    def diff(self) -> str: ...


@dataclass(frozen=True)
class Base:
    """The commit a series is applied on, and how it was found."""

    commit: str
    source: str  # option, base-commit, blob-ids, head
    note: str


def old_blobs(patches: Sequence[HasDiff]) -> dict[str, str]:
    """path -> the blob id the first patch touching it expects (new files skipped)."""
    blobs: dict[str, str] = {}
    for patch in patches:
        for m in _INDEX.finditer(patch.diff):
            path, blob = m.group(1), m.group(3)
            if path not in blobs and not _NULL_BLOB.match(blob):
                blobs[path] = blob
    return blobs


def resolve_base(tree: Path, option: str) -> str:
    """The commit `--base` names; InputError (exit 2) when it names none."""
    found = None
    if option and not option.startswith("-"):
        found = run_git(
            tree,
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{option}^{{commit}}",
            check=False,
        )
    if found is None or not found.ok:
        raise InputError(f"--base {option}: no such commit in {tree}")
    return found.stdout.strip()


def find_base(
    tree: Path,
    patches: Sequence[HasDiff],
    base_commit: str | None,
    option: str | None,
    head: str,
) -> Base:
    """The base: --base, else base-commit:, else the commit holding the blobs, else HEAD."""
    if option is not None:
        commit = resolve_base(tree, option)
        same = " (HEAD)" if commit == head and option != "HEAD" else ""
        return Base(commit, "option", f"given with --base {option}{same}")
    notes = []
    if base_commit:
        found = run_git(
            tree, "rev-parse", "--verify", "--quiet", f"{base_commit}^{{commit}}", check=False
        )
        if found.ok:
            return Base(found.stdout.strip(), "base-commit", "named by the base-commit: line")
        notes.append(f"base-commit {base_commit} is not in this tree")
    blobs = old_blobs(patches)
    if not blobs:
        notes.append("the patches name no blob ids to guess from; using HEAD")
        return Base(head, "head", "; ".join(notes))
    guessed, why = guess_from_blobs(tree, blobs, head)
    notes.append(why)
    if guessed is None:
        notes.append("using HEAD")
        return Base(head, "head", "; ".join(notes))
    return Base(guessed, "blob-ids", "; ".join(notes))


def guess_from_blobs(tree: Path, blobs: dict[str, str], head: str) -> tuple[str | None, str]:
    """b4's --guess-base: HEAD if it holds every expected blob, else the newest commit
    that adds them and holds them all; with the candidates tried and the choice."""
    n = len(blobs)
    lacking = _lacking(tree, head, blobs)
    if not lacking:
        return head, f"HEAD {head[:12]} holds all {n} blobs the patches expect"
    some = "all" if len(lacking) == n else f"{len(lacking)} of the"
    said = f"HEAD {head[:12]} lacks {some} {n} blobs the patches expect"
    said += f" ({_some(lacking)})"
    dated: dict[str, int] = {}
    for path, blob in blobs.items():
        full = run_git(tree, "rev-parse", "--verify", "--quiet", f"{blob}^{{blob}}", check=False)
        if not full.ok:
            return None, f"{said}; blob {blob} of {path} is not in this repository"
        found_by = f"--find-object={full.stdout.strip()}"
        log = run_git(tree, "log", "--all", "--format=%H %ct", found_by)
        for line in log.stdout.splitlines():
            commit, _, when = line.partition(" ")
            dated[commit] = int(when or 0)
    newest_first = sorted(dated, key=lambda c: -dated[c])
    for tried, commit in enumerate(newest_first, 1):
        if not _lacking(tree, commit, blobs):
            subject = run_git(tree, "log", "-1", "--format=%s", commit).stdout.strip()
            return commit, (
                f"{said}; of the {len(newest_first)} commits that add or remove them, "
                f"{commit[:12]} ({subject}) is the newest holding all {n}"
                + (f" ({tried - 1} newer ones do not)" if tried > 1 else "")
            )
    return None, (
        f"{said}; none of the {len(newest_first)} commits that add or remove them holds all {n}"
    )


def _lacking(tree: Path, commit: str, blobs: dict[str, str]) -> list[str]:
    """The paths whose blob at `commit` is not the one the patches expect."""
    listing = run_git(tree, "ls-tree", "-r", commit, "--", *blobs, check=False)
    found = {}
    for line in listing.stdout.splitlines():
        meta, _, path = line.partition("\t")
        found[path] = meta.split()[2] if len(meta.split()) > 2 else ""
    return [p for p, b in blobs.items() if not found.get(p, "").startswith(b)]


def _some(paths: Sequence[str]) -> str:
    shown = ", ".join(paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")
