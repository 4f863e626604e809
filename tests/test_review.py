"""Concerns and races on the corpus, through import, rebuild and the database."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

from reviewbot import queries, review
from reviewbot.pipeline import ImportReport
from tests.conftest import LIST

TRUTH = json.loads((LIST / "truth.json").read_text())
JULY, AUGUST = LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"
KIND = {"request": "change-request"}


def series_ids(session: Session) -> dict[int, int]:
    review.ensure_linked(session=session)  # linking is on demand
    session.commit()
    return {r["version"]: r["id"] for r in queries.list_series(session)}


def anchored(session: Session, version: int) -> list[dict[str, Any]]:
    rows = queries.concerns_of(session, str(series_ids(session)[version]))
    return [c for c in rows if c["file"]]


def test_truth_concerns_with_their_anchors(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(JULY, AUGUST)
    got = {
        (c["reply_msgid"], c["patch_msgid"], c["file"], c["hunk"], c["side"], c["line"], c["kind"])
        for c in anchored(session, 1)
    }
    want = {
        (
            t["reply"].strip("<>"),
            t["patch"].strip("<>"),
            t["file"],
            t["hunk"],
            t["side"],
            t["line"],
            KIND.get(t["kind"], t["kind"]),
        )
        for t in TRUTH["concerns"]
    }
    assert want <= got
    assert len(got) == len(want)


def test_acks_are_approvals_not_open_concerns(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(JULY, AUGUST)
    for version in (1, 2):
        rows = queries.concerns_of(session, str(series_ids(session)[version]))
        acks = [
            c for c in rows if c["reply_msgid"] in ("r015-ada@example.org", "r027-ada@example.org")
        ]
        assert acks and all(c["kind"] == "approval" and c["status"] == "approval" for c in acks)
    v2_open = queries.concerns_of(session, str(series_ids(session)[2]), open_only=True)
    assert v2_open == []


def test_question_answered_then_addressed_by_v2(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(JULY)
    question = next(
        c
        for c in anchored(session, 1)
        if c["kind"] == "question" and c["file"] == "src/conf/virstorageobj.c"
    )
    assert question["status"] == "answered" and "r012-lin@example.org" in question["status_reason"]
    run_import(AUGUST)
    by_line = {
        c["line"]: c for c in anchored(session, 1) if c["file"] == "src/conf/virstorageobj.c"
    }
    assert by_line[461]["status"] == "addressed"  # the reworded comment line
    assert by_line[457]["status"] == "addressed"  # the VIR_LOCK_GUARD request: hunk changed
    # patch 05's question: v2's patch 05 is identical, so it stays open (carried over)
    other = next(c for c in anchored(session, 1) if c["file"] == "src/qemu/qemu_process.c")
    assert other["status"] == "open" and "carried" in other["status_reason"]


def test_race_of_patch_08_linked_to_its_hunk(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(JULY, AUGUST)
    (race,) = queries.races_of(session, series_ids(session)[1])
    truth = TRUTH["races"][0]
    assert race["message_msgid"] == truth["message"].strip("<>")
    assert len(race["steps"]) == truth["steps"]
    assert set(race["actors"]) == set(truth["actors"])
    assert set(truth["identifiers"]) <= set(race["identifiers"])
    hunks = [
        (link["patch_msgid"], link["file"], link["hunk"]) for link in race["links"] if link["file"]
    ]
    want = truth["linked_hunks"][0]
    assert hunks == [(want["patch"].strip("<>"), want["file"], want["hunk"])]
