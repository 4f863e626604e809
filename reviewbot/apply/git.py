"""run_git(): the one place reviewbot starts a subprocess.

No shell, ever: arguments go to git as a list, message text only through
stdin or files reviewbot wrote itself, every call has a timeout, and the
environment pins identity and locale so output can be parsed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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
    return _checked(repo, args, GitResult(proc.returncode, stdout, stderr), check)


def _checked(repo: Path, args: Sequence[str], result: GitResult, check: bool) -> GitResult:
    if check and not result.ok:
        first = (result.stderr.strip() or result.stdout.strip()).split("\n")[0]
        raise GitError(f"git {' '.join(args[:2])} failed in {repo}: {first}")
    return result


def pipe_git(
    repo: Path,
    producer: Sequence[str],
    consumer: Sequence[str],
    *,
    input: str,
    timeout: float = DEFAULT_TIMEOUT,
) -> GitResult:
    """`git producer... | git consumer...` in `repo`, no shell: what the consumer printed.

    For output too large to hold (`diff-tree -p` of a whole history into
    `patch-id`): it streams from one process to the other. `input` feeds the
    producer. Both are killed when `timeout` expires; either failing raises GitError.
    """
    env = {**os.environ, **_ENV}
    base = [git_binary(), "-C", str(repo)]
    first = subprocess.Popen(
        [*base, *producer],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert first.stdin is not None and first.stdout is not None
    second = subprocess.Popen(
        [*base, *consumer],
        stdin=first.stdout,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        env=env,
    )
    first.stdout.close()  # the consumer holds the read end: the producer sees EPIPE if it dies
    expired = threading.Event()

    def kill() -> None:
        expired.set()
        first.kill()
        second.kill()

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        feeder = threading.Thread(target=_feed, args=(first.stdin, input.encode()), daemon=True)
        feeder.start()
        stdout, stderr = second.communicate()
        first.wait()
        feeder.join()
    finally:
        timer.cancel()
    if expired.is_set():
        raise GitError(f"git {producer[0]} | git {consumer[0]} timed out after {timeout:g} s")
    if first.returncode != 0:
        raise GitError(f"git {' '.join(producer[:2])} failed in {repo} (exit {first.returncode})")
    return _checked(repo, consumer, GitResult(second.returncode, stdout, stderr), True)


def _feed(pipe: IO[bytes], data: bytes) -> None:
    """Write the producer's input from a thread, so its output is read meanwhile."""
    try:
        pipe.write(data)
    except BrokenPipeError:
        pass  # it stopped reading: its exit status says why
    finally:
        with contextlib.suppress(BrokenPipeError):
            pipe.close()


def work_tree_root(path: Path) -> Path:
    """The top of the git work tree at `path`; NotAGitTree otherwise."""
    if not path.is_dir():
        raise NotAGitTree(f"{path}: no such directory")
    result = run_git(path, "rev-parse", "--show-toplevel", check=False)
    if not result.ok or not result.stdout.strip():
        raise NotAGitTree(f"{path}: not a git work tree")
    return Path(result.stdout.strip())
