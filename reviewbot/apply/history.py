"""A tree's history as `upstream` and `apply` read it: the range, its patch-ids, tags.

The range is the last `YEARS` years of a tip's history (counted back from the
tip's own commit date, so the same tree gives the same range whenever it is
read), plus any revision ranges given. The patch-ids of its commits come from
the on-disk index (ingest.patchindex); only the commits it does not hold yet
are run through `git diff-tree -p | git patch-id --stable`, in chunks, each
chunk remembered as soon as it is read. `find_upstream` then says, for each
patch of a series, which commit carries it (apply.upstream), or whether the
change is in the tree without a commit to name (it reverse-applies).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reviewbot.apply.git import pipe_git, run_git
from reviewbot.apply.scratch import scratch_index
from reviewbot.apply.upstream import (
    NOT_FOUND,
    PRESENT,
    HistoryView,
    MailPatch,
    UpstreamMatch,
    exact_match,
    nearest_note,
    similar_match,
    with_tag,
)
from reviewbot.errors import InputError
from reviewbot.ingest.patchindex import IndexedCommit, PatchIndex

YEARS = 2
CHUNK = 2000  # commits per diff-tree | patch-id run: progress is kept chunk by chunk
_SEP = "\x1f"
_META = _SEP.join(("%H", "%aI", "%cI", "%ae", "%an", "%s"))
_TAG_SUFFIX = re.compile(r"[~^].*$")
Progress = Callable[[int], None]


@dataclass(frozen=True)
class HistoryRange:
    """The commits a check looks at, newest first, and how to say which they are."""

    tip: str
    since: datetime  # where the YEARS years of the tip begin
    description: str
    commits: tuple[str, ...]


def history_range(root: Path, tip: str, revs: Sequence[str] = ()) -> HistoryRange:
    """The last YEARS years of `tip`, plus each revision range in `revs`."""
    shown = run_git(root, "log", "-1", "--format=%H %cI", tip).stdout.split()
    since = _years_before(datetime.fromisoformat(shown[1]), YEARS)
    listed = run_git(root, "rev-list", f"--since={since.isoformat()}", shown[0]).stdout.split()
    description = f"{YEARS} years of {shown[0][:12]} (since {since.date().isoformat()})"
    seen = dict.fromkeys(listed)
    for rev in revs:
        words = rev.split()
        found = None
        if words and not any(w.startswith("-") for w in words):
            found = run_git(root, "rev-list", "--end-of-options", *words, "--", check=False)
        if found is None or not found.ok:
            raise InputError(f"--rev {rev!r}: not a revision range of {root}")
        seen.update(dict.fromkeys(found.stdout.split()))
        description += f" + {rev}"
    return HistoryRange(shown[0], since, description, tuple(seen))


def _years_before(when: datetime, years: int) -> datetime:
    try:
        return when.replace(year=when.year - years)
    except ValueError:  # 29 February
        return when.replace(year=when.year - years, day=28)


def update_index(
    root: Path, index: PatchIndex, commits: Sequence[str], progress: Progress | None = None
) -> int:
    """Index the commits the index does not hold yet; how many were read."""
    missing = index.missing(commits)
    for start in range(0, len(missing), CHUNK):
        chunk = missing[start : start + CHUNK]
        index.add(_read_commits(root, chunk))
        if progress:
            progress(len(chunk))
    return len(missing)


def _read_commits(root: Path, commits: Sequence[str]) -> list[IndexedCommit]:
    listed = "\n".join(commits) + "\n"
    meta = run_git(root, "log", "--no-walk=unsorted", "--stdin", f"--format={_META}", input=listed)
    ids = pipe_git(
        root,
        ["diff-tree", "--stdin", "-r", "-p", "-M", "--root"],
        ["patch-id", "--stable"],
        input=listed,
        timeout=120 + len(commits) / 20,
    )
    patch_ids = {}
    for line in ids.stdout.splitlines():
        pid, _, commit = line.partition(" ")
        patch_ids[commit] = pid
    out = []
    for line in meta.stdout.splitlines():
        fields = line.split(_SEP)
        if len(fields) == 6:
            commit, adate, cdate, email, name, subject = fields
            out.append(
                IndexedCommit(commit, patch_ids.get(commit, ""), adate, cdate, email, name, subject)
            )
    return out


def mail_patch_ids(root: Path, diffs: Sequence[str]) -> list[str | None]:
    """The `git patch-id --stable` of each diff (None: git found no diff in it)."""
    if not diffs:
        return []
    stream = "".join(f"commit {n:040x}\n{d.rstrip()}\n" for n, d in enumerate(diffs))
    out = run_git(root, "patch-id", "--stable", input=stream)
    found = {}
    for line in out.stdout.splitlines():
        pid, _, fake = line.partition(" ")
        found[int(fake, 16)] = pid
    return [found.get(n) for n in range(len(diffs))]


def commit_diffs(root: Path, commits: Sequence[str]) -> dict[str, str]:
    """The diff each commit makes (against its first parent)."""
    if not commits:
        return {}
    shown = run_git(
        root, "diff-tree", "--stdin", "-r", "-p", "-M", "--root", input="\n".join(commits) + "\n"
    )
    wanted, out, current = set(commits), {}, None
    lines: list[str] = []
    for line in shown.stdout.split("\n"):
        if line in wanted:
            if current:
                out[current] = "\n".join(lines)
            current, lines = line, []
        else:
            lines.append(line)
    if current:
        out[current] = "\n".join(lines)
    return out


def first_tags(root: Path, commits: Sequence[str]) -> dict[str, str | None]:
    """The first tag containing each commit (as `git describe --contains` names it)."""
    unique = list(dict.fromkeys(commits))
    if not unique:
        return {}
    named = run_git(root, "name-rev", "--tags", "--name-only", *unique, check=False)
    names = named.stdout.split() if named.ok else []
    if len(names) != len(unique):
        return dict.fromkeys(unique)
    tags = [None if n == "undefined" else _TAG_SUFFIX.sub("", n) for n in names]
    return dict(zip(unique, tags, strict=True))


def reverse_applies(root: Path, commit: str, diffs: dict[int, str]) -> set[int]:
    """Which of the diffs are already in `commit`'s tree: they apply in reverse there.

    A hunk rebuilt from a review quote is often cut right after its last added
    line; git then anchors it to the end of the file, so each diff that fails is
    checked again with --unidiff-zero, which lifts that anchoring.
    """
    present = set()
    with scratch_index(root, commit) as scratch:
        for number, diff in diffs.items():
            path = scratch.write(f"reverse-{number:04d}.diff", diff)
            check = ["apply", "--cached", "--check", "--reverse", str(path)]
            if scratch.git(*check).ok or scratch.git(*check, "--unidiff-zero").ok:
                present.add(number)
    return present


@dataclass(frozen=True)
class UpstreamFindings:
    """Where each patch is in a range of a tree's history."""

    range: HistoryRange
    matches: tuple[UpstreamMatch, ...]


