"""Range-diff by hunk: what changed between two versions of a series.  (pure)

Patches are matched by normalised title, then by the content of their diffs (a
renamed patch), then by position; within a matched pair, hunks are matched by
file, then by function context (the @@ section), then by the similarity of their
changed lines, so a hunk that only moved keeps its identity. Line numbers are
never used to match, only to tell "unchanged" from "moved".

Concern tracking reuses `map_hunks`: an open concern anchored on an old hunk is
carried to its counterpart; "changed" means addressed, "dropped" means gone.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Generic, Literal, TypeVar

from reviewbot.mail.subject import normalise_title

PatchStatus = Literal["unchanged", "changed", "added", "dropped"]
HunkStatus = Literal["unchanged", "moved", "changed", "added", "dropped"]

# below this, two diffs (or two hunks of a file) are different changes, not one edited
_PATCH_SIMILARITY = 0.5
_HUNK_SIMILARITY = 0.5
_DETAIL_CONTEXT = 1

T = TypeVar("T")
Scorer = Callable[[T, T], float | None]
Gate = Callable[[T, T], bool]


@dataclass(frozen=True)
class _Ranked(Generic[T]):
    """A matching pass whose score only ranks the pairs its gate lets through.

    A pair alone in its pass (neither side has another candidate) is taken
    whatever it scores, so its score, the costly part, is never computed.
    """

    gate: Gate[T]
    score: Callable[[T, T], float]


@dataclass(frozen=True)
class PatchHunk:
    """One @@ hunk of a patch, with the path of the file it changes."""

    file: str
    header: str
    section: str
    old_start: int
    old_len: int
    new_start: int
    new_len: int
    text: str  # the header line and the body, as the mail has it

    @cached_property  # asked once per candidate pair while matching
    def body(self) -> list[str]:
        """The hunk's lines without the @@ header."""
        return [line for line in self.text.split("\n")[1:] if line]

    @cached_property
    def changed(self) -> list[str]:
        """Only the added and removed lines, which carry the change."""
        return [line for line in self.body if line[:1] in ("+", "-")]


@dataclass(frozen=True)
class SeriesPatch:
    """One patch of a series version; `id` is its database id when it has one."""

    number: int
    title: str
    hunks: tuple[PatchHunk, ...]
    id: int | None = None

    @property
    def key(self) -> int:
        """How `map_hunks` names this patch: its id, or its number without one."""
        return self.id if self.id is not None else self.number


@dataclass(frozen=True)
class HunkDiff:
    """One hunk across two versions; the indexes are positions in `SeriesPatch.hunks`."""

    file: str
    old_header: str | None
    new_header: str | None
    status: HunkStatus
    detail: str
    old_index: int | None = None
    new_index: int | None = None


@dataclass(frozen=True)
class PatchDiff:
    """One patch across two versions, with its hunks."""

    old_number: int | None
    new_number: int | None
    title: str
    status: PatchStatus
    hunks: tuple[HunkDiff, ...]
    old_key: int | None = None
    new_key: int | None = None


@dataclass(frozen=True)
class SeriesDiff:
    """Every patch of two versions, in the new version's order, dropped ones in place."""

    patches: tuple[PatchDiff, ...]


@dataclass(frozen=True)
class HunkCounterpart:
    """Where an old hunk went: its new patch and index, or None when it was dropped."""

    new_patch: int | None
    new_index: int | None
    status: HunkStatus


def diff_series(old: Sequence[SeriesPatch], new: Sequence[SeriesPatch]) -> SeriesDiff:
    """Range-diff two versions of a series, patch by patch and hunk by hunk."""
    pairs = match_patches(old, new)
    out: list[PatchDiff] = []
    for i, j in _in_new_order(pairs, len(old), len(new)):
        if i is None and j is not None:
            out.append(_one_sided(new[j], "added"))
        elif j is None and i is not None:
            out.append(_one_sided(old[i], "dropped"))
        elif i is not None and j is not None:
            out.append(diff_patch(old[i], new[j]))
    return SeriesDiff(tuple(out))


def match_patches(old: Sequence[SeriesPatch], new: Sequence[SeriesPatch]) -> list[tuple[int, int]]:
    """Pairs (old index, new index): same title, then similar diff, then same position."""
    return _match(
        old, new, [_Ranked(_same_titles, _patch_similarity), _similar_patch, _same_position]
    )


