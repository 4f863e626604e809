"""The web UI in a real headless Chromium, over a real uvicorn server and SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import mail, migrated_sqlite, write_mbox
from tests.web_support import (
    MONTHS_2023,
    browser,
    needs_chromium,
    screenshot,
    serve,
    served_archive,
)

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over July + August 2023 and the 2016 seed thread."""
    with served_archive(
        tmp_path_factory.mktemp("web"), (*MONTHS_2023, "2016-October.txt.gz")
    ) as url:
        yield url


def test_backport_series_concern_and_race(site: str, page: Any) -> None:
    """Home → v1 → patch 08: the VIR_LOCK_GUARD concern beside old line 457, the race."""
    page.goto(site + "/")
    screenshot(page, "home")
    row = page.locator("tr", has=page.get_by_role("cell", name="v1", exact=True))
    row.get_by_role("link", name="qemu: backport fixes for 9.0.0").click()
    page.wait_for_url("**/series/*")
    assert "v1" in page.locator("h1").inner_text()
    screenshot(page, "series-v1")
    page.locator("#patch-08 a").first.click()
    page.wait_for_url("**/patch/*")
    assert page.locator("h1").inner_text().startswith("08/10")

    line = page.locator('section.file[aria-label="src/conf/virstorageobj.c"] tr[data-old="457"]')
    assert "VIR_LOCK_GUARD" in line.inner_text()
    pinned = line.locator("xpath=following-sibling::tr[1]")
    concern = pinned.locator('.concern[data-side="old"][data-line="457"]')
    assert concern.count() == 1
    assert "keep a comment here" in concern.inner_text()
    line_box, concern_box = line.bounding_box(), concern.bounding_box()
    assert 0 <= concern_box["y"] - (line_box["y"] + line_box["height"]) < 40  # right under it

    race = page.locator("svg.race")
    assert race.count() == 1
    assert race.locator(".lane").count() == 2
    assert race.locator(".step").count() == 3
    assert race.locator(".ident", has_text="VIR_LOCK_GUARD").count() >= 1
    assert [s.get_attribute("data-step") for s in race.locator(".step").all()] == ["1", "2", "3"]
    page.locator("#races-h").scroll_into_view_if_needed()
    screenshot(page, "patch-page")

    page.locator("nav.crumbs a").nth(1).click()
    page.get_by_role("link", name="v2", exact=True).click()
    page.wait_for_url("**/series/*")
    assert page.locator("#series-state").inner_text() == "accepted"
    earlier = page.locator("#earlier .concern", has_text="src/conf/virstorageobj.c:457")
    assert earlier.count() == 1
    assert earlier.locator(".badge.status").inner_text() == "raised on v1, addressed here"
    screenshot(page, "series-v2")


def test_phone_width_has_no_page_wide_scrollbar(site: str, chromium: Any) -> None:
    with browser(chromium, width=390) as page:
        page.goto(site + "/")
        page.get_by_role("link", name="qemu: backport fixes for 9.0.0").first.click()
        page.wait_for_url("**/series/*")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 400
        screenshot(page, "series-phone")


def test_keyboard_slash_focuses_search(site: str, page: Any) -> None:
    page.goto(site + "/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("VIR_LOCK_GUARD")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=*")
    assert page.locator("table.series-list tbody tr").count() >= 1


def test_seed_thread_reconstructed_patch(site: str, page: Any) -> None:
    """The 2016 seed reply's quoted patch 01: reconstructed hunk, its concerns, the races."""
    page.goto(site + "/?month=2016-10")
    page.locator("table.series-list tbody tr a").first.click()
    page.wait_for_url("**/series/*")
    page.locator("#patch-01 a").first.click()
    page.wait_for_url("**/patch/*")
    assert page.locator("h1 .badge.reconstructed, p.meta .badge.reconstructed").count() >= 1
    hunks = page.locator("section.hunk.reconstructed")
    assert hunks.count() == 1
    hunk = hunks.first
    assert "@@ -151,6 +151,7 @@ qemuProcessHandleAgentEOF" in hunk.inner_text()
    assert "priv->agentError = false;" in hunk.inner_text()
    concerns = hunk.locator(".concern")
    assert concerns.count() == 3  # John Ferlan's inline comments, at new lines 153, 154, 157
    assert all("John Ferlan" in concerns.nth(i).inner_text() for i in range(3))
    assert "Usually on domain shutdown event comes first" in page.content()  # commit message
    races = page.locator("figure.race-figure")
    assert races.count() == 2  # the race with A/B alternatives, and the shutdown interleaving
    assert races.locator("svg.race").count() == 2  # one diagram each, the A/B one a fork
    text = page.content()
    assert "IO loop thread" in text and "worker pool" in text
    assert "qemuConnectAgent wins" in text
    screenshot(page, "seed-patch")


# -- race diagrams: lanes, the fork, line highlights, at desktop and phone widths -------

