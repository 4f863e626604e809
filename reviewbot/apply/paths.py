"""Which paths a patch may touch: plain relative paths inside the tree.  (pure)

A path from a mail is refused when it is absolute, has an empty, `.` or `..`
component, names `.git` (in any case, with the trailing dots and spaces some
filesystems drop), or goes through a symbolic link of the tree. git refuses
these too; checking first lets `apply` say so per hunk, in words, instead of
reporting a conflict. The symbolic links are the index's (apply.scratch): those
of the base and those an earlier patch of the same series created.
"""

from __future__ import annotations

from collections.abc import Mapping

_MOVES = ("rename from ", "rename to ", "copy from ", "copy to ")


def path_refusal(path: str) -> str | None:
    """Why a patch may not touch `path`, or None when it is a plain path in the tree."""
    if not path:
        return "the patch names no path"
    if path.startswith("/"):
        return f"{path} is an absolute path"
    parts = path.split("/")
    if ".." in parts:
        return f"{path} leaves the tree (..)"
    if any(p in ("", ".") for p in parts):
        return f"{path} is not a plain path (empty or . component)"
    if any(p.lower().rstrip(". ") == ".git" for p in parts):
        return f"{path} names .git"
    return None


def symlink_refusal(path: str, modes: Mapping[str, str], made_by: Mapping[str, int]) -> str | None:
    """Why `path` may not be touched because it goes through a symbolic link, or None.

    `modes` maps the index's paths to their modes; `made_by` names the patch of
    this series that created a link.
    """
    parts = path.split("/")
    for end in range(1, len(parts)):
        prefix = "/".join(parts[:end])
        if modes.get(prefix) == "120000":
            how = f" (made by patch {made_by[prefix]} of this series)" if prefix in made_by else ""
            return f"{path} goes through the symbolic link {prefix}{how}"
    return None


def header_paths(diff: str) -> set[str]:
    """Every path a diff's headers name (git's, ---/+++, rename and copy), /dev/null aside.

    A ---/+++ pair counts only as a pair: a removed line "-- x" alone is content.
    """
    lines = diff.split("\n")
    out = set()
    for i, line in enumerate(lines):
        if line.startswith("diff --git a/") and " b/" in line:
            old, _, new = line.removeprefix("diff --git a/").rpartition(" b/")
            out |= {old, new}
        elif line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            out |= {_unprefixed(line[4:], "a/"), _unprefixed(lines[i + 1][4:], "b/")}
        elif line.startswith(_MOVES):
            out.add(line.split(" ", 2)[2])
    out.discard("/dev/null")
    return out


def _unprefixed(path: str, prefix: str) -> str:
    path = path.split("\t", 1)[0]
    return path.removeprefix(prefix) if path != "/dev/null" else path
