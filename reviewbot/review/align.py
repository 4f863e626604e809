"""Quoted lines followed through a patch's diff: where each line a reviewer quoted sits.  (pure)

The patch is indexed by line content (whitespace squashed); the quoted lines are
then walked in order with a cursor, so trimmed hunks, damaged whitespace, re-wrapped
lines and lines found in several hunks land where the reviewer saw them. Each quoted
line comes back as a `Match`: a diff line (its `Spot`), a hunk or file header,
commit-message text, a diff of another file, or nothing known.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reviewbot.mail.diff import FileDiff

# --- the patch, indexed by line content ---------------------------------------------


@dataclass(frozen=True)
class Spot:
    """One line of one hunk of the patch."""

    order: int  # position in the whole patch, so quotes can be followed in order
    file: int
    path: str
    hunk: int
    header: str
    side: str
    line: int
    text: str


@dataclass(frozen=True)
class PatchIndex:
    """The patch's lines in order, and by their squashed content and side."""

    spots: tuple[Spot, ...]
    by_key: dict[tuple[str, str], tuple[Spot, ...]]
    hunks: tuple[tuple[int, int, int, int, str, int], ...]  # file, hunk, old, new, section, start
    by_path: dict[str, int]


def squash(text: str) -> str:
    """Whitespace removed: tabs, re-indentation and re-wrapping all compare equal."""
    return "".join(text.split())


def _key(line: str) -> tuple[str, str]:
    """A diff line's marker and squashed content; a line without marker is context."""
    if line[:1] in ("+", "-"):
        return line[0], squash(line[1:])
    return " ", squash(line)


@lru_cache(maxsize=64)
def index_patch(files: tuple[FileDiff, ...]) -> PatchIndex:
    """Every hunk line with its number on its side; cached since replies share patches."""
    spots: list[Spot] = []
    hunks: list[tuple[int, int, int, int, str, int]] = []
    paths: dict[str, int] = {}
    for f_no, f in enumerate(files):
        paths.setdefault(f.new_path, f_no)
        paths.setdefault(f.old_path, f_no)
        for h in f.hunks:
            hunks.append((f_no, h.index, h.old_start, h.new_start, squash(h.section), len(spots)))
            old, new = h.old_start, h.new_start
            for raw in h.text.rstrip("\n").split("\n")[1:]:
                marker = raw[:1] or " "
                if marker == "\\":
                    continue  # "\ No newline at end of file"
                side, line = ("old", old) if marker == "-" else ("new", new)
                spots.append(Spot(len(spots), f_no, f.path, h.index, h.header, side, line, raw))
                old += marker != "+"
                new += marker != "-"
    by_key: dict[tuple[str, str], list[Spot]] = {}
    for spot in spots:
        by_key.setdefault(_key(spot.text), []).append(spot)
    return PatchIndex(tuple(spots), {k: tuple(v) for k, v in by_key.items()}, tuple(hunks), paths)


# --- following the quoted lines through the patch -----------------------------------

_FILE_HEADER = re.compile(r"^(?:diff --git a/\S+ b/(\S+)|\+\+\+ b/(\S+)|Index: (\S+))")
_HUNK_HEADER = re.compile(r"^@@+ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@+ ?(.*)$")
_META = re.compile(
    r"^(?:---\s*$|--- (?:a/|/dev/null)|index [0-9a-f]+\.\.|(?:new|deleted) file mode|"
    r"similarity index|rename (?:from|to) |old mode|new mode|\s*\d+ files? changed|"
    r"\s\S.*\|\s+(?:\d+ ?[+-]*|Bin.*)\s*$)"
)


@dataclass(frozen=True)
class Match:
    """What one quoted line turned out to be."""

    what: str  # diff, header, file, foreign, commit, meta, blank, other
    spot: Spot | None = None
    note: str = ""


@dataclass
class _Cursor:
    """Where the quote has got to in the patch; the reviewer quotes in order."""

    order: int = -1
    hunk: tuple[int, int] | None = None
    file: int | None = None
    in_diff: bool = False
    foreign: str = ""  # a quoted file header naming a file this patch does not touch
    guess: str = ""  # set while the position rests on a guess among identical lines


QuotedLine = tuple[str, int]  # a quoted line and the number of its block


def align(lines: Sequence[QuotedLine], index: PatchIndex, commit: frozenset[str]) -> list[Match]:
    """A Match for every quoted line, following the quote through the patch."""
    cur = _Cursor()
    out: list[Match] = []
    i = 0
    while i < len(lines):
        match, taken = _structure(lines[i][0], index, cur), 1
        if match is None:
            match, taken = _content(lines, i, index, commit, cur)
        out.extend([match] * taken)
        i += taken
    return out


