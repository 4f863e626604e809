"""Bad input in a request is a client error, never a server error, on both backends:
NUL characters and out-of-range numbers and dates, through the API and the web pages.

PostgreSQL cannot store or compare a text value holding U+0000, so a NUL in a
filter, a path parameter or a JSON body used to surface as a 500 there; numbers
past 64 bits and dates past year 9999 or before year 1 did on both.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from reviewbot.app import create_app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, make_token

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

READS = [
    "/api/v1/patches?submitter=a%00b",
    "/api/v1/patches?msgid=%00",
    "/api/v1/series?q=x%00y",
    "/api/v1/messages/a%00b@example.org",
    "/api/v1/people/a%00b@example.org",
    "/?submitter=a%00b",
    "/?q=%00",
    "/message/a%00b",
]


@pytest.fixture(scope="module")
def engine(module_db_url: str) -> Iterator[Engine]:
    """July 2023 and the 2016 seed thread, imported once per backend: nothing here
    changes what is stored (a refused write writes nothing)."""
    engine = open_engine(module_db_url)
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2016-October.txt.gz"])
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def client(engine: Engine) -> TestClient:
    return TestClient(create_app(engine))


@pytest.mark.parametrize("path", READS)
def test_nul_in_a_read_is_a_client_error(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
    if path.startswith("/api/"):
        assert "NUL" in r.json()["detail"]


def test_nul_in_a_json_body_is_a_client_error(client: TestClient, engine: Engine) -> None:
    token = make_token(engine, "maintainer")
    before = client.get("/api/v1/patches/1").json()
    r = client.patch(
        "/api/v1/patches/1",
        content=b'{"state": "accepted", "delegate": "a\\u0000b"}',
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "NUL" in r.json()["detail"]
    assert client.get("/api/v1/patches/1").json() == before


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/patches?since=9999-12-31T23:59:59-01:00", 422),
        ("/api/v1/events?before=0001-01-01T00:00:00%2B05:00", 422),
        ("/series/99999999999999999999", 404),
        ("/patch/9223372036854775808", 404),
        ("/static/" + "x" * 300, 404),
    ],
)
def test_out_of_range_input_is_a_client_error(client: TestClient, path: str, status: int) -> None:
    assert client.get(path).status_code == status
