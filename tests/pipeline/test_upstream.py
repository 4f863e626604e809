"""`reviewbot upstream` on the libvirt 9.0.0 tree with Debian's backports committed on top:
which commit carries each patch, the states that follow, the index kept on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot import store
from reviewbot.db import session_scope
from reviewbot.pipeline.importer import ImportReport
from reviewbot.pipeline.rebuild import rebuild_dirty_series
from reviewbot.pipeline.upstream import UpstreamReport, check_upstream
from tests import reads as queries
from tests.conftest import BACKPORTS, LIST, git, history_tree, mail, run_cli, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "finding the carrying commit is git's work; upstream checks and the states they set "
    "are stored and read on both backends in tests/api/test_tree.py and "
    "tests/web/test_tree.py"
)

JULY, AUGUST, OCTOBER = (LIST / f"{m}.txt.gz" for m in ("2023-July", "2023-August", "2016-October"))
FIRST_TAGGED = 5  # v9.0.1 contains the first five backports


def series_id(session: Session, version: int, title: str = "qemu: backport fixes") -> int:
    return next(
        r["id"]
        for r in queries.list_series(session)
        if r["version"] == version and r["title"].startswith(title)
    )


def log(tree: Path) -> dict[str, dict[str, str]]:
    """subject -> the commit's id, author date and committer date, from git itself."""
    out = {}
    for line in git(tree, "log", "--format=%H%x1f%aI%x1f%cI%x1f%s").splitlines():
        commit, adate, cdate, subject = line.split("\x1f")
        out[subject] = {"commit": commit, "author_date": adate, "commit_date": cdate}
    return out


def check(engine: Engine, sid: int, tree: Path, **kw: Any) -> UpstreamReport:
    return check_upstream(engine, "series", sid, tree, **kw)


def events_via_tree(engine: Engine) -> list[tuple[str, int, str | None, str | None]]:
    with engine.connect() as conn:
        found = conn.execute(
            text(
                "select target, target_id, old_value, new_value from event "
                "where via = 'tree' order by id"
            )
        )
        return [tuple(r) for r in found]  # type: ignore[misc]


