"""Race scenarios as inline SVG sequence diagrams, drawn on the server.  (pure)

One lane per actor (a header and a lifeline), one box per step in its actor's
lane ("?" only for steps that name none), top to bottom in order, an arrow from
each step to the next. A race that forks into alternative orders is drawn as a
fork: after the shared steps, a bar "one of N orders" and a rail down the left
edge into one frame per order, each with its own steps and arrows, none from one
order to the next. Text is wrapped to the box by an estimate of its width, long
identifiers broken at their humps ("virSecurity|Manager|Clear..."), so nothing
overflows. A step that names diff lines on the page is a link to the first one,
its `data-lines` listing them all for app.js to highlight. Every piece of text
comes from a mail, so all of it goes through `escape`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LANE_WIDTH = 176
GAP = 12
PAD = 8
LINE = 16  # line height of wrapped text
BOX = 7  # padding inside a step box
RAIL = 18  # room left of the lanes for a fork's rail
_SANS = 7.6  # px per character at 13px, rounded up, to wrap before the box edge
_MONO = 8.2  # the same for a bold monospace identifier
_BOLD = 8.2
_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=_)|(?=->)|(?<=[(,])")


@dataclass(frozen=True)
class RaceStep:
    """One step of a scenario: label, actor (its lane), text, identifiers, and the ids of
    the diff rows on the page it names (`lines`, the first one its link target)."""

    label: str
    actor: str
    text: str
    identifiers: tuple[str, ...]
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class RaceBranch:
    """One alternative order of a race ("A. X wins") and its own steps."""

    label: str
    text: str
    steps: tuple[RaceStep, ...]


@dataclass(frozen=True)
class _Piece:
    text: str
    ident: bool


class _Canvas:
    """The lanes' geometry and the SVG parts drawn so far, top to bottom."""

    def __init__(self, lanes: list[str], forks: bool, uid: str) -> None:
        self.lanes, self.uid = lanes, uid
        self.left = PAD + (RAIL if forks else 0)
        self.width = self.lane_x(len(lanes)) - GAP + PAD
        self.heads = [_wrap(name, (), LANE_WIDTH - 12, _BOLD) for name in lanes]
        self.head = max(len(h) for h in self.heads) * LINE + 12  # the lane headers' height
        self.y = PAD + self.head + GAP
        self.parts: list[str] = []

    def lane_x(self, index: int) -> int:
        return self.left + index * (LANE_WIDTH + GAP)

    def steps(self, steps: Sequence[RaceStep]) -> str:
        """Draw steps in their lanes with an arrow from each to the next; the markup."""
        boxes, centres = [], []
        for step in steps:
            lane = self.lanes.index(step.actor) if step.actor in self.lanes else 0
            box, height = _step_box(step, self.lane_x(lane) + 8, self.y)
            boxes.append(box)
            centre = self.lane_x(lane) + LANE_WIDTH // 2
            centres.append((centre, self.y, self.y + height))
            self.y += height + GAP
        arrows = "".join(
            f'<line class="order" x1="{a[0]}" y1="{a[2]}" x2="{b[0]}" y2="{b[1] - 1}" '
            f'marker-end="url(#arrow-{self.uid})"/>'
            for a, b in zip(centres, centres[1:], strict=False)
        )
        return arrows + "".join(boxes)


def race_svg(
    actors: Sequence[str],
    steps: Sequence[RaceStep],
    *,
    title: str,
    evidence: str,
    branches: Sequence[RaceBranch] = (),
    uid: str = "race",
) -> Markup:
    """The sequence diagram of one race scenario (its shared steps, then its fork into
    alternative orders, if any) as an <svg> element; `uid` makes its ids unique."""
    everything = [*steps, *(s for b in branches for s in b.steps)]
    lanes = list(actors)
    lanes += [s.actor for s in everything if s.actor not in lanes and s.actor != "?"]
    if any(s.actor == "?" for s in everything) or not lanes:
        lanes.append("?")
    lanes = list(dict.fromkeys(lanes))
    canvas = _Canvas(lanes, bool(branches), uid)
    body = f'<g class="shared">{canvas.steps(steps)}</g>' if steps else ""
    if branches:
        body += _fork(canvas, branches)
    height = canvas.y + PAD
    return Markup(  # every interpolated text is escaped on its way in
        f'<svg class="race lanes-{len(lanes)}" role="group" viewBox="0 0 {canvas.width} {height}" '
        f'width="{canvas.width}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(evidence)}</desc>"
        f"{_marker(uid)}{_lanes(canvas, height)}{body}</svg>"
    )


