"""A configured tree refreshed without anyone asking: `refresh_upstream`, after each round
of `scrape --watch`, and in the background of `serve`."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from reviewbot.db import open_engine
from reviewbot.pipeline.importer import ImportReport, import_paths
from reviewbot.pipeline.upstream import refresh_upstream
from tests.archive_server import ArchiveServer
from tests.conftest import LIST, git, history_tree
from tests.web_support import free_port

CLI = [sys.executable, "-m", "reviewbot"]
JULY, AUGUST, OCTOBER = (LIST / f"{m}.txt.gz" for m in ("2023-July", "2023-August", "2016-October"))


def carried(url: str) -> int:
    """How many patches a commit of the tree carries (commit_ref)."""
    engine = open_engine(url)
    with engine.connect() as conn:
        n = conn.execute(text("select count(*) from patch where commit_ref is not null")).scalar()
    engine.dispose()
    return int(n or 0)


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_refresh_checks_what_no_check_has_placed_at_this_head(
    tmp_path: Path, run_import: Callable[..., ImportReport], engine: Engine
) -> None:
    tree = history_tree(tmp_path)
    run_import(JULY, AUGUST, OCTOBER)
    index = tmp_path / "index"
    first = refresh_upstream(engine, tree, index)
    # both 2023 versions; the 2016 patch was mailed before the tree's two years
    assert (first.indexed, first.checked, first.found, first.accepted) == (11, 20, 20, 10)
    again = refresh_upstream(engine, tree, index)
    assert (again.indexed, again.checked) == (0, 0)
    git(tree, "commit", "-q", "--allow-empty", "-m", "HEAD moves on")
    moved = refresh_upstream(engine, tree, index)
    # only v2's patch 8 is not known to be in the tree (similar, awaiting --accept)
    assert (moved.indexed, moved.checked, moved.found, moved.accepted) == (1, 1, 1, 0)


@pytest.fixture
def archive() -> Iterator[ArchiveServer]:
    with ArchiveServer(LIST) as running:
        yield running


def test_scrape_watch_refreshes_the_configured_tree_after_each_round(
    tmp_path: Path, archive: ArchiveServer
) -> None:
    tree = history_tree(tmp_path)
    db = f"sqlite:///{tmp_path / 'w.db'}"
    log = tmp_path / "watch.log"
    proc = subprocess.Popen(
        [*CLI, "scrape", archive.url("/"), "--month", "2023-July", "--rate", "0", "--db", db,
         "--data-dir", str(tmp_path / "data"), "--watch", "0.2", "--upstream-tree", str(tree)],
        stdout=subprocess.DEVNULL, stderr=log.open("w"), text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: log.read_text().count(" upstream ") >= 2)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    lines = [ln for ln in log.read_text().splitlines() if " upstream " in ln]
    assert f"upstream {tree} at " in lines[0]
    assert lines[0].endswith("11 commits indexed, 10 patches checked, 10 found, 10 accepted")
    assert lines[1].endswith("0 commits indexed, 0 patches checked, 0 found, 0 accepted")
    assert carried(db) == 10
    assert (tmp_path / "data" / "patch-ids" / "index-v1.tsv").exists()


def test_serve_refreshes_the_configured_tree_in_the_background(tmp_path: Path) -> None:
    """SQLite only: the process matters here (a thread beside uvicorn), not the backend."""
    tree = history_tree(tmp_path)
    db_url = f"sqlite:///{tmp_path / 's.db'}"
    engine = open_engine(db_url)
    import_paths(engine, [JULY])
    engine.dispose()
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "REVIEWBOT_DATA_DIR": str(tmp_path / "data"),
        "REVIEWBOT_UPSTREAM_TREE": str(tree),
        "REVIEWBOT_UPSTREAM_INTERVAL": "0.3",
    }
    log = tmp_path / "serve.log"
    proc = subprocess.Popen(
        [*CLI, "serve", "--db", db_url, "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=log.open("w"), env=env, text=True,
    )  # fmt: skip
    try:
        wait_for(lambda: carried(db_url) == 10)
        url = f"http://127.0.0.1:{port}/api/v1/series?in_tree=true"
        wait_for(lambda: _answers(url))
        with urllib.request.urlopen(url) as answer:
            assert [s["version"] for s in json.load(answer)] == [1]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    assert f"upstream {tree} at " in log.read_text()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):
            return True
    except OSError:
        return False
