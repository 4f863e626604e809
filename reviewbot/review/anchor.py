"""Review comments anchored to the hunk lines they discuss, and what kind they are.  (pure)

Each block of a reviewer's own text is a comment, anchored Gerrit-style to the last
non-blank quoted line above it (file, hunk within the file, side, line). Quoted lines
are followed through the patch in order, so trimmed hunks, damaged whitespace,
re-wrapped lines and lines found in several hunks land where the reviewer saw them;
anything else anchors to the patch, the reason kept in `evidence`. Following the
quoted lines through the patch is review/align.py's job.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reviewbot.mail.diff import FileDiff
from reviewbot.mail.quotes import Block, QuotedReply, parse_quotes
from reviewbot.review.align import Match, align, index_patch, squash
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
    index = index_patch(tuple(patch_files))
    commit = frozenset(s for s in map(squash, commit_message.split("\n")) if len(s) >= 3)
    own_depth = max(depth, 1) - 1
    blocks = [b for b in reply.blocks if b.depth >= own_depth]
    qlines = [
        (line, n)
        for n, b in enumerate(blocks)
        if b.kind == "quote" and b.depth > own_depth
        for line in b.lines
    ]
    matches = iter(align(qlines, index, commit))
    has_quote = bool(qlines)
    out: list[Comment] = []
    quoted: set[tuple[str, int]] = set()
    segment: list[tuple[str, Match | None, int]] = []  # (text, match or None for a snip, depth)
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


def _hunk_of(m: Match) -> tuple[str, int] | None:
    """The hunk of a quoted line that is one of its lines (not a header, prose or a blank)."""
    if m.what != "diff" or m.spot is None or not m.spot.text.strip():
        return None
    return m.spot.path, m.spot.hunk


def _comment(
    pieces: Sequence[Block],
    segment: Sequence[tuple[str, Match | None, int]],
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
    segment: Sequence[tuple[str, Match | None, int]], depth: int, has_quote: bool, after: bool
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
