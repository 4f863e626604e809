"""Paths a person watches: globs over the files a series touches, and the addresses a
person is known by.  (pure)

`src/qemu/**` is every file under src/qemu, `src/*.c` a C file directly in src,
`*_process.c` such a file at the top; a glob without a wildcard ending in `/` is
that directory, and one without a wildcard otherwise that file.  What a glob means
is reviewbot.globs', shared with the lists' `path` filters.
"""

from __future__ import annotations

import re

from reviewbot.errors import InputError
from reviewbot.globs import glob_matches

MAX_GLOB = 300
MAX_ADDRESS = 254
_ADDRESS = re.compile(r"^[^\s@<>()\[\],;:\"]+@[^\s@<>()\[\],;:\"]+\.[^\s@<>()\[\],;:\"]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_glob(text: str) -> str:
    """A watched path as stored: stripped, relative ("./" and "/" dropped); InputError
    for an empty or unreadable one."""
    glob = text.strip().removeprefix("./").lstrip("/")
    if glob.endswith("/"):
        glob += "**"
    if not glob or len(glob) > MAX_GLOB or _CONTROL.search(glob) or " " in glob:
        raise InputError(f"{text!r} is not a path glob such as src/qemu/** (no blanks)")
    return glob


def clean_address(text: str) -> str:
    """An e-mail address as stored (lower case); InputError for anything else."""
    address = text.strip().removeprefix("<").removesuffix(">").lower()
    if len(address) > MAX_ADDRESS or not _ADDRESS.match(address):
        raise InputError(f"{text!r} is not an e-mail address")
    return address


def matches(glob: str, path: str) -> bool:
    """Whether a file path is one the glob watches (the `path` filters' matcher)."""
    return glob_matches(glob, path)


def matching_globs(globs: tuple[str, ...], paths: set[str]) -> tuple[str, ...]:
    """The globs that match at least one of these paths, in their order."""
    return tuple(g for g in globs if any(matches(g, p) for p in paths))
