"""The REST API's writes: tokens, events, If-Match, concurrent writers, limits."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from reviewbot import store
from reviewbot.app import create_app
from reviewbot.db import open_engine, session_scope
from reviewbot.pipeline.link import link_dirty_series
from reviewbot.pipeline.rebuild import rebuild_dirty
from reviewbot.read.tokens import check_token
from tests.conftest import close_sqlite, import_corpus, make_token
from tests.web_support import free_port

API = "/api/v1"


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus imported once for the module; every test writes to a copy of it."""
    return close_sqlite(import_corpus(tmp_path_factory.mktemp("corpus") / "corpus.db"))


@pytest.fixture
def engine(corpus_file: Path, tmp_path: Path) -> Iterator[Engine]:
    shutil.copy(corpus_file, tmp_path / "corpus.db")
    engine = open_engine(f"sqlite:///{tmp_path / 'corpus.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(engine)) as c:
        yield c


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def revoked_token(engine: Engine) -> str:
    token = make_token(engine, "mallory")
    with session_scope(engine) as s:
        owner = check_token(s, token)
        assert owner is not None
        store.revoke_token(session=s, token_id=owner.id)
    return token


@pytest.mark.parametrize(
    ("who", "status"),
    [("none", 401), ("garbage", 401), ("no-scheme", 401), ("read-only", 403), ("revoked", 401)],
)
def test_token_matrix_refusals(engine: Engine, client: TestClient, who: str, status: int) -> None:
    headers = {
        "none": {},
        "garbage": auth("rbt_not-a-real-token"),
        "no-scheme": {"Authorization": make_token(engine, "eve")},
        "read-only": auth(make_token(engine, "reader", read_only=True)),
        "revoked": auth(revoked_token(engine)),
    }[who]
    before = client.get(f"{API}/patches/1").json()
    r = client.patch(f"{API}/patches/1", json={"state": "accepted"}, headers=headers)
    assert r.status_code == status and r.json()["detail"]
    assert client.get(f"{API}/patches/1").json() == before
    assert client.get(f"{API}/events", params={"via": "api", "actor": "reader"}).json() == []


def test_valid_token_writes_and_the_event_names_the_user(
    engine: Engine, client: TestClient
) -> None:
    token = make_token(engine, "alice")
    r = client.patch(
        f"{API}/patches/3",
        json={"state": "rejected", "delegate": "lin@example.org", "archived": True},
        headers=auth(token),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["state"], body["delegate"], body["archived"]) == (
        "rejected",
        "lin@example.org",
        True,
    )
    assert body["state_reason"] == "set by alice"
    rows = client.get(f"{API}/events", params={"actor": "alice"}).json()
    changes = {(e["category"], e["old_value"], e["new_value"]) for e in rows}
    assert changes == {
        ("patch-state-changed", "superseded", "rejected"),
        ("patch-delegated", None, "lin@example.org"),
        ("patch-archived", "false", "true"),
    }
    assert {(e["via"], e["target"], e["target_id"], e["patch_id"]) for e in rows} == {
        ("api", "patch", 3, 3)
    }
    since = rows[0]["created_at"]
    polled = client.get(f"{API}/events", params={"since": since, "category": "patch-delegated"})
    assert [e["new_value"] for e in polled.json()] == ["lin@example.org"]
    assert client.get(f"{API}/patches", params={"archived": "true"}).json()[0]["id"] == 3


def test_series_write_and_unknown_state(engine: Engine, client: TestClient) -> None:
    token = auth(make_token(engine, "alice"))
    bad = client.patch(f"{API}/series/2", json={"state": "merged"}, headers=token)
    assert bad.status_code == 422
    assert "under-review" in json.dumps(bad.json()["detail"])
    extra = client.patch(f"{API}/series/2", json={"colour": "red"}, headers=token)
    assert extra.status_code == 422
    ok = client.patch(f"{API}/series/2", json={"state": "under-review"}, headers=token)
    assert ok.status_code == 200 and ok.json()["state"] == "under-review"
    (event,) = client.get(f"{API}/events", params={"actor": "alice"}).json()
    assert (event["category"], event["old_value"], event["new_value"]) == (
        "series-state-changed",
        "accepted",
        "under-review",
    )
    gone = client.patch(f"{API}/series/999", json={"state": "new"}, headers=token)
    assert gone.status_code == 404


def test_a_state_set_by_hand_outlives_the_next_import(engine: Engine, client: TestClient) -> None:
    token = auth(make_token(engine, "alice"))
    v2 = client.get(f"{API}/series", params={"state": "accepted"}).json()[0]
    patch_id = client.get(f"{API}/series/{v2['id']}").json()["patches"][0]["id"]
    client.patch(f"{API}/patches/{patch_id}", json={"state": "rejected"}, headers=token)
    client.patch(f"{API}/series/{v2['id']}", json={"state": "changes-requested"}, headers=token)
    with session_scope(engine) as s:  # new mail in the thread: the series is rebuilt
        store.mark_dirty(session=s, series_ids=[v2["id"]])
        assert rebuild_dirty(session=s) >= 1
    patch = client.get(f"{API}/patches/{patch_id}").json()
    assert (patch["state"], patch["state_by"]) == ("rejected", "alice")
    series = client.get(f"{API}/series/{v2['id']}").json()
    assert (series["state"], series["state_by"]) == ("changes-requested", "alice")
    others = [p["state"] for p in series["patches"] if p["id"] != patch_id]
    assert set(others) == {"accepted"}  # still inferred


def test_if_match_stale_write_is_412(engine: Engine, client: TestClient) -> None:
    alice, bob = auth(make_token(engine, "alice")), auth(make_token(engine, "bob"))
    etag = client.get(f"{API}/patches/5").headers["ETag"]
    first = client.patch(
        f"{API}/patches/5", json={"state": "accepted"}, headers={**alice, "If-Match": etag}
    )
    assert first.status_code == 200 and first.headers["ETag"] != etag
    second = client.patch(
        f"{API}/patches/5", json={"state": "rejected"}, headers={**bob, "If-Match": etag}
    )
    assert second.status_code == 412
    assert client.get(f"{API}/patches/5").json()["state"] == "accepted"
    assert client.get(f"{API}/events", params={"actor": "bob"}).json() == []


def test_concern_status_with_a_note_survives_relinking(engine: Engine, client: TestClient) -> None:
    token = auth(make_token(engine, "lin"))
    concern = client.get(f"{API}/concerns", params={"status": "open"}).json()[0]
    r = client.patch(
        f"{API}/concerns/{concern['id']}",
        json={"status": "wontfix", "note": "intended, see the comment"},
        headers=token,
    )
    assert r.status_code == 200 and r.json()["status"] == "wontfix"
    assert r.json()["status_source"] == {"kind": "user", "ref": "lin"}
    assert r.json()["status_reason"] == "set by lin: intended, see the comment"
    (event,) = client.get(f"{API}/events", params={"category": "concern-status-changed"}).json()
    assert (event["actor"], event["old_value"], event["new_value"]) == ("lin", "open", "wontfix")
    assert event["note"] == "intended, see the comment"
    with session_scope(engine) as s:  # new mail for the series: its review is linked again
        s.connection().exec_driver_sql("update series set review_dirty = true")
    assert link_dirty_series(engine) >= 1
    again = client.get(
        f"{API}/concerns", params={"msgid": concern["reply_msgid"], "per_page": 250}
    ).json()
    assert [c["status"] for c in again if c["position"] == concern["position"]] == ["wontfix"]
    assert [c["status_source"] for c in again if c["position"] == concern["position"]] == [
        {"kind": "user", "ref": "lin"}
    ]
    bad = client.patch(f"{API}/concerns/{concern['id']}", json={"status": "done"}, headers=token)
    assert bad.status_code == 422 and "wontfix" in json.dumps(bad.json())


def test_request_body_limit(engine: Engine, client: TestClient) -> None:
    token = auth(make_token(engine, "alice"))
    big = json.dumps({"state": "new", "delegate": "x" * 70_000})
    r = client.patch(
        f"{API}/patches/1",
        content=big,
        headers={**token, "Content-Type": "application/json"},
    )
    assert r.status_code == 413 and "detail" in r.json()
    broken = client.patch(
        f"{API}/patches/1",
        content=b"{not json",
        headers={**token, "Content-Type": "application/json"},
    )
    assert broken.status_code == 422 and "detail" in broken.json()


# -- two real clients against a real server ------------------------------------------------


@pytest.fixture
def server(engine: Engine, tmp_path: Path) -> Iterator[str]:
    """`reviewbot serve --workers 2` on 127.0.0.1: two processes writing one SQLite file."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "reviewbot", "serve", "--db", str(tmp_path / "corpus.db")]
        + ["--port", str(port), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/series", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def write(
    url: str,
    etag: str,
    state: str,
    token: dict[str, str],
    barrier: threading.Barrier,
    results: list[Any],
    i: int,
) -> None:
    """One client's PATCH, sent when the other client is ready to send its own."""
    with httpx.Client() as c:
        barrier.wait()
        results[i] = c.patch(url, json={"state": state}, headers={**token, "If-Match": etag})


def test_two_concurrent_writers_with_one_etag_one_wins(engine: Engine, server: str) -> None:
    tokens = [auth(make_token(engine, name)) for name in ("alice", "bob")]
    states = ["accepted", "rejected"]
    for patch_id in (6, 7, 8, 9, 10):
        url = f"{server}{API}/patches/{patch_id}"
        etag = httpx.get(url).headers["ETag"]
        barrier = threading.Barrier(2)
        results: list[Any] = [None, None]
        threads = [
            threading.Thread(
                target=write, args=(url, etag, states[i], tokens[i], barrier, results, i)
            )
            for i in (0, 1)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 412], [r.text for r in results]
        winner = next(i for i, r in enumerate(results) if r.status_code == 200)
        assert httpx.get(url).json()["state"] == states[winner]
        events = httpx.get(f"{server}{API}/events", params={"patch": patch_id, "via": "api"})
        mine = [e for e in events.json() if e["via"] == "api"]
        assert [e["new_value"] for e in mine] == [states[winner]]
