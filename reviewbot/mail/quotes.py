"""The quote structure of a reply: who is quoted, how deep, and what is new.  (pure)

A reply body becomes a sequence of blocks: the sender's own text, quotes with
their depth (`>` is 1, `>>` and `> >` are 2, `|` is 1), attribution lines
("On ..., X wrote:") with the author's name, snips ("[...]", "<snip>"),
signatures ("-- " and what follows) and mailing-list footers. Nothing here
decides what a comment means; review.anchor does that on top of these blocks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

BLOCK_KINDS = ("quote", "text", "attribution", "snip", "signature", "footer")


@dataclass(frozen=True)
class Block:
    """Consecutive lines of one kind at one quote depth, markers removed.

    `first_line` counts body lines from 1. `author` is set on attributions only.
    """

    kind: str
    depth: int
    lines: tuple[str, ...]
    first_line: int
    author: str | None = None

    @property
    def text(self) -> str:
        """The block's lines joined with newlines."""
        return "\n".join(self.lines)


@dataclass(frozen=True)
class QuotedReply:
    """A reply body as blocks, in the order they appear."""

    blocks: tuple[Block, ...]

    @property
    def attributions(self) -> tuple[Block, ...]:
        """The attribution blocks ("On ..., X wrote:"), outermost first."""
        return tuple(b for b in self.blocks if b.kind == "attribution")

    def own_text(self) -> str:
        """What the sender wrote: unquoted text, no signature, footer or snip."""
        return "\n\n".join(b.text for b in self.blocks if b.kind == "text")

    def quotes(self, text: str, depth: int = 1, min_chars: int = 12) -> bool:
        """True when a quote at `depth` repeats (part of) `text`, however re-wrapped."""
        wanted = " ".join(text.split())
        pieces = [" ".join(line.split()) for line in text.split("\n")]
        pieces = [p for p in pieces if len(p) >= min_chars]  # "Yes." proves nothing
        for block in self.blocks:
            if block.kind != "quote" or block.depth != depth:
                continue
            quoted = " ".join(block.text.split())
            if (len(quoted) >= min_chars and quoted in wanted) or any(p in quoted for p in pieces):
                return True
        return False

    def quoted_lines(self, depth: int) -> tuple[str, ...]:
        """Every quoted line at exactly `depth`, in order (attributions excluded)."""
        return tuple(
            line for b in self.blocks if b.kind == "quote" and b.depth == depth for line in b.lines
        )


@dataclass(frozen=True)
class _Line:
    depth: int
    text: str
    number: int  # 1-based line number in the body


# --- attribution lines -------------------------------------------------------------

_WROTE = r"(?:wrote|writes|said|a écrit|schrieb)\s*:\s*"
_ON = re.compile(r"^On\s+(?P<rest>.+?)\s+" + _WROTE + r"$", re.I)
_ON_START = re.compile(r"^On\s+\S.*\d", re.I)
_WROTE_END = re.compile(r"^.{0,80}?\b" + _WROTE + r"$", re.I)
_GENERIC = re.compile(r"^(?P<name>[^\s>|].{0,80}?)\s+" + _WROTE + r"$", re.I)
_QUOTING = re.compile(r"^Quoting\s+(?P<name>.+?)(?:\s*\([^()]*\))?\s*:\s*$", re.I)
_MUTT = re.compile(r"^\*\s+(?P<name>.+?)\s+\[[^\]]+\]\s*:\s*$")
_ORIGINAL = re.compile(r"^-{2,}\s*Original Message\s*-{2,}\s*$", re.I)
_MAIL_HEADER = re.compile(r"^(?:From|Sent|Date|To|Cc|Subject)\s*:", re.I)
# Gmail puts no comma before the name: "..., 2023 at 9:30 AM Ada <ada@x> wrote:"
_TIME_PREFIX = re.compile(
    r"^.*?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s*[+-]\d{4})?"
    r"(?:\s*\([A-Z]{2,5}\))?\s+(?P<name>\S.*)$"
)

# --- snips, signatures, footers -----------------------------------------------------

_SNIP = re.compile(
    r"^\s*(?:[\[<(]\s*(?:\.{2,}|…|snip[^\]>)]*|cut|trimmed|\.{3}[^\]>)]*)\s*[\]>)]"
    r"|\.{3,}|…|-*\s*8<\s*-*)\s*$",
    re.I,
)
_SIG_DELIMITER = re.compile(r"^--\s?$")
_FOOTER_DELIMITER = re.compile(r"^(?:--\s?|_{5,})$")
_FOOTER_LINE = re.compile(
    r"^\S.*\bmailing list\b|^https?://\S+/(?:mailman/)?listinfo\b|^To unsubscribe\b", re.I
)
_LIST_NAME_LINE = re.compile(r"^\S+ mailing list$", re.I)
_HTML = re.compile(r"^\s*<(?:!doctype\s+html|html|head|body|div|p|blockquote|meta|table)\b", re.I)


