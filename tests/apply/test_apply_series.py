"""Applying series to a real git tree built from the libvirt 9.0.0 files in tests/data."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.cli import jsonout
from reviewbot.errors import NotAGitTree, NotFound
from reviewbot.pipeline import apply as apply_step
from reviewbot.pipeline.importer import ImportReport
from tests import reads as queries
from tests.conftest import LIST, git, mail, run_cli, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "applying is git's work in a worktree; apply runs are stored and read on both "
    "backends in tests/api/test_tree.py and tests/web/test_tree.py"
)


def series_id(session: Session, version: int) -> int:
    return next(r["id"] for r in queries.list_series(session) if r["version"] == version)


@pytest.mark.parametrize("version", [1, 2])
def test_backport_series_applies_cleanly_on_9_0_0(
    version: int,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    run_import(LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")
    result = apply_series(engine, series_id(session, version), tree)
    assert result["base_source"] == "blob-ids"
    assert result["base"] == git(tree, "rev-parse", "HEAD").strip()
    assert (
        "base-commit ee5db0088bbb17ef65ead540b915cf6cb75300f9 is not in this tree"
        in (result["base_note"])
    )
    assert [p["number"] for p in result["patches"]] == list(range(1, 11))
    assert {p["status"] for p in result["patches"]} == {"applied"}
    assert sum(len(p["hunks"]) for p in result["patches"]) == 18
    with engine.connect() as conn:
        stored = conn.execute(text("select status, count(*) from hunkapply group by status")).all()
        linked = conn.execute(text("select count(*) from hunkapply where hunk_id is null")).scalar()
    assert stored == [("applied", 18)] and linked == 0
    shown = queries.show_series(session, series_id(session, version))
    assert shown["apply"]["tree_head"] == result["tree_head"]
    assert [p["apply_status"] for p in shown["patches"]] == ["applied"] * 10


SEED_HUNK = "\n".join(
    [
        "diff --git a/src/qemu/qemu_process.c b/src/qemu/qemu_process.c",
        "index 31c8453..a581f96 100644",
        "--- a/src/qemu/qemu_process.c",
        "+++ b/src/qemu/qemu_process.c",
        "@@ -151,3 +151,4 @@ qemuProcessHandleAgentEOF(qemuAgentPtr agent,",
        " ",  # a blank context line: one space
        "     qemuAgentClose(agent);",
        "     priv->agent = NULL;",
        "+    priv->agentError = false;",
        "",
    ]
)


def test_seed_patch_01_is_already_applied(
    tmp_path: Path,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    """The hunk as the seed page quotes it (cut after its added line), in a patch mail."""
    body = (
        "Usually on domain shutdown event comes first from qemu...\n\n"
        "Signed-off-by: Nikolay Shirokovskiy <nshirokovskiy@virtuozzo.com>\n---\n" + SEED_HUNK
    )
    msg = mail(
        "seed-01@virtuozzo.com",
        "[PATCH 01/10] qemu: agent: unset error flag in EOF handler",
        body,
        sender="Nikolay Shirokovskiy <nshirokovskiy@virtuozzo.com>",
        date="Tue, 04 Oct 2016 09:56:00 +0300",
    )
    run_import(write_mbox(tmp_path / "seed.mbox", [msg]))
    (only,) = queries.list_series(session)
    result = apply_series(engine, only["id"], tree)
    (patch,) = result["patches"]
    assert patch["status"] == "already-applied"
    # the release is one commit: no commit carries the change, none is named (not the
    # release commit that happens to add the line, as `git log -S` would say)
    assert patch["detail"] == (
        "already in the tree (it reverse-applies); no history to name the commit"
    )
    assert patch["commit"] is None
    assert [h["status"] for h in patch["hunks"]] == ["already-applied"]


def make_patch(path: str, start: int, context: list[str], added: str) -> str:
    """A one-hunk diff inserting `added` before the last of the given context lines."""
    lines = "".join(f" {c}\n" for c in context[:-1]) + f"+{added}\n" + f" {context[-1]}\n"
    n = len(context)
    return (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        f"@@ -{start},{n} +{start},{n + 1} @@\n{lines}"
    )


def file_lines(tree: Path, path: str, start: int, count: int) -> list[str]:
    return (tree / path).read_text().split("\n")[start - 1 : start - 1 + count]


def test_conflicting_patch_two_reported_and_others_still_applied(
    tmp_path: Path,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
    db_url: str,
) -> None:
    first = make_patch(
        "src/qemu/qemu_extdevice.c",
        22,
        file_lines(tree, "src/qemu/qemu_extdevice.c", 22, 3),
        "/* one */",
    )
    wrong = file_lines(tree, "src/qemu/qemu_domain.c", 99, 3)
    wrong[1] = wrong[1] + " /* edited so it no longer matches */"
    second = make_patch("src/qemu/qemu_domain.c", 99, wrong, "/* two */")
    third = make_patch(
        "src/qemu/qemu_block.c", 49, file_lines(tree, "src/qemu/qemu_block.c", 49, 3), "/* three */"
    )
    msgs = [mail("c@x", "[PATCH 0/3] three", date="Tue, 18 Jul 2023 09:00:00 +0000")] + [
        mail(
            f"p{n}@x",
            f"[PATCH {n}/3] change {n}",
            f"Change {n}.\n---\n{d}",
            date=f"Tue, 18 Jul 2023 09:0{n}:00 +0000",
            reply_to="c@x",
        )
        for n, d in ((1, first), (2, second), (3, third))
    ]
    run_import(write_mbox(tmp_path / "three.mbox", msgs))
    result = apply_series(engine, queries.list_series(session)[0]["id"], tree)
    statuses = [p["status"] for p in result["patches"]]
    assert statuses == ["applied", "conflict", "applied"]
    bad = result["patches"][1]
    assert "src/qemu/qemu_domain.c @@ -99,3 +99,4" in bad["detail"]
    (hunk,) = bad["hunks"]
    assert hunk["status"] == "conflict"
    assert "/* edited so it no longer matches */" in hunk["detail"]  # what the patch expected
    expected, actual = hunk["detail"].split("--- the tree has:\n")
    assert "/* edited so it no longer matches */" in expected
    assert actual == "\n".join(file_lines(tree, "src/qemu/qemu_domain.c", 99, 3))
    # the CLI says so with its own exit code
    done = run_cli("apply", result["series"], "--tree", tree, "--db", db_url, "--json")
    assert done.exit_code == 6 and json.loads(done.stdout)["patches"][1]["status"] == "conflict"


def test_offset_missing_file_and_comparison_with_the_previous_run(
    tmp_path: Path,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    shifted = make_patch(
        "src/qemu/qemu_block.c", 50, file_lines(tree, "src/qemu/qemu_block.c", 57, 3), "/* x */"
    )
    absent = make_patch("src/util/virnotthere.c", 1, ["a", "b", "c"], "d")
    msgs = [
        mail(
            "s1@x",
            "[PATCH 1/2] shifted",
            f"Shifted.\n---\n{shifted}",
            date="Tue, 18 Jul 2023 09:01:00 +0000",
        ),
        mail(
            "s2@x",
            "[PATCH 2/2] absent",
            f"Absent.\n---\n{absent}",
            date="Tue, 18 Jul 2023 09:02:00 +0000",
        ),
    ]
    run_import(write_mbox(tmp_path / "two.mbox", msgs))
    sid = queries.list_series(session)[0]["id"]
    result = apply_series(engine, sid, tree)
    one, two = result["patches"]
    assert one["status"] == "applied-with-offset" and one["hunks"][0]["offset"] == 7
    assert two["status"] == "missing-file" and two["hunks"][0]["status"] == "missing-file"
    assert result["previous"] is None
    again = apply_series(engine, sid, tree)
    assert again["previous"] == {"tree_head": result["tree_head"], "changed": []}


def test_errors_are_clear(
    tmp_path: Path,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    run_import(LIST / "2023-July.txt.gz")
    with pytest.raises(NotAGitTree, match="not a git work tree"):
        apply_series(engine, 1, tmp_path)
    with pytest.raises(NotFound, match="no series with id 99"):
        apply_series(engine, 99, tree)
    cli = [
        sys.executable,
        "-m",
        "reviewbot",
        "apply",
        "1",
        "--tree",
        str(tree),
        "--db",
        engine.url.render_as_string(hide_password=False),  # this test's database
    ]
    # a real process: what it finds on its PATH is the point
    no_git = subprocess.run(cli, capture_output=True, text=True, env={"PATH": "/nonexistent"})
    assert no_git.returncode == 5 and "git is not installed" in no_git.stderr


def test_cover_only_series_and_damaged_patch(
    tmp_path: Path,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    good = make_patch(
        "src/qemu/qemu_block.c", 50, file_lines(tree, "src/qemu/qemu_block.c", 50, 3), "/* y */"
    )
    damaged = good.replace("@@ -50,3 +50,4 @@", "@@ -50,5 +50,6 @@")  # a mailer ate lines
    msgs = [
        mail("cov@x", "[PATCH 0/4] only a cover", date="Tue, 18 Jul 2023 09:00:00 +0000"),
        mail(
            "dam@x",
            "[PATCH] damaged",
            f"Damaged.\n---\n{damaged}",
            date="Tue, 19 Jul 2023 09:00:00 +0000",
        ),
    ]
    run_import(write_mbox(tmp_path / "odd.mbox", msgs))
    by_title = {r["title"]: r["id"] for r in queries.list_series(session)}
    with pytest.raises(NotFound, match="has no patches"):
        apply_series(engine, by_title["only a cover"], tree)
    (patch,) = apply_series(engine, by_title["damaged"], tree)["patches"]
    assert patch["status"] == "conflict" and patch["detail"].startswith("damaged patch:")


def apply_series(engine: Engine, series_id: int, tree: Path) -> dict[str, Any]:
    """`apply ID --tree TREE --json`, in-process."""
    return jsonout.apply_report(apply_step.apply_series(engine, series_id, tree))


def commits_by_subject(tree: Path) -> dict[str, str]:
    """subject -> commit id of the tree's history."""
    log = git(tree, "log", "--format=%H %s")
    return {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in log.splitlines()}