# For every step: its text's box inside its own box, and the lane headers' text inside
# theirs (getBBox: as the browser laid the glyphs out), in the SVG's own units.
_OVERFLOW = """() => {
  const inside = (a, b) => a.x >= b.x - 1 && a.y >= b.y - 1
    && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1;
  const out = [];
  for (const g of document.querySelectorAll("svg.race .step, svg.race .lane")) {
    const text = g.querySelector("text").getBBox(), box = g.querySelector("rect").getBBox();
    if (!inside(text, box)) out.push(g.textContent.slice(0, 60));
  }
  return out;
}"""


def _seed_patch(page: Any, site: str) -> None:
    page.goto(site + "/?month=2016-10")
    page.locator("table.series-list tbody tr a").first.click()
    page.wait_for_url("**/series/*")
    page.locator("#patch-01 a").first.click()
    page.wait_for_url("**/patch/*")


def _steps(svg: Any) -> list[tuple[str, str]]:
    steps = svg.locator(".step").all()
    return [(s.get_attribute("data-step"), s.get_attribute("data-actor")) for s in steps]


@pytest.mark.parametrize("width", [1366, 390])
def test_seed_race_diagrams(site: str, chromium: Any, width: int) -> None:
    """Lanes are the actors, every step in a named lane, the A/B race a fork of two
    branches, nothing overflows its box, and at 390 px the page does not scroll sideways."""
    with browser(chromium, width=width) as page:
        _seed_patch(page, site)
        wins, shutdown = page.locator("figure.race-figure").all()
        assert wins.locator("h3").inner_text().startswith("Race 1")
        assert shutdown.locator("h3").inner_text().startswith("Race 2")

        svg = wins.locator("svg.race")
        lanes = [g.get_attribute("data-actor") for g in svg.locator(".lane").all()]
        assert lanes == ["qemuConnectAgent", "qemuProcessHandleAgentEOF"]
        assert svg.locator(".shared .step").count() == 0  # no "A" then "B"
        fork = svg.locator("g.fork")
        assert fork.get_attribute("data-branches") == "2"
        a, b = fork.locator("g.branch").all()
        assert a.get_attribute("data-branch") == "A" and b.get_attribute("data-branch") == "B"
        assert "qemuConnectAgent wins" in a.locator(".branch-label").text_content()
        assert _steps(a) == [("1", "qemuConnectAgent"), ("2", "qemuProcessHandleAgentEOF")]
        assert _steps(b) == [("1", "qemuProcessHandleAgentEOF"), ("2", "qemuConnectAgent")]
        assert a.locator("line.order").count() == 1 == b.locator("line.order").count()
        assert svg.locator("line.order").count() == 2  # none from branch A into branch B

        svg = shutdown.locator("svg.race")
        lanes = [g.get_attribute("data-actor") for g in svg.locator(".lane").all()]
        assert lanes == ["IO loop thread", "worker pool"]
        assert _steps(svg) == [
            ("1", "IO loop thread"),
            ("2", "IO loop thread"),
            ("3", "worker pool"),  # "Now we execute VSERPORT_CHANGE handler"
        ]
        assert page.locator("svg.race .step[data-actor='?']").count() == 0

        assert page.evaluate(_OVERFLOW) == []
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width
        for figure in (wins, shutdown):  # readable: drawn at 85% of its size or more
            box = figure.locator("svg.race").bounding_box()
            natural = float(figure.locator("svg.race").get_attribute("width"))
            assert box["width"] >= 0.85 * min(natural, width)
        section = page.locator("section", has=page.locator("#races-h"))
        screenshot(page, f"seed-races-{width}", section)


@pytest.mark.parametrize("width", [1366, 390])
def test_a_race_step_highlights_the_lines_it_names(site: str, chromium: Any, width: int) -> None:
    """Focusing or hovering a step lights up its diff lines; its link jumps to the first."""
    with browser(chromium, width=width) as page:
        _highlights(site, page, width)


def _highlights(site: str, page: Any, width: int) -> None:
    _seed_patch(page, site)
    shutdown = page.locator("figure.race-figure").nth(1)
    step = shutdown.locator("a.step-link", has=page.locator(".step[data-step='2']"))
    assert step.get_attribute("data-lines") == "f0-h0-n153 f0-h0-n154"
    assert step.get_attribute("href") == "#f0-h0-n153"
    assert page.locator("tr.race-hl").count() == 0
    step.focus()
    lit = [r.get_attribute("id") for r in page.locator("tr.race-hl").all()]
    assert lit == ["f0-h0-n153", "f0-h0-n154"]
    assert "priv->agent = NULL;" in page.locator("#f0-h0-n153").inner_text()
    assert "priv->agentError = false;" in page.locator("#f0-h0-n154").inner_text()
    screenshot(page, f"race-step-highlight-{width}", page.locator("section.hunk").first)
    step.blur()
    assert page.locator("tr.race-hl").count() == 0

    wins = page.locator("figure.race-figure").first
    first = wins.locator("a.step-link").first
    first.hover()
    assert [r.get_attribute("id") for r in page.locator("tr.race-hl").all()] == ["f0-h0-n153"]
    page.mouse.move(0, 0)
    assert page.locator("tr.race-hl").count() == 0
    # the step's text twin in "Steps as text" highlights the same lines
    shutdown.locator("details.race-steps summary").click()
    shutdown.locator("details.race-steps li[data-lines]").first.hover()
    assert page.locator("tr.race-hl").count() == 2

    step.click()  # the link: the page jumps to the line, which stays marked as the target
    page.wait_for_url("**#f0-h0-n153")
    assert page.evaluate("document.querySelector(':target').id") == "f0-h0-n153"


