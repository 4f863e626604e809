"""Race scenarios as inline SVG sequence diagrams, drawn on the server.  (pure)

One lane per actor (a header and a lifeline), one box per step in its actor's
lane, top to bottom in order, with an arrow from each step to the next. Every
piece of text comes from a mail, so all of it goes through `escape`; the
identifiers a step names are drawn in their own <tspan> to stand out.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

LANE_WIDTH = 300
GAP = 20
HEAD = 44
LINE = 17
PAD = 10
_CHARS = 38  # characters per wrapped line inside a step box


@dataclass(frozen=True)
class RaceStep:
    """One step of a scenario: label, actor, text and the identifiers it names."""

    label: str
    actor: str
    text: str
    identifiers: tuple[str, ...]


def _tspans(line: str, identifiers: Sequence[str]) -> str:
    """One wrapped line, with each identifier in a highlighted <tspan>."""
    names = sorted({i for i in identifiers if i}, key=len, reverse=True)
    if not names:
        return str(escape(line))
    pattern = re.compile("|".join(re.escape(n) for n in names))
    out, last = [], 0
    for m in pattern.finditer(line):
        out.append(str(escape(line[last : m.start()])))
        out.append(f'<tspan class="ident">{escape(m.group(0))}</tspan>')
        last = m.end()
    out.append(str(escape(line[last:])))
    return "".join(out)


def _lane_x(index: int) -> int:
    return PAD + index * (LANE_WIDTH + GAP)


def race_svg(
    actors: Sequence[str], steps: Sequence[RaceStep], *, title: str, evidence: str
) -> Markup:
    """The sequence diagram of one race scenario, as an <svg> element."""
    lanes = list(actors) or ["?"]
    for step in steps:  # a step by an actor the list lacks still gets a lane
        if step.actor and step.actor not in lanes:
            lanes.append(step.actor)
    width = _lane_x(len(lanes)) - GAP + PAD
    parts: list[str] = []
    y = HEAD + PAD
    centres: list[tuple[int, int, int]] = []  # (x centre, top, bottom) per step
    for step in steps:
        lane = lanes.index(step.actor) if step.actor in lanes else 0
        wrapped = textwrap.wrap(f"{step.label}. {step.text}", _CHARS) or [step.label]
        height = len(wrapped) * LINE + PAD
        x = _lane_x(lane) + 8
        lines = "".join(
            f'<tspan x="{x + 8}" dy="{LINE if i else 0}">{_tspans(w, step.identifiers)}</tspan>'
            for i, w in enumerate(wrapped)
        )
        parts.append(
            f'<g class="step" data-step="{escape(step.label)}" data-actor="{escape(step.actor)}">'
            f"<title>{escape(step.actor)}: {escape(step.text)}</title>"
            f'<rect x="{x}" y="{y}" width="{LANE_WIDTH - 16}" height="{height}" rx="6"/>'
            f'<text x="{x + 8}" y="{y + LINE}">{lines}</text></g>'
        )
        centres.append((_lane_x(lane) + LANE_WIDTH // 2, y, y + height))
        y += height + GAP
    height = y + PAD
    arrows = "".join(
        f'<line class="order" x1="{a[0]}" y1="{a[2]}" x2="{b[0]}" y2="{b[1]}" '
        f'marker-end="url(#arrow)"/>'
        for a, b in zip(centres, centres[1:], strict=False)
    )
    heads = "".join(
        f'<g class="lane" data-actor="{escape(actor)}">'
        f'<rect class="actor" x="{_lane_x(i)}" y="{PAD}" width="{LANE_WIDTH}" height="28" rx="4"/>'
        f'<text x="{_lane_x(i) + LANE_WIDTH // 2}" y="{PAD + 19}" text-anchor="middle">'
        f"{escape(actor)}</text>"
        f'<line class="lifeline" x1="{_lane_x(i) + LANE_WIDTH // 2}" y1="{PAD + 28}" '
        f'x2="{_lane_x(i) + LANE_WIDTH // 2}" y2="{height - PAD}"/></g>'
        for i, actor in enumerate(lanes)
    )
    marker = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/>'
        "</marker></defs>"
    )
    return Markup(  # every interpolated text above is escaped
        f'<svg class="race" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title><desc>{escape(evidence)}</desc>"
        f"{marker}{heads}{arrows}{''.join(parts)}</svg>"
    )
