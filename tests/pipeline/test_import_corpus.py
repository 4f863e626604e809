"""The real libvir-list material: what truth.json says a correct reader finds."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.db import open_engine
from reviewbot.packed import unpack
from reviewbot.pipeline.importer import ImportReport, import_paths
from tests import reads as queries
from tests.conftest import LIST, NewDatabases

TRUTH = json.loads((LIST / "truth.json").read_text())
MONTHS = (LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")
MBOX = LIST / "backports-2023.mbox"


def bare(msgid: str) -> str:
    return msgid.strip("<>")


def by_version(session: Session) -> dict[int, dict[str, Any]]:
    rows = queries.list_series(session)
    return {r["version"]: queries.show_series(session, r["id"]) for r in rows}


@pytest.fixture(scope="module", params=["pipermail-text", "mbox"])
def corpus_engine(
    request: pytest.FixtureRequest, module_new_db: NewDatabases
) -> Iterator[tuple[Engine, ImportReport]]:
    """The corpus from either source, imported once per backend for the tests that read it."""
    engine = open_engine(module_new_db(request.param))
    report = import_paths(engine, list(MONTHS if request.param == "pipermail-text" else (MBOX,)))
    yield engine, report
    engine.dispose()


@pytest.fixture
def imported(corpus_engine: tuple[Engine, ImportReport]) -> ImportReport:
    """What importing the corpus reported."""
    return corpus_engine[1]


@pytest.fixture
def corpus(corpus_engine: tuple[Engine, ImportReport]) -> Iterator[Session]:
    """A session on the imported corpus (read only)."""
    with Session(corpus_engine[0]) as s:
        yield s


def test_two_series_ten_patches_no_gaps(imported: ImportReport, corpus: Session) -> None:
    assert imported.messages_new == 29
    assert imported.series_new == 2
    series = by_version(corpus)
    assert sorted(series) == [1, 2]
    for truth in TRUTH["series"]:
        got = series[truth["version"]]
        assert got["title"] == "qemu: backport fixes for 9.0.0"
        assert got["cover_msgid"] == bare(truth["cover"])
        assert got["total"] == truth["total"] == 10
        assert got["missing"] == []
        assert [p["msgid"] for p in got["patches"]] == [bare(m) for m in truth["patches"]]
        assert [p["title"] for p in got["patches"]] == truth["subjects"]


def test_versions_linked_and_states(imported: ImportReport, corpus: Session) -> None:
    series = by_version(corpus)
    v1, v2 = series[1], series[2]
    assert v1["superseded_by"] == v2["id"] and v2["previous"] == v1["id"]
    assert v1["state"] == TRUTH["states"]["v1"] == "superseded"
    assert v2["state"] == TRUTH["states"]["v2"] == "accepted"
    assert "Pushed now" in v2["state_reason"]
    assert {p["state"] for p in v2["patches"]} == {"accepted"}
    assert {p["state"] for p in v1["patches"]} == {"superseded"}


def test_trailers_from_replies_match_truth(imported: ImportReport, corpus: Session) -> None:
    series = by_version(corpus)
    for label, expected in TRUTH["trailers"].items():
        got = series[int(label[1:])]
        cover_level = [f"{t['name']}: {t['value']}" for t in got["trailers"]]
        assert cover_level == expected["all"]
        for patch in got["patches"]:
            from_reply = [
                f"{t['name']}: {t['value']}" for t in patch["trailers"] if t["source"] == "reply"
            ]
            assert from_reply == expected.get(f"<{patch['msgid']}>", [])
            everyone = [t["value"] for t in patch["trailers"] if t["source"] == "cover-reply"]
            assert everyone == [e.split(": ", 1)[1] for e in expected["all"]]


def test_patch_own_trailers_and_inbody_author(imported: ImportReport, corpus: Session) -> None:
    patch = by_version(corpus)[1]["patches"][0]
    assert patch["author"] == "Michal Privoznik <mprivozn@redhat.com>"
    own = [f"{t['name']}: {t['value']}" for t in patch["trailers"] if t["source"] == "patch"]
    assert "Signed-off-by: Michal Privoznik <mprivozn@redhat.com>" in own
    assert "Fixes: a2ae3d299cf9c5ada8aa42ec4271748eb479dc27" in own


def test_reply_placement(imported: ImportReport, corpus: Session) -> None:
    series = by_version(corpus)
    v1 = {p["number"]: p["replies"] for p in series[1]["patches"]}
    assert v1[8] == ["r011-ada@example.org", "r012-lin@example.org"]
    assert v1[5] == ["r013-ada@example.org"]
    assert v1[3] == ["r015-ada@example.org"]
    assert series[1]["replies"] == ["r014-lin@example.org"]
    assert series[2]["replies"] == ["r027-ada@example.org", "r028-lin@example.org"]
    assert all(not p["replies"] for p in series[2]["patches"])


def test_diffs_parsed_with_function_context(imported: ImportReport, corpus: Session) -> None:
    patch8 = by_version(corpus)[1]["patches"][7]
    assert [f["path"] for f in patch8["files"]] == ["src/conf/virstorageobj.c"]
    hunk = patch8["hunks"][0]
    assert hunk["section"] == "virStoragePoolObjListSearchCb(const void *payload,"
    assert (hunk["old_start"], hunk["old_len"], hunk["new_start"], hunk["new_len"]) == (
        454,
        11,
        454,
        16,
    )
    assert all(p["diff_error"] is None for p in by_version(corpus)[1]["patches"])


def test_base_commit_recorded(imported: ImportReport, corpus: Session) -> None:
    assert by_version(corpus)[1]["base_commit"] == "ee5db0088bbb17ef65ead540b915cf6cb75300f9"


def test_mbox_after_archive_adds_no_duplicates(
    run_import: Callable[..., ImportReport], engine: Engine
) -> None:
    first = run_import(*MONTHS)
    second = run_import(MBOX)
    third = run_import(*MONTHS, MBOX)
    assert first.messages_new == 29
    assert (second.messages_new, second.messages_duplicate) == (0, 29)
    assert (third.messages_new, third.messages_duplicate) == (0, 58)
    assert (second.series_new, third.series_new) == (0, 0)
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from message")).scalar_one() == 29
        assert conn.execute(text("select count(*) from series")).scalar_one() == 2
        assert conn.execute(text("select count(*) from patch")).scalar_one() == 20


def test_raw_bytes_kept(run_import: Callable[..., ImportReport], engine: Engine) -> None:
    run_import(MBOX)
    with engine.connect() as conn:
        packed = conn.execute(
            text("select raw_zstd from message where msgid = 'r012-lin@example.org'")
        ).scalar_one()
    raw = unpack(packed)
    assert raw.startswith(b"From: Lin Maintainer <lin@example.org>")
    assert b"Good point, I'll mention the reference too in v2." in raw


def test_october_2016_thread_is_rebuilt_from_quotes(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    report = run_import(LIST / "2016-October.txt.gz")
    assert (report.messages_new, report.messages_failed, report.errors) == (1, 0, [])
    assert report.messages_reconstructed == 3
    root = queries.thread_of(session, "<invented-seed-0001@virtuozzo.com>")
    # patch -> review -> first answer (its real id from In-Reply-To) -> the seed reply
    chain = [node.msgid for _depth, node in root.walk()]
    assert chain == [
        "reconstructed-3.invented-seed-0001@virtuozzo.com",
        "reconstructed-2.invented-seed-0001@virtuozzo.com",
        "invented-parent-0001@virtuozzo.com",
        "invented-seed-0001@virtuozzo.com",
    ]
    assert not any(node.is_placeholder for _d, node in root.walk())
    (series,) = queries.list_series(session)
    assert (series["total"], series["patch_count"], series["missing"]) == (
        10,
        1,
        list(range(2, 11)),
    )


def test_same_result_in_any_import_order(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(MONTHS[1], MONTHS[0])
    series = by_version(session)
    assert series[1]["state"] == "superseded" and series[2]["state"] == "accepted"
    assert series[1]["superseded_by"] == series[2]["id"]


def test_pipermail_addresses_restored(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(*MONTHS)
    row = queries.messages_by_msgid(session, ["r011-ada@example.org"])["r011-ada@example.org"]
    assert (row.from_name, row.from_email) == ("Ada Reviewer", "ada@example.org")


def test_mailman_obscured_bodies_give_the_same_trailers(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    """Real Mailman also writes body addresses as "user at host" in its text archives."""
    obscured = []
    for month in MONTHS:
        text_ = gzip.decompress(month.read_bytes())
        lines = [
            line
            if re.match(rb"(Message-ID|In-Reply-To|References):", line)
            else re.sub(rb"<([\w.+-]+)@([\w.-]+)>", rb"<\1 at \2>", line)
            for line in text_.split(b"\n")
        ]
        text_ = b"\n".join(lines)
        out = tmp_path / month.name
        out.write_bytes(gzip.compress(text_))
        obscured.append(out)
    run_import(*obscured)
    series = by_version(session)
    assert [t["value"] for t in series[1]["trailers"]] == ["Lin Maintainer <lin@example.org>"]
    own = [t["value"] for t in series[1]["patches"][0]["trailers"] if t["source"] == "patch"]
    assert "Michal Privoznik <mprivozn@redhat.com>" in own
    assert series[1]["patches"][0]["author"] == "Michal Privoznik <mprivozn@redhat.com>"
    assert not any(t["mismatch"] for p in series[2]["patches"] for t in p["trailers"])
