"""The web UI's pages through FastAPI's TestClient, over the July/August 2023 archive."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from reviewbot.app import create_app
from reviewbot.pipeline.importer import import_paths
from reviewbot.web.highlight import diff_lines
from reviewbot.web.svg import RaceStep, race_svg
from reviewbot.web.threadview import body_blocks
from tests.conftest import LIST, mail, write_mbox


@pytest.fixture
def client(engine: Engine) -> TestClient:
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    return TestClient(create_app(engine), raise_server_exceptions=False)


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
    assert len(_ids(client, client.get("/?open=1").text)) == 1
    assert client.get("/?page=99&state=bogus").status_code == 200


def test_series_page(client: TestClient) -> None:
    html = client.get("/series/2").text
    assert 'id="series-state">accepted<' in html
    assert "Concerns raised on the previous version" in html
    assert "src/conf/virstorageobj.c:457 (old)" in html
    assert "Changes since the previous version" in html


def test_patch_page_pins_the_concern_beside_its_line(client: TestClient) -> None:
    html = client.get("/patch/8").text
    row = html.index('data-old="457"')
    pinned = html.index('data-side="old" data-line="457"')
    assert row < pinned < html.index('data-old="458"')
    assert html.count('class="step"') == 3 and html.count('class="lane"') == 2
    assert 'class="highlight"' in html and '<span class="k">' in html  # Pygments


def test_thread_message_and_raw(client: TestClient) -> None:
    thread = client.get("/thread/r011-ada@example.org").text
    assert "quoted, " in thread and "<details" in thread
    assert "src/conf/virstorageobj.c:457 (old)" in thread
    message = client.get("/message/r011-ada@example.org").text
    assert "Raw source" in message
    raw = client.get("/raw/r011-ada@example.org")
    assert raw.text.startswith("From: ada at example.org (Ada Reviewer)")


def test_not_found_and_server_error_pages(client: TestClient, engine: Engine) -> None:
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


def test_reconstructed_message_has_a_badge(engine: Engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = write_mbox(tmp_path / "one.mbox", [mail("rebuilt@x", "Re: a quoted patch")])
    import_paths(engine, [path])
    with engine.begin() as conn:
        conn.execute(text("update message set reconstructed_from = 'reply@x'"))
    html = TestClient(create_app(engine)).get("/message/rebuilt@x").text
    assert 'class="badge reconstructed"' in html


def test_race_svg_escapes_and_highlights() -> None:
    steps = [
        RaceStep("1", "A <b>", "calls f() </text><script>", ("f",)),
        RaceStep("2", "B", "calls g()", ("g",)),
    ]
    svg = str(race_svg(["A <b>", "B"], steps, title="t", evidence="e"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert svg.count('class="lane"') == 2 and svg.count('class="step"') == 2
    assert '<tspan class="ident">f</tspan>' in svg


def test_diff_lines_number_both_sides() -> None:
    lines = diff_lines("@@ -10,3 +10,3 @@\n a\n-b\n+c\n d\n", "x.c", 10, 10)
    assert [(x.kind, x.old_no, x.new_no) for x in lines] == [
        (" ", 10, 10),
        ("-", 11, None),
        ("+", None, 11),
        (" ", 12, 12),
    ]


def test_body_blocks_fold_quotes() -> None:
    blocks = body_blocks("> a\n> b\nmine\n")
    assert [(b.quoted, b.lines) for b in blocks] == [(True, 2), (False, 2)]
