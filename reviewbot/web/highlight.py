"""Hunk lines with old/new line numbers and Pygments syntax highlighting.  (pure)

Each side of a hunk (context + removed lines, context + added lines) is
highlighted as one text, so a comment or string spanning lines keeps its
colour; Pygments' HTML formatter closes its spans at every newline, which lets
us split the result back into lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import CLexer, TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

_MAX_HIGHLIGHT = 200_000  # characters: beyond this a hunk is shown plain (speed)


@dataclass(frozen=True)
class DiffLine:
    """One line of a hunk: its kind (' ', '+', '-', '\\'), numbers and HTML."""

    kind: str
    old_no: int | None
    new_no: int | None
    html: Markup


@lru_cache(maxsize=64)
def _lexer_for(path: str) -> Lexer:
    if path.endswith((".c", ".h")):
        return CLexer(stripnl=False, ensurenl=False)
    try:
        return get_lexer_for_filename(path, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False, ensurenl=False)


_FORMATTER = HtmlFormatter(nowrap=True)


def _highlighted(lines: list[str], path: str) -> list[Markup]:
    """`lines` highlighted as one text, split back into exactly as many lines."""
    if not lines:
        return []
    source = "\n".join(lines)
    if len(source) > _MAX_HIGHLIGHT:
        return [escape(line) for line in lines]
    out = highlight(source, _lexer_for(path), _FORMATTER).split("\n")
    if len(out) < len(lines):  # never lose a line to a lexer's quirk
        return [escape(line) for line in lines]
    return [Markup(html) for html in out[: len(lines)]]  # Pygments escapes


def diff_lines(text: str, path: str, old_start: int, new_start: int) -> list[DiffLine]:
    """The lines of a hunk's text (its @@ header first), numbered and highlighted."""
    body = text.split("\n")[1:] if text.startswith("@@") else text.split("\n")
    while body and body[-1] == "":
        body.pop()
    old_side = [ln[1:] for ln in body if ln[:1] in (" ", "-", "")]
    new_side = [ln[1:] for ln in body if ln[:1] in (" ", "+", "")]
    old_html, new_html = iter(_highlighted(old_side, path)), iter(_highlighted(new_side, path))
    old_no, new_no = old_start, new_start
    out = []
    for line in body:
        kind = line[:1] or " "
        if kind == "-":
            out.append(DiffLine("-", old_no, None, next(old_html)))
            old_no += 1
        elif kind == "+":
            out.append(DiffLine("+", None, new_no, next(new_html)))
            new_no += 1
        elif kind == " ":
            html = next(old_html)
            next(new_html)
            out.append(DiffLine(" ", old_no, new_no, html))
            old_no, new_no = old_no + 1, new_no + 1
        else:  # "\ No newline at end of file", or a snipped part of a quoted hunk
            out.append(DiffLine("\\", None, None, escape(line)))
    return out
