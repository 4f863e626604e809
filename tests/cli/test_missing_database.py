"""A --db that does not exist is an error (exit 2, one line naming it) for every command
but those that make databases; opening it would create it empty, and a typo would then
read as "no series with id 1"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot.db import sqlite_file
from tests.conftest import LIST, run_cli

READERS = [
    ["series", "list"],
    ["series", "show", "1"],
    ["diff", "1", "2"],
    ["thread", "x@example.org"],
    ["concerns", "1"],
    ["concern", "show", "1"],
    ["concern", "resolve", "1"],
    ["races", "1"],
    ["events"],
    ["link"],
    ["state", "set", "p1", "accepted"],
    ["token", "create", "alice"],
    ["token", "list"],
]


@pytest.mark.parametrize("args", READERS, ids=" ".join)
def test_a_missing_database_is_exit_2_naming_it(tmp_path: Path, args: list[str]) -> None:
    typo = tmp_path / "reviewbto.db"
    done = run_cli(*args, "--db", typo)
    assert done.exit_code == 2, (done.stdout, done.stderr)
    (line,) = done.stderr.strip().splitlines()
    assert line == (
        f"error: no database at {typo} (import-mbox, scrape, fetch and demo create one)"
    )
    assert not typo.exists()


def test_the_environment_and_sqlite_urls_are_checked_too(tmp_path: Path) -> None:
    typo = tmp_path / "nope.db"
    by_env = run_cli("series", "list", env={"REVIEWBOT_DB": str(typo)})
    by_url = run_cli("series", "list", "--db", f"sqlite:///{typo}")
    by_uri = run_cli("series", "list", "--db", f"sqlite:///file:{typo}?mode=ro&uri=true")
    assert [r.exit_code for r in (by_env, by_url, by_uri)] == [2, 2, 2]
    assert all(str(typo) in r.stderr for r in (by_env, by_url, by_uri))
    assert not typo.exists()


def test_import_creates_the_database_and_then_reads_work(tmp_path: Path) -> None:
    db = tmp_path / "new" / "fresh.db"
    assert run_cli("import-mbox", "--db", db, LIST / "2023-July.txt.gz").exit_code == 0
    assert db.exists()
    assert run_cli("series", "list", "--db", db).exit_code == 0


def test_serve_refuses_a_missing_database(tmp_path: Path) -> None:
    """A program with a timeout: had it started, a server would be running."""
    typo = tmp_path / "x.db"
    done = subprocess.run(
        [sys.executable, "-m", "reviewbot", "serve", "--db", str(typo)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and f"no database at {typo}" in done.stderr
    assert not typo.exists()


@pytest.mark.parametrize(
    ("url", "want"),
    [
        ("sqlite:////var/x.db", "/var/x.db"),
        ("sqlite:///file:/var/x.db?mode=ro&uri=true", "/var/x.db"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file::memory:?cache=shared&uri=true", None),
        ("postgresql+psycopg://u@localhost/reviewbot", None),
        ("nosuchdialect://x", None),
    ],
)
def test_sqlite_file_of_a_url(url: str, want: str | None) -> None:
    found = sqlite_file(url)
    assert (str(found) if found else None) == want
