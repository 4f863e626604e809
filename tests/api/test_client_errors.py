"""NUL characters in a request are bad input, not a server error, on both backends.

PostgreSQL cannot store or compare a text value holding U+0000, so a NUL in a
filter, a path parameter or a JSON body used to surface as a 500 there.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from reviewbot.app import create_app
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, make_token

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


@pytest.fixture
def client(engine: Engine) -> TestClient:
    import_paths(engine, [LIST / "2023-July.txt.gz"])
    return TestClient(create_app(engine))


@pytest.mark.parametrize("path", READS)
def test_nul_in_a_read_is_a_client_error(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:200])
    if path.startswith("/api/"):
        assert "NUL" in r.json()["detail"]


def test_nul_in_a_json_body_is_a_client_error(client: TestClient, engine: Engine) -> None:
    token = make_token(engine, "maintainer")
    r = client.patch(
        "/api/v1/patches/1",
        content=b'{"state": "accepted", "delegate": "a\\u0000b"}',
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    assert r.status_code == 400 and "NUL" in r.json()["detail"]
