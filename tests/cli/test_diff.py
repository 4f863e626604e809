"""`reviewbot diff OLD NEW`: its --json shape, its table, unknown ids, markup printed
literally (in-process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import LIST, diff_body, mail, run_cli, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

MONTHS = (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")


def test_cli_diff_json_and_unknown_id(db_url: str) -> None:
    db = db_url
    assert run_cli("import-mbox", "--db", db, *MONTHS).exit_code == 0
    ids = {
        r["version"]: r["id"]
        for r in json.loads(run_cli("series", "list", "--db", db, "--json").stdout)
    }
    out = run_cli("diff", ids[1], ids[2], "--db", db, "--json")
    assert out.exit_code == 0
    data = json.loads(out.stdout)
    assert set(data) == {"from", "to", "patches"}
    assert (data["from"], data["to"]) == (ids[1], ids[2])
    assert {tuple(sorted(p)) for p in data["patches"]} == {
        ("hunks", "new", "old", "status", "title")
    }
    assert {tuple(sorted(h)) for p in data["patches"] for h in p["hunks"]} == {
        ("detail", "file", "new_header", "old_header", "status")
    }
    table = run_cli("diff", ids[1], ids[2], "--db", db)
    assert table.exit_code == 0 and "++     * locked as the caller wants a locked" in table.stdout
    missing = run_cli("diff", ids[1], 999, "--db", db, "--json")
    assert missing.exit_code == 3 and "no series with id 999" in missing.stderr


def test_cli_diff_prints_markup_literally(tmp_path: Path, db_url: str) -> None:
    evil = "owned [bold red]loud[/bold red]"
    db = db_url
    archive = write_mbox(
        tmp_path / "a.mbox",
        [
            mail("v1@example.org", f"[PATCH] {evil}", diff_body(path="src/[red]x[/red].c")),
            mail(
                "v2@example.org",
                f"[PATCH v2] {evil}",
                diff_body(path="src/[red]x[/red].c", line=30).replace("+new", "+[b]new"),
                date="Wed, 19 Jul 2023 09:30:00 +0200",
            ),
        ],
    )
    assert run_cli("import-mbox", "--db", db, archive).exit_code == 0
    shown = run_cli("diff", "1", "2", "--db", db)
    assert shown.exit_code == 0
    assert evil in shown.stdout and "src/[red]x[/red].c" in shown.stdout
    assert "++[b]new line" in shown.stdout
