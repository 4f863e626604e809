"""The web UI's rendering helpers: race diagrams, numbered diff lines, folded quotes."""

from __future__ import annotations

from reviewbot.web.highlight import diff_lines
from reviewbot.web.svg import RaceStep, race_svg
from reviewbot.web.threadview import body_blocks


def test_race_svg_escapes_and_highlights() -> None:
    steps = [
        RaceStep("1", "A <b>", "calls f() </text><script>", ("f",)),
        RaceStep("2", "B", "calls g()", ("g",)),
    ]
    svg = str(race_svg(["A <b>", "B"], steps, title="t", evidence="e"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('class="lane"') == 2 and svg.count('class="step"') == 2
    assert '<tspan class="ident">f</tspan>' in svg


def test_diff_lines_number_both_sides() -> None:
    lines = diff_lines("@@ -10,3 +10,3 @@\n a\n-b\n+c\n d\n", "x.c", 10, 10)
    assert [(x.kind, x.old_no, x.new_no) for x in lines] == [
        (" ", 10, 10),
        ("-", 11, None),
        ("+", None, 11),
        (" ", 12, 12),
    ]


def test_body_blocks_fold_quotes() -> None:
    blocks = body_blocks("> a\n> b\nmine\n")
    assert [(b.quoted, b.lines) for b in blocks] == [(True, 2), (False, 2)]
