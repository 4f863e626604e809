"""`state set` and `token`: the administration commands, in-process."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from fastapi.testclient import TestClient

from reviewbot.app import create_app
from tests.conftest import import_corpus, migrated_sqlite, run_cli

API = "/api/v1"


def test_cli_state_set_is_an_event_of_the_local_user(tmp_path: Path) -> None:
    engine = import_corpus(tmp_path / "corpus.db")
    db = tmp_path / "corpus.db"
    result = run_cli("state", "set", "p4", "rejected", "--db", db, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [
        {"target": "patch", "id": 4, "from": "superseded", "to": "rejected"}
    ]
    bad = run_cli("state", "set", "p4", "merged", "--db", db)
    assert bad.exit_code == 2 and "changes-requested" in bad.output
    with TestClient(create_app(engine)) as c:
        (event,) = c.get(f"{API}/events", params={"patch": 4, "actor": getpass.getuser()}).json()
    assert (event["via"], event["new_value"]) == ("cli", "rejected")
    engine.dispose()


def test_token_cli_shows_the_secret_once_and_stores_a_hash(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    migrated_sqlite(db)  # `token` makes no database: a typo is an error
    made = run_cli("token", "create", "alice", "--db", db, "--json")
    secret = json.loads(made.output)["token"]
    listed = run_cli("token", "list", "--db", db, "--json")
    assert secret not in listed.output and json.loads(listed.output)[0]["user"] == "alice"
    assert secret.encode() not in db.read_bytes()
    assert run_cli("token", "revoke", "1", "--db", db).exit_code == 0
    assert run_cli("token", "revoke", "1", "--db", db).exit_code == 3