def diff_patch(old: SeriesPatch, new: SeriesPatch) -> PatchDiff:
    """Compare two matched patches hunk by hunk."""
    pairs = match_hunks(old.hunks, new.hunks)
    hunks = tuple(
        _hunk_diff(old.hunks, new.hunks, i, j)
        for i, j in _in_new_order(pairs, len(old.hunks), len(new.hunks))
    )
    same = old.title == new.title and all(h.status in ("unchanged", "moved") for h in hunks)
    return PatchDiff(
        old.number,
        new.number,
        new.title,
        "unchanged" if same else "changed",
        hunks,
        old.key,
        new.key,
    )


def match_hunks(old: Sequence[PatchHunk], new: Sequence[PatchHunk]) -> list[tuple[int, int]]:
    """Pairs (old index, new index): same change, then same function, then similar lines."""
    return _match(
        old, new, [_same_change, _Ranked(_same_sections, _changed_similarity), _similar_hunk]
    )


def map_hunks(diff: SeriesDiff) -> dict[tuple[int, int], HunkCounterpart]:
    """Every old hunk, by (old patch key, hunk index), to its place in the new version."""
    out: dict[tuple[int, int], HunkCounterpart] = {}
    for patch in diff.patches:
        if patch.old_key is None:
            continue
        for hunk in patch.hunks:
            if hunk.old_index is not None:
                new_patch = patch.new_key if hunk.new_index is not None else None
                out[(patch.old_key, hunk.old_index)] = HunkCounterpart(
                    new_patch, hunk.new_index, hunk.status
                )
    return out


def similarity(a: Sequence[str], b: Sequence[str]) -> float:
    """How alike two runs of diff lines are, 0..1, by characters (one edited line counts)."""
    if not a and not b:
        return 1.0
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, "\n".join(a), "\n".join(b), autojunk=False)
    # both bounds are cheap and ratio() never exceeds them: below the bar, a bound will do
    for bound in (matcher.real_quick_ratio, matcher.quick_ratio):
        if (value := bound()) < _HUNK_SIMILARITY:
            return value
    return matcher.ratio()


def _match(
    old: Sequence[T], new: Sequence[T], passes: Sequence[Scorer[T] | _Ranked[T]]
) -> list[tuple[int, int]]:
    """Greedy matching, pass by pass: the best-scoring free pairs of each pass first."""
    pairs: list[tuple[int, int]] = []
    free_old, free_new = set(range(len(old))), set(range(len(new)))
    for step in passes:
        if isinstance(step, _Ranked):
            candidates = _ranked_candidates(old, new, free_old, free_new, step)
        else:
            candidates = _scored_candidates(old, new, free_old, free_new, step)
        for _s, _d, i, j in sorted(candidates):
            if i in free_old and j in free_new:
                pairs.append((i, j))
                free_old.discard(i)
                free_new.discard(j)
    return pairs


Candidate = tuple[float, int, int, int]  # (-score, distance, old index, new index)


def _scored_candidates(
    old: Sequence[T], new: Sequence[T], free_old: set[int], free_new: set[int], score: Scorer[T]
) -> list[Candidate]:
    candidates = []
    for i in sorted(free_old):
        for j in sorted(free_new):
            s = score(old[i], new[j])
            if s is not None:
                # ties go to the pair closest in position
                candidates.append((-s, abs(i - j), i, j))
    return candidates


def _ranked_candidates(
    old: Sequence[T], new: Sequence[T], free_old: set[int], free_new: set[int], step: _Ranked[T]
) -> list[Candidate]:
    """A ranked pass's candidates, scored only where two of them compete for a side."""
    gated = [
        (i, j) for i in sorted(free_old) for j in sorted(free_new) if step.gate(old[i], new[j])
    ]
    olds, news = Counter(i for i, _j in gated), Counter(j for _i, j in gated)
    return [
        (0.0 if olds[i] == news[j] == 1 else -step.score(old[i], new[j]), abs(i - j), i, j)
        for i, j in gated
    ]


def _in_new_order(
    pairs: list[tuple[int, int]], n_old: int, n_new: int
) -> list[tuple[int | None, int | None]]:
    """Matched and added items in new order; a dropped one after its old predecessor."""
    new_of = dict(pairs)
    old_of = {j: i for i, j in pairs}
    keyed: list[tuple[tuple[int, int, int], int | None, int | None]] = [
        ((j, 0, 0), old_of.get(j), j) for j in range(n_new)
    ]
    anchor = -1
    for i in range(n_old):
        if i in new_of:
            anchor = new_of[i]
        else:
            keyed.append(((anchor, 1, i), i, None))
    return [(i, j) for _k, i, j in sorted(keyed, key=lambda k: k[0])]


