"""Worker processes: the one pool an import, a scrape or a link run shares.

The pure steps (parsing mail, reviewing a series' thread) are independent per
item, so they can run on every core while one process writes. Workers runs a
function over items in a pool and gives the results back in the order the
items went in, at most `2 * jobs` in flight, so memory stays flat and the
writer stores exactly what a single process would. `jobs=1` runs everything in
this process, with no pool. A worker that dies is a WorkerDied, never a hang.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from reviewbot.allocator import return_big_blocks
from reviewbot.errors import WorkerDied

T = TypeVar("T")
R = TypeVar("R")

# what the workers do, imported once by the fork server so each worker starts ready
PRELOAD = ["reviewbot.pipeline.parsing", "reviewbot.review.concerns"]
_WATCH_SECONDS = 0.5  # how often a worker checks that its parent still runs


def default_jobs() -> int:
    """The default --jobs: one process per CPU."""
    return os.cpu_count() or 1


class Workers:
    """A pool of `jobs` processes, started on first use, ended with the object
    (use it in a `with`); `jobs=1` never starts one."""

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def started(self) -> bool:
        """Whether the pool's processes were started."""
        return self._pool is not None

    def close(self) -> None:
        """Stop the workers (pending work is cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def warm(self) -> None:
        """Start the processes now, so they get ready while this one works (jobs > 1)."""
        if self.jobs > 1 and self._pool is None:
            pool = self._start()
            # a pool starts a process per task submitted until it has `jobs`
            for _ in range(self.jobs):
                pool.submit(int)

    def map(
        self,
        fn: Callable[[T], R],
        items: Iterator[T],
        *,
        weigh: Callable[[T], int] | None = None,
        most: int = 0,
    ) -> Iterator[R]:
        """fn(item) for each item, in order, in the pool (here when jobs is 1).

        `fn` is pickled: a module-level function or a partial of one. An error
        raised by `items` comes after the results of the items before it. At most
        `2 * jobs` items are in flight, and with `weigh`, items weighing at most
        `most` together (bytes, say; one goes whatever it weighs).
        """
        if self.jobs == 1:
            yield from map(fn, items)
            return
        pool = self._start()
        pending: deque[tuple[Future[R], int]] = deque()
        weight = 0
        failure: Exception | None = None
        try:
            while True:
                try:
                    item = next(items)
                except StopIteration:
                    break
                except Exception as exc:  # noqa: BLE001  (raised again below, in its turn)
                    failure = exc
                    break
                cost = weigh(item) if weigh else 0
                # bounded: reading waits for the writer, so memory stays flat
                while pending and (len(pending) >= 2 * self.jobs or weight + cost > most > 0):
                    future, done = pending.popleft()
                    weight -= done
                    yield _result(future)
                pending.append((pool.submit(fn, item), cost))
                weight += cost
            while pending:
                yield _result(pending.popleft()[0])
        finally:
            for future, _cost in pending:  # the consumer stopped early (an error, Ctrl-C)
                future.cancel()
        if failure is not None:
            raise failure

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver, not fork: the parent may hold database connections and a
            # progress bar's thread, which a forked child must not inherit
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            self._pool = ProcessPoolExecutor(
                self.jobs,
                mp_context=context,
                initializer=_serve_the_parent,
                initargs=(os.getpid(), gc.get_threshold()),
            )
        return self._pool


def chunked(items: Sequence[T], size: int) -> Iterator[list[T]]:
    """Consecutive slices of `size` items (a worker's share of a list)."""
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


def _serve_the_parent(parent: int, gc_thresholds: tuple[int, int, int]) -> None:
    """A worker's set-up: interrupts are the parent's, its garbage collector runs as
    the parent's (cli.main tunes it), big blocks go back to the system when freed
    (allocator.py), and the worker ends with the parent."""
    gc.set_threshold(*gc_thresholds)
    return_big_blocks()
    # Ctrl-C reaches the whole process group: the parent stops, keeps what it
    # stored and shuts the pool down; a worker dying of it would be a second error
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # a worker is the fork server's child and holds both ends of its task pipe:
    # were the parent killed (SIGKILL, the OOM killer), it would wait for work
    # forever and keep the fork server alive too
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()


def _end_with(parent: int) -> None:
    while _alive(parent):
        time.sleep(_WATCH_SECONDS)
    os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # the number now belongs to another user's process
    try:  # killed but not yet reaped by its own parent: a zombie (Linux)
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _result(future: Future[R]) -> R:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise WorkerDied(
            f"a worker process died ({exc}); everything stored before it is kept, "
            "run the command again (or with --jobs 1) to finish"
        ) from exc
