"""Bad input found by review: each is a clean 4xx or CLI error, never a 500 or a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from reviewbot.app import create_app
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST

CLI = [sys.executable, "-m", "reviewbot"]


@pytest.fixture
def client(engine: Engine) -> TestClient:
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2016-October.txt.gz"])
    return TestClient(create_app(engine))


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


def test_a_rebuilt_patch_is_never_exported_to_git_am(client: TestClient) -> None:
    series = client.get("/api/v1/series", params={"per_page": 250}).json()
    (seed,) = [s for s in series if "EOF handler" in str(s)]
    mbox = client.get(f"/api/v1/series/{seed['id']}/mbox")
    assert mbox.status_code == 200 and b"reconstructed-3." not in mbox.content
    patch_id = client.get(f"/api/v1/series/{seed['id']}").json()["patches"][0]["id"]
    refused = client.get(f"/api/v1/patches/{patch_id}/mbox")
    assert refused.status_code == 404 and "rebuilt from the quotes" in refused.json()["detail"]


@pytest.mark.parametrize(
    "args",
    [
        ["state", "set", "99999999999999999999", "accepted"],
        ["state", "set", "p99999999999999999999", "accepted"],
        ["state", "set", "³", "accepted"],
        ["state", "set", "٣", "accepted"],
        ["token", "revoke", "99999999999999999999"],
        ["serve", "--port", "99999"],
        ["serve", "--workers", "0"],
    ],
)
def test_cli_refuses_bad_ids_and_ranges(tmp_path: Path, args: list[str]) -> None:
    done = subprocess.run(
        [*CLI, *args, "--db", str(tmp_path / "x.db")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, (args, done.returncode, done.stderr[-300:])
    assert "Traceback" not in done.stderr
