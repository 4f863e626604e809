"""Linking at import: concerns and races on the corpus, through import, rebuild and the
database, and messy replies that must all be kept and linked."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from reviewbot import store
from reviewbot.db import open_engine
from reviewbot.models import CONCERN, CONCERN_PLACE, HUNK_COVER, RACE
from reviewbot.pipeline.importer import ImportReport, import_paths
from reviewbot.pipeline.link import link_dirty_series
from tests import reads as queries
from tests.conftest import LIST, diff_body, mail, write_mbox

TRUTH = json.loads((LIST / "truth.json").read_text())
JULY, AUGUST = LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"
KIND = {"request": "change-request"}


@pytest.fixture(scope="module")
def both_months(module_db_url: str) -> Iterator[Engine]:
    """July and August imported once per backend, for the tests that only read them."""
    engine = open_engine(module_db_url)
    import_paths(engine, [JULY, AUGUST])
    yield engine
    engine.dispose()


@pytest.fixture
def corpus(both_months: Engine) -> Iterator[Session]:
    with Session(both_months) as s:
        yield s


def series_ids(session: Session) -> dict[int, int]:
    return {r["version"]: r["id"] for r in queries.list_series(session)}


def anchored(session: Session, version: int) -> list[dict[str, Any]]:
    rows = queries.concerns_of(session, str(series_ids(session)[version]))
    return [c for c in rows if c["file"]]


def test_truth_concerns_with_their_anchors(corpus: Session) -> None:
    got = {
        (c["reply_msgid"], c["patch_msgid"], c["file"], c["hunk"], c["side"], c["line"], c["kind"])
        for c in anchored(corpus, 1)
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


def test_acks_are_approvals_not_open_concerns(corpus: Session) -> None:
    for version in (1, 2):
        rows = queries.concerns_of(corpus, str(series_ids(corpus)[version]))
        acks = [
            c for c in rows if c["reply_msgid"] in ("r015-ada@example.org", "r027-ada@example.org")
        ]
        assert acks and all(c["kind"] == "approval" and c["status"] == "approval" for c in acks)
    v2_open = queries.concerns_of(corpus, str(series_ids(corpus)[2]), open_only=True)
    # the only open one on v2 is v1's unanswered question, carried over: no ack is open
    assert [c["reply_msgid"] for c in v2_open] == ["r013-ada@example.org"]
    assert v2_open[0]["ported_from"] is not None


def test_open_concern_is_ported_to_the_unchanged_hunk_of_v2(corpus: Session) -> None:
    """Gerrit's ported comments: v1 05/10's unanswered question shows on v2 05/10."""
    ids = series_ids(corpus)
    (made,) = [
        c
        for c in queries.concerns_of(corpus, str(ids[1]))
        if c["reply_msgid"] == "r013-ada@example.org"
    ]
    assert (made["patch"], made["file"], made["hunk"], made["line"]) == (
        5,
        "src/qemu/qemu_process.c",
        1,
        8747,
    )
    assert made["status"] == "open" and "carried" in made["status_reason"]
    port = made["ported_to"]
    assert port["patch_msgid"] == "v2p05.1689665402.git.backports@example.org"
    assert (port["file"], port["hunk"], port["side"]) == ("src/qemu/qemu_process.c", 1, "new")
    (carried,) = [
        c
        for c in queries.concerns_of(corpus, str(ids[2]))
        if c["reply_msgid"] == "r013-ada@example.org"
    ]
    assert carried["id"] == made["id"]
    assert carried["patch_msgid"] == port["patch_msgid"]
    assert (carried["file"], carried["hunk"], carried["line"]) == (
        port["file"],
        port["hunk"],
        port["line"],
    )
    assert carried["ported_from"]["patch_msgid"] == "v1p05.1689665401.git.backports@example.org"
    # the v2 patch's own listing has it too
    patch_view = queries.concerns_of(corpus, f"p{_patch_id(corpus, ids[2], 5)}")
    assert [c["id"] for c in patch_view] == [made["id"]]


def test_linking_a_series_links_its_previous_version_too(corpus: Session) -> None:
    """What `concerns 2 --open` says on a fresh import: v1's concern is ported to v2."""
    v2 = next(r["id"] for r in queries.list_series(corpus) if r["version"] == 2)
    assert [c["reply_msgid"] for c in queries.concerns_of(corpus, str(v2), open_only=True)] == [
        "r013-ada@example.org"
    ]


def _patch_id(session: Session, series_id: int, number: int) -> int:
    return next(
        p["id"] for p in queries.show_series(session, series_id)["patches"] if p["number"] == number
    )


