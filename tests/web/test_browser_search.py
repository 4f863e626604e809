"""Search in a real headless Chromium: from a filtered list, the top box keeps the
filters, and the hits under each series show the words marked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.web_support import needs_chromium, screenshot, served_archive

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with served_archive(tmp_path_factory.mktemp("search")) as url:
        yield url


def test_searching_from_a_filtered_list_keeps_its_filters(site: str, page: Any) -> None:
    page.goto(site + "/?state=accepted&path=src/conf/**")
    page.keyboard.press("/")  # the search box's key
    page.keyboard.type("VIR_LOCK_GUARD")
    page.keyboard.press("Enter")
    page.wait_for_url("**q=VIR_LOCK_GUARD**")
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": ["VIR_LOCK_GUARD"], "state": ["accepted"], "path": ["src/conf/**"]}
    assert page.locator("table.series-list tbody tr:not(.hits-row)").count() == 1
    marks = page.locator(".hits mark")
    assert marks.count() >= 1 and marks.first.inner_text() == "VIR_LOCK_GUARD"
    assert marks.first.is_visible()
    screenshot(page, "search-hits")
    page.locator(".hit-where").first.click()
    page.wait_for_url("**/patch/*")
    assert page.locator("h1").inner_text().startswith("08/10")


def test_the_feed_link_is_announced_and_served(site: str, page: Any) -> None:
    page.goto(site + "/?state=accepted")
    href = page.locator('link[rel="alternate"][type="application/atom+xml"]').get_attribute("href")
    assert href == "/feeds/series.atom?state=accepted"
    response = page.request.get(site + href)
    assert response.ok and response.headers["content-type"].startswith("application/atom+xml")
    assert b"<title>qemu: backport fixes for 9.0.0 v2 [accepted]</title>" in response.body()
