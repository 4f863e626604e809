"""Start-up: the command list and the read commands load only what they use.

Timing a process in a test is flaky on a busy machine, so these check what a
command imports (bench/bench_startup.py measures the seconds).
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from reviewbot.cli import COMMANDS, app
from reviewbot.cli.lazy import LazyCommand
from tests.conftest import LIST, run_cli

WEB = {"fastapi", "starlette", "uvicorn", "jinja2", "argon2"}
DATABASE = {"sqlalchemy", "sqlmodel", "alembic"}
PROBE = """
import json, sys
from reviewbot.cli import main
sys.argv = ["reviewbot", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


def loaded_by(*args: str) -> set[str]:
    """The top-level packages a `reviewbot ARGS` process imported."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


def test_help_imports_neither_the_web_stack_nor_the_database() -> None:
    loaded = loaded_by("--help")
    assert "typer" in loaded
    assert not loaded & (WEB | DATABASE)


def test_series_list_on_a_current_database_skips_alembic_and_the_web(tmp_path: Path) -> None:
    db = tmp_path / "small.db"
    assert run_cli("import-mbox", LIST / "2023-July.txt.gz", "--db", db).exit_code == 0
    loaded = loaded_by("series", "list", "--db", str(db))
    assert "sqlalchemy" in loaded  # it did read the database
    assert not loaded & (WEB | {"alembic"})


@pytest.mark.parametrize("lazy", COMMANDS, ids=lambda c: c.name)
def test_the_command_list_says_what_each_command_says(lazy: LazyCommand) -> None:
    command = lazy.load()
    assert command.name == lazy.name
    assert inspect.cleandoc(command.help or "").split("\n\n")[0] == lazy.help


def test_a_typo_still_gets_a_suggestion() -> None:
    done = run_cli("serie")
    assert done.exit_code == 2
    assert "Did you mean 'series'" in done.output
    assert app.info.cls is not None
