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
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr, parsedate_to_datetime

from reviewbot.mail.diff import find_diff_start
from reviewbot.mail.quotes import Block, QuotedReply, parse_quotes

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
                body=_level_text(reply, depth),
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


def _level_text(reply: QuotedReply, depth: int) -> str:
    """The text of the message at `depth` as it was sent: its own lines, and what
    it quoted (deeper levels, with their attributions) re-quoted relative to it.

    Keeping the quotes is what lets a rebuilt review be anchored like a real one.
    """
    out: list[str] = []
    for block in reply.blocks:
        if block.depth < depth or block.kind not in ("quote", "snip", "attribution"):
            continue
        if block.kind == "attribution" and block.depth == depth - 1:
            continue  # the line introducing this very message belongs to its parent
        marker = ">" * (block.depth - depth)
        lines = [SNIP] if block.kind == "snip" else list(block.lines)
        out.extend(f"{marker} {line}".rstrip() if marker else line for line in lines)
    return _join_body(out)


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


@dataclass(frozen=True)
class RebuiltMail:
    """A reconstructed message as mail: its Message-ID, References and bytes."""

    msgid: str
    references: tuple[str, ...]
    raw: bytes
    author: str | None
    depth: int


def rebuilt_msgid(seed_msgid: str, depth: int) -> str:
    """A stable Message-ID for a quoted message whose own id nobody names."""
    return f"reconstructed-{depth}.{seed_msgid}"


def as_mails(
    seed_msgid: str,
    seed_refs: Sequence[str],
    rebuilt: Sequence[ReconstructedMessage],
    known: Callable[[str], bool],
    emails: dict[str, str],
) -> tuple[RebuiltMail, ...]:
    """The rebuilt messages a database lacks, as mails, deepest first.

    The reply's References name its ancestors nearest last, so level n is
    `seed_refs[-n]` when the chain is long enough; deeper levels get a stable
    made-up id. Rebuilding stops at the first ancestor `known` says is stored:
    from there on the real messages tell the rest.
    """
    by_depth = {m.depth: m for m in rebuilt}
    wanted: list[int] = []
    for depth in range(1, max(by_depth, default=0) + 1):
        msgid = seed_refs[-depth] if depth <= len(seed_refs) else rebuilt_msgid(seed_msgid, depth)
        if depth not in by_depth or known(msgid):
            break
        wanted.append(depth)
    if not wanted:
        return ()
    ids = {
        d: seed_refs[-d] if d <= len(seed_refs) else rebuilt_msgid(seed_msgid, d)
        for d in range(1, wanted[-1] + 1)
    }
    # what precedes the deepest rebuilt level: the real chain, or its parent's made-up id
    prefix = list(seed_refs[: max(len(seed_refs) - wanted[-1], 0)])
    out: list[RebuiltMail] = []
    chain = prefix
    for depth in reversed(wanted):
        message = by_depth[depth]
        raw = _mail_bytes(message, ids[depth], chain, seed_msgid, emails)
        out.append(RebuiltMail(ids[depth], tuple(chain), raw, message.author, depth))
        chain = [*chain, ids[depth]]
    return tuple(out)


def _mail_bytes(
    message: ReconstructedMessage,
    msgid: str,
    references: Sequence[str],
    seed_msgid: str,
    emails: dict[str, str],
) -> bytes:
    """RFC 5322 bytes for a rebuilt message, saying where it came from."""
    author = message.author or "unknown"
    address = formataddr((author, emails.get(author, "")))
    head = [f"From: {address}", f"Subject: {_one_line(message.subject)}"]
    if message.date is not None:
        date = message.date if message.date.tzinfo else message.date.replace(tzinfo=UTC)
        head.append(f"Date: {format_datetime(date)}")
    head.append(f"Message-ID: <{msgid}>")
    if references:
        head.append(f"In-Reply-To: <{references[-1]}>")
        head.append("References: " + " ".join(f"<{r}>" for r in references))
    head += [
        f"X-Reviewbot-Reconstructed-From: <{seed_msgid}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if message.is_patch:
        body = f"{message.commit_message}\n---\n{message.diff}"
    else:
        body = message.body + "\n"
    return ("\n".join(head) + "\n\n" + body).encode("utf-8", "surrogateescape")


def _one_line(text: str) -> str:
    return " ".join(text.split())
