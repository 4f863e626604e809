"""Parsing on every core: batches of raw mail -> Parsed records, in worker processes.

Parsing a message (headers, body, subject), classifying it and taking its diff
apart is pure and independent per message, and is most of an import's CPU. A
Parser runs it in the Workers pool, fed whole batches, and gives the results
back in the order the batches went in, so the one writer (the Importer) stores
exactly what a single process would; at most `2 * jobs` batches are in flight.

A message that cannot be parsed comes back as a Parsed with the reason (never
dropped); a worker that dies is a WorkerDied error, not a hang.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from types import TracebackType

from reviewbot.errors import InputError
from reviewbot.ingest.mbox import RawMail
from reviewbot.mail.diff import PatchBody, has_diff, split_patch
from reviewbot.mail.subject import parse_subject
from reviewbot.pipeline.incoming import BATCH_BYTES, Incoming, incoming_from_raw
from reviewbot.pipeline.workers import Workers
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


Shipped = tuple[Parsed, bool]  # a mail parsed in a worker; whether its bytes were left out


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
        failed = Incoming(
            mail.raw,
            mail.source,
            mail.position,
            None,
            reason,
            mail.truncated,
            oversize=mail.oversize,
        )
        return Parsed(failed, Prepared(Kind.OTHER, None))


def parse_batch(mails: list[RawMail], read: Reader = incoming_from_raw) -> list[Parsed]:
    """Parse a batch, in order."""
    return [parse_mail(m, read) for m in mails]


def parse_batch_to_ship(mails: list[RawMail], read: Reader = incoming_from_raw) -> list[Shipped]:
    """Parse a batch in a worker: a mail's bytes, when they are the bytes it was sent,
    do not travel back (the writer holds them): True says they were left out."""
    shipped: list[Shipped] = []
    for mail in mails:
        parsed = parse_mail(mail, read)
        if parsed.incoming.raw is mail.raw:
            shipped.append((replace(parsed, incoming=replace(parsed.incoming, raw=b"")), True))
        else:
            shipped.append((parsed, False))
    return shipped


class Parser:
    """Parses batches of raw mail in order, in `jobs` worker processes (1: in this one).

    The pool starts on first use and ends with the Parser (use it in a `with`);
    `workers` is that pool, for the steps after parsing (linking) to share.
    """

    def __init__(self, jobs: int | None = None) -> None:
        self.workers = Workers(jobs)

    def __enter__(self) -> Parser:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.workers.close()

    def parse(
        self, batches: Iterable[list[RawMail]], read: Reader = incoming_from_raw
    ) -> Iterator[list[Parsed]]:
        """Each batch parsed, in order; an InputError of the reader comes after the
        batches read before it, as it would without the pool. `read` turns a raw mail
        into an Incoming (a module-level function or a partial of one: it is pickled)."""
        batches = iter(batches)
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
        if self.workers.jobs == 1:  # no pool: nothing travels, so nothing is left out
            yield from map(
                partial(parse_batch, read=read), itertools.chain([first, second], batches)
            )
            return
        sent: deque[list[RawMail]] = deque()  # the batches in flight, in order
        rest = _noting(itertools.chain([first, second], batches), sent)
        parse = partial(parse_batch_to_ship, read=read)
        for shipped in self.workers.map(parse, rest, weigh=_raw_bytes, most=IN_FLIGHT_BYTES):
            yield _unshipped(shipped, sent.popleft())


# the raw mail of the batches in the workers or parsed and waiting for the writer, at
# most (one batch goes whatever its size): parsed, a mail costs about three times its
# bytes until it is stored, and a batch of one mail at the message bound (4 MiB)
# four at a time took the import over its memory bound (bench_bounds.py)
IN_FLIGHT_BYTES = BATCH_BYTES


def _noting(
    batches: Iterator[list[RawMail]], sent: deque[list[RawMail]]
) -> Iterator[list[RawMail]]:
    for batch in batches:
        sent.append(batch)
        yield batch


def _unshipped(shipped: list[Shipped], batch: list[RawMail]) -> list[Parsed]:
    """A batch parsed in a worker, with the bytes it left out put back."""
    return [
        replace(p, incoming=replace(p.incoming, raw=mail.raw)) if left_out else p
        for (p, left_out), mail in zip(shipped, batch, strict=True)
    ]


def _raw_bytes(batch: list[RawMail]) -> int:
    return sum(len(m.raw) for m in batch)
