"""The web UI's rendering helpers: race diagrams, numbered diff lines, folded quotes."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.web import svg
from reviewbot.web.highlight import diff_lines
from reviewbot.web.svg import RaceBranch, RaceStep, race_svg
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


def test_a_fork_draws_each_order_as_its_own_branch() -> None:
    a = RaceBranch(
        "A", "X wins", (RaceStep("1", "X", "x()", ("x",)), RaceStep("2", "Y", "y()", ("y",)))
    )
    b = RaceBranch("B", "Y wins", (RaceStep("1", "Y", "y()", ("y",)),))
    shared = [RaceStep("1", "X", "starts", ())]
    svg = str(race_svg(["X", "Y"], shared, title="t", evidence="e", branches=[a, b], uid="7"))
    assert svg.count('<g class="branch"') == 2 and 'data-branches="2"' in svg
    assert "or B. Y wins" in svg and 'id="arrow-7"' in svg
    branch_a = svg[svg.index('data-branch="A"') : svg.index('data-branch="B"')]
    branch_b = svg[svg.index('data-branch="B"') :]
    assert branch_a.count('class="order"') == 1 and branch_b.count('class="order"') == 0


def test_lanes_are_the_actors_and_unnamed_steps_get_a_question_mark_lane() -> None:
    steps = [RaceStep("1", "X", "a", ()), RaceStep("2", "?", "b", ())]
    svg = str(race_svg(["X"], steps, title="t", evidence="e"))
    assert re.findall(r'class="lane" data-actor="([^"]*)"', svg) == ["X", "?"]
    named = str(race_svg(["X", "Y"], steps[:1], title="t", evidence="e"))
    assert 'data-actor="?"' not in named


def test_long_identifiers_are_broken_at_their_humps() -> None:
    step = RaceStep(
        "1",
        "X",
        "virSecurityManagerClearSocketLabel fails",
        ("virSecurityManagerClearSocketLabel",),
    )
    svg = str(race_svg(["X"], [step], title="t", evidence="e"))
    parts = re.findall(r'<tspan class="ident">([^<]*)</tspan>', svg)
    assert "".join(parts) == "virSecurityManagerClearSocketLabel" and len(parts) > 1
    assert all(len(p) <= 19 for p in parts)  # each fits the box: 146 px at 8.2 px a char


def test_a_step_naming_lines_links_to_the_first() -> None:
    step = RaceStep("2", "X", "sets priv->agent", ("priv->agent",), ("f0-h0-n153", "f0-h0-o12"))
    svg = str(race_svg(["X"], [step], title="t", evidence="e"))
    assert '<a class="step-link" href="#f0-h0-n153" data-lines="f0-h0-n153 f0-h0-o12"' in svg
    assert "highlights 2 diff lines" in svg


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


WORD = st.one_of(
    st.sampled_from(["virSecurityManagerClearSocketLabel", "priv->agentError", "a", "the"]),
    st.text(alphabet="abcXYZ_->()", min_size=1, max_size=60),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(WORD, min_size=1, max_size=30))
def test_wrapped_lines_fit_their_box_by_estimate(words: list[str]) -> None:
    text = " ".join(words)
    lines = svg._wrap(text, [w for w in words if "_" in w or "->" in w], 146, svg._SANS)
    for line in lines:
        assert sum(svg._size(p, svg._SANS) for p in line if p.text != " ") <= 146 + 1
    assert "".join(p.text for line in lines for p in line).replace(" ", "") == text.replace(" ", "")
