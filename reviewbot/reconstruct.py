"""Rebuild the messages a reply quotes, level by level.  (pure)

A reply on a list often quotes a review that quotes the patch: three messages
the archive may lack. Each quote level n >= 1 of the reply is taken as the
text of one message, introduced by the attribution line at depth n - 1
("On 26.10.2016 22:48, John Ferlan wrote:"). When a level carries a diff, its
commit message and a diff valid for unidiff come back too: hunk counts are
recomputed from the lines actually quoted, so a trimmed hunk still parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

from reviewbot.diff import find_diff_start
from reviewbot.quotes import Block, QuotedReply, parse_quotes

_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@ ?(.*)$")
_FILE_LINE = re.compile(
    r"^(?:diff |index |--- |\+\+\+ |new file |deleted file |similarity |"
    r"rename |old mode |new mode |Index: |={5,})"
)
_ON_DATE = re.compile(r"^On\s+(?P<rest>.+?)\s+(?:wrote|writes|said|a écrit|schrieb)\s*:", re.I)
_REPLY_PREFIX = re.compile(r"^(?:\s*(?:re|aw|sv|fwd?)\s*(?:\[\d+\])?\s*:\s*)+", re.I)
_DATE_FORMATS = (
    "%d.%m.%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%Y-%m-%d %H:%M",
    "%a, %b %d, %Y at %I:%M:%S%p %z",
    "%a, %b %d, %Y at %I:%M %p",
)
SNIP = "[...]"


@dataclass(frozen=True)
class ReconstructedMessage:
    """One message rebuilt from a quote level of a reply.

    `depth` is the quote level (1 = quoted directly by the reply). `parent_depth`
    is the level this message answers (depth + 1), None for the deepest one.
    `diff` is empty unless `is_patch`; `date` is `date_text` parsed when possible.
    """

    depth: int
    author: str | None
    date_text: str | None
    date: datetime | None
    subject: str
    body: str
    is_patch: bool
    commit_message: str
    diff: str
    parent_depth: int | None


def reconstruct_quoted(
    body: str, reply_subject: str, reply_date: datetime | None
) -> tuple[ReconstructedMessage, ...]:
    """The messages quoted by a reply, deepest (oldest) first; never raises on odd input."""
    try:
        reply = parse_quotes(body)
    except Exception:  # a reply we cannot read quotes nothing we can rebuild
        return ()
    levels = sorted({b.depth for b in reply.blocks if b.kind in ("quote", "snip") and b.depth})
    if not levels:
        return ()
    deepest = levels[-1]
    bare = _REPLY_PREFIX.sub("", reply_subject or "").strip()
    rebuilt: list[ReconstructedMessage] = []
    patch_seen = False
    for depth in reversed(levels):
        lines = _level_lines(reply, depth)
        author, date_text = _attribution_for(reply, depth)
        commit_message, diff = _split_patch_lines(lines)
        is_patch = bool(diff)
        subject = bare if is_patch and not patch_seen else f"Re: {bare}" if bare else "Re:"
        patch_seen = patch_seen or is_patch
        rebuilt.append(
            ReconstructedMessage(
                depth=depth,
                author=author,
                date_text=date_text,
                date=_parse_date(date_text, reply_date),
                subject=subject,
                body=_join_body(lines),
                is_patch=is_patch,
                commit_message=commit_message,
                diff=diff,
                parent_depth=None if depth == deepest else depth + 1,
            )
        )
    return tuple(rebuilt)


def _level_lines(reply: QuotedReply, depth: int) -> list[str]:
    """Lines quoted at exactly `depth`, in order; snips become "[...]"."""
    out: list[str] = []
    for block in reply.blocks:
        if block.depth != depth:
            continue
        if block.kind == "quote":
            out.extend(block.lines)
        elif block.kind == "snip":
            out.append(SNIP)
    return out


def _join_body(lines: list[str]) -> str:
    """Lines as text: runs of empty lines collapsed, ends trimmed; diff lines kept intact."""
    out: list[str] = []
    for line in lines:
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    return "\n".join(out).strip("\n")


def _attribution_for(reply: QuotedReply, depth: int) -> tuple[str | None, str | None]:
    """(author, date text) of the attribution at depth - 1 that introduces `depth`."""
    blocks = reply.blocks
    chosen: Block | None = None
    for i, block in enumerate(blocks):
        if block.kind != "attribution" or block.depth != depth - 1:
            continue
        following = next((b for b in blocks[i + 1 :] if b.text.strip()), None)
        if following is not None and following.depth == depth:
            chosen = block
            break
        chosen = chosen or block
    if chosen is None:
        return None, None
    return chosen.author or None, _date_text(" ".join(chosen.lines).strip(), chosen.author)


def _date_text(line: str, author: str | None) -> str | None:
    """The date as written in "On <date>, <author> wrote:"."""
    m = _ON_DATE.match(line)
    if not m:
        return None
    rest = m.group("rest")
    cut = rest.rfind(author) if author else -1
    date = rest[:cut] if cut > 0 else rest.rsplit(", ", 1)[0] if ", " in rest else ""
    date = date.strip().rstrip(",").strip()
    return date or None


def _parse_date(text: str | None, reply_date: datetime | None) -> datetime | None:
    """`text` as a datetime when a known shape; never later than the reply itself."""
    if not text:
        return None
    found: datetime | None = None
    try:
        found = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        for fmt in _DATE_FORMATS:
            try:
                found = datetime.strptime(text, fmt)
                break
            except ValueError:
                continue
    if found is None or reply_date is None:
        return found
    try:
        if (found.tzinfo is None) == (reply_date.tzinfo is None) and found > reply_date:
            return None
    except (TypeError, OverflowError):
        return found
    return found


def _split_patch_lines(lines: list[str]) -> tuple[str, str]:
    """(commit message, repaired diff) of a level's lines; ("", "") without a diff."""
    start = find_diff_start(lines)
    if start is None:
        return "", ""
    head = lines[:start]
    for i, line in enumerate(head):
        if line.rstrip() == "---":
            head = head[:i]
            break
    message = _join_body(head)
    return message, repair_diff(lines[start:])