@pytest.mark.parametrize("version", [1, 2])
def test_every_patch_of_both_versions_names_the_right_commit(
    version: int,
    tmp_path: Path,
    backported: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    run_import(JULY, AUGUST)
    sid = series_id(session, version)
    report = check(engine, sid, backported, index_dir=tmp_path / "index")
    head = git(backported, "rev-parse", "HEAD").strip()
    assert (report.series_id, report.tree, report.tree_head) == (sid, str(backported), head)
    assert report.range == f"2 years of {head[:12]} (since 2022-01-23)"
    assert report.indexed == 11  # the release and the ten backports
    commits = log(backported)
    for n, c in enumerate(report.patches, 1):
        truth = commits[c.title]
        assert (c.number, c.found.commit) == (n, truth["commit"])
        assert c.found.subject == c.title
        assert c.found.author_date == truth["author_date"]
        assert c.found.commit_date == truth["commit_date"]
        assert c.found.tag == ("v9.0.1" if n <= FIRST_TAGGED else None)
    matches = [c.found.match for c in report.patches]
    if version == 1:
        assert matches == ["exact"] * 10
    else:  # v2's patch 8 words a comment differently from the commit
        assert matches == ["exact"] * 7 + ["similar"] + ["exact"] * 2
        eight = report.patches[7].found
        assert eight.score is not None and 0.5 <= eight.score < 1
        assert eight.detail == f"score {eight.score:.2f}: 1 changed line differs"


def test_exact_patches_become_accepted_with_commit_ref_and_the_reason(
    tmp_path: Path,
    backported: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    run_import(JULY, AUGUST)
    v1, v2 = series_id(session, 1), series_id(session, 2)
    assert queries.show_series(session, v1)["state"] == "superseded"
    check(engine, v1, backported)
    check(engine, v2, backported)
    commits = log(backported)
    session.expire_all()
    one = queries.show_series(session, v1)
    for n, p in enumerate(one["patches"], 1):
        commit = commits[p["title"]]["commit"]
        tag = " (v9.0.1)" if n <= FIRST_TAGGED else ""
        assert (p["state"], p["commit_ref"]) == ("accepted", commit)
        assert p["state_reason"] == f"in {backported} as {commit[:12]}{tag}"
        assert p["upstream"]["match"] == "exact" and p["upstream"]["commit"] == commit
    assert one["state"] == "accepted"
    assert one["state_reason"].startswith(f"every patch is accepted: in {backported} as ")
    # v1 moved from superseded to accepted: ten patch events and one of the series;
    # v2 was accepted already ("Pushed now"): its reasons now name the commits, no event
    moved = events_via_tree(engine)
    assert moved == [
        *(("patch", p["id"], "superseded", "accepted") for p in one["patches"]),
        ("series", v1, "superseded", "accepted"),
    ]
    two = queries.show_series(session, v2)["patches"]
    assert [p["commit_ref"] is not None for p in two] == [True] * 7 + [False] + [True] * 2
    assert two[7]["state"] == "accepted" and not two[7]["state_reason"].startswith("in ")
    assert two[7]["upstream"]["match"] == "similar"


REWORDED = (BACKPORTS / "qemu-Jump-to-cleanup-label-on-umount-failure.patch").read_text()
REWORDED_DIFF = (
    REWORDED[REWORDED.index("diff --git") :]
    .replace("@@ -779,7 +779,7 @@", "@@ -780,6 +780,6 @@")
    .replace(" #if defined(__linux__)\n", "", 1)  # rebased: other context, same change
)
UNRELATED = (
    "diff --git a/src/qemu/qemu_block.c b/src/qemu/qemu_block.c\n"
    "--- a/src/qemu/qemu_block.c\n+++ b/src/qemu/qemu_block.c\n"
    "@@ -1,3 +1,4 @@\n /*\n+ * an unrelated line\n"
    "  * qemu_block.c: helper functions for QEMU block subsystem\n  *\n"
)


def import_copies(tmp_path: Path, run_import: Callable[..., ImportReport]) -> None:
    """A reworded, rebased copy of a backport and an unrelated patch, as a new series."""
    reworded = (
        "Like the other error paths of qemuDomainUnshareNamespace(), go to cleanup\n"
        "when umount() fails.\n\nSigned-off-by: Jim Fehlig <jfehlig@suse.com>\n---\n"
        + REWORDED_DIFF
        + "-- \n2.39.2\n"  # the diff's last line is a blank context line: keep its space
    )
    msgs = [
        mail(
            "copy-1@suse.com",
            "[PATCH 1/2] qemu: Jump to the cleanup label on umount() failure",
            reworded,
            sender="Jim Fehlig <jfehlig@suse.com>",
            date="Mon, 06 Mar 2023 10:00:00 -0700",
        ),
        mail(
            "copy-2@suse.com",
            "[PATCH 2/2] qemu_block: document the file",
            f"A comment.\n---\n{UNRELATED}",
            sender="Jim Fehlig <jfehlig@suse.com>",
            date="Mon, 06 Mar 2023 10:01:00 -0700",
            reply_to="copy-1@suse.com",
        ),
    ]
    run_import(write_mbox(tmp_path / "copies.mbox", msgs))


def test_a_reworded_rebased_copy_is_similar_and_accepted_only_when_confirmed(
    tmp_path: Path,
    backported: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    import_copies(tmp_path, run_import)
    sid = series_id(session, 1, "qemu: Jump to the cleanup label")
    copy, unrelated = check(engine, sid, backported).patches
    jump = log(backported)["qemu: Jump to cleanup label on umount failure"]["commit"]
    assert (copy.found.match, copy.found.commit, copy.found.score) == ("similar", jump, 1.0)
    assert copy.found.detail == (
        "score 1.00: subject 'qemu: Jump to cleanup label on umount failure'; "
        "the same changed lines in other context (rebased)"
    )
    assert (unrelated.found.match, unrelated.found.commit) == ("not-found", None)
    assert unrelated.found.detail.startswith("no commit of 2 years of ")
    assert unrelated.found.detail.endswith(" carries it")
    shown = queries.show_series(session, sid)["patches"]
    assert [(p["state"], p["commit_ref"]) for p in shown] == [("new", None), ("new", None)]
    assert events_via_tree(engine) == []
    # --accept confirms the similar one; the unrelated patch stays as it was
    accepted = check(engine, sid, backported, accept=True)
    assert [c.state for c in accepted.patches] == ["accepted", "new"]
    session.expire_all()
    first = queries.show_series(session, sid)["patches"][0]
    assert first["commit_ref"] == jump
    assert first["state_reason"] == (
        f"in {backported} as {jump[:12]} (v9.0.1), another version (similar, score 1.00) "
        "confirmed with --accept"
    )


def test_states_set_by_hand_are_kept(
    tmp_path: Path,
    backported: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
    db_url: str,
) -> None:
    run_import(JULY, AUGUST)
    sid = series_id(session, 1)
    third = queries.show_series(session, sid)["patches"][2]
    assert run_cli("state", "set", f"p{third['id']}", "rejected", "--db", db_url).exit_code == 0
    assert run_cli("state", "set", str(sid), "under-review", "--db", db_url).exit_code == 0
    check(engine, sid, backported)
    session.expire_all()
    shown = queries.show_series(session, sid)
    kept = shown["patches"][2]
    assert (kept["state"], kept["state_reason"].startswith("set by ")) == ("rejected", True)
    assert kept["commit_ref"] == log(backported)[kept["title"]]["commit"]  # a fact all the same
    assert [p["state"] for p in shown["patches"]].count("accepted") == 9
    assert shown["state"] == "under-review"
    assert ("patch", kept["id"], "superseded", "accepted") not in events_via_tree(engine)


def test_the_trees_state_survives_a_rebuild(
    backported: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    run_import(JULY, AUGUST)
    sid = series_id(session, 1)
    check(engine, sid, backported)
    with session_scope(engine) as s:
        store.mark_dirty(session=s, series_ids=[sid])
    rebuild_dirty_series(engine)
    session.expire_all()
    shown = queries.show_series(session, sid)
    assert {p["state"] for p in shown["patches"]} == {"accepted"}
    assert all(p["state_reason"].startswith(f"in {backported} as ") for p in shown["patches"])
    assert shown["state"] == "accepted"


def test_on_the_release_alone_the_2016_patch_is_present_with_no_commit_named(
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    """The 9.0.0 release as one commit: the change is there (it reverse-applies), and no
    commit is named for it (not the release commit, which merely contains the line)."""
    run_import(OCTOBER)
    (only,) = queries.list_series(session)
    (patch,) = check(engine, only["id"], tree).patches
    head = git(tree, "rev-parse", "HEAD").strip()
    assert (patch.found.match, patch.found.commit, patch.found.tag) == ("present", None, None)
    assert patch.found.detail == (
        "in the tree (it reverse-applies); no history to name the commit: "
        f"no commit of 2 years of {head[:12]} (since 2021-01-16) carries it"
    )
    assert not patch.state_changed
    session.expire_all()
    shown = queries.show_series(session, only["id"])["patches"][0]
    assert shown["commit_ref"] is None and shown["upstream"]["match"] == "present"


def test_a_second_run_reads_only_new_commits(
    tmp_path: Path, run_import: Callable[..., ImportReport], engine: Engine, session: Session
) -> None:
    repo = history_tree(tmp_path)
    run_import(JULY)
    sid = series_id(session, 1)
    index = tmp_path / "index"
    assert check(engine, sid, repo, index_dir=index).indexed == 11
    assert check(engine, sid, repo, index_dir=index).indexed == 0
    git(repo, "commit", "-q", "--allow-empty", "-m", "a new commit")
    again = check(engine, sid, repo, index_dir=index)
    assert again.indexed == 1 and [c.found.match for c in again.patches] == ["exact"] * 10
    assert len((index / "index-v1.tsv").read_text().splitlines()) == 12


def test_the_command_prints_the_promised_json(
    backported: Path, run_import: Callable[..., ImportReport], session: Session, db_url: str
) -> None:
    run_import(JULY, AUGUST)
    sid = series_id(session, 2)
    done = run_cli("upstream", sid, "--tree", backported, "--db", db_url, "--json")
    assert done.exit_code == 0, done.output
    out = json.loads(done.stdout)
    assert list(out) == ["series", "tree", "tree_head", "range", "patches"]
    assert list(out["patches"][0]) == [
        "number",
        "title",
        "match",
        "commit",
        "subject",
        "score",
        "tag",
        "author_date",
        "commit_date",
        "detail",
    ]
    assert out["series"] == sid and len(out["patches"]) == 10
    eighth = queries.show_series(session, sid)["patches"][7]
    one = run_cli("upstream", f"p{eighth['id']}", "--tree", backported, "--db", db_url, "--json")
    single = json.loads(one.stdout)
    assert single["series"] == sid and [p["number"] for p in single["patches"]] == [8]
    assert single["patches"][0] == out["patches"][7]
    ranged = run_cli(
        "upstream", sid, "--tree", backported, "--rev", "v9.0.0~0..v9.0.1", "--db", db_url
    )
    assert ranged.exit_code == 0 and " + v9.0.0~0..v9.0.1" in ranged.stdout.splitlines()[0]
    assert ranged.stdout.splitlines()[-1] == "in all: 9 exact, 1 similar"


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (("--rev", "nosuch..HEAD"), 2, "--rev 'nosuch..HEAD': not a revision range of"),
        (("--rev", "--all"), 2, "--rev '--all': not a revision range of"),
        ((), 3, "no series with id 99"),
    ],
)
def test_bad_ranges_and_unknown_series(
    tree: Path, db_url: str, args: tuple[str, ...], code: int, says: str
) -> None:
    target = "99" if code == 3 else "1"
    if code != 3:
        run_cli("import-mbox", JULY, "--db", db_url)
    done = run_cli("upstream", target, "--tree", tree, *args, "--db", db_url)
    assert done.exit_code == code and says in done.stderr


def test_without_a_tree_it_says_how_to_name_one(db_url: str) -> None:
    done = run_cli("upstream", "1", "--db", db_url)
    assert done.exit_code == 2
    assert "no --tree given (and REVIEWBOT_UPSTREAM_TREE is not set)" in done.stderr
