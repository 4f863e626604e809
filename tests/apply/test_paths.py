"""Which paths a patch may touch (issue 14: apply is confined).  (pure)"""

from __future__ import annotations

import pytest

from reviewbot.apply.paths import header_paths, path_refusal, symlink_refusal


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("/etc/passwd", "/etc/passwd is an absolute path"),
        ("../outside.txt", "../outside.txt leaves the tree (..)"),
        ("src/../../x", "src/../../x leaves the tree (..)"),
        ("src//x", "src//x is not a plain path (empty or . component)"),
        ("./src/x", "./src/x is not a plain path (empty or . component)"),
        (".git/config", ".git/config names .git"),
        ("src/.GIT/hooks/x", "src/.GIT/hooks/x names .git"),
        (".git. /x", ".git. /x names .git"),
        ("", "the patch names no path"),
    ],
)
def test_refused_paths(path: str, why: str) -> None:
    assert path_refusal(path) == why


@pytest.mark.parametrize("path", ["src/qemu/qemu_block.c", "docs/.gitignore", ".gitlab-ci.yml"])
def test_plain_paths(path: str) -> None:
    assert path_refusal(path) is None


def test_symbolic_links_on_the_way_are_refused_and_named() -> None:
    modes = {"src/link": "120000", "src/made": "120000", "src/qemu/a.c": "100644"}
    assert symlink_refusal("src/qemu/a.c", modes, {}) is None
    assert symlink_refusal("src/link", modes, {}) is None  # the link itself is a blob
    assert symlink_refusal("src/link/passwd", modes, {}) == (
        "src/link/passwd goes through the symbolic link src/link"
    )
    assert symlink_refusal("src/made/x/y", modes, {"src/made": 1}) == (
        "src/made/x/y goes through the symbolic link src/made (made by patch 1 of this series)"
    )


def test_header_paths_are_every_path_git_would_read() -> None:
    diff = (
        "diff --git a/old.c b/new.c\nsimilarity index 90%\nrename from old.c\nrename to new.c\n"
        "--- a/old.c\n+++ b/new.c\n@@ -1 +1 @@\n--- a removed line that looks like a header\n"
        "+x\ndiff --git a//etc/x b//etc/x\n--- a//etc/x\n+++ b//etc/x\n"
        "diff --git a/n.c b/n.c\nnew file mode 100644\n--- /dev/null\n+++ b/n.c\n"
    )
    assert header_paths(diff) == {"old.c", "new.c", "/etc/x", "n.c"}