def test_hunk_race_badges_link_to_their_races(site: str, page: Any) -> None:
    _seed_patch(page, site)
    badges = page.locator("section.hunk .race-link").all()
    assert [b.inner_text() for b in badges] == ["race 1", "race 2"]
    for badge in badges:
        target = page.locator(badge.get_attribute("href"))
        assert target.locator("h3").inner_text().startswith(badge.inner_text().capitalize())


# -- other shapes on the page: three lanes, an unnamed step, columns and an arrow line ----

PATCH = (
    "Take the job before touching the monitor.\n\n"
    "Signed-off-by: Alice Author <alice@example.org>\n---\n"
    " src/qemu/qemu_process.c | 3 ++-\n 1 file changed, 2 insertions(+), 1 deletion(-)\n\n"
    "diff --git a/src/qemu/qemu_process.c b/src/qemu/qemu_process.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/src/qemu/qemu_process.c\n+++ b/src/qemu/qemu_process.c\n"
    "@@ -10,3 +10,4 @@ qemuProcessStop(virDomainObj *vm)\n"
    "     virObjectLock(vm);\n"
    "-    qemuMonitorClose(priv->mon);\n"
    "+    qemuDomainObjBeginJob(vm);\n"
    "+    qemuMonitorClose(priv->mon);\n"
    "     virObjectUnlock(vm);\n"
    "-- \n2.39.2\n"
)
REVIEW = """> +    qemuDomainObjBeginJob(vm);

This still races, three ways at once:

1. the main thread calls virObjectUnlock(vm) in qemuProcessStop()
2. the event loop thread runs qemuProcessHandleMonitorEOF() meanwhile
3. the worker thread calls qemuMonitorClose(priv->mon) at the same time
4. priv->mon is used after free

Drawn out:

    Thread A                          | Thread B
    ----------------------------------+----------------------------------
    virObjectLock(vm)                 |
                                      | qemuDomainObjBeginJob(vm)
    qemuMonitorClose(priv->mon)       |
                                      | qemuMonitorVeryLongFunctionNameThatNeverEnds(priv->mon)

Or, shorter: A: virObjectUnlock(vm) -> B: qemuMonitorClose(priv->mon) -> A: priv->mon (freed)
"""


@pytest.fixture(scope="module")
def shapes_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One patch and a review holding a three-lane list, a table and an arrow timeline."""
    tmp = tmp_path_factory.mktemp("shapes")
    archive = write_mbox(
        tmp / "shapes.mbox",
        [
            mail("p1@example.org", "[PATCH] qemu: take the job in qemuProcessStop", PATCH),
            mail(
                "r1@example.org",
                "Re: [PATCH] qemu: take the job in qemuProcessStop",
                REVIEW,
                sender="Ada Reviewer <ada@example.org>",
                date="Tue, 18 Jul 2023 10:30:00 +0200",
                reply_to="p1@example.org",
            ),
        ],
    )
    engine = open_engine(migrated_sqlite(tmp / "shapes.db"))
    import_paths(engine, [archive])
    with serve(engine) as url:
        yield url
    engine.dispose()


@pytest.mark.parametrize("width", [1366, 390])
def test_three_lanes_columns_and_timelines_fit(shapes_site: str, chromium: Any, width: int) -> None:
    with browser(chromium, width=width) as page:
        page.goto(shapes_site + "/")
        page.locator("table.series-list tbody tr a").first.click()
        page.wait_for_url("**/series/*")
        page.locator("#patch-01 a").first.click()
        page.wait_for_url("**/patch/*")
        figures = page.locator("figure.race-figure").all()
        lanes = [[g.get_attribute("data-actor") for g in f.locator(".lane").all()] for f in figures]
        assert lanes == [
            ["main thread", "event loop", "worker thread", "?"],  # step 4 names no actor
            ["thread A", "thread B"],
            ["A", "B"],
        ]
        assert "Outcome: priv->mon is used after free" in figures[0].inner_text()
        assert "Outcome: qemuMonitorVeryLongFunctionNameThatNeverEnds" in figures[1].inner_text()
        assert page.evaluate(_OVERFLOW) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        wide = figures[0].locator(".svg-wrap")
        scrolls = wide.evaluate("w => w.scrollWidth > w.clientWidth")
        assert scrolls == (width == 390)  # four lanes scroll inside their figure on a phone
        # a step names the lines of the hunk: qemuMonitorClose(priv->mon) is new line 12
        step = figures[0].locator("a.step-link", has=page.locator(".step[data-step='3']"))
        assert step.get_attribute("data-lines") == "f0-h0-o11 f0-h0-n12"
        section = page.locator("section", has=page.locator("#races-h"))
        screenshot(page, f"race-shapes-{width}", section)
