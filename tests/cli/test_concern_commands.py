"""`concern show` and `concern resolve [--reopen]`: one concern, settled by hand."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from reviewbot.db import session_scope
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.link import link_dirty_series
from tests.conftest import LIST, run_cli

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)


def _ada_question(db_url: str) -> dict[str, object]:
    found = json.loads(run_cli("concerns", "1", "--json", "--db", db_url).stdout)
    return next(c for c in found if c["reply_msgid"] == "r013-ada@example.org")


def test_show_resolve_and_reopen(engine: Engine, db_url: str) -> None:
    import_paths(engine, [LIST / "2023-July.txt.gz"])
    question = _ada_question(db_url)
    assert question["status"] == "open"
    shown = run_cli("concern", "show", str(question["id"]), "--db", db_url)
    assert shown.exit_code == 0 and "Since emitEvent is computed" in shown.stdout

    done = run_cli(
        "concern",
        "resolve",
        str(question["id"]),
        "--note",
        "fine",
        "--json",
        "--db",
        db_url,
        env={"LOGNAME": "lin", "USER": "lin"},
    )
    assert json.loads(done.stdout) == [
        {"target": "concern", "id": question["id"], "from": "open", "to": "resolved"}
    ]
    after = _ada_question(db_url)
    assert after["status"] == "resolved"
    assert after["status_source"] == {"kind": "user", "ref": "lin"}
    assert after["status_reason"] == "set by lin: fine"

    with session_scope(engine) as s:  # new mail: the series is linked again
        s.connection().exec_driver_sql("update series set review_dirty = true")
    assert link_dirty_series(engine) >= 1
    assert _ada_question(db_url)["status"] == "resolved"  # a maintainer's word stands

    again = run_cli("concern", "resolve", str(question["id"]), "--reopen", "--db", db_url)
    assert again.exit_code == 0 and _ada_question(db_url)["status"] == "open"
    missing = run_cli("concern", "show", "999999", "--db", db_url)
    assert missing.exit_code == 3 and "no concern with id 999999" in missing.stderr
