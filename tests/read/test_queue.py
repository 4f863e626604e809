"""My queue (read/queue.py) on the corpus, and the API and CLI giving the same answer."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import store
from reviewbot.app import create_app
from reviewbot.db import open_engine, session_scope
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.queue import queue_of
from reviewbot.series.watch import clean_glob, matches
from tests.conftest import LIST, make_token, run_cli

MONTHS = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz", LIST / "2016-October.txt.gz"]


@pytest.fixture(scope="module")
def corpus(module_db_url: str) -> Iterator[tuple[Engine, str]]:
    engine = open_engine(module_db_url)
    import_paths(engine, MONTHS)
    yield engine, module_db_url
    engine.dispose()


def _account(
    engine: Engine, name: str, emails: tuple[str, ...] = (), watches: tuple[str, ...] = ()
) -> None:
    with session_scope(engine) as s:
        store.edit_account_list(session=s, name=name, field="emails", add=emails)
        store.edit_account_list(session=s, name=name, field="watches", add=watches)


@pytest.mark.parametrize(
    ("glob", "path", "hit"),
    [
        ("src/qemu/**", "src/qemu/qemu_process.c", True),
        ("src/qemu/**", "src/qemu/sub/dir/x.c", True),
        ("src/qemu/**", "src/conf/x.c", False),
        ("src/*.c", "src/x.c", True),
        ("src/*.c", "src/qemu/x.c", False),
        ("**/qemu_process.c", "src/qemu/qemu_process.c", True),
        (clean_glob("./src/conf/"), "src/conf/virstorageobj.c", True),
        ("src/qemu/qemu_?lock.c", "src/qemu/qemu_block.c", True),
    ],
)
def test_globs(glob: str, path: str, hit: bool) -> None:
    assert matches(glob, path) is hit


def test_a_watched_path_shows_the_2023_series(corpus: tuple[Engine, str]) -> None:
    engine, _ = corpus
    _account(engine, "watcher", watches=("src/conf/**",))
    with Session(engine) as s:
        q = queue_of(s, "watcher")
    titles = [(w.series.title, w.series.version_label) for w in q.watched]
    assert titles == [
        ("qemu: backport fixes for 9.0.0", "v2"),
        ("qemu: backport fixes for 9.0.0", "v1"),
    ]
    assert q.watched[0].paths == ("src/conf/virstorageobj.c",)
    assert q.items == ()  # v2 is accepted, v1 superseded: nothing waits


def test_queue_reasons_and_order(corpus: tuple[Engine, str]) -> None:
    engine, _ = corpus
    _account(engine, "ada", emails=("ada@example.org",), watches=("src/qemu/**",))
    with Session(engine) as s:
        q = queue_of(s, "ada")
    kinds = [(i.series.id, [r.kind for r in i.reasons]) for i in q.items]
    # the 2016 seed series (under review, on src/qemu) waited longest; then v1, whose
    # question on patch 05 (Ada's) is still open though v1 was superseded
    assert kinds == [(3, ["watched"]), (1, ["raised"])]
    raised = q.items[1].reasons[0]
    assert raised.text == "your question on patch 05 is still open"
    assert raised.concern_id is not None and raised.patch_id is not None
    dates = [i.waiting_since for i in q.items]
    assert dates == sorted(dates)  # type: ignore[type-var]


def test_delegated_and_new_review(corpus: tuple[Engine, str]) -> None:
    engine, _ = corpus
    with session_scope(engine) as s:
        row = store.load_target(session=s, target="patch", target_id=21)
        store.apply_changes(
            session=s,
            target="patch",
            row=row,
            values={"delegate": "Mallory@Example.org"},
            actor="lin",
            via="api",
        )
    _account(engine, "mallory", emails=("mallory@example.org",))
    _account(engine, "robot", emails=("backports@example.org",))
    with Session(engine) as s:
        mallory = queue_of(s, "mallory")
        robot = queue_of(s, "robot")
    # the 2016 seed patch (under review), delegated by address, any case
    assert [(i.series.id, i.reasons[0].kind, i.reasons[0].text) for i in mallory.items] == [
        (3, "delegated", "patch 01 delegated to you")
    ]
    assert mallory.items[0].reasons[0].patch_id == 21
    # the backport robot's series are accepted or superseded: no new review waits there
    assert robot.items == ()


def test_the_api_and_the_cli_give_the_same_queue(corpus: tuple[Engine, str]) -> None:
    engine, url = corpus
    _account(engine, "twin", emails=("ada@example.org",), watches=("src/qemu/**",))
    token = make_token(engine, "twin", read_only=True)
    client = TestClient(create_app(engine))
    assert client.get("/api/v1/me/queue").status_code == 401
    api = client.get("/api/v1/me/queue", headers={"Authorization": f"Token {token}"})
    assert api.status_code == 200
    cli = run_cli("queue", "--user", "twin", "--db", url, "--json")
    assert cli.exit_code == 0, cli.output
    # the CLI writes UTC as +00:00 (as every --json does), the API as Z
    assert json.loads(cli.stdout.replace("+00:00", "Z")) == api.json()
    assert api.json()["items"][0]["reasons"][0]["kind"] == "watched"
    html = client.get("/me")
    assert html.status_code == 200  # a visitor is sent to sign in
    table = run_cli("queue", "--user", "twin", "--db", url)
    assert "waiting since" in table.stdout and "still open" in table.stdout


def test_user_commands(corpus: tuple[Engine, str]) -> None:
    _, url = corpus
    out = run_cli("user", "watch", "zed", "./src/qemu/", "src/*.h", "--db", url, "--json")
    assert json.loads(out.stdout)["watches"] == ["src/qemu/**", "src/*.h"]
    out = run_cli("user", "watch", "zed", "src/*.h", "--remove", "--db", url, "--json")
    assert json.loads(out.stdout)["watches"] == ["src/qemu/**"]
    out = run_cli("user", "email", "zed", "<Zed@Example.org>", "--db", url, "--json")
    assert json.loads(out.stdout)["emails"] == ["zed@example.org"]
    assert run_cli("user", "email", "zed", "not an address", "--db", url).exit_code == 2
    assert run_cli("user", "watch", "zed", "has blank", "--db", url).exit_code == 2
    shown = run_cli("user", "show", "zed", "--db", url)
    assert "zed@example.org" in shown.stdout and "password:  none" in shown.stdout
    assert run_cli("user", "password", "zed", "--clear", "--db", url).exit_code == 0
