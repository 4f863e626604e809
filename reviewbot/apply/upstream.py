"""Which commit of a tree's history carries a patch.  (pure)

First by `git patch-id --stable`: the same change, whatever its line numbers
and whitespace, is `exact`. Then, for a patch whose patch-id no commit has
(rebased onto other context, reworded, touched up), by author and subject: the
commits with the same normalised subject, or by the same author with a subject
sharing most of its words, are scored by how alike their changed lines are;
the best at `SIMILAR_SCORE` or more is `similar`, with what differs. The git
side (patch-ids, the commits' diffs, tags, the reverse-apply check that makes
a patch `present`) is apply.history's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from reviewbot.ingest.patchindex import IndexedCommit

EXACT = "exact"
SIMILAR = "similar"
PRESENT = "present"  # the change is in the tree (it reverse-applies) but no commit names it
NOT_FOUND = "not-found"
SIMILAR_SCORE = 0.5  # changed lines at least this alike (difflib's ratio)
SUBJECT_OVERLAP = 0.5  # same author: the subjects share at least this part of their words
MAX_CANDIDATES = 5
_PREFIX = re.compile(r"^(?:\s*(?:\[[^\]]*\]|re:|fwd?:))+\s*", re.I)
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@")
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class MailPatch:
    """A patch as matching sees it: its title, author, diff and patch-id."""

    number: int
    title: str
    author_name: str
    author_email: str
    diff: str
    patch_id: str | None  # None: git found no diff in it


@dataclass(frozen=True)
class UpstreamMatch:
    """Where one patch is in the tree, if anywhere."""

    number: int
    match: str  # exact, similar, present, not-found
    commit: str | None
    subject: str | None
    score: float | None
    author_date: str | None
    commit_date: str | None
    tag: str | None
    detail: str


@dataclass(frozen=True)
class ChangedLine:
    """One added or removed line of a diff, in its file."""

    file: str
    sign: str
    text: str


def normalise_subject(subject: str) -> str:
    """A subject without [PATCH ...] / Re: prefixes, case, spacing or a final full stop."""
    text = _PREFIX.sub("", subject)
    return " ".join(text.split()).rstrip(".").lower()


def subject_overlap(a: str, b: str) -> float:
    """The share of words two subjects have in common (Jaccard), 0 to 1."""
    wa, wb = set(_WORD.findall(a.lower())), set(_WORD.findall(b.lower()))
    return len(wa & wb) / len(wa | wb) if wa | wb else 0.0


class HistoryView:
    """The commits of a range, found by patch-id, normalised subject and author.

    The subject and author maps are built on the first patch the patch-ids do not
    place: most checks never need them.
    """

    def __init__(self, commits: Iterable[IndexedCommit]) -> None:
        self.commits = list(commits)
        self.by_patch_id: dict[str, list[IndexedCommit]] = {}
        for c in self.commits:
            if c.patch_id:
                self.by_patch_id.setdefault(c.patch_id, []).append(c)
        self._by_subject: dict[str, list[IndexedCommit]] | None = None
        self._by_author: dict[str, list[IndexedCommit]] = {}

    def _maps(self) -> tuple[dict[str, list[IndexedCommit]], dict[str, list[IndexedCommit]]]:
        if self._by_subject is None:
            self._by_subject = {}
            for c in self.commits:
                self._by_subject.setdefault(normalise_subject(c.subject), []).append(c)
                self._by_author.setdefault(c.author_email.lower(), []).append(c)
        return self._by_subject, self._by_author

    def carrying(self, patch_id: str | None) -> list[IndexedCommit]:
        """The commits with this patch-id, oldest first (the range lists newest first)."""
        return list(reversed(self.by_patch_id.get(patch_id or "", [])))

    def candidates(self, patch: MailPatch) -> list[IndexedCommit]:
        """Commits that may carry another version of the patch, likeliest first."""
        by_subject, by_author = self._maps()
        title = normalise_subject(patch.title)
        scored: dict[str, tuple[float, IndexedCommit]] = {}
        for c in by_subject.get(title, []):
            scored[c.commit] = (2.0, c)  # the same subject, whoever committed it
        for c in by_author.get(patch.author_email.lower(), []):
            overlap = subject_overlap(title, normalise_subject(c.subject))
            if overlap >= SUBJECT_OVERLAP and c.commit not in scored:
                scored[c.commit] = (overlap, c)
        ranked = sorted(scored.values(), key=lambda sc: -sc[0])
        return [c for _, c in ranked[:MAX_CANDIDATES]]


def exact_match(patch: MailPatch, view: HistoryView) -> UpstreamMatch | None:
    """The oldest commit of the range with the patch's patch-id, if any."""
    found = view.carrying(patch.patch_id)
    if not found:
        return None
    first = found[0]
    detail = "same patch-id"
    if len(found) > 1:
        detail += "; also as " + ", ".join(c.commit[:12] for c in found[1:])
    return _found(patch, first, EXACT, 1.0, detail)


