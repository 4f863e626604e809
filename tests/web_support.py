"""Helpers of the web UI tests: a real uvicorn server and headless Chromium.

The browser is Debian's /usr/bin/chromium (`make test` installs it); tests
that need it skip, saying so, only when it is absent.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy import Engine

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, migrated_sqlite

# the 2023 backport series, posted twice with review
MONTHS_2023 = ("2023-July.txt.gz", "2023-August.txt.gz")

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is missing (`make test` installs Debian's chromium)",
)


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(engine: Engine) -> Iterator[str]:
    """Run the app over `engine` with a real uvicorn server in a thread; yield its URL."""
    port = free_port()
    config = uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@contextmanager
def served_archive(directory: Path, months: Sequence[str] = MONTHS_2023) -> Iterator[str]:
    """The app, served, over these months of tests/data's archive imported into a
    fresh SQLite file in `directory`; yield its URL."""
    engine = open_engine(migrated_sqlite(directory / "list.db"))
    import_paths(engine, [LIST / m for m in months])
    try:
        with serve(engine) as url:
            yield url
    finally:
        engine.dispose()


@contextmanager
def chromium_browser() -> Iterator[Any]:
    """A headless Chromium: one per test process (tests/web/conftest.py), since a launch
    costs about a second of CPU; each test takes a fresh context of it (`browser`)."""
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def browser(chromium: Any, width: int = 1280) -> Iterator[Any]:
    """A page of a fresh browser context: its own cookies, storage and cache, as a new
    profile would have, so no test sees another's session."""
    context = chromium.new_context(viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str, element: Any = None) -> Path | None:
    """Save a full-page screenshot (or one of `element` alone) as a test artifact
    (test-artifacts/, gitignored) when $REVIEWBOT_SCREENSHOTS is set: they are for
    people to look at (README's pictures come from them) and assert nothing; the
    sixteen of them took 6 of the browser tests' 54 s, run alone."""
    if not os.environ.get("REVIEWBOT_SCREENSHOTS"):
        return None
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    if element is not None:
        element.screenshot(path=str(path))
    else:
        page.screenshot(path=str(path), full_page=True)
    return path