def parse_quotes(body: str) -> QuotedReply:
    """Split a reply body into quote, text, attribution, snip, signature and footer blocks."""
    if _HTML.match(body) and "</" in body:
        body = html_to_quoted_text(body)
    lines = _shift_original_messages([_split_line(n, t) for n, t in enumerate(_lines(body), 1)])
    kinds, authors, spans = _classify(lines)
    return QuotedReply(_group(lines, kinds, authors, spans))


def _lines(body: str) -> list[str]:
    return body.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def split_markers(line: str) -> tuple[int, str]:
    """(quote depth, text without markers) of one line; pipermail's ">From" is no quote."""
    n = len(line)
    # some mailers indent the marker by a space or two; `|` needs no indentation
    i = len(line) - len(line.lstrip(" ")) if line.lstrip(" ").startswith(">") else 0
    if i > 2:
        return 0, line
    depth, end = 0, -1
    while i < n:
        c = line[i]
        # "|" quotes only as "| text": "|| cond" at the start of a line is code
        if c != ">" and not (c == "|" and (i + 1 == n or line[i + 1] == " ")):
            break
        depth += 1
        i = end = i + 1
        if i + 1 < n and line[i] == " " and line[i + 1] in ">|":
            i += 1  # "> >": a single space between markers is part of the marker
    if depth == 0:
        return 0, line
    if line[end - 1] == ">" and line.startswith("From ", end):
        # mbox escaping: ">From " is an escaped "From ", not one more quote level
        return depth - 1, line[end:]
    text = line[end:]
    return depth, text[1:] if text.startswith(" ") else text


def _split_line(number: int, line: str) -> _Line:
    depth, text = split_markers(line)
    return _Line(depth, text, number)


def _shift_original_messages(lines: list[_Line]) -> list[_Line]:
    """Outlook quotes nothing: after "-----Original Message-----" all is a quote."""
    out: list[_Line] = []
    extra = 0
    for line in lines:
        out.append(_Line(line.depth + extra, line.text, line.number) if extra else line)
        # asked of every line: only one starting "--" can be the separator
        if line.text.lstrip().startswith("--") and _ORIGINAL.match(line.text.strip()):
            extra += 1
    return out


def _classify(lines: Sequence[_Line]) -> tuple[list[str], dict[int, str], dict[int, int]]:
    """Kind of every line; attribution authors and spans (lines taken) by start index."""
    kinds = ["" for _ in lines]
    authors: dict[int, str] = {}
    spans: dict[int, int] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        text = line.text.strip()
        if kinds[i]:
            i += 1
            continue
        if _is_footer_start(lines, i):
            i = _mark_run(lines, kinds, i, "footer")
            continue
        if line.text.startswith("--") and _SIG_DELIMITER.match(line.text):
            i = _mark_run(lines, kinds, i, "signature")
            continue
        found = _attribution(lines, i)
        if found is not None:
            author, taken = found
            authors[i], spans[i] = author, taken
            for j in range(i, i + taken):
                kinds[j] = "attribution"
            i += taken
            continue
        if _SNIP.match(text):
            kinds[i] = "snip"
        elif not text and line.depth == 0:
            kinds[i] = "blank"
        else:
            kinds[i] = "text" if line.depth == 0 else "quote"
        i += 1
    return kinds, authors, spans


def _is_footer_start(lines: Sequence[_Line], i: int) -> bool:
    """A list footer: "--" or "____" then "x mailing list", or that line alone."""
    # asked of every line: the two cheap tests first, the lines after only then
    depth, text = lines[i].depth, lines[i].text.strip()
    if _FOOTER_DELIMITER.match(lines[i].text.rstrip() or "x"):
        return any(_FOOTER_LINE.match(t) for t in _same_depth_after(lines, i, depth))
    if _LIST_NAME_LINE.match(text):
        after = _same_depth_after(lines, i, depth)
        return any("@" in t or " at " in t or _FOOTER_LINE.match(t) for t in after)
    return False


def _same_depth_after(lines: Sequence[_Line], i: int, depth: int) -> list[str]:
    return [ln.text.strip() for ln in lines[i + 1 : i + 3] if ln.depth == depth]


def _mark_run(lines: Sequence[_Line], kinds: list[str], start: int, kind: str) -> int:
    """Mark from `start` to the end of the run at that depth; return the next index."""
    depth = lines[start].depth
    i = start
    while i < len(lines) and lines[i].depth == depth:
        kinds[i] = kind
        i += 1
    return i


