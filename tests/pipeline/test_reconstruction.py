"""The seed page alone (2016-October): what its quotes give back, through the database.

The archive holds one reply. It quotes the first answer, which quotes John Ferlan's
review, which quotes patch 01/10: import rebuilds all three, and review links the
reviewer's comments and the races of the discussion to the rebuilt hunk.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.db import open_engine
from reviewbot.packed import unpack
from reviewbot.pipeline.importer import ImportReport, import_paths
from reviewbot.read.patches import patch_detail
from tests import reads as queries
from tests.conftest import LIST, mail, write_mbox

SEED = "invented-seed-0001@virtuozzo.com"
ANSWER = "invented-parent-0001@virtuozzo.com"  # the seed's In-Reply-To: its real id
REVIEW = f"reconstructed-2.{SEED}"
PATCH = f"reconstructed-3.{SEED}"
FILE = "src/qemu/qemu_process.c"
HEADER = "@@ -151,6 +151,7 @@ qemuProcessHandleAgentEOF(qemuAgentPtr agent,"


def import_seed(engine: Engine) -> dict[str, Any]:
    """Import the seed page; `series show --json` of the one series it makes."""
    report = import_paths(engine, [LIST / "2016-October.txt.gz"])
    assert report.errors == []
    with Session(engine) as session:
        (series,) = queries.list_series(session)
        return queries.show_series(session, series["id"])


@pytest.fixture(scope="module")
def seed_engine(module_db_url: str) -> Iterator[Engine]:
    """The seed page imported once per backend, for the tests that only read it."""
    engine = open_engine(module_db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def seed_series(seed_engine: Engine) -> dict[str, Any]:
    return import_seed(seed_engine)


@pytest.fixture
def seed_session(seed_engine: Engine) -> Iterator[Session]:
    with Session(seed_engine) as s:
        yield s


@pytest.fixture
def seeded(engine: Engine) -> dict[str, Any]:
    """The seed page imported into the test's own database, for the tests that import more."""
    return import_seed(engine)


def rows(engine: Engine, sql: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(text(sql)))


def test_patch_01_is_rebuilt_with_its_commit_message_and_hunk(
    seed_series: dict[str, Any], seed_engine: Engine
) -> None:
    assert (seed_series["total"], seed_series["missing"]) == (10, list(range(2, 11)))
    (patch,) = seed_series["patches"]
    assert (patch["number"], patch["title"]) == (1, "qemu: agent: unset error flag in EOF handler")
    assert (patch["msgid"], patch["reconstructed_from"]) == (PATCH, SEED)
    assert patch["author"] == "Nikolay Shirokovskiy <nshirokovskiy@virtuozzo.com>"
    assert [h["header"] for h in patch["hunks"]] == [HEADER]
    assert [(f["path"], f["added"], f["removed"]) for f in patch["files"]] == [(FILE, 1, 0)]
    with Session(seed_engine) as session:
        detail = patch_detail(session, patch["id"])
    commit, diff = detail.commit_message, detail.diff
    assert commit.startswith("Usually on domain shutdown event comes first from qemu\n")
    assert commit.endswith("thus qemu agent becomes unavailable.")
    assert "\n+    priv->agentError = false;\n" in diff


def test_review_and_answer_are_rebuilt_and_threaded(
    seed_series: dict[str, Any], seed_engine: Engine
) -> None:
    found = {
        r.msgid: r
        for r in rows(
            seed_engine,
            "select msgid, from_name, in_reply_to, reconstructed_from, raw_zstd from message",
        )
    }
    assert set(found) == {PATCH, REVIEW, ANSWER, SEED}
    assert found[REVIEW].from_name == "John Ferlan"
    assert found[ANSWER].from_name == "Nikolay Shirokovskiy"
    assert [found[m].in_reply_to for m in (REVIEW, ANSWER, SEED)] == [PATCH, REVIEW, ANSWER]
    assert {m: found[m].reconstructed_from for m in found} == {
        PATCH: SEED,
        REVIEW: SEED,
        ANSWER: SEED,
        SEED: None,
    }
    # each rebuilt message keeps bytes of its own, saying where it came from
    assert f"X-Reviewbot-Reconstructed-From: <{SEED}>".encode() in unpack(found[REVIEW].raw_zstd)
    assert set(seed_series["patches"][0]["replies"]) == {REVIEW, ANSWER, SEED}


