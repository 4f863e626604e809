"""The review coverage map in Chromium: reachable by keyboard, readable without colour,
and each cell leads to its hunk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web_support import browser, needs_chromium, screenshot, served_archive

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_archive(tmp_path_factory.mktemp("coverage")) as url:
        yield url


def test_coverage_map_by_keyboard(site: str, chromium: Any) -> None:
    with browser(chromium) as page:
        page.goto(site + "/")
        row = page.locator("tr", has=page.get_by_role("cell", name="v1", exact=True))
        row.get_by_role("link", name="qemu: backport fixes for 9.0.0").click()
        page.wait_for_url("**/series/*")
        cells = page.locator("#coverage a.cov")
        assert cells.count() == 18
        # the state is in the glyph and the label, not only in the colour
        glyphs = [c.inner_text() for c in cells.all()]
        assert glyphs.count("–") == 16 and glyphs.count("!") == 1 and glyphs.count("✓") == 1
        reviewed = page.locator("#coverage a.cov-reviewed")
        assert "covered by Ada Reviewer" in (reviewed.get_attribute("aria-label") or "")
        # Tab reaches the cells; Enter opens the hunk on the patch page
        page.locator("#coverage-h").scroll_into_view_if_needed()
        screenshot(page, "coverage-map", page.locator("#coverage"))
        for _ in range(400):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('cov-reviewed')"):
                break
        else:
            pytest.fail("Tab never reached the reviewed cell of the coverage map")
        href = reviewed.get_attribute("href") or ""
        page.keyboard.press("Enter")
        page.wait_for_url("**" + href)
        anchor = href.split("#", 1)[1]
        badge = page.locator(f"#{anchor} [data-coverage]")
        assert badge.get_attribute("data-coverage") == "reviewed"
        assert "reviewed by Ada Reviewer" in badge.inner_text()
