"""Message-derived text is escaped everywhere: raw HTML checks and a real browser."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from reviewbot.app import create_app
from reviewbot.pipeline.importer import import_paths
from tests.conftest import diff_body, mail, write_mbox
from tests.web_support import browser, needs_chromium, serve

pytestmark = pytest.mark.sqlite_only(
    "rendering: every read a page makes is tested on both backends in tests/read/, and "
    "tests/read/test_read_only.py fetches every page on both"
)

EVIL = '<script>alert(1)</script>"onerror=alert(2) javascript:alert(3)'
# what a page would hold if some markup from the mail had got through
_INJECTED = """() => ({
    scripts: [...document.scripts].filter(s => !s.src.endsWith('/static/app.js')).length,
    imgs: document.images.length,
    handlers: document.querySelectorAll('[onerror],[onload],[onclick]').length,
    js_links: [...document.querySelectorAll('[href],[src]')].filter(e =>
        /^\\s*javascript:/i.test(e.getAttribute('href') || e.getAttribute('src') || '')).length,
    svgs: [...document.querySelectorAll('svg')].filter(s => !s.classList.contains('race')).length,
})"""
EVIL_PATH = "src/<img src=x onerror=alert(5)>javascript:x.c"


@pytest.fixture
def evil_engine(engine: Engine, tmp_path: Path) -> Engine:
    """A patch and a reply whose subject, author, body and file name carry markup."""
    sender = f'"<img src=x onerror=alert(4)> {EVIL}" <evil@example.org>'
    patch = mail(
        "evil-1@example.org",
        f"[PATCH] {EVIL}",
        diff_body(path=EVIL_PATH, message=f'{EVIL}\n<a href="javascript:alert(6)">x</a>'),
        sender=sender,
    )
    reply = mail(
        "evil-2@example.org",
        f"Re: [PATCH] {EVIL}",
        f"> -old line\n{EVIL} <svg onload=alert(7)>\n",
        sender=sender,
        reply_to="evil-1@example.org",
    )
    import_paths(engine, [write_mbox(tmp_path / "evil.mbox", [patch, reply])])
    return engine


def _pages(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        series = conn.execute(text("select id from series")).scalar_one()
        patch = conn.execute(text("select id from patch")).scalar_one()
    q = "%3Cscript%3E"
    return [
        "/",
        f"/?q={q}",
        f"/?submitter={q}",
        f"/series/{series}",
        f"/patch/{patch}",
        "/thread/evil-1@example.org",
        "/message/evil-1@example.org",
        "/message/evil-2@example.org",
        f"/message/{q}",
    ]


def test_markup_is_escaped_in_the_served_html(evil_engine: Engine) -> None:
    client = TestClient(create_app(evil_engine))
    for url in _pages(evil_engine):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        html = response.text
        for bad in ("<script>alert", "<img src=x", "<svg onload", 'href="javascript:'):
            assert bad not in html, (url, bad)
        assert "&lt;script&gt;" in html or url == "/?submitter=%3Cscript%3E", url
    raw = client.get("/raw/evil-1@example.org")
    assert raw.headers["content-type"].startswith("text/plain")
    assert raw.headers["x-content-type-options"] == "nosniff"


def test_patch_page_shows_the_file_name_as_text(evil_engine: Engine) -> None:
    client = TestClient(create_app(evil_engine))
    html = client.get(_pages(evil_engine)[4]).text
    assert "src/&lt;img src=x onerror=alert(5)&gt;javascript:x.c" in html


@needs_chromium
def test_no_script_runs_in_a_real_browser(evil_engine: Engine, chromium: Any) -> None:
    dialogs: list[str] = []
    with serve(evil_engine) as site, browser(chromium) as page:
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for url in _pages(evil_engine):
            page.goto(site + url)
            for details in page.locator("details").all():
                details.evaluate("d => d.open = true")
            page.wait_for_timeout(50)
            injected: Any = page.evaluate(_INJECTED)
            assert injected == {"scripts": 0, "imgs": 0, "handlers": 0, "js_links": 0, "svgs": 0}, (
                url
            )
            if "/message/evil-1" in url:
                assert "<script>alert(1)</script>" in page.locator("h1").inner_text()
    assert dialogs == []
