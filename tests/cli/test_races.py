"""`reviewbot races`: each scenario as readable text, and `--json` with lanes and lines."""

from __future__ import annotations

import json

import pytest

from tests.conftest import LIST, run_cli

pytestmark = pytest.mark.sqlite_only(
    "the edge only renders what read/ gives: every read is tested on both backends in "
    "tests/read/, and tests/read/test_read_only.py answers every page and API read on "
    "both"
)


@pytest.fixture(scope="module")
def seed_db(module_db_url: str) -> str:
    """The 2016 seed thread: its rebuilt patch 01 and the two races told about it."""
    out = run_cli("import-mbox", "--db", module_db_url, LIST / "2016-October.txt.gz")
    assert out.exit_code == 0, out.stderr
    return module_db_url


def _seed_series(db: str) -> str:
    listed = json.loads(run_cli("series", "list", "--db", db, "--json").stdout)
    (series,) = [s for s in listed if s["date"].startswith("2016")]
    return str(series["id"])


def test_races_prints_steps_in_lanes_and_alternatives_as_branches(seed_db: str) -> None:
    out = run_cli("races", _seed_series(seed_db), "--db", seed_db, env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.stderr
    text = out.stdout
    assert "{'" not in text and "Step(" not in text  # no Python reprs
    assert "Race 1 (id " in text and "Race 2 (id " in text
    assert "Actors: qemuConnectAgent, qemuProcessHandleAgentEOF" in text
    assert "Alternative orders (one of 2 happens):" in text
    assert "\n    A. qemuConnectAgent wins\n" in text
    assert "\n    or B. qemuProcessHandleAgentEOF wins\n" in text
    assert "1. [qemuConnectAgent] virSecurityManagerClearSocketLabel fails" in text
    assert "3. [worker pool] Now we execute VSERPORT_CHANGE" in text
    assert "lines: src/qemu/qemu_process.c hunk 1: new 153, 154" in text
    assert "src/qemu/qemu_process.c hunk 1 of <reconstructed-" in text
    assert "hunk 0" not in text  # people count hunks from 1


def test_races_json_has_actor_and_lines_on_every_step(seed_db: str) -> None:
    out = run_cli("races", _seed_series(seed_db), "--db", seed_db, "--json")
    assert out.exit_code == 0, out.stderr
    races = json.loads(out.stdout)
    steps = [s for r in races for s in r["steps"]]
    steps += [s for r in races for a in r["alternatives"] for s in a["steps"]]
    assert len(steps) == 7
    assert all({"label", "actor", "text", "identifiers", "lines"} <= set(s) for s in steps)
    assert all(s["actor"] for s in steps)  # every step of the seed names its lane
    lines = [x for s in steps for x in s["lines"]]
    assert lines and all(x["hunk"] == 0 and x["hunk_number"] == 1 for x in lines)
    assert {(x["file"], x["side"], x["line"]) for x in lines} == {
        ("src/qemu/qemu_process.c", "new", 153),
        ("src/qemu/qemu_process.c", "new", 154),
    }
    assert all(lk["hunk_number"] == lk["hunk"] + 1 for r in races for lk in r["links"])


def test_races_of_an_unknown_series(seed_db: str) -> None:
    out = run_cli("races", "999", "--db", seed_db)
    assert out.exit_code == 3 and "no series with id 999" in out.stderr
