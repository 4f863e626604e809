"""Versions side by side on the patch page: the same patch in the previous and next
versions, the range-diff against the previous one, and where each concern raised on
the previous version stands here (2023 corpus: v1 -> v2 of the backports)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, NewDatabases

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

API = "/api/v1"


@pytest.fixture(scope="module")
def client(module_new_db: NewDatabases) -> Iterator[TestClient]:
    engine = open_engine(module_new_db("versions"))
    months = ("2023-July.txt.gz", "2023-August.txt.gz", "2016-October.txt.gz")
    import_paths(engine, [LIST / m for m in months])
    with TestClient(create_app(engine)) as c:
        yield c
    engine.dispose()


def _patch(client: TestClient, version: int, number: int) -> int:
    (series,) = [
        s
        for s in client.get(f"{API}/series").json()
        if s["version"] == version and "backport" in s["title"]
    ]
    detail = client.get(f"{API}/series/{series['id']}").json()
    return int(next(p["id"] for p in detail["patches"] if p["number"] == number))


def _section(html: str) -> str:
    found = re.search(r'<section aria-labelledby="pv-h" id="versions">(.*?)</section>', html, re.S)
    assert found, "no versions section"
    return found.group(1)


def test_v2_links_to_v1_and_says_what_changed_and_what_was_addressed(client: TestClient) -> None:
    v1, v2 = _patch(client, 1, 8), _patch(client, 2, 8)
    section = _section(client.get(f"/patch/{v2}").text)
    assert f'id="previous-version" href="/patch/{v1}"' in section
    assert 'id="next-version"' not in section
    assert 'id="since-previous">changed<' in section
    # v2 rewords the comment Ada asked for: the changed line is in the range-diff
    assert "locked and ref&#39;d object" in section
    statuses = re.findall(r'<li data-status="(\w+)"><span [^>]*>([^<]+)</span>', section)
    assert statuses == [("addressed", "addressed here"), ("addressed", "addressed here")]
    assert "please keep a comment here" in section


def test_v1_links_forward_and_a_carried_concern_is_still_open_on_v2(client: TestClient) -> None:
    v1, v2 = _patch(client, 1, 5), _patch(client, 2, 5)
    forward = _section(client.get(f"/patch/{v1}").text)
    assert f'id="next-version" href="/patch/{v2}"' in forward
    assert 'id="previous-version"' not in forward and "since-previous" not in forward
    section = _section(client.get(f"/patch/{v2}").text)
    assert 'id="since-previous">unchanged<' in section
    assert re.findall(r'<li data-status="(\w+)"><span [^>]*>([^<]+)</span>', section) == [
        ("open", "still open here")
    ]


def test_a_patch_with_one_version_has_no_versions_section(client: TestClient) -> None:
    (seed,) = [s for s in client.get(f"{API}/series").json() if "backport" not in s["title"]]
    patch = client.get(f"{API}/series/{seed['id']}").json()["patches"][0]["id"]
    html = client.get(f"/patch/{patch}").text
    assert "<h1>" in html and 'id="versions"' not in html
