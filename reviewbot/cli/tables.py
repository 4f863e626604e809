"""Tables for people on a terminal and for pipes.

On a terminal a table fits the width: the columns that matter least are narrowed
first, then dropped, and the title (a column with `keep=0`) is never dropped; text
that is cut ends with "…", at a word boundary where one is near. Piped (stdout not
a terminal) a table is tab-separated with one header line: every column, every
character, no padding, for cut, awk and sort.

REVIEWBOT_TTY=1 (or 0) forces either form: tests use it, and so can `watch`.
The width is $COLUMNS, else the terminal's (shutil.get_terminal_size).
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

GAP = 2  # spaces between two columns
ELLIPSIS = "…"
# a word boundary is used when it keeps at least this share of the room: "a very
# long-identifier-name" is better cut inside the identifier than after "a"
_WORD_SHARE = 0.7


@dataclass(frozen=True)
class Column:
    """One column: its header, and when it gives way on a narrow terminal.

    When a table is too wide, the columns give way in the order of their ranks:
    a column is narrowed (down to `floor` cells, never below its header) at rank
    `shrink`, and dropped at rank `drop`; 0 means never. A table's most
    important text narrows late and is never dropped. `lines` is how many lines
    a narrowed cell may wrap to (1: cut with "…"); `cap`, when set, is the widest
    it gets on a terminal (long text reads better wrapped than 200 cells wide);
    `style` colours a cell on a terminal.
    """

    header: str
    shrink: int = 0
    drop: int = 0
    floor: int = 0
    lines: int = 1
    cap: int = 0
    right: bool = False
    style: Callable[[str], str | None] | None = None


def terminal_mode() -> bool:
    """Whether output is for a person: REVIEWBOT_TTY=1/0 when set, else stdout is a tty."""
    forced = os.environ.get("REVIEWBOT_TTY", "").strip()
    if forced:
        return forced not in ("0", "no", "false")
    return sys.stdout.isatty()


def terminal_width() -> int:
    """$COLUMNS, else the terminal's width, else 80."""
    return max(20, shutil.get_terminal_size((80, 24)).columns)


def shorten(text: str, width: int) -> str:
    """One line of at most `width` cells, cut at a word where reasonable, ended with "…"."""
    line = " ".join(text.split())
    return cut(line, width)


def cut(line: str, width: int) -> str:
    """`line` in at most `width` cells; a cut line ends with "…", at a word when one is near."""
    if cell_len(line) <= width:
        return line
    if width <= 1:
        return ELLIPSIS[:width]
    room = width - 1  # the ellipsis takes one cell
    head = _chop(line, room)
    if not line[len(head)].isspace():  # cut inside a word: back to its start if near
        space = head.rfind(" ")
        if space >= room * _WORD_SHARE:
            head = head[:space]
    return head.rstrip(" ,;:.") + ELLIPSIS


def _chop(line: str, cells: int) -> str:
    """The longest start of `line` that fits in `cells` cells (wide characters count 2)."""
    total = 0
    for n, char in enumerate(line):
        total += cell_len(char)
        if total > cells:
            return line[:n]
    return line


def wrap(line: str, width: int, lines: int) -> list[str]:
    """`line` in at most `lines` lines of `width` cells; the last one cut with "…"."""
    if cell_len(line) <= width:
        return [line]
    wrapped = textwrap.wrap(line, width, break_on_hyphens=False) or [""]
    out = [cut(w, width) for w in wrapped[:lines]]
    if len(wrapped) > lines:
        rest = " ".join([wrapped[lines - 1], *wrapped[lines:]])
        out[-1] = cut(rest, width)
    return out


