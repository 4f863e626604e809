"""What every response of the app gets: redirects that stay on this site, the
pages' security headers on every HTML response, API docs from local files only,
and a 422 for a query parameter an API route does not take."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reviewbot.app import create_app
from reviewbot.db import open_engine
from tests.web_support import browser, needs_chromium, serve

pytestmark = pytest.mark.sqlite_only(
    "rendering: every read a page makes is tested on both backends in tests/read/, and "
    "tests/read/test_read_only.py fetches every page on both"
)

LISTS = ["series", "patches", "covers", "messages", "concerns", "races", "people", "events"]


@pytest.fixture(scope="module")
def client(module_db_url: str) -> Iterator[TestClient]:
    engine = open_engine(module_db_url)
    with TestClient(create_app(engine)) as c:
        yield c
    engine.dispose()


@pytest.mark.parametrize("path", ["/api/v1/series/", "/series/1/", "/docs/", "/static/app.js/"])
def test_redirects_never_name_the_host_the_client_sent(client: TestClient, path: str) -> None:
    r = client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert r.status_code in (301, 302, 307, 308)
    assert r.headers["location"].startswith("/") and "evil" not in r.headers["location"]


@pytest.mark.parametrize("path", ["/", "/docs", "/nowhere", "/series/999999", "/thread/none@x"])
def test_every_html_response_has_the_security_headers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_api_docs_load_nothing_from_elsewhere(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "cdn" not in html and "http" not in html.replace("http-equiv", "")
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/docs/assets/index.html").status_code == 404  # only what /docs loads
    assert client.get("/redoc").status_code == 404  # it would load a CDN's script


@pytest.mark.parametrize("name", LISTS)
def test_an_unknown_query_parameter_is_a_422(client: TestClient, name: str) -> None:
    r = client.get(f"/api/v1/{name}", params={"stat": "accepted"})  # a typo of "state"
    assert r.status_code == 422
    (problem,) = r.json()["detail"]
    assert problem["loc"] == ["query", "stat"] and "page" in problem["msg"]
    assert client.get(f"/api/v1/{name}", params={"page": 1}).status_code == 200


@needs_chromium
def test_the_api_docs_work_offline_under_the_policy(module_db_url: str, chromium: Any) -> None:
    engine = open_engine(module_db_url)
    with serve(engine) as site, browser(chromium) as page:
        elsewhere: list[str] = []
        page.on("request", lambda r: None if r.url.startswith(site) else elsewhere.append(r.url))
        refused: list[str] = []
        page.on("console", lambda m: refused.append(m.text) if m.type == "error" else None)
        page.goto(site + "/docs")
        page.wait_for_selector(".opblock")
        assert page.locator(".opblock").count() >= 20  # every operation of the API
        assert elsewhere == [] and refused == []
    engine.dispose()
