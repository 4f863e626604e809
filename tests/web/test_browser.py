"""The web UI in a real headless Chromium, over a real uvicorn server and SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST
from tests.web_support import browser, needs_chromium, screenshot, serve

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over July + August 2023 and the 2016 seed thread."""
    db = tmp_path_factory.mktemp("web") / "list.db"
    engine = open_engine(f"sqlite:///{db}")
    months = ("2023-July.txt.gz", "2023-August.txt.gz", "2016-October.txt.gz")
    import_paths(engine, [LIST / m for m in months])
    with serve(engine) as url:
        yield url
    engine.dispose()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Any]:
    with browser(tmp_path / "profile") as p:
        yield p


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


def test_phone_width_has_no_page_wide_scrollbar(site: str, tmp_path: Path) -> None:
    with browser(tmp_path / "phone", width=390) as page:
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
    assert races.count() == 2  # the shutdown interleaving, and the race with A/B alternatives
    alternatives = page.locator("details.alternative")
    assert alternatives.count() == 2  # each drawn as a diagram of its own
    assert alternatives.locator("svg.race").count() == 2
    text = page.content()
    assert "IO loop thread" in text and "worker pool" in text
    assert "qemuConnectAgent wins" in text
    screenshot(page, "seed-patch")