def tsv(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> str:
    """Tab-separated: a header line, then one line per row, nothing cut or padded."""

    def field(value: str) -> str:
        # a cell of several lines (trailers) stays on its row
        return "; ".join(part.strip() for part in value.splitlines()).replace("\t", " ")

    lines = ["\t".join(c.header for c in columns)]
    lines += ["\t".join(field(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def layout(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[int]:
    """Each column's width, 0 for a column dropped, so the table fits in `width` cells.

    The columns give way one step at a time, in rank order; at each step, those
    allowed to narrow give only what is still needed, the earliest first, so a
    column narrowed early widens again once a later one is dropped.
    """
    natural = [
        min(max([cell_len(c.header)] + [_widest(row[i]) for row in rows]), c.cap or 10**6)
        for i, c in enumerate(columns)
    ]
    floor = [min(natural[i], max(c.floor, cell_len(c.header))) for i, c in enumerate(columns)]
    steps = sorted(
        [(c.shrink, -i, "shrink", i) for i, c in enumerate(columns) if c.shrink]
        + [(c.drop, -i, "drop", i) for i, c in enumerate(columns) if c.drop]
    )
    for k in range(len(steps) + 1):
        dropped = {i for _r, _n, kind, i in steps[:k] if kind == "drop"}
        narrowing = [i for _r, _n, kind, i in steps[:k] if kind == "shrink" and i not in dropped]
        widths = [0 if i in dropped else natural[i] for i in range(len(columns))]
        shown = len(columns) - len(dropped)
        excess = sum(widths) + GAP * (shown - 1) - width
        if excess > sum(widths[i] - floor[i] for i in narrowing) and k < len(steps):
            continue  # this step is not enough: take the next one too
        for i in narrowing:
            give = max(0, min(excess, widths[i] - floor[i]))
            widths[i] -= give
            excess -= give
        # still too wide after every step: below the floors, to the headers, the column
        # that narrowed last (the table's main text) first: the others are short already
        for i in reversed(narrowing):
            give = max(0, min(excess, widths[i] - cell_len(columns[i].header)))
            widths[i] -= give
            excess -= give
        return widths
    raise AssertionError("unreachable: the last step always returns")


def _widest(value: str) -> int:
    return max((cell_len(line) for line in value.splitlines()), default=0)


def aligned(columns: Sequence[Column], rows: Sequence[Sequence[str]], width: int) -> list[Text]:
    """The table's lines for a terminal `width` cells wide."""
    widths = layout(columns, rows, width)
    shown = [i for i, w in enumerate(widths) if w]
    out = [_line([(columns[i].header, widths[i], columns[i], "bold") for i in shown])]
    for row in rows:
        cells = {i: _cell(row[i], widths[i], columns[i]) for i in shown}
        for n in range(max(len(v) for v in cells.values())):
            parts = []
            for i in shown:
                text = cells[i][n] if n < len(cells[i]) else ""
                parts.append((text, widths[i], columns[i], _style(columns[i], text)))
            out.append(_line(parts))
    return out


def _style(column: Column, text: str) -> str | None:
    colour = column.style
    return colour(text) if colour is not None and text else None


def _cell(value: str, width: int, column: Column) -> list[str]:
    lines: list[str] = []
    for line in value.splitlines() or [""]:
        lines += wrap(line, width, column.lines) if column.lines > 1 else [cut(line, width)]
    return lines


def _line(parts: Sequence[tuple[str, int, Column, str | None]]) -> Text:
    line = Text()
    for n, (text, width, column, style) in enumerate(parts):
        pad = " " * (width - cell_len(text))
        last = n == len(parts) - 1
        if column.right:
            line.append(pad)
        line.append(text, style=style or "")
        if not column.right and not last:
            line.append(pad)
        if not last:
            line.append(" " * GAP)
    line.rstrip()
    return line


def print_table(console: Console, columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
    """A table on the console: aligned to the terminal's width, or tab-separated when piped."""
    if not terminal_mode():
        console.file.write(tsv(columns, rows))
        return
    width = terminal_width()
    for line in aligned(columns, rows, width):
        # soft_wrap: the line is already as wide as it may be; rich must not fold it
        console.print(line, soft_wrap=True, highlight=False)
