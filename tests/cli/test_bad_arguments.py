"""Bad ids and out-of-range numbers on the command line: exit code 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import migrated_sqlite, run_cli

CLI = [sys.executable, "-m", "reviewbot"]


@pytest.mark.parametrize(
    "args",
    [
        ["state", "set", "99999999999999999999", "accepted"],
        ["state", "set", "p99999999999999999999", "accepted"],
        ["state", "set", "³", "accepted"],
        ["state", "set", "٣", "accepted"],
        ["token", "revoke", "99999999999999999999"],
    ],
)
def test_cli_refuses_bad_ids(tmp_path: Path, args: list[str]) -> None:
    migrated_sqlite(tmp_path / "x.db")  # the id is what is refused
    done = run_cli(*args, "--db", tmp_path / "x.db")  # raises what would be a traceback
    assert done.exit_code == 2, (args, done.exit_code, done.stderr[-300:])


@pytest.mark.parametrize("args", [["serve", "--port", "99999"], ["serve", "--workers", "0"]])
def test_serve_refuses_out_of_range_options(tmp_path: Path, args: list[str]) -> None:
    """A program with a timeout: had the option been taken, a server would be running."""
    done = subprocess.run(
        [*CLI, *args, "--db", str(tmp_path / "x.db")], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, (args, done.returncode, done.stderr[-300:])
    assert "Traceback" not in done.stderr


def test_demo_takes_the_bounds_from_the_environment(tmp_path: Path) -> None:
    """demo loads a folder of archives like import-mbox: the same $REVIEWBOT_MAX_* apply
    (a timeout: had the bad value been ignored, the demo server would be running)."""
    db = tmp_path / "demo.db"
    env = {**os.environ, "REVIEWBOT_MAX_MESSAGE_SIZE": "lots"}
    done = subprocess.run(
        [*CLI, "demo", "--db", str(db), "--port", "1"],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr[-300:]
    assert "REVIEWBOT_MAX_MESSAGE_SIZE='lots'" in done.stderr and not db.exists()
