"""Path globs, as watched paths and the `path`/`file` filters take them (pure).

`src/qemu/**` is every file under src/qemu, `src/*.c` a C file directly in src,
`*_process.c` such a file at the top, `src/**/qemu_*.c` one at any depth under
src. A `**` is special only as a whole path component: leading or in the middle
it stands for any number of directories (none included), at the end for
everything below. `*` is anything within one component, `?` one character of
it; `**` inside a component is a plain `*`.

Two implementations of one meaning, for the two backends: `glob_regex` for
PostgreSQL's `~` (its regex engine does not backtrack exponentially) and
`glob_matches`, which SQLite calls as a function (db.py registers it): Python's
`re` would backtrack exponentially on `*a*a*a*b` over a long path, so it matches
component by component instead. tests/read/test_globs.py checks they agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

WILDCARDS = re.compile(r"[*?]")


def is_glob(path: str) -> bool:
    """True when a path filter holds a wildcard."""
    return WILDCARDS.search(path) is not None


def glob_prefix(glob: str) -> str:
    """The literal start of a glob (before any wildcard): what SQL can narrow by."""
    return WILDCARDS.split(glob, maxsplit=1)[0]


def glob_regex(glob: str) -> str:
    """The glob as a POSIX regular expression (PostgreSQL's `~`).

    Every ASCII punctuation character of the glob is escaped with a backslash,
    which PostgreSQL reads as the character itself: a glob is never regex syntax.
    """
    parts = glob.split("/")
    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]*/)*")
        else:
            out.append(_component_regex(part) + ("" if last else "/"))
    return "^" + "".join(out) + "$"


def _component_regex(part: str) -> str:
    out = []
    for c in part:
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c.isascii() and not c.isalnum():
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


# SQLite calls it for every row a list scans: a list has few distinct paths (9 in
# the 30,000 file rows of the benchmark corpus), so most calls are a cache hit
@lru_cache(maxsize=65536)
def glob_matches(glob: str | None, path: str | None) -> bool:
    """Whether a file path is one the glob names (SQLite's `reviewbot_glob`)."""
    if glob is None or path is None:
        return False
    parts, comps = glob.split("/"), path.split("/")
    # the path components each glob part can have reached: at most a few hundred pairs
    reached = {0}
    for i, part in enumerate(parts):
        if not reached:
            return False
        if part == "**":
            least = min(reached) + (1 if i == len(parts) - 1 else 0)
            reached = set(range(least, len(comps) + 1))
        else:
            reached = {j + 1 for j in reached if j < len(comps) and _component(part, comps[j])}
    return len(comps) in reached


def _component(pattern: str, text: str) -> bool:
    """`*` and `?` within one component: the greedy matcher, O(len * len) at worst."""
    p = t = 0
    star, mark = -1, 0
    while t < len(text):
        if p < len(pattern) and (pattern[p] == "?" or pattern[p] == text[t]):
            p, t = p + 1, t + 1
        elif p < len(pattern) and pattern[p] == "*":
            star, mark, p = p, t, p + 1
        elif star >= 0:
            p, mark = star + 1, mark + 1
            t = mark
        else:
            return False
    return all(c == "*" for c in pattern[p:])