def similar_match(
    patch: MailPatch, candidates: Sequence[IndexedCommit], diffs: dict[str, str]
) -> UpstreamMatch | None:
    """The candidate whose diff is most like the patch's, when alike enough."""
    scored = [(diff_score(patch.diff, diffs.get(c.commit, "")), c) for c in candidates]
    best = max(scored, key=lambda sc: sc[0], default=None)
    if best is None or best[0] < SIMILAR_SCORE:
        return None
    score, commit = best
    detail = f"score {score:.2f}: " + what_differs(patch, commit, diffs.get(commit.commit, ""))
    return _found(patch, commit, SIMILAR, round(score, 3), detail)


def nearest_note(
    patch: MailPatch, candidates: Sequence[IndexedCommit], diffs: dict[str, str]
) -> str:
    """For a patch found nowhere: the closest candidate and its score, if there was one."""
    scored = [(diff_score(patch.diff, diffs.get(c.commit, "")), c) for c in candidates]
    if not scored:
        return ""
    score, c = max(scored, key=lambda sc: sc[0])
    return f"; nearest: {c.commit[:12]} {c.subject!r} (score {score:.2f})"


def _found(
    patch: MailPatch, c: IndexedCommit, match: str, score: float, detail: str
) -> UpstreamMatch:
    return UpstreamMatch(
        patch.number,
        match,
        c.commit,
        c.subject,
        score,
        c.author_date,
        c.commit_date,
        None,
        detail,
    )


def with_tag(found: UpstreamMatch, tag: str | None) -> UpstreamMatch:
    """The match with the first tag containing its commit."""
    return replace(found, tag=tag)


def changed_lines(diff: str, *, exact: bool = False) -> list[ChangedLine]:
    """The added and removed lines of a diff, by file, whitespace-normalised unless `exact`.

    Hunks end where their header's line counts say, so a mail's signature
    ("-- ") after the last hunk is not read as a removed line.
    """
    out: list[ChangedLine] = []
    current, old_left, new_left = "", 0, 0
    for line in diff.split("\n"):
        if old_left > 0 or new_left > 0:
            sign = line[:1]
            if sign in ("+", "-", " ", ""):
                old_left -= sign in ("-", " ", "")
                new_left -= sign in ("+", " ", "")
                if sign in ("+", "-"):
                    text = line[1:] if exact else " ".join(line[1:].split())
                    out.append(ChangedLine(current, sign, text))
                continue
            if sign == "\\":
                continue
        if line.startswith("diff --git "):
            current = line.rsplit(" b/", 1)[-1]
        elif m := _HUNK.match(line):
            old_left = int(m.group(1) or 1)
            new_left = int(m.group(2) or 1)
    return out


def diff_score(a: str, b: str) -> float:
    """How alike two diffs' changed lines are, 0 to 1 (whitespace ignored)."""
    la, lb = changed_lines(a), changed_lines(b)
    if not la or not lb:
        return 0.0
    return SequenceMatcher(None, la, lb, autojunk=False).ratio()


def what_differs(patch: MailPatch, commit: IndexedCommit, commit_diff: str) -> str:
    """What separates a patch from the commit found similar to it, in a few words."""
    parts = []
    if normalise_subject(patch.title) != normalise_subject(commit.subject):
        parts.append(f"subject {commit.subject!r}")
    if patch.author_email.lower() != commit.author_email.lower():
        parts.append(f"author {commit.author_email}")
    parts.append(_diff_difference(patch.diff, commit_diff))
    return "; ".join(parts)


def _diff_difference(a: str, b: str) -> str:
    if changed_lines(a, exact=True) == changed_lines(b, exact=True):
        return "the same changed lines in other context (rebased)"
    la, lb = changed_lines(a), changed_lines(b)
    if la == lb:
        return "whitespace only"
    files_a, files_b = {c.file for c in la}, {c.file for c in lb}
    differing = sum(
        max(i2 - i1, j2 - j1)
        for tag, i1, i2, j1, j2 in SequenceMatcher(None, la, lb, autojunk=False).get_opcodes()
        if tag != "equal"
    )
    text = f"{differing} changed line{'s differ' if differing != 1 else ' differs'}"
    if files_a != files_b:
        text += f"; files {', '.join(sorted(files_a ^ files_b))} in only one of them"
    return text