def _same_titles(a: SeriesPatch, b: SeriesPatch) -> bool:
    return normalise_title(a.title) == normalise_title(b.title)  # the closest diff ranks


def _similar_patch(a: SeriesPatch, b: SeriesPatch) -> float | None:
    if not a.hunks or not b.hunks:
        return None
    s = _patch_similarity(a, b)
    return s if s >= _PATCH_SIMILARITY else None


def _same_position(a: SeriesPatch, b: SeriesPatch) -> float | None:
    # a rewrite in place, not an unrelated patch that happens to sit there
    if a.number != b.number:
        return None
    shared = {h.file for h in a.hunks} & {h.file for h in b.hunks}
    return 0.0 if shared or not a.hunks or not b.hunks else None


def _patch_similarity(a: SeriesPatch, b: SeriesPatch) -> float:
    lines_a = [f"{h.file}:{line}" for h in a.hunks for line in h.changed]
    lines_b = [f"{h.file}:{line}" for h in b.hunks for line in h.changed]
    if not lines_a and not lines_b:
        return 1.0
    return difflib.SequenceMatcher(None, lines_a, lines_b, autojunk=False).ratio()


def _same_change(a: PatchHunk, b: PatchHunk) -> float | None:
    if a.file != b.file or a.body != b.body:
        return None
    return 1.0 / (1 + abs(a.old_start - b.old_start))  # repeated bodies: nearest first


def _same_sections(a: PatchHunk, b: PatchHunk) -> bool:
    return a.file == b.file and bool(a.section) and a.section == b.section


def _changed_similarity(a: PatchHunk, b: PatchHunk) -> float:
    return similarity(a.changed, b.changed)


def _similar_hunk(a: PatchHunk, b: PatchHunk) -> float | None:
    if a.file != b.file:
        return None
    s = similarity(a.changed, b.changed)
    return s if s >= _HUNK_SIMILARITY else None


def _one_sided(patch: SeriesPatch, status: Literal["added", "dropped"]) -> PatchDiff:
    hunks = tuple(_lone_hunk(h, n, status) for n, h in enumerate(patch.hunks))
    if status == "added":
        return PatchDiff(None, patch.number, patch.title, status, hunks, None, patch.key)
    return PatchDiff(patch.number, None, patch.title, status, hunks, patch.key, None)


def _lone_hunk(hunk: PatchHunk, index: int, status: Literal["added", "dropped"]) -> HunkDiff:
    detail = "\n".join(hunk.body)
    if status == "added":
        return HunkDiff(hunk.file, None, hunk.header, status, detail, None, index)
    return HunkDiff(hunk.file, hunk.header, None, status, detail, index, None)


def _hunk_diff(
    old: Sequence[PatchHunk], new: Sequence[PatchHunk], i: int | None, j: int | None
) -> HunkDiff:
    if i is None and j is not None:
        return _lone_hunk(new[j], j, "added")
    if j is None and i is not None:
        return _lone_hunk(old[i], i, "dropped")
    assert i is not None and j is not None
    a, b = old[i], new[j]
    status, detail = _compare_hunks(a, b)
    return HunkDiff(b.file, a.header, b.header, status, detail, i, j)


def _compare_hunks(a: PatchHunk, b: PatchHunk) -> tuple[HunkStatus, str]:
    if a.body != b.body:
        return "changed", body_diff(a.body, b.body)
    shift_old, shift_new = b.old_start - a.old_start, b.new_start - a.new_start
    if shift_old == shift_new == 0:
        return "unchanged", ""
    if shift_old == shift_new:
        return "moved", f"moved {shift_old:+d} lines"
    return "moved", f"moved {shift_old:+d} lines (old file), {shift_new:+d} lines (new file)"


def body_diff(old: list[str], new: list[str]) -> str:
    """The edit between two hunk bodies, range-diff style: "-+line" became "++line".

    Groups of edits are separated by "@@" (positions inside a hunk mean nothing).
    """
    lines = list(difflib.unified_diff(old, new, n=_DETAIL_CONTEXT, lineterm=""))[3:]
    return "\n".join("@@" if line.startswith("@@") else line for line in lines)