@pytest.mark.parametrize("version", [1, 2])
def test_on_head_every_backport_is_already_applied_naming_its_commit(
    version: int,
    backported: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    """The commit comes from the patch-id index, not from blame or the base; patch 3 is
    already-applied although a 3-way merge would also succeed (patch 4 changed its
    context); v2's patch 8 differs from the commit by a comment line: another version."""
    run_import(LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")
    sid = series_id(session, version)
    report = apply_step.apply_series(engine, sid, backported, "HEAD")
    result = jsonout.apply_report(report)
    assert result["base_source"] == "option" and result["base_note"] == "given with --base HEAD"
    commits = commits_by_subject(backported)
    shown = queries.show_series(session, sid)
    for patch, mailed in zip(result["patches"], shown["patches"], strict=True):
        assert patch["status"] == "already-applied", patch
        assert patch["commit"] == commits[mailed["title"]]
        assert {h["status"] for h in patch["hunks"]} == {"already-applied"}
    details = [p["detail"] for p in result["patches"]]
    assert details[2] == (
        f"already in the tree as {commits[shown['patches'][2]['title']][:12]} (v9.0.1): "
        "qemu: Jump to cleanup label on umount failure"
    )
    other = (
        "already in the tree in another version as" if version == 2 else "already in the tree as"
    )
    assert details[7].startswith(other)
    assert not report.failed
    # the run stores the commits too, for the pages and the API
    stored = queries.show_series(session, sid)["apply"]["patches"]
    assert [stored[n]["commit"] for n in range(1, 11)] == [p["commit"] for p in result["patches"]]


def test_base_guess_says_what_it_tried_and_that_head_has_them(
    backported: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    run_import(LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")
    result = apply_series(engine, series_id(session, 1), backported)
    release = git(backported, "rev-parse", "v9.0.0").strip()
    head = git(backported, "rev-parse", "HEAD").strip()
    assert result["base"] == release and result["base_source"] == "blob-ids"
    note = result["base_note"]
    assert note.startswith(
        "base-commit ee5db0088bbb17ef65ead540b915cf6cb75300f9 is not in this tree; "
        f"HEAD {head[:12]} lacks all 9 blobs the patches expect (src/qemu/qemu_interface.c, "
    )
    assert (
        f"{release[:12]} (libvirt 9.0.0 (files the backports touch)) is the newest holding all 9"
        in note
    )
    assert f"10 of the 10 patches are already in HEAD {head[:12]} (1 as " in note
    assert {p["status"] for p in result["patches"]} == {"applied"}


def test_a_base_that_does_not_resolve_is_bad_input(
    tree: Path, run_import: Callable[..., ImportReport], db_url: str
) -> None:
    run_import(LIST / "2023-July.txt.gz")
    for bad in ("nosuchrev", "--output=/tmp/x", ""):
        done = run_cli("apply", "1", "--tree", tree, "--base", bad, "--db", db_url)
        assert done.exit_code == 2, (bad, done.output)
        assert f"error: --base {bad}: no such commit in {tree}" in done.stderr


def test_the_report_is_whole_lines_on_a_narrow_terminal(
    backported: Path, run_import: Callable[..., ImportReport], session: Session, db_url: str
) -> None:
    """No wrapped, empty or garbled line (like "- no hunk changed -> ")."""
    run_import(LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz")
    sid = str(series_id(session, 2))
    args = ("apply", sid, "--tree", backported, "--db", db_url)
    run_cli(*args, env={"COLUMNS": "40"})
    done = run_cli(*args, "--base", "HEAD", env={"COLUMNS": "40"})
    assert done.exit_code == 0
    lines = done.stdout.splitlines()
    assert lines[0] == f"tree {backported} at {git(backported, 'rev-parse', 'HEAD')[:12]}"
    assert lines[1].startswith("base ") and "given with --base HEAD" in lines[1]
    patch_lines = [ln for ln in lines if ln[:3].strip().isdigit()]
    assert [int(ln[:3]) for ln in patch_lines] == list(range(1, 11))
    assert all(" already-applied: already in the tree " in ln for ln in patch_lines)
    changes = [ln for ln in lines if ln.startswith("  patch ")]
    assert changes and all(ln.endswith(" -> already-applied") for ln in changes)
    assert lines[-len(changes) - 2] == "in all: 10 already-applied"
    assert all(ln.strip() and not ln.rstrip().endswith("->") for ln in lines)
