"""Review comments anchored to the hunk lines they discuss, and what kind they are.  (pure)

Each block of a reviewer's own text is a comment, anchored Gerrit-style to the last
non-blank quoted line above it (file, hunk within the file, side, line). Quoted lines
are followed through the patch in order, so trimmed hunks, damaged whitespace,
re-wrapped lines and lines found in several hunks land where the reviewer saw them;
anything else anchors to the patch, the reason kept in `evidence`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from reviewbot.mail.diff import FileDiff
from reviewbot.mail.quotes import Block, QuotedReply, parse_quotes
from reviewbot.review.kinds import KIND_ALIASES, KINDS, canonical_kind, classify_comment

CONTEXT_LINES = 20  # quoted lines kept with a comment: enough to show what it answers

# classification lives in kinds.py; re-exported: anchoring a comment and naming its kind
# are one interface to the code that links a review
__all__ = [
    "KINDS",
    "KIND_ALIASES",
    "Anchor",
    "Comment",
    "ReadReply",
    "anchor_comments",
    "read_reply",
    "canonical_kind",
    "classify_comment",
    "is_answer",
]


@dataclass(frozen=True)
class Anchor:
    """Where a comment sits: a line of one hunk of one file (Gerrit's comment model)."""

    file: str
    hunk: int  # index of the hunk within its file, from 0
    side: str  # "old" for a removed line, "new" for added and context lines
    line: int
    quoted_line: str


@dataclass(frozen=True)
class Comment:
    """One block of the sender's own text, where it points, and why we think so."""

    text: str
    anchor: Anchor | None
    quoted_context: tuple[str, ...]
    evidence: str
    first_line: int = 0  # line in the reply body, from 1

    @property
    def scope(self) -> str:
        """ "hunk" when anchored to a line, else "patch" (the caller may say "series")."""
        return "hunk" if self.anchor else "patch"


# --- the patch, indexed by line content ---------------------------------------------


@dataclass(frozen=True)
class _Spot:
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
class _Index:
    spots: tuple[_Spot, ...]
    by_key: dict[tuple[str, str], tuple[_Spot, ...]]
    hunks: tuple[tuple[int, int, int, int, str, int], ...]  # file, hunk, old, new, section, start
    by_path: dict[str, int]


def _squash(text: str) -> str:
    """Whitespace removed: tabs, re-indentation and re-wrapping all compare equal."""
    return "".join(text.split())


def _key(line: str) -> tuple[str, str]:
    """A diff line's marker and squashed content; a line without marker is context."""
    if line[:1] in ("+", "-"):
        return line[0], _squash(line[1:])
    return " ", _squash(line)


@lru_cache(maxsize=64)
def _index(files: tuple[FileDiff, ...]) -> _Index:
    """Every hunk line with its number on its side; cached since replies share patches."""
    spots: list[_Spot] = []
    hunks: list[tuple[int, int, int, int, str, int]] = []
    paths: dict[str, int] = {}
    for f_no, f in enumerate(files):
        paths.setdefault(f.new_path, f_no)
        paths.setdefault(f.old_path, f_no)
        for h in f.hunks:
            hunks.append((f_no, h.index, h.old_start, h.new_start, _squash(h.section), len(spots)))
            old, new = h.old_start, h.new_start
            for raw in h.text.rstrip("\n").split("\n")[1:]:
                marker = raw[:1] or " "
                if marker == "\\":
                    continue  # "\ No newline at end of file"
                side, line = ("old", old) if marker == "-" else ("new", new)
                spots.append(_Spot(len(spots), f_no, f.path, h.index, h.header, side, line, raw))
                old += marker != "+"
                new += marker != "-"
    by_key: dict[tuple[str, str], list[_Spot]] = {}
    for spot in spots:
        by_key.setdefault(_key(spot.text), []).append(spot)
    return _Index(tuple(spots), {k: tuple(v) for k, v in by_key.items()}, tuple(hunks), paths)


# --- following the quoted lines through the patch -----------------------------------

_FILE_HEADER = re.compile(r"^(?:diff --git a/\S+ b/(\S+)|\+\+\+ b/(\S+)|Index: (\S+))")
_HUNK_HEADER = re.compile(r"^@@+ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@+ ?(.*)$")
_META = re.compile(
    r"^(?:---\s*$|--- (?:a/|/dev/null)|index [0-9a-f]+\.\.|(?:new|deleted) file mode|"
    r"similarity index|rename (?:from|to) |old mode|new mode|\s*\d+ files? changed|"
    r"\s\S.*\|\s+(?:\d+ ?[+-]*|Bin.*)\s*$)"
)


@dataclass(frozen=True)
class _Match:
    """What one quoted line turned out to be."""

    what: str  # diff, header, file, foreign, commit, meta, blank, other
    spot: _Spot | None = None
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


_QLine = tuple[str, int]  # a quoted line and the number of its block


def _align(lines: Sequence[_QLine], index: _Index, commit: frozenset[str]) -> list[_Match]:
    """A _Match for every quoted line, following the quote through the patch."""
    cur = _Cursor()
    out: list[_Match] = []
    i = 0
    while i < len(lines):
        match, taken = _structure(lines[i][0], index, cur), 1
        if match is None:
            match, taken = _content(lines, i, index, commit, cur)
        out.extend([match] * taken)
        i += taken
    return out


def _structure(text: str, index: _Index, cur: _Cursor) -> _Match | None:
    """File and hunk headers move the cursor; other diff metadata is skipped."""
    if m := _FILE_HEADER.match(text):
        path = next(g for g in m.groups() if g)
        cur.in_diff, cur.hunk, cur.guess = True, None, ""
        if path not in index.by_path:
            cur.foreign = path
            return _Match("foreign", note=path)
        cur.foreign, cur.file = "", index.by_path[path]
        cur.order = next((h[5] for h in index.hunks if h[0] == cur.file), len(index.spots)) - 1
        return _Match("file", note=path)
    if (m := _HUNK_HEADER.match(text)) and cur.foreign:
        return _Match("foreign", note=cur.foreign)  # a hunk of the file we do not have
    if m:
        cur.in_diff = True
        found = _find_hunk(index, cur, int(m.group(1)), int(m.group(2)), m.group(3))
        if found is None:
            return _Match("other", note="a hunk header this patch does not have")
        cur.hunk, cur.file, cur.foreign, cur.guess = found[:2], found[0], "", ""
        cur.order = found[5] - 1
        first = index.spots[found[5]] if found[5] < len(index.spots) else None
        return _Match("header", first, "quoted hunk header")
    if _META.match(text):
        return _Match("meta")
    return None


def _find_hunk(
    index: _Index, cur: _Cursor, old: int, new: int, section: str
) -> tuple[int, int, int, int, str, int] | None:
    """The hunk a quoted @@ header names: by its numbers, else by its function."""
    by_numbers = [h for h in index.hunks if (h[2], h[3]) == (old, new)]
    by_section = [h for h in index.hunks if section.strip() and h[4] == _squash(section)]
    for candidates in (by_numbers, by_section):
        if candidates:
            return next((h for h in candidates if h[0] == cur.file), candidates[0])
    return None


def _content(
    lines: Sequence[_QLine], i: int, index: _Index, commit: frozenset[str], cur: _Cursor
) -> tuple[_Match, int]:
    """Match a quoted diff line (or a line re-wrapped over several) to a hunk line."""
    text = lines[i][0]
    if cur.foreign:
        return _Match("foreign", note=cur.foreign), 1
    if not text.strip():
        nxt = index.spots[cur.order + 1] if cur.order + 1 < len(index.spots) else None
        if cur.file is not None and nxt is not None and not nxt.text.strip():
            cur.order = nxt.order  # a blank context line whose space the mailer ate
            return _Match("diff", nxt), 1
        return _Match("blank"), 1
    in_commit = _squash(text) in commit
    if in_commit and not cur.in_diff:
        return _Match("commit"), 1
    if text[:1] not in "+- " and not cur.in_diff:
        spot = None if in_commit else _unique_context(text, index)
        if spot is None:  # prose, or a line the patch has more than once
            return _Match("commit" if in_commit else "other"), 1
        # a trimmed quote starting at a context line whose leading space the mailer ate
        cur.order, cur.hunk, cur.file, cur.in_diff = (
            spot.order,
            (spot.file, spot.hunk),
            spot.file,
            True,
        )
        return _Match("diff", spot, "a context line quoted without its leading space"), 1
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
        return _Match("commit" if in_commit else "other"), 1
    if text.rstrip() != spot.text.rstrip() and taken == 1:
        note = ", ".join(n for n in (note, "whitespace differs") if n)
    cur.order, cur.hunk, cur.file, cur.in_diff = spot.order, (spot.file, spot.hunk), spot.file, True
    return _Match("diff", spot, note), taken


_UNIQUE_CONTEXT = 12  # squashed characters a bare line needs to be known as a context line


def _unique_context(text: str, index: _Index) -> _Spot | None:
    """The one context line of the patch with this content, if it is long enough to tell."""
    squashed = _squash(text)
    found = index.by_key.get((" ", squashed), ())
    return found[0] if len(found) == 1 and len(squashed) >= _UNIQUE_CONTEXT else None


def _rewrapped(
    lines: Sequence[_QLine], i: int, index: _Index, cur: _Cursor
) -> tuple[_Spot | None, int]:
    """A long diff line the quoting mailer wrapped: join it with the next lines."""
    marker, joined = _key(lines[i][0])
    for j in range(i + 1, min(i + 4, len(lines))):
        if lines[j][1] != lines[i][1] or not lines[j][0].strip():
            break
        joined += _squash(lines[j][0])
        spot, _ = _pick(index.by_key.get((marker, joined), ()), cur)
        if spot is not None:
            return spot, j - i + 1
    return None, 1


def _pick(candidates: Sequence[_Spot], cur: _Cursor) -> tuple[_Spot | None, str]:
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


# --- comments -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReadReply:
    """A reply read against a patch: its comments, and the hunks it quoted itself."""

    comments: tuple[Comment, ...]
    quoted: frozenset[tuple[str, int]]  # (file, hunk within the file) of its own quotes


def anchor_comments(
    reply: QuotedReply, patch_files: Sequence[FileDiff], commit_message: str, *, depth: int = 1
) -> tuple[Comment, ...]:
    """Comments of a reply, each anchored to the quoted patch line it follows, if any.

    `depth` is the quote depth of the diff the comments answer, which sit one level
    up: 1 reads the sender's own text under `>` quotes; 3 reads a quoted review's
    comments (depth 2) under its quote of the patch (depth 3), skipping the shallower
    answers interleaved later. Deeper quotes never anchor: they are older messages.
    """
    return read_reply(reply, patch_files, commit_message, depth=depth).comments


def read_reply(
    reply: QuotedReply, patch_files: Sequence[FileDiff], commit_message: str, *, depth: int = 1
) -> ReadReply:
    """`anchor_comments`, plus the hunks whose lines the reply quoted at `depth` (coverage)."""
    index = _index(tuple(patch_files))
    commit = frozenset(s for s in map(_squash, commit_message.split("\n")) if len(s) >= 3)
    own_depth = max(depth, 1) - 1
    blocks = [b for b in reply.blocks if b.depth >= own_depth]
    qlines = [
        (line, n)
        for n, b in enumerate(blocks)
        if b.kind == "quote" and b.depth > own_depth
        for line in b.lines
    ]
    matches = iter(_align(qlines, index, commit))
    has_quote = bool(qlines)
    out: list[Comment] = []
    quoted: set[tuple[str, int]] = set()
    segment: list[tuple[str, _Match | None, int]] = []  # (text, match or None for a snip, depth)
    pieces: list[Block] = []
    for block in blocks:
        if block.depth == own_depth and block.kind in ("text", "quote"):
            if any(line.strip() for line in block.lines):
                pieces.append(block)
            continue
        if pieces:
            out.append(_comment(pieces, segment, depth, has_quote, bool(out)))
            pieces, segment = [], []
        if block.kind == "quote":
            found = [(line, next(matches), block.depth) for line in block.lines]
            segment.extend(found)
            if block.depth == depth:  # its own quote, not one of an earlier message
                quoted.update(h for _t, m, _d in found if m is not None and (h := _hunk_of(m)))
        elif block.kind == "snip":
            segment.append((block.text, None, block.depth))
    if pieces:
        out.append(_comment(pieces, segment, depth, has_quote, bool(out)))
    return ReadReply(tuple(out), frozenset(quoted))


def _hunk_of(m: _Match) -> tuple[str, int] | None:
    """The hunk of a quoted line that is one of its lines (not a header, prose or a blank)."""
    if m.what != "diff" or m.spot is None or not m.spot.text.strip():
        return None
    return m.spot.path, m.spot.hunk


def _comment(
    pieces: Sequence[Block],
    segment: Sequence[tuple[str, _Match | None, int]],
    depth: int,
    has_quote: bool,
    after_comment: bool,
) -> Comment:
    text = "\n\n".join(p.text.strip("\n") for p in pieces)
    context = [t for t, m, _ in segment if m is not None]
    while context and not context[-1].strip():
        context.pop()
    anchor, evidence = _anchor(segment, depth, has_quote, after_comment)
    return Comment(text, anchor, tuple(context[-CONTEXT_LINES:]), evidence, pieces[0].first_line)


def _anchor(
    segment: Sequence[tuple[str, _Match | None, int]], depth: int, has_quote: bool, after: bool
) -> tuple[Anchor | None, str]:
    """The anchor from the last non-blank quoted line before a comment."""
    last = next(((t, m, d) for t, m, d in reversed(segment) if t.strip()), None)
    if last is None:
        if not has_quote:
            return None, "no quoted text: a comment on the whole patch"
        if not after:
            return None, "written above the quoted text (top-posted): a comment on the whole patch"
        return None, "no quoted text since the previous comment"
    text, match, line_depth = last
    if match is None:
        return None, f"follows a snip ({text.strip()}): nothing quoted to anchor to"
    spot = match.spot
    if match.what in ("diff", "header") and spot is not None:
        where = f"{spot.side} line {spot.line} of {spot.path}, hunk {spot.hunk} ({spot.header})"
        extra = f" ({match.note})" if match.note else ""
        if line_depth > depth:
            # the diff as an earlier message quoted it, with nothing of that message's
            # own words left in between: the comment is about the line all the same
            extra += f" (through a quote of a quote, depth {line_depth})"
        anchor = Anchor(spot.path, spot.hunk, spot.side, spot.line, text)
        return anchor, f"under quoted {where}: {text.strip()[:80]!r}{extra}"
    reasons = {
        "commit": "under quoted commit-message text: a comment on the whole patch",
        "file": f"under the quoted header of {match.note}: a comment on the whole patch",
        "foreign": f"under a quoted diff of {match.note}, which this patch does not touch",
        "meta": "under quoted diff metadata: a comment on the whole patch",
    }
    default = f"under quoted text that is not in this patch's diff: {text.strip()[:80]!r}"
    return None, reasons.get(match.what, default)


# --- answers ------------------------------------------------------------------------


def is_answer(reply_body: str, concern_text: str) -> bool:
    """True when the reply quotes (part of) the concern and says something of its own."""
    quoted = parse_quotes(reply_body)
    return bool(quoted.own_text().strip()) and quoted.quotes(concern_text)
