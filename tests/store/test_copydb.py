"""`reviewbot db migrate`: an SQLite database of the corpus, copied into PostgreSQL,
answers every query the same (CLI JSON: series list, series show, concerns; and the
REST API's list, detail and mbox responses with their ETags)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from reviewbot.app import create_app
from reviewbot.db import open_engine
from tests import reads as queries
from tests.conftest import LIST, PgServer, need_pg, run_cli

BENCH = Path(__file__).resolve().parents[2] / "bench"
CORPUS = (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz", LIST / "backports-2023.mbox")


def answers(db: str) -> dict[str, Any]:
    """What the query commands print about every series (the CLI, in-process, for a
    sample; the functions it prints for all) and what the REST API answers."""
    listed = json.loads(run_cli("series", "list", "--json", "--db", db).stdout)
    ids = [row["id"] for row in listed]
    engine = open_engine(db)
    try:
        with Session(engine) as session:
            shown = [queries.show_series(session, i) for i in ids]
            concerns = [queries.concerns_of(session, str(i)) for i in ids]
    finally:
        engine.dispose()
    sample = [str(i) for i in ids[:: max(1, len(ids) // 3)]]
    return {
        "api": api_answers(db, ids),
        "list": listed,
        "show": json.loads(json.dumps(shown, default=str)),
        "concerns": json.loads(json.dumps(concerns, default=str)),
        "cli": [
            (run_cli("series", "show", i, "--json", "--db", db).stdout,
             run_cli("concerns", i, "--json", "--db", db).stdout)
            for i in sample
        ],
    }  # fmt: skip


def api_answers(db: str, series_ids: list[int]) -> list[tuple[str, int, str, str | None]]:
    """(path, status, body, ETag) of the REST API's reads, through the real app."""
    engine = open_engine(db)
    paths = [
        "/api/v1/series?per_page=250",
        "/api/v1/patches?per_page=250",
        "/api/v1/patches?per_page=250&page=2",
        "/api/v1/covers?per_page=250",
        "/api/v1/concerns?per_page=250",
        "/api/v1/races?per_page=250",
        "/api/v1/people?per_page=250",
        "/api/v1/messages?per_page=50",
        "/api/v1/patches?state=accepted&per_page=250",
        "/api/v1/patches?file=src/conf/virstorageobj.c",
    ]
    for sid in series_ids[:: max(1, len(series_ids) // 6)]:
        paths += [f"/api/v1/series/{sid}", f"/api/v1/series/{sid}/mbox"]
    try:
        with TestClient(create_app(engine)) as client:
            out = []
            for path in paths:
                r = client.get(path)
                out.append((path, r.status_code, r.text, r.headers.get("etag")))
            return out
    finally:
        engine.dispose()


@pytest.fixture
def server(pg_server: PgServer | None) -> PgServer:
    return need_pg(pg_server)


def test_copy_answers_like_the_original(tmp_path: Path, server: PgServer) -> None:
    generated = tmp_path / "generated.mbox"
    subprocess.run(
        [sys.executable, str(BENCH / "gen_corpus.py"), "--messages", "200", "--out", generated],
        check=True,
        capture_output=True,
    )
    source = tmp_path / "corpus.db"
    assert run_cli("import-mbox", "--db", source, *CORPUS, generated).exit_code == 0
    run_cli("link", "--db", source)  # concerns are copied, not recomputed
    target = server.create(template=None)  # empty: the command migrates it
    try:
        done = run_cli("db", "migrate", source, target, "--json")
        assert done.exit_code == 0, done.stderr
        counts = json.loads(done.stdout)
        assert counts["message"] > 200 and counts["series"] > 10 and counts["concern"] > 10
        original = answers(f"sqlite:///{source}")
        assert all(status == 200 and body for _p, status, body, _e in original["api"])
        assert answers(target) == original  # the REST API's reads too, byte for byte
        # the sequences moved on: a later import adds rows after the copied ones
        again = run_cli("import-mbox", "--db", target, "--json", LIST / "2016-October.txt.gz")
        assert again.exit_code == 0 and json.loads(again.stdout)["messages_new"] > 0
        # a second copy into a database holding data is refused
        refused = run_cli("db", "migrate", source, target)
        assert refused.exit_code == 4 and "already holds data" in refused.stderr
    finally:
        server.drop(target)


def test_bad_paths_and_urls(tmp_path: Path, server: PgServer) -> None:
    missing = run_cli("db", "migrate", tmp_path / "nope.db", server.url("x"))
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n")
    wrong = run_cli("db", "migrate", text, server.url("x"))
    assert wrong.exit_code == 2 and "not an SQLite database" in wrong.stderr
    db = tmp_path / "ok.db"
    db.touch()  # an empty file: read commands migrate it, and make no database
    assert run_cli("series", "list", "--db", db).exit_code == 0
    not_pg = run_cli("db", "migrate", db, f"sqlite:///{tmp_path / 'other.db'}")
    assert not_pg.exit_code == 2 and "postgresql://" in not_pg.stderr
    unreachable = run_cli("db", "migrate", db, "postgresql+psycopg://nobody@127.0.0.1:1/x")
    assert unreachable.exit_code == 4 and "error:" in unreachable.stderr
