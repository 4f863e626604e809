"""run_git(): the one place reviewbot starts a subprocess.

No shell, ever: arguments go to git as a list, message text only through
stdin or files reviewbot wrote itself, every call has a timeout, and the
environment pins identity and locale so output can be parsed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

from reviewbot.errors import GitError, NotAGitTree

DEFAULT_TIMEOUT = 120.0
_ENV = {
    "LC_ALL": "C",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_AUTHOR_NAME": "reviewbot",
    "GIT_AUTHOR_EMAIL": "reviewbot@localhost",
    "GIT_COMMITTER_NAME": "reviewbot",
    "GIT_COMMITTER_EMAIL": "reviewbot@localhost",
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass(frozen=True)
class GitResult:
    """What one git command did."""

    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """True when git exited 0."""
        return self.returncode == 0


def git_binary() -> str:
    """The git executable; GitError when it is not installed."""
    found = shutil.which("git")
    if not found:
        raise GitError("git is not installed (no `git` on PATH)")
    return found


def run_git(
    repo: Path,
    *args: str,
    input: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    check: bool = True,
    env: dict[str, str] | None = None,
) -> GitResult:
    """Run `git -C repo args...`; raise GitError on failure when `check`."""
    cmd = [git_binary(), "-C", str(repo), *args]
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env={**os.environ, **_ENV, **(env or {})},
    )
    # a timer kills a hung git; communicate() with a timeout would instead poll
    # the child with sleeps, adding ~1 ms to every one of the many short calls
    expired = threading.Event()

    def kill() -> None:
        expired.set()
        proc.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        stdout, stderr = proc.communicate(input)
    finally:
        timer.cancel()
    if expired.is_set():
        raise GitError(f"git {' '.join(args[:2])} timed out after {timeout:g} s in {repo}")
    done = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    result = GitResult(done.returncode, done.stdout, done.stderr)
    if check and not result.ok:
        first = (result.stderr.strip() or result.stdout.strip()).split("\n")[0]
        raise GitError(f"git {' '.join(args[:2])} failed in {repo}: {first}")
    return result


def work_tree_root(path: Path) -> Path:
    """The top of the git work tree at `path`; NotAGitTree otherwise."""
    if not path.is_dir():
        raise NotAGitTree(f"{path}: no such directory")
    result = run_git(path, "rev-parse", "--show-toplevel", check=False)
    if not result.ok or not result.stdout.strip():
        raise NotAGitTree(f"{path}: not a git work tree")
    return Path(result.stdout.strip())
