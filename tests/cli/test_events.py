"""`reviewbot events`: the log, newest first, with the mail that caused each inferred
change; by series or patch, by how it was made; a table, tab-separated when piped."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import close_sqlite, import_corpus, run_cli


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1 (series 1, patches 1-10) and v2 (series 2, patches 11-20) and their review."""
    return close_sqlite(import_corpus(tmp_path_factory.mktemp("events") / "corpus.db"))


def test_events_json_names_the_mail_and_its_date(corpus: Path) -> None:
    done = run_cli("events", "p8", "--db", corpus, "--json")
    assert done.exit_code == 0, done.stderr
    found = json.loads(done.stdout)
    assert [(e["old_value"], e["new_value"], e["msgid"], e["created_at"]) for e in found] == [
        (
            "changes-requested",
            "superseded",
            "cover.1689665402.git.backports@example.org",
            "2023-08-02T07:30:00+00:00",
        ),
        ("new", "changes-requested", "r011-ada@example.org", "2023-07-19T03:30:08+00:00"),
    ]
    assert set(found[0]) == {
        "id",
        "created_at",
        "category",
        "actor",
        "via",
        "target",
        "target_id",
        "series_id",
        "patch_id",
        "field",
        "old_value",
        "new_value",
        "note",
        "msgid",
    }


def test_events_of_a_series_include_its_patches(corpus: Path) -> None:
    found = json.loads(run_cli("events", "#2", "--db", corpus, "--json").stdout)
    assert {e["target"] for e in found} == {"series", "patch"}
    assert {e["series_id"] for e in found} == {2}
    assert found == sorted(found, key=lambda e: e["created_at"], reverse=True)


def test_events_piped_and_on_a_terminal(corpus: Path) -> None:
    piped = run_cli("events", "2", "--db", corpus).stdout.splitlines()
    assert piped[0] == "id\tat (UTC)\twhat\tchange\tby\tmail\twhy"
    assert piped[1].split("\t")[1:6] == [
        "2023-08-04 07:30",
        "#2",
        "state under-review → accepted",
        "reviewbot (mail)",
        "r028-lin@example.org",
    ]
    shown = run_cli("events", "2", "--db", corpus, env={"COLUMNS": "100", "REVIEWBOT_TTY": "1"})
    lines = shown.stdout.splitlines()
    assert all(len(line) <= 100 for line in lines)
    assert "mail" in lines[0].split() and "r028-lin@example.org" in shown.stdout


def test_events_by_how_they_were_made(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    close_sqlite(import_corpus(db))
    assert run_cli("state", "set", "p13", "rejected", "--db", db).exit_code == 0
    by_hand = json.loads(run_cli("events", "--via", "cli", "--db", db, "--json").stdout)
    assert [(e["target_id"], e["new_value"], e["msgid"]) for e in by_hand] == [
        (13, "rejected", None)
    ]
    from_mail = json.loads(run_cli("events", "--via", "mail", "--db", db, "--json").stdout)
    assert from_mail and all(e["msgid"] for e in from_mail)
    bad = run_cli("events", "--via", "email", "--db", db)
    assert bad.exit_code == 2 and "expected mail, api, cli, web or tree" in bad.stderr


def test_events_of_an_unknown_series_suggest_the_patch(corpus: Path) -> None:
    done = run_cli("events", "15", "--db", corpus)
    assert done.exit_code == 3
    assert "no series with id 15; did you mean the patch p15 (in series 2)?" in done.stderr
