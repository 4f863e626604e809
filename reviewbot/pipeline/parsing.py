"""Parsing on every core: batches of raw mail -> Parsed records, in worker processes.

Parsing a message (headers, body, subject), classifying it and taking its diff
apart is pure and independent per message, and is most of an import's CPU. A
Parser runs it in `jobs` worker processes, fed whole batches, and gives the
results back in the order the batches went in, so the one writer (the
Importer) stores exactly what a single process would. `jobs=1` parses in this
process, with no pool.

At most `2 * jobs` batches are in flight, so memory stays flat however large
the archive. A message that cannot be parsed comes back as a Parsed with the
reason (never dropped); a worker that dies is a ParseWorkerError, not a hang.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from types import TracebackType

from reviewbot.errors import InputError, ParseWorkerError
from reviewbot.ingest.mbox import RawMail
from reviewbot.mail.diff import PatchBody, has_diff, split_patch
from reviewbot.mail.subject import parse_subject
from reviewbot.pipeline.incoming import Incoming, incoming_from_raw
from reviewbot.series.classify import Kind, classify

Reader = Callable[[RawMail], Incoming]


@dataclass(frozen=True)
class Prepared:
    """What placing a message needs that takes CPU, not the database: its kind, its diff."""

    kind: Kind
    body: PatchBody | None


@dataclass(frozen=True)
class Parsed:
    """One mail parsed, classified and (a cover or patch) taken apart; picklable."""

    incoming: Incoming
    prepared: Prepared


def prepare(p: Incoming) -> Prepared:
    """Classify a parsed mail and split a cover's or patch's body (its diff parsed once)."""
    kind = _classify(p)
    placed = p.message is not None and kind in (Kind.COVER, Kind.PATCH)
    return Prepared(kind, split_patch(p.message.body) if placed and p.message else None)


def _classify(p: Incoming) -> Kind:
    if p.message is None:
        return Kind.OTHER
    subject = parse_subject(p.message.subject)
    return classify(subject, p.message.body, has_diff(p.message.body), p.message.parent is not None)


def parse_mail(mail: RawMail, read: Reader = incoming_from_raw) -> Parsed:
    """Parse one raw mail (`read`: how, e.g. with an archive's fix-ups); whatever goes
    wrong is kept as the mail's parse error."""
    try:
        incoming = read(mail)
        return Parsed(incoming, prepare(incoming))
    except Exception as exc:  # noqa: BLE001  (a mail must never be lost to a parser bug)
        reason = f"cannot parse: {type(exc).__name__}: {exc}"
        failed = Incoming(mail.raw, mail.source, mail.position, None, reason, mail.truncated)
        return Parsed(failed, Prepared(Kind.OTHER, None))


def parse_batch(mails: list[RawMail], read: Reader = incoming_from_raw) -> list[Parsed]:
    """Parse a batch, in order (what each worker runs)."""
    return [parse_mail(m, read) for m in mails]


def default_jobs() -> int:
    """The default --jobs: one worker per CPU."""
    return os.cpu_count() or 1


class Parser:
    """Parses batches of raw mail in order, in `jobs` worker processes (1: in this one).

    The pool starts on first use and ends with the Parser (use it in a `with`).
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Parser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Stop the workers (pending work is cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def parse(
        self, batches: Iterable[list[RawMail]], read: Reader = incoming_from_raw
    ) -> Iterator[list[Parsed]]:
        """Each batch parsed, in order; an InputError of the reader comes after the
        batches read before it, as it would without the pool. `read` turns a raw mail
        into an Incoming (a module-level function or a partial of one: it is pickled)."""
        if self.jobs == 1:
            return (parse_batch(b, read) for b in batches)
        return self._pooled(iter(batches), read)

    def _pooled(self, batches: Iterator[list[RawMail]], read: Reader) -> Iterator[list[Parsed]]:
        first = next(batches, None)
        if first is None:
            return
        try:
            second = next(batches, None)
        except InputError:
            yield parse_batch(first, read)
            raise
        if second is None:  # one batch (a thread, a small month): workers would cost more
            yield parse_batch(first, read)
            return
        yield from self._in_pool(itertools.chain([first, second], batches), read)

    def _in_pool(self, batches: Iterator[list[RawMail]], read: Reader) -> Iterator[list[Parsed]]:
        pool = self._start()
        pending: deque[Future[list[Parsed]]] = deque()
        failure: InputError | None = None
        try:
            while True:
                try:
                    batch = next(batches)
                except StopIteration:
                    break
                except InputError as exc:  # a damaged file: keep what was read before it
                    failure = exc
                    break
                pending.append(pool.submit(parse_batch, batch, read))
                # bounded: reading waits for the writer, so memory stays flat
                while len(pending) >= 2 * self.jobs:
                    yield _result(pending.popleft())
            while pending:
                yield _result(pending.popleft())
        finally:
            for future in pending:  # the consumer stopped early (an error, Ctrl-C)
                future.cancel()
        if failure is not None:
            raise failure

    def _start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # forkserver, not fork: the parent may hold database connections and a
            # progress bar's thread, which a forked child must not inherit. The
            # server imports this module once; each worker forks from it ready.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            self._pool = ProcessPoolExecutor(
                self.jobs, mp_context=context, initializer=_leave_interrupts_to_the_parent
            )
        return self._pool


def _leave_interrupts_to_the_parent() -> None:
    # Ctrl-C reaches the whole process group: the parent stops the import, keeps what
    # it stored and shuts the pool down; a worker dying of it would be a second error
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _result(future: Future[list[Parsed]]) -> list[Parsed]:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise ParseWorkerError(
            f"a parse worker died ({exc}); every batch stored before it is kept, "
            "run the import again (or with --jobs 1) to finish"
        ) from exc
