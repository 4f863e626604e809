"""Path globs: the matcher SQLite calls and the regex PostgreSQL reads mean the same,
a hostile glob costs nothing, and the lists filter by globs alike on both backends."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot.globs import glob_matches, glob_regex, is_glob
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.filters import Filters, Page
from reviewbot.read.patches import list_patches
from reviewbot.read.series import list_series
from tests.conftest import diff_body, mail, write_mbox

CASES = [
    ("src/qemu/**", "src/qemu/qemu_process.c", True),
    ("src/qemu/**", "src/qemu/sub/dir/x.c", True),
    ("src/qemu/**", "src/qemu", False),
    ("src/qemu/**", "src/qemuother/x.c", False),
    ("src/*.c", "src/virfile.c", True),
    ("src/*.c", "src/util/virfile.c", False),
    ("src/*/virfile.c", "src/util/virfile.c", True),
    ("src/*/virfile.c", "src/a/b/virfile.c", False),
    ("*_process.c", "qemu_process.c", True),
    ("*_process.c", "src/qemu/qemu_process.c", False),
    ("**/*_process.c", "src/qemu/qemu_process.c", True),
    ("**/*_process.c", "qemu_process.c", True),
    ("src/**/qemu_*.c", "src/qemu_x.c", True),
    ("src/**/qemu_*.c", "src/a/b/qemu_x.c", True),
    ("src/**/qemu_*.c", "src/a/b/qemu_x.h", False),
    ("src/qemu/qemu_?lock.c", "src/qemu/qemu_block.c", True),
    ("src/qemu/qemu_?lock.c", "src/qemu/qemu_/lock.c", False),
    ("**", "anything/at/all.c", True),
    ("src/qemu**", "src/qemu_domain.c", True),  # ** inside a component is a plain *
    ("src/qemu**", "src/qemu/x.c", False),
    # regex syntax in a glob is just characters
    ("src/a+b(c)[d].c", "src/a+b(c)[d].c", True),
    ("src/a+b(c)[d].c", "src/aab(c)d.c", False),
    ("src/x.c", "src/xyc", False),
    ("src/^$|\\.c", "src/^$|\\.c", True),
    ("docs/*.rst", "docs/Ünïcode.rst", True),
]


@pytest.mark.parametrize(("glob", "path", "expected"), CASES)
def test_the_matcher_and_the_regex_agree(glob: str, path: str, expected: bool) -> None:
    assert glob_matches(glob, path) is expected
    # PostgreSQL's regex dialect reads this subset as Python's re does
    assert (re.search(glob_regex(glob), path) is not None) is expected


def test_a_hostile_glob_costs_nothing() -> None:
    # as a backtracking regex this takes minutes; the matcher takes microseconds
    start = time.perf_counter()
    assert not glob_matches("*a*a*a*a*a*a*a*b", "a" * 4000)
    assert not glob_matches("**/**/**/**/**/x", "/".join(["a"] * 2000))
    assert time.perf_counter() - start < 0.5


def test_helpers() -> None:
    assert is_glob("src/*.c") and is_glob("a?c") and not is_glob("src/qemu/")
    assert not glob_matches(None, "x") and not glob_matches("x", None)


def _patch(n: int, path: str) -> str:
    return mail(f"g{n}@example.org", f"[PATCH] change {n}", diff_body(path=path))


PATHS = ["src/qemu/qemu_process.c", "src/qemu/sub/x.c", "src/util/virfile.c", "docs/a.rst"]


@pytest.mark.parametrize(
    ("glob", "expected"),
    [
        ("src/qemu/**", {0, 1}),
        ("src/*/*.c", {0, 2}),
        ("**/*.c", {0, 1, 2}),
        ("*.rst", set()),
        ("docs/*.rst", {3}),
        ("src/qemu/", {0, 1}),  # a directory, as before: a prefix
        ("src/util/virfile.c", {2}),  # a file, exactly
        ("src/%/x.c", set()),  # LIKE's wildcards are characters here too
    ],
)
def test_lists_filter_by_glob_on_both_backends(
    engine: Engine, tmp_path: Path, glob: str, expected: set[int]
) -> None:
    box = write_mbox(tmp_path / "g.mbox", [_patch(n, p) for n, p in enumerate(PATHS)])
    import_paths(engine, [box])
    with Session(engine) as s:
        series = list_series(s, Filters(file=glob), Page()).items
        patches = list_patches(s, Filters(file=glob), Page()).items
    assert {int(x.title.split()[-1]) for x in series} == expected
    assert {int(x.title.split()[-1]) for x in patches} == expected
