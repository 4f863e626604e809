"""The web UI's pages through FastAPI's TestClient, over the July/August 2023 archive."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, mail, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "rendering: every read a page makes is tested on both backends in tests/read/, and "
    "tests/read/test_read_only.py fetches every page on both"
)

MONTHS = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"]


@pytest.fixture(scope="module")
def client(module_db_url: str) -> Iterator[TestClient]:
    """The pages over the archive imported once per backend, for the tests that only read."""
    engine = open_engine(module_db_url)
    import_paths(engine, MONTHS)
    yield TestClient(create_app(engine), raise_server_exceptions=False)
    engine.dispose()


def _ids(client: TestClient, html: str) -> list[str]:
    return re.findall(r'href="/series/(\d+)"', html)


def test_home_lists_series_with_state_and_concerns(client: TestClient) -> None:
    html = client.get("/").text
    assert html.count("qemu: backport fixes for 9.0.0") == 2
    assert "state-accepted" in html and "state-superseded" in html
    assert "1 open" in html  # v1's question on patch 05 is still open
    assert "/static/style.css" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("VIR_LOCK_GUARD", 2),  # in the diffs of both versions
        ("virStoragePoolObjListSearchCb", 2),
        ("file:virstorageobj.c", 2),
        ("file:no/such/file.c", 0),
        ("tray_status file:qemu_process.c", 2),
        ('"OR" NEAR(', 0),  # FTS5 syntax is taken as words, never an error
        ("nosuchwordanywhere", 0),
    ],
)
def test_search(client: TestClient, query: str, found: int) -> None:
    response = client.get("/", params={"q": query})
    assert response.status_code == 200
    assert len(set(_ids(client, response.text))) == found


def test_filters_and_pagination(client: TestClient) -> None:
    assert len(_ids(client, client.get("/?state=accepted").text)) == 1
    assert len(_ids(client, client.get("/?month=2023-07").text)) == 1
    assert len(_ids(client, client.get("/?month=2022-01").text)) == 0
    assert len(_ids(client, client.get("/?submitter=backports").text)) == 2
    # v1 05/10's open question stands on both versions: raised on v1, carried to v2
    assert len(_ids(client, client.get("/?open=1").text)) == 2
    assert client.get("/?page=99&state=bogus").status_code == 200


def test_series_page(client: TestClient) -> None:
    html = client.get("/series/2").text
    assert 'id="series-state">accepted<' in html
    assert "Concerns carried from earlier versions" in html
    assert "raised on v1, addressed here" in html and "raised on v1, still open" in html
    assert 'id="open-concerns">1 open concern<' in html
    assert "Changes since the previous version" in html


def test_patch_page_pins_the_concern_beside_its_line(client: TestClient) -> None:
    html = client.get("/patch/8").text
    row = html.index('data-old="457"')
    pinned = html.index('data-side="old" data-line="457"')
    assert row < pinned < html.index('data-old="458"')
    assert len(re.findall(r'<g class="step[ "]', html)) == 3 and html.count('class="lane"') == 2
    # step 1 names the VIR_LOCK_GUARD line: a link to its row, which has that id
    assert '<a class="step-link" href="#f0-h0-o457" data-lines="f0-h0-o457"' in html
    assert 'id="f0-h0-o457" data-old="457"' in html
    assert '<a class="badge race-link" href="#race-1">race 1</a>' in html
    assert 'class="highlight"' in html and '<span class="k">' in html  # Pygments


def test_thread_message_and_raw(client: TestClient) -> None:
    thread = client.get("/thread/r011-ada@example.org").text
    assert "quoted, " in thread and "<details" in thread
    assert "src/conf/virstorageobj.c:457 (old)" in thread
    message = client.get("/message/r011-ada@example.org").text
    assert "Raw source" in message
    raw = client.get("/raw/r011-ada@example.org")
    assert raw.text.startswith("From: ada at example.org (Ada Reviewer)")


def test_not_found_and_server_error_pages(engine: Engine) -> None:
    import_paths(engine, MONTHS)  # a database of its own: it drops a table
    client = TestClient(create_app(engine), raise_server_exceptions=False)
    for url in ("/nope", "/series/999", "/patch/999", "/message/no@such", "/static/..%2Fx"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "404 · Not found" in response.text and "/static/style.css" in response.text
    cascade = " cascade" if engine.dialect.name == "postgresql" else ""  # FKs point at it
    with engine.begin() as conn:
        conn.execute(text(f"drop table hunk{cascade}"))
    response = client.get("/patch/8")
    assert response.status_code == 500
    assert "500 · Server error" in response.text


def test_reconstructed_message_has_a_badge(engine: Engine, tmp_path: Path) -> None:
    path = write_mbox(tmp_path / "one.mbox", [mail("rebuilt@x", "Re: a quoted patch")])
    import_paths(engine, [path])
    with engine.begin() as conn:
        conn.execute(text("update message set reconstructed_from = 'reply@x'"))
    html = TestClient(create_app(engine)).get("/message/rebuilt@x").text
    assert 'class="badge reconstructed"' in html
