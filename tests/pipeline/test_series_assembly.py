"""Series assembly end to end on small synthetic mboxes: grouping, versions, states and
trailers as import places mail into series (real databases, real import)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.pipeline.importer import ImportReport
from tests import reads as queries
from tests.conftest import diff_body, mail, write_mbox

BOB = "Bob Builder <bob@example.org>"


def day(hour: int, minute: int = 0, d: int = 18) -> str:
    return f"Tue, {d} Jul 2023 {hour:02d}:{minute:02d}:00 +0000"


def series(session: Session) -> list[dict[str, Any]]:
    return [queries.show_series(session, r["id"]) for r in reversed(queries.list_series(session))]


def test_out_of_order_arrival_one_series(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("p2", "[PATCH 2/3] b", diff_body(line=20), date=day(9, 2), reply_to="c0"),
        mail("p3", "[PATCH 3/3] c", diff_body(line=30), date=day(9, 3), reply_to="c0"),
        mail("p1", "[PATCH 1/3] a", diff_body(line=10), date=day(9, 1), reply_to="c0"),
        mail("c0", "[PATCH 0/3] the cover", "cover text\n", date=day(9, 0)),
    ]
    report = run_import(write_mbox(tmp_path / "a.mbox", msgs))
    assert report.series_new == 1
    (s,) = series(session)
    assert s["cover_msgid"] == "c0" and s["title"] == "the cover"
    assert [p["msgid"] for p in s["patches"]] == ["p1", "p2", "p3"] and s["missing"] == []


def test_no_cover_grouped_by_author_version_total(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("a1", "[PATCH 1/2] first", diff_body(), date=day(9, 1)),
        mail("b1", "[PATCH 1/2] other", diff_body(), sender=BOB, date=day(9, 1)),
        mail("a2", "[PATCH 2/2] second", diff_body(), date=day(9, 2)),
        mail("b2", "[PATCH 2/2] other two", diff_body(), sender=BOB, date=day(9, 3)),
        # same author, version and total but a day later: a new series
        mail("a3", "[PATCH 1/2] again", diff_body(), date=day(9, 1, d=20)),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    got = sorted([p["msgid"] for p in s["patches"]] for s in series(session))
    assert got == [["a1", "a2"], ["a3"], ["b1", "b2"]]
    lonely = next(s for s in series(session) if s["patches"][0]["msgid"] == "a3")
    assert lonely["missing"] == [2] and lonely["cover_msgid"] is None and lonely["title"] == "again"


def test_gaps_recorded(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [mail("c", "[PATCH v3 0/4] four", date=day(8))] + [
        mail(f"p{n}", f"[PATCH v3 {n}/4] part {n}", diff_body(), date=day(8, n), reply_to="c")
        for n in (1, 2, 4)
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    (s,) = series(session)
    assert (s["version"], s["missing"], s["patch_count"]) == (3, [3], 3)


def test_single_patches_of_one_author_stay_apart(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("x", "[PATCH] one thing", diff_body(), date=day(9)),
        mail("y", "[PATCH] another thing", diff_body(), date=day(10)),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    assert sorted(s["title"] for s in series(session)) == ["another thing", "one thing"]


def test_version_linked_by_title(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("v1", "[PATCH] qemu: fix the thing", diff_body(), date=day(9)),
        mail("v2", "[PATCH v2] qemu: Fix the thing", diff_body(), date=day(9, d=20)),
        mail("v3", "[PATCH v3] qemu: fix the thing", diff_body(), date=day(9, d=22)),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    v1, v2, v3 = sorted(series(session), key=lambda s: s["version"])
    assert (v1["superseded_by"], v2["previous"], v2["superseded_by"], v3["previous"]) == (
        v2["id"],
        v1["id"],
        v3["id"],
        v2["id"],
    )
    assert (v1["state"], v2["state"], v3["state"]) == ("superseded", "superseded", "new")


def test_v2_in_reply_to_v1_with_new_title(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("old", "[PATCH] conf: old wording", diff_body(), date=day(9)),
        mail(
            "new", "[PATCH v2] conf: better wording", diff_body(), date=day(9, d=21), reply_to="old"
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    v1, v2 = sorted(series(session), key=lambda s: s["version"])
    assert v1["superseded_by"] == v2["id"] and v1["state"] == "superseded"


def test_supersedes_line(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("first", "[PATCH] util: a", diff_body(), date=day(9)),
        mail(
            "second",
            "[PATCH] util: completely different",
            "Supersedes: <first>\n\n" + diff_body(),
            date=day(9, d=22),
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    a, b = sorted(series(session), key=lambda s: s["date"])
    assert a["superseded_by"] == b["id"] and b["previous"] == a["id"]


def test_thread_root_by_author_is_the_cover(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("root", "virsh: a few fixes", "Here are some fixes.\n", date=day(9)),
        mail("f1", "[PATCH 1/2] virsh: one", diff_body(), date=day(9, 1), reply_to="root"),
        mail("f2", "[PATCH 2/2] virsh: two", diff_body(), date=day(9, 2), reply_to="root"),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    (s,) = series(session)
    assert s["cover_msgid"] == "root" and s["title"] == "virsh: a few fixes"


def test_reply_trailers_cover_and_mismatch(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("c", "[PATCH 0/2] two", date=day(9)),
        mail("p1", "[PATCH 1/2] a", diff_body(), date=day(9, 1), reply_to="c"),
        mail("p2", "[PATCH 2/2] b", diff_body(), date=day(9, 2), reply_to="c"),
        mail(
            "r1",
            "Re: [PATCH 0/2] two",
            "Reviewed-by: Bob Builder <bob@example.org>\n",
            sender=BOB,
            date=day(10),
            reply_to="c",
        ),
        mail(
            "r2",
            "Re: [PATCH 2/2] b",
            "> Reviewed-by: Quoted Person <q@example.org>\n\n"
            "Tested-by: Carol <carol@example.org>\n",
            sender=BOB,
            date=day(11),
            refs=("c", "p2"),
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    (s,) = series(session)
    assert [t["value"] for t in s["trailers"]] == ["Bob Builder <bob@example.org>"]
    p2 = s["patches"][1]
    reply = [t for t in p2["trailers"] if t["source"] == "reply"]
    assert [(t["name"], t["mismatch"]) for t in reply] == [("Tested-by", True)]
    assert all("Quoted" not in t["value"] for t in p2["trailers"])
    assert [t["source"] for t in s["patches"][0]["trailers"]] == ["patch", "cover-reply"]


def test_states_from_review(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("c", "[PATCH 0/3] three", date=day(9)),
        *[
            mail(f"p{n}", f"[PATCH {n}/3] x{n}", diff_body(), date=day(9, n), reply_to="c")
            for n in (1, 2, 3)
        ],
        mail(
            "r1",
            "Re: [PATCH 1/3] x1",
            "> old line\n\nNACK, this breaks migration.\n",
            sender=BOB,
            date=day(10),
            refs=("c", "p1"),
        ),
        mail(
            "r2",
            "Re: [PATCH 2/3] x2",
            "> +new line\n\nWhy not use g_autofree here?\n",
            sender=BOB,
            date=day(10),
            refs=("c", "p2"),
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    (s,) = series(session)
    states = [p["state"] for p in s["patches"]]
    assert states == ["changes-requested", "under-review", "new"]
    assert s["state"] == "changes-requested"
    assert "NACK" in s["patches"][0]["state_reason"]


def test_later_reply_updates_existing_series(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(write_mbox(tmp_path / "a.mbox", [mail("p", "[PATCH] z", diff_body(), date=day(9))]))
    assert series(session)[0]["state"] == "new"
    report = run_import(
        write_mbox(
            tmp_path / "b.mbox",
            [
                mail(
                    "r",
                    "Re: [PATCH] z",
                    "Pushed, thanks.\n",
                    sender=BOB,
                    date=day(12),
                    reply_to="p",
                )
            ],
        )
    )
    assert (report.series_new, report.series_updated) == (0, 1)
    assert series(session)[0]["state"] == "accepted"


def test_two_lineages_with_one_title_settle(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    """v1 -> v2 in January and a fresh v1 -> v2 in March under the same title.

    The March v2 is posted in reply to the March v1; each v2 must follow its own v1.
    """
    msgs = [
        mail("j1", "[PATCH] qemu: improve errors", diff_body(), date=day(9, d=2)),
        mail("j2", "[PATCH v2] qemu: improve errors", diff_body(), date=day(9, d=4)),
        mail("m1", "[PATCH] qemu: improve errors", diff_body(), date=day(9, d=20)),
        mail(
            "m2", "[PATCH v2] qemu: improve errors", diff_body(), date=day(9, d=22), reply_to="m1"
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    got = {s["patches"][0]["msgid"]: s for s in series(session)}
    ids = {k: v["id"] for k, v in got.items()}
    assert got["j2"]["previous"] == ids["j1"] and got["m2"]["previous"] == ids["m1"]
    assert got["m1"]["previous"] is None
    assert [got[k]["state"] for k in ("j1", "j2", "m1", "m2")] == [
        "superseded",
        "new",
        "superseded",
        "new",
    ]


def test_newer_version_imported_first_is_linked_later(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    run_import(
        write_mbox(
            tmp_path / "new.mbox",
            [mail("n", "[PATCH v2] conf: renamed", diff_body(), date=day(9, d=21), reply_to="o")],
        )
    )
    run_import(
        write_mbox(
            tmp_path / "old.mbox", [mail("o", "[PATCH] conf: original", diff_body(), date=day(9))]
        )
    )
    old, new = sorted(series(session), key=lambda s: s["version"])
    assert old["superseded_by"] == new["id"] and old["state"] == "superseded"


def test_explicit_link_across_lineages_settles(
    tmp_path: Path, run_import: Callable[..., ImportReport], engine: Engine, session: Session
) -> None:
    """An explicit link into the other lineage: rebuilding ends, links stay consistent."""
    msgs = [
        mail("j1", "[PATCH] qemu: improve errors", diff_body(), date=day(9, d=2)),
        mail("j2", "[PATCH v2] qemu: improve errors", diff_body(), date=day(9, d=4)),
        mail("m1", "[PATCH] qemu: improve errors", diff_body(), date=day(9, d=20)),
        mail(
            "m2", "[PATCH v3] qemu: improve errors", diff_body(), date=day(9, d=22), reply_to="j2"
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    got = {s["patches"][0]["msgid"]: s for s in series(session)}
    ids = {k: v["id"] for k, v in got.items()}
    assert got["m2"]["previous"] == ids["j2"] and got["j2"]["previous"] == ids["j1"]
    for s in got.values():
        if s["previous"]:
            assert queries.show_series(session, s["previous"])["superseded_by"] == s["id"]
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from series where dirty")).scalar_one() == 0


def test_thread_joins_broken_reply_by_subject(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    msgs = [
        mail("orig", "[PATCH] util: fix leak", diff_body(), date=day(9)),
        mail(
            "late",
            "Re: [PATCH] util: fix leak",
            "Looks fine.\n",
            sender=BOB,
            date=day(11),
            reply_to="not-archived",
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    root = queries.thread_of(session, "late")
    assert root.msgid == "orig"
    assert [(n.msgid, n.is_placeholder) for _d, n in root.walk()] == [
        ("orig", False),
        ("not-archived", True),
        ("late", False),
    ]


def test_v2_review_stays_with_v2_when_v1_is_rebuilt(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    """v2 posted in reply to v1: its review names v1's cover too, but belongs to v2."""
    msgs = [
        mail("c1", "[PATCH 0/1] fix", date=day(9)),
        mail("p11", "[PATCH 1/1] fix", diff_body(), date=day(9, 1), reply_to="c1"),
        mail("c2", "[PATCH v2 0/1] fix", date=day(9, d=20), reply_to="c1"),
        mail("p21", "[PATCH v2 1/1] fix", diff_body(), date=day(9, 1, d=20), refs=("c1", "c2")),
        mail(
            "r21",
            "Re: [PATCH v2 1/1] fix",
            "Reviewed-by: Rev <rev@example.org>\n",
            sender="Rev <rev@example.org>",
            date=day(12, d=20),
            refs=("c1", "c2", "p21"),
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    # a late reply to v1 makes v1 (alone) rebuild
    run_import(
        write_mbox(
            tmp_path / "b.mbox",
            [
                mail(
                    "late",
                    "Re: [PATCH 1/1] fix",
                    "Why?\n",
                    sender=BOB,
                    date=day(9, d=25),
                    refs=("c1", "p11"),
                )
            ],
        )
    )
    v1, v2 = sorted(series(session), key=lambda s: s["version"])
    assert v1["replies"] == [] and v1["trailers"] == []
    assert v1["patches"][0]["replies"] == ["late"]
    assert v2["patches"][0]["replies"] == ["r21"]
    assert [t["value"] for t in v2["patches"][0]["trailers"] if t["source"] == "reply"] == [
        "Rev <rev@example.org>"
    ]


def test_in_reply_to_only_chain_reaches_the_patch(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    """p1 <- r1 <- a1 <- r2, where a1 and r2 carry In-Reply-To only."""
    msgs = [
        mail("p1", "[PATCH] util: x", diff_body(), date=day(9)),
        mail(
            "r1",
            "Re: [PATCH] util: x",
            "> +new line\n\nWhy?\n",
            sender=BOB,
            date=day(10),
            refs=("p1",),
        ),
        mail("a1", "Re: [PATCH] util: x", "> Why?\n\nBecause.\n", date=day(11), reply_to="r1"),
        mail(
            "r2",
            "Re: [PATCH] util: x",
            "> Because.\n\nReviewed-by: Bob Builder <bob@example.org>\n",
            sender=BOB,
            date=day(12),
            reply_to="a1",
        ),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs[:2]))
    run_import(write_mbox(tmp_path / "b.mbox", msgs[2:]))  # the parent is already stored
    (s,) = series(session)
    assert s["patches"][0]["replies"] == ["r1", "a1", "r2"]
    reply = [t["value"] for t in s["patches"][0]["trailers"] if t["source"] == "reply"]
    assert reply == ["Bob Builder <bob@example.org>"]


def test_patches_that_forgot_the_version_join_their_cover(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    """`[PATCH v3 0/4]` answered by `[PATCH n/4]`: one v3 series of four, cover first or last."""
    cover = mail("c3", "[PATCH v3 0/4] four", "cover\n", date=day(8))
    patches = [
        mail(
            f"q{n}",
            f"[PATCH {n}/4] part {n}",
            diff_body(line=10 * n),
            date=day(8, n),
            reply_to="c3",
        )
        for n in (1, 2, 3, 4)
    ]
    run_import(write_mbox(tmp_path / "last.mbox", [*patches[2:], cover]))
    run_import(write_mbox(tmp_path / "first.mbox", patches[:2]))
    (s,) = series(session)
    assert (s["cover_msgid"], s["version"], s["patch_count"], s["missing"]) == ("c3", 3, 4, [])
    assert [p["msgid"] for p in s["patches"]] == ["q1", "q2", "q3", "q4"]


def test_a_versioned_patch_does_not_join_a_cover_of_another_version(
    tmp_path: Path, run_import: Callable[..., ImportReport], session: Session
) -> None:
    """A patch that names its version is believed: v2 patches under a v3 cover stay v2."""
    msgs = [
        mail("c3", "[PATCH v3 0/2] two", "cover\n", date=day(8)),
        mail("r1", "[PATCH v2 1/2] part 1", diff_body(line=10), date=day(8, 1), reply_to="c3"),
    ]
    run_import(write_mbox(tmp_path / "a.mbox", msgs))
    versions = sorted((s["version"], s["patch_count"]) for s in series(session))
    assert versions == [(2, 1), (3, 0)]
