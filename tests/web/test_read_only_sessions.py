"""A signed-in browser reads a read-only deployment: its session is only read, never
written (no "last seen"); signing in there says why it cannot."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from reviewbot import store
from reviewbot.app import create_app
from reviewbot.db import open_engine, session_scope
from reviewbot.models import utcnow
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, need_pg
from tests.read.test_read_only import READER, _postgres_read_only

MONTHS = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"]


def _session_in(url: str) -> tuple[str, str]:
    """A web session and an API token for "ada", made while the database is writable."""
    engine = open_engine(url)
    with session_scope(engine) as s:
        token = store.create_token(session=s, user="ada").token
        secret = store.open_session(
            session=s, user="ada", read_only=False, token_id=None, now=utcnow()
        )
    engine.dispose()
    return secret, token


@pytest.fixture(params=["sqlite", "postgresql"])
def read_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(read-only URL, a session's secret, a token) over the corpus."""
    if request.param == "sqlite":
        db = tmp_path / "ro" / "corpus.db"
        engine = open_engine(f"sqlite:///{db}")
        import_paths(engine, MONTHS)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        secret, token = _session_in(f"sqlite:///{db}")
        engine = open_engine(f"sqlite:///{db}")
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
        engine.dispose()
        db.chmod(stat.S_IRUSR | stat.S_IRGRP)
        db.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
        yield f"sqlite:///file:{db}?mode=ro&uri=true", secret, token
        db.parent.chmod(stat.S_IRWXU)
        return
    server = need_pg(request.getfixturevalue("pg_server"))
    owner_url, url = _postgres_read_only(server)
    secret, token = _session_in(owner_url)
    yield url, secret, token
    server.drop(owner_url)
    server.execute(f"DROP ROLE IF EXISTS {READER}")


def test_signed_in_pages_from_a_read_only_database(read_only: tuple[str, str, str]) -> None:
    url, secret, token = read_only
    engine = open_engine(url)
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        client.cookies.set("rb_session", secret)
        for path in ("/", "/series/1", "/series/2", "/patch/8", "/me", "/concern/1/reply"):
            response = client.get(path)
            assert response.status_code == 200, path
            assert ">ada<" in response.text, path
        assert "Set state" in client.get("/series/2").text
        visitor = TestClient(create_app(engine))
        page = visitor.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        refused = visitor.post("/signin", data={"csrf": csrf.group(1), "token": token})
        assert refused.status_code == 503
        assert "cannot be written to" in refused.text
    engine.dispose()