def repair_diff(lines: list[str]) -> str:
    """A trimmed, quoted diff made valid: hunk counts recounted, blank lines as context.

    A snip or a line that cannot be part of a hunk ends the hunk; what follows is
    dropped until the next file or hunk header, since its position is unknown.
    """
    out: list[str] = []
    hunk: list[str] = []
    header: tuple[int, int, str] | None = None

    def flush() -> None:
        nonlocal header
        if header is not None:
            while hunk and hunk[-1] == "":  # trailing empty lines: the quote's, not the diff's
                hunk.pop()
            hunk[:] = [h or " " for h in hunk]  # an empty quoted line is a blank context line
            if hunk:
                old = sum(1 for h in hunk if h[:1] in (" ", "-"))
                new = sum(1 for h in hunk if h[:1] in (" ", "+"))
                section = f" {header[2]}" if header[2] else ""
                out.append(f"@@ -{header[0]},{old} +{header[1]},{new} @@{section}")
                out.extend(hunk)
        header = None
        hunk.clear()

    skipping = False
    for i, line in enumerate(lines):
        m = _HUNK.match(line)
        next_line = lines[i + 1] if i + 1 < len(lines) else ""
        file_line = bool(_FILE_LINE.match(line)) and (
            not line.startswith("--- ") or next_line.startswith("+++ ")
        )
        if m:
            flush()
            header = (int(m.group(1)), int(m.group(2)), m.group(3).strip())
            skipping = False
        elif file_line and (header is None or line[:1] not in " +-" or line.startswith("--- ")):
            flush()
            skipping = False
            out.append(line)
        elif header is not None and not skipping and (line == "" or line[:1] in " +-\\"):
            hunk.append(line)
        else:
            flush()
            skipping = True
    flush()
    return "\n".join(out) + "\n" if any(o.startswith("@@") for o in out) else ""
