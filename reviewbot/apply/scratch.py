"""A throw-away index of a commit: where patches are applied, through git objects only.

`git apply --cached` applies a patch to an index, reading and writing blobs,
never files. The index lives in a temporary directory, and so do the objects
the patches create (an object directory whose alternate is the repository's
own), so the user's repository and checkout are never written, and no path
taken from a mail is ever opened: whatever a patch names, git looks it up in
the index. Removed afterwards, also on errors and Ctrl-C; a `kill -9` leaves
only a temporary directory, nothing in the repository.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reviewbot.apply.git import GitResult, run_git

SYMLINK = "120000"


@dataclass(frozen=True)
class Scratch:
    """A temporary index of `root` at some commit, and a directory for patch files."""

    root: Path
    directory: Path
    env: dict[str, str]

    @property
    def index(self) -> Path:
        """The index file."""
        return self.directory / "index"

    def git(self, *args: str, check: bool = False) -> GitResult:
        """Run git on the repository with this index and object directory."""
        return run_git(self.root, *args, env=self.env, check=check)

    def write(self, name: str, text: str) -> Path:
        """A file of ours (a patch to apply) in the temporary directory."""
        path = self.directory / name
        path.write_text(text, encoding="utf-8")
        return path

    def save(self) -> Path:
        """A copy of the index, to put back after a failed 3-way merge."""
        copy = self.directory / "index.saved"
        shutil.copyfile(self.index, copy)
        return copy

    def restore(self, copy: Path) -> None:
        """Put back an index saved earlier."""
        shutil.copyfile(copy, self.index)

    def entries(self, *paths: str) -> dict[str, str]:
        """path -> mode of the index entries (all of them when no path is given)."""
        found = self.git("ls-files", "--stage", "-z", "--", *(f":(literal){p}" for p in paths))
        out = {}
        for record in found.stdout.split("\0"):
            meta, _, path = record.partition("\t")
            if path:
                out[path] = meta.split(" ", 1)[0]
        return out

    def blob_text(self, path: str) -> str | None:
        """The text of a file of the index (stage 0), or None when it has none."""
        shown = self.git("cat-file", "blob", f":0:{path}")
        return shown.stdout if shown.ok else None


@contextmanager
def scratch_index(root: Path, commit: str) -> Iterator[Scratch]:
    """A throw-away index of `root` at `commit`, always removed."""
    objects = run_git(root, "rev-parse", "--path-format=absolute", "--git-path", "objects")
    with tempfile.TemporaryDirectory(prefix="reviewbot-apply-") as tmp:
        directory = Path(tmp)
        (directory / "objects").mkdir()
        env = {
            "GIT_INDEX_FILE": str(directory / "index"),
            "GIT_OBJECT_DIRECTORY": str(directory / "objects"),
            "GIT_ALTERNATE_OBJECT_DIRECTORIES": objects.stdout.strip(),
        }
        scratch = Scratch(root, directory, env)
        scratch.git("read-tree", commit, check=True)
        yield scratch