def test_question_answered_then_addressed_by_v2(
    run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(JULY)
    question = next(
        c
        for c in anchored(session, 1)
        if c["kind"] == "question" and c["file"] == "src/conf/virstorageobj.c"
    )
    # Lin answers, but Lin did not post the series: the question waits for its author
    assert question["status"] == "open"
    assert [(r["msgid"], r["role"]) for r in question["replies"]] == [
        ("r012-lin@example.org", "other")
    ]
    run_import(AUGUST)
    by_line = {
        c["line"]: c for c in anchored(session, 1) if c["file"] == "src/conf/virstorageobj.c"
    }
    assert by_line[461]["status"] == "addressed"  # the reworded comment line
    assert by_line[457]["status"] == "addressed"  # the VIR_LOCK_GUARD request: hunk changed
    # patch 05's question: v2's patch 05 is identical, so it stays open (carried over)
    other = next(c for c in anchored(session, 1) if c["file"] == "src/qemu/qemu_process.c")
    assert other["status"] == "open" and "carried" in other["status_reason"]


def test_relinking_everything_links_each_series_once_to_the_same_review(
    engine: Engine, run_import: Callable[..., ImportReport]
) -> None:
    """What bench_link.py does: every series marked changed, then linked again. One
    pass per series (a version chain is not relinked over and over, so time and
    memory follow the corpus), and the concerns, places, races and coverage the
    import stored, ids included."""
    run_import(JULY, AUGUST)
    before = _review_rows(engine)
    with Session(engine) as s:
        everything = [r["id"] for r in queries.list_series(s)]
    store.locked_write(engine, lambda s: store.mark_review_dirty(session=s, series_ids=everything))
    assert link_dirty_series(engine) == len(everything)
    assert _review_rows(engine) == before


def _review_rows(engine: Engine) -> list[list[tuple[Any, ...]]]:
    """Every row linking stores, in one order; a place's and a cover's own id aside
    (only concern and race ids are handed out, so only they are kept)."""
    tables = {CONCERN: True, RACE: True, CONCERN_PLACE: False, HUNK_COVER: False}
    with engine.connect() as conn:
        return [
            [tuple(r) for r in conn.execute(select(*cols).order_by(*cols))]
            for table, with_id in tables.items()
            if (cols := [c for c in table.c if with_id or c.name != "id"])
        ]


def test_race_of_patch_08_linked_to_its_hunk(corpus: Session) -> None:
    (race,) = queries.races_of(corpus, series_ids(corpus)[1])
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


def test_concern_and_race_ids_survive_a_new_reply(
    run_import: Callable[..., ImportReport], session: Session, tmp_path: Path
) -> None:
    """The REST API hands concern ids out: a later reply in the thread must not renumber them."""
    run_import(JULY)
    (v1,) = series_ids(session).values()
    before = {(c["reply_msgid"], c["text"]): c["id"] for c in queries.concerns_of(session, str(v1))}
    races_before = [r["id"] for r in queries.races_of(session, v1)]
    reply = mail(
        "late-reply@example.org",
        "Re: [libvirt] [PATCH 08/10] storage: Fix returning of locked objects",
        "> -    VIR_LOCK_GUARD lock = virObjectLockGuard(obj);\nWhy not keep it?\n",
        sender="Late Reviewer <late@example.org>",
        date="Fri, 21 Jul 2023 10:00:00 +0200",
        reply_to="v1p08.1689665401.git.backports@example.org",
    )
    run_import(write_mbox(tmp_path / "late.mbox", [reply]))  # links v1 again
    after = {(c["reply_msgid"], c["text"]): c["id"] for c in queries.concerns_of(session, str(v1))}
    assert ("late-reply@example.org", "Why not keep it?") in after  # it was linked again
    assert {k: after[k] for k in before} == before
    assert [r["id"] for r in queries.races_of(session, v1)] == races_before


REVIEWER = "Bob Reviewer <bob@example.org>"


def test_messy_replies_are_kept_and_linked(
    run_import: Callable[..., ImportReport], session: Session, engine: Engine, tmp_path: Path
) -> None:
    """HTML-only, top-posted, two patches quoted, a quote of a quote, a reply to a
    non-patch, and a reply quoting garbage under a missing parent: none crashes or is lost.
    The replies come from reviewers: the patch author's own words are never concerns."""
    patch = diff_body("src/util/virfile.c", 10, "Fix it.")
    msgs = [
        mail("p1@x", "[PATCH 1/2] util: fix it", patch),
        mail("p2@x", "[PATCH 2/2] util: fix more", diff_body("src/util/virbuf.c", 20)),
        mail(
            "html@x",
            "Re: [PATCH 1/2] util: fix it",
            "<html><body><blockquote>-old line<br>+new line</blockquote>Why?</body></html>",
            reply_to="p1@x",
            sender=REVIEWER,
        ),
        mail(
            "top@x",
            "Re: [PATCH 1/2] util: fix it",
            "Looks wrong.\n\n> -old line\n",
            reply_to="p1@x",
            sender=REVIEWER,
        ),
        mail(
            "two@x",
            "Re: [PATCH 2/2] util: fix more",
            "> -old line\n> +new line\nHere?\n\n> --- a/src/util/virbuf.c\nAnd here?\n",
            reply_to="p2@x",
            sender=REVIEWER,
        ),
        mail(
            "qq@x",
            "Re: [PATCH 1/2] util: fix it",
            "> > +new line\n> I agree\nNo.\n",
            reply_to="top@x",
            refs=("p1@x", "top@x"),
            sender="Carol Critic <carol@example.org>",
        ),
        mail("note@x", "lunch?", "> > > \n>>>\n> ---\n> @@ -x +y @@\n> +\nok\n", reply_to="gone@x"),
    ]
    report = run_import(write_mbox(tmp_path / "messy.mbox", msgs))
    assert (report.messages_new, report.messages_failed) == (7, 0)
    assert store.review_dirty(session=session, series_ids=None) == []  # linked by the import
    with engine.connect() as conn:
        stored = set(conn.execute(text("select msgid from message")).scalars())
    assert {"p1@x", "p2@x", "html@x", "top@x", "two@x", "qq@x", "note@x"} <= stored
    (series,) = queries.list_series(session)
    concerns = queries.concerns_of(session, str(series["id"]))
    assert {c["reply_msgid"] for c in concerns} >= {"html@x", "top@x", "two@x", "qq@x"}
