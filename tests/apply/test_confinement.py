"""`apply` is confined to the tree (issue 14, item 1): a path from a mail that is absolute,
leaves the tree, names .git or goes through a symbolic link is refused per hunk, and
nothing outside the tree is read (nor written): the tree is read through git objects."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlmodel import Session

from reviewbot.cli import jsonout
from reviewbot.pipeline import apply as apply_step
from reviewbot.pipeline.importer import ImportReport
from tests import reads as queries
from tests.conftest import git, mail, release_tree, run_cli, snapshot, write_mbox

pytestmark = pytest.mark.sqlite_only(
    "confinement is the worktree's and git's; apply runs are stored and read on both "
    "backends in tests/api/test_tree.py and tests/web/test_tree.py"
)

SECRET = "SECRET line of a file outside the tree"


def edit(path: str, header: str = "@@ -1,3 +1,4 @@") -> str:
    """A one-hunk diff of `path` whose context is not what any file there holds."""
    return (
        f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
        f"{header}\n not what is there\n+added\n nor this\n nor that\n"
    )


LINK = (  # a new symbolic link src/made -> ../.. (the directory holding the tree)
    "diff --git a/src/made b/src/made\nnew file mode 120000\nindex 0000000..5bc3b2f\n"
    "--- /dev/null\n+++ b/src/made\n@@ -0,0 +1 @@\n+../..\n\\ No newline at end of file\n"
)
GOOD = (
    "diff --git a/src/qemu/qemu_block.c b/src/qemu/qemu_block.c\n"
    "--- a/src/qemu/qemu_block.c\n+++ b/src/qemu/qemu_block.c\n"
    "@@ -1,3 +1,4 @@\n /*\n+ * an added line\n"
    "  * qemu_block.c: helper functions for QEMU block subsystem\n  *\n"
)


@pytest.fixture
def linked(tmp_path: Path) -> Iterator[Path]:
    """The 9.0.0 files plus a committed symbolic link src/up -> ../.. ; a secret beside it."""
    repo = release_tree(tmp_path / "linked")
    (repo / "src" / "up").symlink_to("../..")
    git(repo, "add", "src/up")
    git(repo, "commit", "-q", "-m", "a link out of the tree")
    (tmp_path / "linked" / "outside.txt").write_text(f"{SECRET}\n" * 3)
    before = snapshot(repo)
    yield repo
    assert snapshot(repo) == before


def series(tmp_path: Path, run_import: Callable[..., ImportReport], diffs: list[str]) -> None:
    msgs = [
        mail(
            f"p{n}@x",
            f"[PATCH {n}/{len(diffs)}] change {n}",
            f"Change {n}.\n---\n{d}",
            date=f"Tue, 18 Jul 2023 09:0{n}:00 +0000",
            reply_to="p1@x" if n > 1 else None,
        )
        for n, d in enumerate(diffs, 1)
    ]
    run_import(write_mbox(tmp_path / "hostile.mbox", msgs))


def apply_all(engine: Engine, session: Session, tree: Path) -> dict[str, Any]:
    (only,) = queries.list_series(session)
    return jsonout.apply_report(apply_step.apply_series(engine, only["id"], tree))


def stored_texts(engine: Engine) -> str:
    with engine.connect() as conn:
        rows = conn.execute(
            text("select detail from patchapply union all select detail from hunkapply")
        )
        return "\n".join(r[0] for r in rows)


def test_paths_leaving_the_tree_absolute_or_in_git_are_refused_per_hunk(
    tmp_path: Path,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
    db_url: str,
) -> None:
    outside = tmp_path / "outside.txt"  # what ../outside.txt names from the tree
    outside.write_text(f"{SECRET}\n" * 3)
    series(
        tmp_path,
        run_import,
        [edit("../outside.txt"), edit(str(outside)), edit(".git/config"), GOOD],
    )
    result = apply_all(engine, session, tree)
    statuses = [(p["status"], [h["status"] for h in p["hunks"]]) for p in result["patches"]]
    assert statuses == [
        ("refused", ["refused"]),
        ("refused", ["refused"]),
        ("refused", ["refused"]),
        ("applied", ["applied"]),
    ]
    details = [p["hunks"][0]["detail"] for p in result["patches"][:3]]
    assert details == [
        "refused: ../outside.txt leaves the tree (..)",
        f"refused: {outside} is an absolute path",
        "refused: .git/config names .git",
    ]
    assert SECRET not in json.dumps(result) and SECRET not in stored_texts(engine)
    assert outside.read_text() == f"{SECRET}\n" * 3
    # refused patches make the run a failure, like a conflict
    done = run_cli("apply", result["series"], "--tree", tree, "--db", db_url, "--json")
    assert done.exit_code == 6


def test_a_symbolic_link_of_the_tree_is_not_followed(
    tmp_path: Path,
    linked: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    series(tmp_path, run_import, [edit("src/up/outside.txt")])
    (patch,) = apply_all(engine, session, linked)["patches"]
    assert patch["status"] == "refused"
    assert patch["hunks"][0]["detail"] == (
        "refused: src/up/outside.txt goes through the symbolic link src/up"
    )
    assert SECRET not in stored_texts(engine)


def test_a_symbolic_link_an_earlier_patch_made_is_not_followed(
    tmp_path: Path,
    tree: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    (tmp_path / "outside.txt").write_text(f"{SECRET}\n" * 3)  # what src/made/outside.txt names
    series(tmp_path, run_import, [LINK, edit("src/made/outside.txt"), GOOD])
    made, through, good = apply_all(engine, session, tree)["patches"]
    assert made["status"] == "applied" and good["status"] == "applied"
    assert through["status"] == "refused"
    assert through["hunks"][0]["detail"] == (
        "refused: src/made/outside.txt goes through the symbolic link src/made "
        "(made by patch 1 of this series)"
    )
    assert SECRET not in stored_texts(engine)
    assert not (tree / "src" / "made").exists()  # nothing written into the checkout


def test_a_conflict_shows_the_tree_from_git_objects_not_the_checkout(
    tmp_path: Path,
    run_import: Callable[..., ImportReport],
    engine: Engine,
    session: Session,
) -> None:
    """What the report says the tree has is the base commit's blob: the user's uncommitted
    edits (or a file swapped for a link) in their checkout are never read."""
    repo = release_tree(tmp_path)
    target = repo / "src" / "qemu" / "qemu_block.c"
    target.unlink()
    target.symlink_to(tmp_path / "outside.txt")  # in the checkout only, not committed
    (tmp_path / "outside.txt").write_text(f"{SECRET}\n" * 3)
    series(tmp_path, run_import, [edit("src/qemu/qemu_block.c")])
    (patch,) = apply_all(engine, session, repo)["patches"]
    assert patch["status"] == "conflict"
    has = patch["hunks"][0]["detail"].split("--- the tree has:\n")[1]
    assert has.startswith("/*\n * qemu_block.c: helper functions for QEMU block subsystem")
    assert SECRET not in stored_texts(engine)