def _attribution(lines: Sequence[_Line], i: int) -> tuple[str, int] | None:
    """(author, number of lines) when line i starts an attribution."""
    line = lines[i]
    text = line.text.strip()
    if len(text) > 200:
        return None
    # asked of every line: the "On ..." shapes need "on" first, Outlook's "--"
    starts_on = text[:2].lower() == "on"
    if starts_on and (m := _ON.match(text)):
        return _name_from_on(m.group("rest")), 1
    nxt = lines[i + 1] if i + 1 < len(lines) else None
    if (
        starts_on
        and nxt is not None
        and nxt.depth == line.depth
        and _ON_START.match(text)
        and _WROTE_END.match(nxt.text.strip())
        and (m := _ON.match(f"{text} {nxt.text.strip()}"))
    ):
        return _name_from_on(m.group("rest")), 2  # wrapped over two lines
    if text.startswith("--") and _ORIGINAL.match(text):
        taken = 1
        author = ""
        while i + taken < len(lines) and _MAIL_HEADER.match(lines[i + taken].text):
            header = lines[i + taken].text
            if header.lower().startswith("from"):
                author = clean_name(header.split(":", 1)[1])
            taken += 1
        return author, taken
    # the weaker shapes count only when a deeper quote follows: "as X wrote:" in
    # running text with nothing quoted after it is a sentence, not an attribution
    if not text.endswith(":") or not _deeper_follows(lines, i):
        return None
    for pattern in (_QUOTING, _MUTT, _GENERIC):
        m = pattern.match(text)
        # a name has a few words; "I think this is what Peter wrote:" is a sentence
        if m and len(m.group("name").split()) <= 5:
            return clean_name(m.group("name")), 1
    return None


def _deeper_follows(lines: Sequence[_Line], i: int) -> bool:
    for line in lines[i + 1 :]:
        if line.text.strip():
            return line.depth > lines[i].depth
    return False


def _name_from_on(rest: str) -> str:
    """The author in "On <date>, <author> wrote:" (rest is between On and wrote)."""
    if m := re.search(r'"([^"]+)"\s*(?:<[^<>]*>)?\s*$', rest):
        return clean_name(m.group(1))
    segment = rest.rsplit(", ", 1)[-1]
    if m := _TIME_PREFIX.match(segment):
        segment = m.group("name")
    return clean_name(segment)


def clean_name(raw: str) -> str:
    """A person's name from "Name <addr>", '"Name" <addr>', "Name via list"."""
    name = re.sub(r"\s*<[^<>]*>?\s*", " ", raw)
    name = re.sub(r"\s*\[[^\]]*\]", "", name)
    name = re.sub(r"\s+via\s+\S+$", "", name.strip())
    name = name.strip().strip("\"'").strip()
    if name:
        return name
    addr = re.search(r"<([^<>]+)>", raw)
    return addr.group(1).strip() if addr else raw.strip()


def _group(
    lines: Sequence[_Line], kinds: Sequence[str], authors: dict[int, str], spans: dict[int, int]
) -> tuple[Block, ...]:
    """Runs of the same kind and depth become blocks; blank lines join text only."""
    blocks: list[Block] = []
    current: list[_Line] = []
    current_kind = ""
    pending_blank: list[_Line] = []

    def flush() -> None:
        if current:
            blocks.append(
                Block(
                    current_kind,
                    current[0].depth,
                    tuple(x.text for x in current),
                    current[0].number,
                )
            )
        current.clear()

    i = 0
    while i < len(lines):
        line, kind = lines[i], kinds[i]
        if kind == "blank":
            pending_blank.append(line)
            i += 1
            continue
        if kind in ("attribution", "snip"):
            flush()
            taken = spans.get(i, 1)
            part = lines[i : i + taken]
            blocks.append(
                Block(kind, line.depth, tuple(x.text for x in part), line.number, authors.get(i))
            )
            pending_blank.clear()
            i += taken
            continue
        same = current and current_kind == kind and current[0].depth == line.depth
        if same and kind == "text":
            current.extend(pending_blank)  # a paragraph break inside one's own text
        elif not same or pending_blank:
            flush()
            current_kind = kind
        pending_blank.clear()
        current.append(line)
        i += 1
    flush()
    return tuple(blocks)


# --- HTML-only mail -----------------------------------------------------------------

_BREAKS = ["p", "div", "li", "tr", "pre", "h1", "h2", "h3", "h4", "h5", "h6"]


def html_to_quoted_text(html: str) -> str:
    """Plain text of an HTML body, blockquotes kept as `>` quotes so depth survives."""
    # imported here, as in mail/message.py's html_to_text: only HTML-only mail needs it
    from bs4 import BeautifulSoup, NavigableString  # noqa: PLC0415

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["style", "script", "head", "title"]):
        tag.decompose()
    for text in soup.find_all(string=True):
        if type(text) is NavigableString and not text.find_parent("pre"):
            text.replace_with(re.sub(r"\s+", " ", text))  # HTML line breaks are spaces
    for tag in soup.find_all("br"):
        tag.replace_with("\n")
    for tag in soup.find_all(_BREAKS):
        tag.insert_before("\n")
        tag.append("\n")
    # innermost first, so an outer quote prefixes the inner one's markers again
    for quote in reversed(soup.find_all("blockquote")):
        lines = quote.get_text().strip("\n").split("\n")
        quote.replace_with("\n" + "\n".join(f"> {line}".rstrip() for line in lines) + "\n")
    lines = [line.rstrip() for line in soup.get_text().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
