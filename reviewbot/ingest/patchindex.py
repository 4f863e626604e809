"""The patch-id index of a git tree's history, kept on disk: a cache, like http-cache.

`reviewbot upstream` and `apply` ask "which commit carries this patch?" by
`git patch-id --stable`. Computing the patch-ids of two years of libvirt's
history takes minutes; a commit's patch-id, author, dates and subject never
change, so they are computed once and kept here, keyed by commit id. A later
run over the same history reads only the commits it has not seen. Commit ids
name their content, so one index serves every clone of a tree.

Layout: `DIR/index-v1.tsv`, one line per commit, tab-separated: commit,
patch-id ("" for a commit without a diff of its own: a merge, an empty
commit), author date and committer date (ISO 8601 as git prints them),
author e-mail, author name, subject, and an empty last field: a line cut short
anywhere lacks its final tab. Lines are only ever appended; a line that does not
parse (a run killed while writing) is skipped on reading, and its commit is
simply computed again.

This module only reads and writes the file: git (apply.history) fills it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = "index-v1.tsv"
_FIELDS = 8  # the seven values and the empty field that ends a whole line
_ID_LENGTHS = (40, 64)  # SHA-1, SHA-256
_SPACE = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


@dataclass(frozen=True)
class IndexedCommit:
    """What the index knows of one commit."""

    commit: str
    patch_id: str  # "" when the commit has no diff of its own
    author_date: str
    commit_date: str
    author_email: str
    author_name: str
    subject: str

    def line(self) -> str:
        """The commit as one line of the file."""
        fields = (
            self.commit,
            self.patch_id,
            self.author_date,
            self.commit_date,
            self.author_email.translate(_SPACE),
            self.author_name.translate(_SPACE),
            self.subject.translate(_SPACE),
        )
        return "\t".join(fields) + "\t\n"


def parse_line(line: str) -> IndexedCommit | None:
    """One line of the file, or None when it is damaged.

    The file is ours, so lengths are checked, not every character: a line cut
    short lacks its final empty field, and a run killed mid-write leaves nothing else.
    """
    fields = line.rstrip("\n").split("\t")
    if len(fields) != _FIELDS or fields[-1] or len(fields[0]) not in _ID_LENGTHS:
        return None
    if len(fields[1]) not in (0, *_ID_LENGTHS):
        return None
    return IndexedCommit(*fields[:-1])


class PatchIndex:
    """The index of one directory, loaded; `add` appends to the file.

    `directory` None keeps the index in memory only (nothing is written).
    """

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / FILE_NAME if directory is not None else None
        self._by_commit: dict[str, IndexedCommit] = {}
        if self.path is not None and self.path.is_file():
            for entry in _read(self.path):
                self._by_commit[entry.commit] = entry

    def __len__(self) -> int:
        return len(self._by_commit)

    def __contains__(self, commit: object) -> bool:
        return commit in self._by_commit

    def get(self, commit: str) -> IndexedCommit | None:
        """The entry of a commit, if it was indexed."""
        return self._by_commit.get(commit)

    def missing(self, commits: Iterable[str]) -> list[str]:
        """The commits (in the order given) the index does not hold yet."""
        return [c for c in commits if c not in self._by_commit]

    def add(self, entries: Sequence[IndexedCommit]) -> None:
        """Remember these commits, and append them to the file."""
        for entry in entries:
            self._by_commit[entry.commit] = entry
        if self.path is None or not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = "".join(e.line() for e in entries).encode("utf-8", "surrogateescape")
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if _ends_torn(fd):
                data = b"\n" + data  # a killed run left half a line: start a new one
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)


def _ends_torn(fd: int) -> bool:
    """The file does not end with a newline (a write was cut short)."""
    size = os.fstat(fd).st_size
    return size > 0 and os.pread(fd, 1, size - 1) != b"\n"


def _read(path: Path) -> Iterator[IndexedCommit]:
    with path.open("r", encoding="utf-8", errors="surrogateescape", newline="\n") as f:
        for line in f:
            if line.endswith("\n") and (entry := parse_line(line)) is not None:
                yield entry