def _fork(canvas: _Canvas, branches: Sequence[RaceBranch]) -> str:
    """A bar "one of N orders", a rail down the left, and one frame per order."""
    top = canvas.y
    inner = canvas.width - PAD - canvas.left + 8
    bar = (
        f'<line class="fork-bar" x1="{PAD}" y1="{top}" x2="{canvas.width - PAD}" y2="{top}"/>'
        f'<text class="fork-label" x="{canvas.left}" y="{top + LINE}">'
        f"one of {len(branches)} orders:</text>"
    )
    canvas.y = top + LINE + GAP
    rail_x = PAD + RAIL // 2 - 2
    parts, entries = [], []
    for i, branch in enumerate(branches):
        head = f"{'or ' if i else ''}{branch.label}. {branch.text}"
        wrapped = _wrap(head, (), inner - 16, _BOLD)
        start = canvas.y
        canvas.y += len(wrapped) * LINE + 14
        label = _text_lines(wrapped, canvas.left + 4, start + LINE + 2, "branch-label")
        drawn = canvas.steps(branch.steps)
        end = canvas.y - GAP + 8
        frame = (
            f'<rect class="branch-frame" x="{canvas.left - 4}" y="{start}" width="{inner}" '
            f'height="{end - start}" rx="6"/>'
        )
        entry_y = start + LINE - 2
        entries.append(entry_y)
        arrow = (
            f'<line class="fork-entry" x1="{rail_x}" y1="{entry_y}" x2="{canvas.left - 5}" '
            f'y2="{entry_y}" marker-end="url(#arrow-{canvas.uid})"/>'
        )
        parts.append(
            f'<g class="branch" data-branch="{escape(branch.label)}">'
            f"{frame}{label}{arrow}{drawn}</g>"
        )
        canvas.y = end + GAP
    rail = f'<line class="fork-rail" x1="{rail_x}" y1="{top}" x2="{rail_x}" y2="{entries[-1]}"/>'
    return f'<g class="fork" data-branches="{len(branches)}">{bar}{rail}{"".join(parts)}</g>'


def _lanes(canvas: _Canvas, height: int) -> str:
    """Each lane's header (its actor, wrapped) and dashed lifeline."""
    out = []
    head = canvas.head
    for i, (actor, wrapped) in enumerate(zip(canvas.lanes, canvas.heads, strict=True)):
        x, centre = canvas.lane_x(i), canvas.lane_x(i) + LANE_WIDTH // 2
        top = PAD + (head - len(wrapped) * LINE - 12) // 2
        words = "".join(
            f'<tspan x="{centre}" dy="{LINE if n else 0}">{escape(_joined(w))}</tspan>'
            for n, w in enumerate(wrapped)
        )
        out.append(
            f'<g class="lane" data-actor="{escape(actor)}">'
            f'<rect class="actor" x="{x}" y="{PAD}" width="{LANE_WIDTH}" height="{head}" rx="4"/>'
            f'<text x="{centre}" y="{top + LINE + 4}" text-anchor="middle">{words}</text>'
            f'<line class="lifeline" x1="{centre}" y1="{PAD + head}" x2="{centre}" '
            f'y2="{height - PAD}"/></g>'
        )
    return "".join(out)


