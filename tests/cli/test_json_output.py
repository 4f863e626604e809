"""The CLI's --json objects: the keys of the import report, `series list` and
`series show`, and a missing series (in-process)."""

from __future__ import annotations

import json

import pytest

from tests.conftest import LIST, run_cli

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)

MONTHS = (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")


def test_cli_json_contract(db_url: str) -> None:
    db = db_url
    out = run_cli("import-mbox", "--db", db, "--json", *MONTHS)
    assert out.exit_code == 0, out.stderr
    report = json.loads(out.stdout)
    assert {
        k: report[k]
        for k in (
            "messages_new",
            "messages_duplicate",
            "messages_failed",
            "series_new",
            "series_updated",
        )
    } == {
        "messages_new": 29,
        "messages_duplicate": 0,
        "messages_failed": 0,
        "series_new": 2,
        "series_updated": 0,
    }
    listed_out = run_cli("series", "list", "--db", db, "--json")
    assert listed_out.exit_code == 0, listed_out.stderr
    listed = json.loads(listed_out.stdout)
    assert [set(r) for r in listed] == [
        {
            "id",
            "title",
            "version",
            "total",
            "submitter",
            "date",
            "state",
            "cover_msgid",
            "patch_count",
            "missing",
            "previous",
            "superseded_by",
        }
    ] * 2
    shown_out = run_cli("series", "show", listed[0]["id"], "--db", db, "--json")
    assert shown_out.exit_code == 0, shown_out.stderr
    shown = json.loads(shown_out.stdout)
    assert {
        "id",
        "number",
        "subject",
        "msgid",
        "author",
        "state",
        "trailers",
        "files",
        "hunks",
        "replies",
    } <= set(shown["patches"][0])
    missing = run_cli("series", "show", "999", "--db", db)
    assert missing.exit_code == 3 and "no series with id 999" in missing.stderr
