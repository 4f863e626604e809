"""The reviewer's workspace in a real Chromium: sign in, act, compose a reply, /me, the
keyboard, and axe-core finding no serious accessibility violation on any page kind."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, make_token, migrated_sqlite
from tests.web_support import needs_chromium, screenshot, serve

pytestmark = needs_chromium
MONTHS = ("2023-July.txt.gz", "2023-August.txt.gz", "2016-October.txt.gz")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    """The app over the corpus; a writer's and a reader's token."""
    db = tmp_path_factory.mktemp("workspace") / "list.db"
    engine = open_engine(migrated_sqlite(db))
    import_paths(engine, [LIST / m for m in MONTHS])
    writer, reader = make_token(engine, "ada"), make_token(engine, "rita", read_only=True)
    with serve(engine) as url:
        yield url, writer, reader
    engine.dispose()


def sign_in(page: Any, url: str, token: str) -> None:
    page.goto(url + "/signin")
    page.get_by_label("Token").fill(token)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/me")


def test_sign_in_watch_set_state_resolve_and_compose(
    site: tuple[str, str, str], page: Any, tmp_path: Path
) -> None:
    url, writer, _ = site
    sign_in(page, url, writer)
    assert page.locator(".account").inner_text().startswith("ada")

    # a watched path shows the 2023 series in /me
    page.get_by_label("Add a path glob").fill("src/qemu/**")
    page.locator("#watches").get_by_role("button", name="Add").click()
    page.get_by_label("Add an address").fill("ada@example.org")
    page.locator("#emails").get_by_role("button", name="Add").click()
    watched = page.locator(".watched-series")
    assert watched.locator("li", has_text="qemu: backport fixes for 9.0.0").count() == 2
    assert "your question on patch 05 is still open" in page.locator(".queue").inner_text()
    screenshot(page, "workspace-me")

    # set v2's state from its page: it is then under review, and waits in my queue
    page.goto(url + "/series/2")
    page.get_by_label("State").select_option("under-review")
    page.get_by_role("button", name="Set state").click()
    page.wait_for_url("**/series/2")
    assert page.locator("#series-state").inner_text() == "under-review"
    assert "set by ada" in page.locator("p.meta").first.inner_text()
    screenshot(page, "workspace-series-actions")
    page.goto(url + "/me")
    assert page.locator("#q-series-2").count() == 1

    # resolve Ada's open question on v1 patch 05, from the keyboard
    page.goto(url + "/patch/5")
    page.keyboard.press("j")
    focused = page.locator("aside.concern:focus")
    assert focused.count() == 1
    open_one = page.locator("aside.concern.concern-open").first
    cid = open_one.get_attribute("id")
    open_one.get_by_placeholder("note (optional)").fill("answered in v2")
    open_one.get_by_role("button", name="Resolve").click()
    page.wait_for_url(f"**/patch/5#{cid}")
    resolved = page.locator(f"#{cid}")
    assert resolved.locator(".badge.status").inner_text() == "resolved"
    assert "set by ada: answered in v2" in resolved.inner_text()
    screenshot(page, "workspace-concern-resolved", resolved)

    # compose: pick two lines of patch 08's hunk by their numbers, then "r"
    page.goto(url + "/patch/8")
    hunk = page.locator('section.file[aria-label="src/conf/virstorageobj.c"] section.hunk').first
    hunk.locator('tr[data-old="457"] td.no.old').click()
    hunk.locator("tr.line.kadd").first.locator("td.no.new").click()
    assert page.locator(".reply-bar").inner_text().startswith("2 lines selected")
    page.keyboard.press("r")
    page.wait_for_url("**/patch/8/reply?*")
    assert page.locator("input[name=line]:checked").count() == 2
    page.get_by_label("Your comment").fill("Please keep a comment here.")
    page.wait_for_selector("#reply-text")  # the preview follows the form
    assert "Please keep a comment here." in page.locator("#reply-text").inner_text()
    assert page.locator("#mailto").get_attribute("href").startswith("mailto:backports@")
    screenshot(page, "workspace-compose")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download .eml").click()
    path = tmp_path / "reply.eml"
    info.value.save_as(path)
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["In-Reply-To"] == "<v1p08.1689665401.git.backports@example.org>"
    assert msg["References"] == (
        "<cover.1689665401.git.backports@example.org> <v1p08.1689665401.git.backports@example.org>"
    )
    assert msg["Subject"].startswith("Re: [libvirt] [PATCH 08/10] storage: Fix returning")
    assert msg["From"] == "ada <ada@example.org>"
    assert msg["To"] == "Backport Robot <backports@example.org>"
    lines = msg.get_content().splitlines()
    assert lines[0] == (
        "On Tue, 18 Jul 2023 09:30:08 +0200, Backport Robot <backports@example.org> wrote:"
    )
    assert lines[1] == "> -    VIR_LOCK_GUARD lock = virObjectLockGuard(obj);"
    assert lines[2] == "> [...]"  # the lines between the two picked are left out
    assert lines[3].startswith("> +") and lines[-1] == "Please keep a comment here."


def test_read_only_user_and_visitor_see_no_actions(site: tuple[str, str, str], page: Any) -> None:
    url, _, reader = site
    page.goto(url + "/patch/5")
    assert page.locator("form[action^='/act/']").count() == 0
    sign_in(page, url, reader)
    assert "read-only" in page.locator(".account").inner_text()
    page.goto(url + "/patch/5")
    assert page.locator("form[action^='/act/']").count() == 0
    assert page.locator("a.reply-link").count() > 0


def test_keyboard_help_and_navigation(site: tuple[str, str, str], page: Any) -> None:
    url = site[0]
    page.goto(url + "/patch/8")
    page.keyboard.press("?")
    assert page.locator("#keys-help").is_visible()
    screenshot(page, "workspace-keys-help")
    page.keyboard.press("Escape")
    assert not page.locator("#keys-help").is_visible()
    page.keyboard.press("j")
    first = page.evaluate("document.activeElement.id")
    page.keyboard.press("j")
    second = page.evaluate("document.activeElement.id")
    page.keyboard.press("k")
    assert first.startswith("concern-") and second != first
    assert page.evaluate("document.activeElement.id") == first
    page.keyboard.press("n")
    page.wait_for_url("**/patch/9")
    page.keyboard.press("p")
    page.wait_for_url("**/patch/8")


# every page kind, and the ones only a signed-in user sees
PAGES = {
    "home": "/",
    "series": "/series/2",
    "patch": "/patch/8",
    "thread": "/thread/cover.1689665401.git.backports@example.org",
    "message": "/message/r011-ada@example.org",
    "signin": "/signin",
    "error": "/series/999999",
    "compose": "/patch/8/reply?hunk=f0-h0",
    "me": "/me",
}
VISITOR_PAGES = ("home", "signin", "error")


def test_axe_finds_no_serious_violation_on_any_page_kind(
    site: tuple[str, str, str], page: Any
) -> None:
    url, writer, _ = site
    axe = Axe()
    found = {}
    for signed_in in (False, True):
        if signed_in:
            sign_in(page, url, writer)
        for kind, path in PAGES.items():
            # a visitor's pages are the signed-in ones less the action forms, so a
            # visitor's run covers only the header as a visitor sees it (17 runs were 14 s)
            if not signed_in and kind not in VISITOR_PAGES:
                continue
            page.goto(url + path)
            results = axe.run(page)
            bad = [
                (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
                for v in results.response["violations"]
                if v["impact"] in ("serious", "critical")
            ]
            if bad:
                found[(kind, signed_in)] = bad
    assert found == {}
