"""Paths a person watches: globs over the files a series touches, and the addresses a
person is known by.  (pure)

`src/qemu/**` is every file under src/qemu, `src/*.c` a C file directly in src,
`*_process.c` such a file at the top; a glob without a wildcard ending in `/` is
that directory, and one without a wildcard otherwise that file.
"""

from __future__ import annotations

import re
from functools import lru_cache

from reviewbot.errors import InputError

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


@lru_cache(maxsize=256)
def glob_regex(glob: str) -> re.Pattern[str]:
    """The compiled regular expression a glob stands for."""
    out = []
    i = 0
    while i < len(glob):
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif glob[i] == "*":
            out.append("[^/]*")
            i += 1
        elif glob[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(glob[i]))
            i += 1
    return re.compile("".join(out) + r"\Z")


def glob_prefix(glob: str) -> str:
    """The literal start of a glob (before any wildcard): what SQL can narrow by."""
    return re.split(r"[*?]", glob, maxsplit=1)[0]


def matches(glob: str, path: str) -> bool:
    """Whether a file path is one the glob watches."""
    return glob_regex(glob).match(path) is not None


def matching_globs(globs: tuple[str, ...], paths: set[str]) -> tuple[str, ...]:
    """The globs that match at least one of these paths, in their order."""
    return tuple(g for g in globs if any(matches(g, p) for p in paths))