def find_upstream(
    root: Path,
    index: PatchIndex,
    patches: Sequence[MailPatch],
    history: HistoryRange,
    *,
    check_present: bool = True,
) -> UpstreamFindings:
    """Which commit of `history` carries each patch: exact, similar, present or not-found."""
    view = HistoryView(e for c in history.commits if (e := index.get(c)) is not None)
    found: dict[int, UpstreamMatch] = {}
    candidates = {}
    for p in patches:
        if (hit := exact_match(p, view)) is not None:
            found[p.number] = hit
        else:
            candidates[p.number] = view.candidates(p)
    wanted = list(dict.fromkeys(c.commit for cs in candidates.values() for c in cs))
    diffs = commit_diffs(root, wanted)
    for p in patches:
        if p.number in candidates and (hit := similar_match(p, candidates[p.number], diffs)):
            found[p.number] = hit
    tags = first_tags(root, [m.commit for m in found.values() if m.commit])
    found = {n: with_tag(m, tags.get(m.commit or "")) for n, m in found.items()}
    rest = {p.number: p.diff for p in patches if p.number not in found and p.diff.strip()}
    present = reverse_applies(root, history.tip, rest) if rest and check_present else set()
    matches = []
    for p in patches:
        if p.number in found:
            matches.append(found[p.number])
        else:
            nearest = nearest_note(p, candidates.get(p.number, []), diffs)
            matches.append(_unmatched(p, history, p.number in present, nearest))
    return UpstreamFindings(history, tuple(matches))


def _unmatched(p: MailPatch, history: HistoryRange, present: bool, nearest: str) -> UpstreamMatch:
    if not p.diff.strip():
        return UpstreamMatch(p.number, NOT_FOUND, None, None, None, None, None, None, "no diff")
    nobody = f"no commit of {history.description} carries it"
    if present:
        detail = f"in the tree (it reverse-applies); no history to name the commit: {nobody}"
        return UpstreamMatch(p.number, PRESENT, None, None, None, None, None, None, detail)
    return UpstreamMatch(p.number, NOT_FOUND, None, None, None, None, None, None, nobody + nearest)
