"""Fixtures of the browser tests: one Chromium per test process, a fresh page per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.web_support import browser, chromium_browser


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """The headless Chromium of this test process (tests/web_support.chromium_browser)."""
    with chromium_browser() as launched:
        yield launched


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A page of a fresh context of the session's Chromium (tests/web_support.browser)."""
    with browser(chromium) as p:
        yield p
