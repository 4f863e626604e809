"""The history on the series and patch pages: each change with its date, who made it,
and for what the thread did, a link to the mail that did it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from reviewbot import store
from reviewbot.app import create_app
from reviewbot.db import open_engine, session_scope
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

MONTHS = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"]


@pytest.fixture(scope="module")
def engine(module_db_url: str) -> Iterator[Engine]:
    engine = open_engine(module_db_url)
    import_paths(engine, MONTHS)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine), raise_server_exceptions=False)


def history(html: str) -> list[str]:
    """The history's entries, tags stripped, one line each."""
    section = html[html.index('id="history-h"') :]
    items = re.findall(r"<li id=\"event-\d+\">(.*?)</li>", section, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", i).split()) for i in items]


def test_the_series_page_tells_how_the_state_came_with_the_mails(client: TestClient) -> None:
    html = client.get("/series/2").text  # v2: reviewed, then pushed
    assert history(html) == [
        "2023-08-03 07:30 state new → under-review reviewbot (from the thread) · the mail"
        " 10 of 10 patches under-review: Ada Reviewer &lt;ada@example.org&gt; gave"
        " Reviewed-by (r027-ada@example.org)",
        "2023-08-04 07:30 state under-review → accepted reviewbot (from the thread) · the mail"
        " every patch is accepted: Lin Maintainer &lt;lin@example.org&gt; wrote"
        " &#39;Pushed now, thanks.&#39; in reply to the cover letter",
    ]
    assert 'href="/thread/r027-ada@example.org"' in html
    assert 'href="/thread/r028-lin@example.org"' in html
    # the links lead to the thread, with that mail in focus
    thread = client.get("/thread/r028-lin@example.org")
    assert thread.status_code == 200 and 'class="message focus"' in thread.text


def test_v1_is_superseded_by_the_mail_that_posted_v2(client: TestClient) -> None:
    html = client.get("/series/1").text
    last = history(html)[-1]
    assert last.startswith("2023-08-02 07:30 state changes-requested → superseded")
    assert 'href="/thread/cover.1689665402.git.backports@example.org"' in html


def test_the_patch_page_lists_changes_by_hand_too(engine: Engine, client: TestClient) -> None:
    with session_scope(engine) as s:
        row = store.load_target(session=s, target="patch", target_id=5)
        store.set_state(
            session=s, target="patch", row=row, state="rejected", actor="lin", via="api"
        )
    entries = history(client.get("/patch/5").text)
    assert " state superseded → rejected lin (via api)" in entries[-1]
    assert "the mail" not in entries[-1]  # a change by hand names no mail
    assert all("the mail" in e for e in entries[:-1])