def _step_box(step: RaceStep, x: int, y: int) -> tuple[str, int]:
    """One step's box and text; a link to its first line when it names lines here."""
    width = LANE_WIDTH - 16
    wrapped = _wrap(f"{step.label}. {step.text}", step.identifiers, width - 2 * BOX, _SANS)
    height = len(wrapped) * LINE + 2 * BOX - 2
    said = f"step {step.label} ({step.actor}): {step.text}"
    box = (
        f"<title>{escape(said)}</title>"
        f'<rect x="{x}" y="{y}" width="{width}" height="{height}" rx="6"/>'
        f"{_text_lines(wrapped, x + BOX, y + BOX + 11, '')}"
    )
    data = f'data-step="{escape(step.label)}" data-actor="{escape(step.actor)}"'
    if not step.lines:
        return f'<g class="step" {data}>{box}</g>', height
    names = f"{said} (highlights {len(step.lines)} diff line{'s' if len(step.lines) > 1 else ''})"
    link = (
        f'<a class="step-link" href="#{escape(step.lines[0])}" '
        f'data-lines="{escape(" ".join(step.lines))}" aria-label="{escape(names)}">'
    )
    return f'{link}<g class="step linked" {data}>{box}</g></a>', height


def _text_lines(wrapped: list[list[_Piece]], x: int, y: int, cls: str) -> str:
    """Wrapped lines as one <text>, identifiers in their own highlighted <tspan>."""
    rows = "".join(
        f'<tspan x="{x}" dy="{LINE if n else 0}">{_pieces(line)}</tspan>'
        for n, line in enumerate(wrapped)
    )
    attribute = f' class="{cls}"' if cls else ""
    return f'<text{attribute} x="{x}" y="{y}">{rows}</text>'


def _pieces(line: list[_Piece]) -> str:
    return "".join(
        f'<tspan class="ident">{escape(p.text)}</tspan>' if p.ident else str(escape(p.text))
        for p in line
    )


def _joined(line: list[_Piece]) -> str:
    return "".join(p.text for p in line)


def _wrap(
    text: str, identifiers: Sequence[str], width: float, per_char: float
) -> list[list[_Piece]]:
    """Text in lines no wider than `width` px (by estimate), identifiers kept as pieces and
    broken at their humps when one alone is too long."""
    names = sorted({i for i in identifiers if i}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(n) for n in names)) if names else None
    lines: list[list[_Piece]] = [[]]
    used = 0.0
    for word in text.split():
        for n, chunk in enumerate(_chunks(word, pattern, width, per_char)):
            size = sum(_size(p, per_char) for p in chunk)
            gap = per_char * 0.5 if lines[-1] and not n else 0.0  # no space inside a word
            if lines[-1] and used + gap + size > width:
                lines.append([])
                used, gap = 0.0, 0.0
            if gap:
                lines[-1].append(_Piece(" ", False))
            lines[-1].extend(chunk)
            used += gap + size
    return [line for line in lines if line] or [[_Piece("", False)]]


def _chunks(
    word: str, pattern: re.Pattern[str] | None, width: float, per_char: float
) -> list[list[_Piece]]:
    """A word as pieces (identifier or not); a word too wide for a line, in several parts
    to be wrapped, cut at identifier humps where it has them."""
    pieces, last = [], 0
    for m in pattern.finditer(word) if pattern else ():
        pieces += [_Piece(word[last : m.start()], False), _Piece(m.group(0), True)]
        last = m.end()
    pieces = [p for p in [*pieces, _Piece(word[last:], False)] if p.text]
    if sum(_size(p, per_char) for p in pieces) <= width:
        return [pieces]
    out: list[list[_Piece]] = []
    for piece in pieces:
        for part in _split(piece, width, per_char):
            out.append([part])
    return out


def _split(piece: _Piece, width: float, per_char: float) -> list[_Piece]:
    """A piece cut into parts that each fit a line: at humps, else every few characters."""
    parts, cur = [], ""
    for bit in _HUMP.split(piece.text):
        if cur and _size(_Piece(cur + bit, piece.ident), per_char) > width:
            parts.append(cur)
            cur = ""
        cur += bit
    parts.append(cur)
    room = max(1, int(width // (_MONO if piece.ident else per_char)))
    cut = [p[i : i + room] for p in parts if p for i in range(0, len(p), room)]
    return [_Piece(p, piece.ident) for p in cut]


def _size(piece: _Piece, per_char: float) -> float:
    return len(piece.text) * (_MONO if piece.ident else per_char)


def _marker(uid: str) -> str:
    return (
        f'<defs><marker id="arrow-{escape(uid)}" viewBox="0 0 10 10" refX="9" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z"/></marker></defs>'
    )
