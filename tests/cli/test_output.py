"""CLI output: message text is shown as text, never interpreted as rich markup; errors
go to stderr with their exit codes.

The commands run in-process (run_cli); the exit codes are also checked on a real
process, where they are what a shell script sees.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import diff_body, mail, run_cli, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

CLI = [sys.executable, "-m", "reviewbot"]
EVIL = "owned [bold red]loud[/bold red] [link=http://evil.example]x[/link]"


def run(*args: object) -> subprocess.CompletedProcess[str]:
    """The program, in a wide, minimal environment."""
    env = {"COLUMNS": "400", "PATH": "/usr/bin:/bin"}
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL
    )


def test_markup_in_mail_is_printed_literally(tmp_path: Path, db_url: str) -> None:
    db = db_url
    archive = write_mbox(
        tmp_path / "a.mbox",
        [
            mail(
                "evil@example.org",
                f"[PATCH] {EVIL}",
                diff_body(),
                sender=f'"{EVIL}" <mallory@example.org>',
            ),
        ],
    )
    assert run_cli("import-mbox", "--db", db, archive).exit_code == 0
    listed = run_cli("series", "list", "--db", db)
    assert listed.exit_code == 0 and EVIL in listed.stdout
    shown = run_cli("series", "show", "1", "--db", db)
    assert EVIL in shown.stdout and "owned" in shown.stdout
    tree = run_cli("thread", "evil@example.org", "--db", db)
    assert EVIL in tree.stdout
    data = json.loads(run_cli("series", "show", "1", "--db", db, "--json").stdout)
    assert data["title"] == EVIL


def test_thread_unknown_message_exit_code(db_url: str) -> None:
    result = run("thread", "nope@example.org", "--db", db_url)
    assert result.returncode == 3 and "no message <nope@example.org>" in result.stderr


def test_bad_database_url_exit_code(tmp_path: Path) -> None:
    result = run("series", "list", "--db", "nosuchdialect://x")
    assert result.returncode == 4 and "bad database URL" in result.stderr


def test_markup_in_a_bad_file_is_reported_literally(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("junk [/nope] [bold]x\nmore\n")
    result = run_cli("import-mbox", "--db", tmp_path / "x.db", bad)
    assert result.exit_code == 2
    assert "junk [/nope] [bold]x" in result.stderr and "Traceback" not in result.stderr