def test_reviewer_concerns_anchor_to_lines_of_the_rebuilt_hunk(
    seed_series: dict[str, Any], seed_session: Session
) -> None:
    concerns = queries.concerns_of(seed_session, str(seed_series["id"]))
    ferlan = [c for c in concerns if c["reply_msgid"] == REVIEW]
    inline = [(c["file"], c["hunk"], c["side"], c["line"]) for c in ferlan if c["file"]]
    assert inline == [(FILE, 0, "new", 153), (FILE, 0, "new", 154), (FILE, 0, "new", 157)]
    assert all(c["reviewer"] == "John Ferlan" for c in ferlan)
    how = next(c for c in ferlan if c["line"] == 154)
    assert how["text"].startswith("How does this alone solve the problem you saw.")
    assert how["kind"] == "question"
    # the author's answer quotes it back
    assert how["status"] == "answered"


def test_races_are_linked_to_the_rebuilt_hunk(
    seed_series: dict[str, Any], seed_session: Session
) -> None:
    races = queries.races_of(seed_session, seed_series["id"])
    assert len(races) == 2  # the answer's race is told once, not again where it is quoted
    shutdown = next(r for r in races if not r["alternatives"])
    assert shutdown["message_msgid"] == ANSWER
    assert len(shutdown["steps"]) == 3
    assert set(shutdown["actors"]) == {"IO loop thread", "worker pool"}
    assert {"VSERPORT_CHANGE", "processSerialChangedEvent", "qemuProcessHandleAgentEOF"} <= set(
        shutdown["identifiers"]
    )
    wins = next(r for r in races if r["alternatives"])
    assert wins["message_msgid"] == SEED
    labels = [a["label"] for a in wins["alternatives"]]
    assert labels == ["A", "B"]
    assert "qemuConnectAgent wins" in wins["alternatives"][0]["text"]
    assert "qemuProcessHandleAgentEOF wins" in wins["alternatives"][1]["text"]
    for race in (shutdown, wins):
        links = [(x["patch_msgid"], x["file"], x["hunk"]) for x in race["links"]]
        assert links == [(PATCH, FILE, 0)]
        assert race["links"][0]["evidence"]


def test_list_of_failure_places_is_not_a_race(
    seed_series: dict[str, Any], seed_session: Session
) -> None:
    races = queries.races_of(seed_session, seed_series["id"])
    assert not [r for r in races if r["message_msgid"] == REVIEW]
    assert not [r for r in races if "qemuMigrationFinish" in r["identifiers"]]


def test_reimport_is_idempotent(
    seeded: dict[str, Any], run_import: Callable[..., ImportReport], engine: Engine
) -> None:
    again = run_import(LIST / "2016-October.txt.gz")
    assert (again.messages_new, again.messages_reconstructed, again.messages_duplicate) == (0, 0, 1)
    assert rows(engine, "select count(*) from message")[0][0] == 4
    assert rows(engine, "select count(*) from series")[0][0] == 1


def test_the_real_mail_replaces_its_reconstruction(
    seeded: dict[str, Any],
    run_import: Callable[..., ImportReport],
    engine: Engine,
    tmp_path: Path,
) -> None:
    before = rows(engine, f"select id from message where msgid = '{ANSWER}'")[0][0]
    real = mail(
        ANSWER,
        "Re: [libvirt] [PATCH 01/10] qemu: agent: unset error flag in EOF handler",
        "In short qemu agent becomes unavailable after shutdown.\n",
        sender="Nikolay Shirokovskiy <nshirokovskiy@virtuozzo.com>",
        date="Thu, 27 Oct 2016 11:21:00 +0300",
        reply_to=REVIEW,
        refs=(PATCH, REVIEW),
    )
    report = run_import(write_mbox(tmp_path / "real.mbox", [real]))
    assert report.messages_new == 1
    ((row_id, reconstructed, packed),) = rows(
        engine, f"select id, reconstructed_from, raw_zstd from message where msgid = '{ANSWER}'"
    )
    raw = unpack(packed)
    assert (row_id, reconstructed) == (before, None)
    assert b"X-Reviewbot-Reconstructed-From" not in raw
    assert rows(engine, "select count(*) from message")[0][0] == 4