def _structure(text: str, index: PatchIndex, cur: _Cursor) -> Match | None:
    """File and hunk headers move the cursor; other diff metadata is skipped."""
    if m := _FILE_HEADER.match(text):
        path = next(g for g in m.groups() if g)
        cur.in_diff, cur.hunk, cur.guess = True, None, ""
        if path not in index.by_path:
            cur.foreign = path
            return Match("foreign", note=path)
        cur.foreign, cur.file = "", index.by_path[path]
        cur.order = next((h[5] for h in index.hunks if h[0] == cur.file), len(index.spots)) - 1
        return Match("file", note=path)
    if (m := _HUNK_HEADER.match(text)) and cur.foreign:
        return Match("foreign", note=cur.foreign)  # a hunk of the file we do not have
    if m:
        cur.in_diff = True
        found = _find_hunk(index, cur, int(m.group(1)), int(m.group(2)), m.group(3))
        if found is None:
            return Match("other", note="a hunk header this patch does not have")
        cur.hunk, cur.file, cur.foreign, cur.guess = found[:2], found[0], "", ""
        cur.order = found[5] - 1
        first = index.spots[found[5]] if found[5] < len(index.spots) else None
        return Match("header", first, "quoted hunk header")
    if _META.match(text):
        return Match("meta")
    return None


def _find_hunk(
    index: PatchIndex, cur: _Cursor, old: int, new: int, section: str
) -> tuple[int, int, int, int, str, int] | None:
    """The hunk a quoted @@ header names: by its numbers, else by its function."""
    by_numbers = [h for h in index.hunks if (h[2], h[3]) == (old, new)]
    by_section = [h for h in index.hunks if section.strip() and h[4] == squash(section)]
    for candidates in (by_numbers, by_section):
        if candidates:
            return next((h for h in candidates if h[0] == cur.file), candidates[0])
    return None


def _content(
    lines: Sequence[QuotedLine], i: int, index: PatchIndex, commit: frozenset[str], cur: _Cursor
) -> tuple[Match, int]:
    """Match a quoted diff line (or a line re-wrapped over several) to a hunk line."""
    text = lines[i][0]
    if cur.foreign:
        return Match("foreign", note=cur.foreign), 1
    if not text.strip():
        nxt = index.spots[cur.order + 1] if cur.order + 1 < len(index.spots) else None
        if cur.file is not None and nxt is not None and not nxt.text.strip():
            cur.order = nxt.order  # a blank context line whose space the mailer ate
            return Match("diff", nxt), 1
        return Match("blank"), 1
    in_commit = squash(text) in commit
    if in_commit and not cur.in_diff:
        return Match("commit"), 1
    if text[:1] not in "+- " and not cur.in_diff:
        spot = None if in_commit else _unique_context(text, index)
        if spot is None:  # prose, or a line the patch has more than once
            return Match("commit" if in_commit else "other"), 1
        # a trimmed quote starting at a context line whose leading space the mailer ate
        cur.order, cur.hunk, cur.file, cur.in_diff = (
            spot.order,
            (spot.file, spot.hunk),
            spot.file,
            True,
        )
        return Match("diff", spot, "a context line quoted without its leading space"), 1
    candidates = index.by_key.get(_key(text), ())
    spot, note = _pick(candidates, cur)
    taken = 1
    if spot is None:
        spot, taken = _rewrapped(lines, i, index, cur)
        note = f"re-wrapped over {taken} lines" if spot else ""
    elif len(candidates) == 1 or note:
        cur.guess = note  # a unique line settles the position; a guess taints what follows
    else:
        note = cur.guess
    if spot is None:
        return Match("commit" if in_commit else "other"), 1
    if text.rstrip() != spot.text.rstrip() and taken == 1:
        note = ", ".join(n for n in (note, "whitespace differs") if n)
    cur.order, cur.hunk, cur.file, cur.in_diff = spot.order, (spot.file, spot.hunk), spot.file, True
    return Match("diff", spot, note), taken


_UNIQUE_CONTEXT = 12  # squashed characters a bare line needs to be known as a context line


def _unique_context(text: str, index: PatchIndex) -> Spot | None:
    """The one context line of the patch with this content, if it is long enough to tell."""
    squashed = squash(text)
    found = index.by_key.get((" ", squashed), ())
    return found[0] if len(found) == 1 and len(squashed) >= _UNIQUE_CONTEXT else None


def _rewrapped(
    lines: Sequence[QuotedLine], i: int, index: PatchIndex, cur: _Cursor
) -> tuple[Spot | None, int]:
    """A long diff line the quoting mailer wrapped: join it with the next lines."""
    marker, joined = _key(lines[i][0])
    for j in range(i + 1, min(i + 4, len(lines))):
        if lines[j][1] != lines[i][1] or not lines[j][0].strip():
            break
        joined += squash(lines[j][0])
        spot, _ = _pick(index.by_key.get((marker, joined), ()), cur)
        if spot is not None:
            return spot, j - i + 1
    return None, 1


def _pick(candidates: Sequence[Spot], cur: _Cursor) -> tuple[Spot | None, str]:
    """Of the hunk lines with this content, the one the reviewer most likely quoted."""
    if not candidates:
        return None, ""
    if len(candidates) == 1:
        return candidates[0], ""
    after = [s for s in candidates if s.order > cur.order]
    rules = (
        [s for s in after if s.order == cur.order + 1 and cur.file is not None],
        [s for s in after if (s.file, s.hunk) == cur.hunk],
        [s for s in after if s.file == cur.file],
        [s for s in candidates if (s.file, s.hunk) == cur.hunk],
    )
    for chosen in rules:
        if chosen:
            return chosen[0], ""
    # nothing quoted so far says where we are: the first one after the last match
    return (after or candidates)[0], f"ambiguous: one of {len(candidates)} identical lines"
