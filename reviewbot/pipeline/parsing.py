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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from types import TracebackType

from reviewbot.errors import InputError
from reviewbot.ingest.mbox import RawMail
from reviewbot.mail.diff import PatchBody, has_diff, split_patch
from reviewbot.mail.subject import parse_subject
from reviewbot.pipeline.incoming import Incoming, incoming_from_raw
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
    """Parse a batch, in order (what each worker runs)."""
    return [parse_mail(m, read) for m in mails]


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
        rest = itertools.chain([first, second], batches)
        yield from self.workers.map(partial(parse_batch, read=read), rest)
