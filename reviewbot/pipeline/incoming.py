"""Incoming: a message on its way in, parsed or not, with where it came from; batches of them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from reviewbot.config import MiB
from reviewbot.errors import InputError, MessageParseError
from reviewbot.ingest.mbox import RawMail
from reviewbot.mail.message import Message, parse_message, synthetic_msgid
from reviewbot.models import utcnow


@dataclass(frozen=True)
class Incoming:
    """A message on its way in: its bytes, where they came from, and their parse."""

    raw: bytes
    source: str
    position: int
    message: Message | None
    error: str | None
    truncated: bool = False
    archive_url: str | None = None
    reconstructed_from: str | None = None  # the reply whose quotes gave this mail
    oversize: int | None = None  # its whole size, when only its first part is in raw

    @property
    def msgid(self) -> str:
        """The Message-ID, or the synthetic id of a mail that could not be parsed."""
        return self.message.msgid if self.message else synthetic_msgid(self.raw)


def incoming_from_raw(
    mail: RawMail, archive_url: str | None = None, archive_date: datetime | None = None
) -> Incoming:
    """Parse a raw mail; a failure is kept as an Incoming with the reason.

    A mail with no usable Date: (nor Received header) is dated by the mbox
    separator, else by the archive page it came from, else by its import; the
    message's warnings say which.
    """
    try:
        message, error = parse_message(mail.raw), None
    except MessageParseError as exc:
        message, error = None, str(exc)
    if message is not None and message.date is None:
        message = _dated(message, mail.envelope_date, archive_date)
    return Incoming(
        mail.raw,
        mail.source,
        mail.position,
        message,
        error,
        mail.truncated,
        archive_url,
        oversize=mail.oversize,
    )


def oversize_note(p: Incoming) -> str:
    """What is said of a message stored cut at the message bound."""
    return (
        f"{p.source} message {p.position}: {p.oversize:,} bytes, over the bound"
        f" (REVIEWBOT_MAX_MESSAGE_SIZE): only its first {len(p.raw):,} bytes are stored"
    )


BATCH = 500  # messages stored in one transaction
BATCH_BYTES = 4 * MiB  # ... or fewer, when they are big: a batch is held in memory, parsed


class _Mail(Protocol):
    @property
    def raw(self) -> bytes: ...


M = TypeVar("M", bound=_Mail)


def batch_is_full(count: int, held: int, coming: int) -> bool:
    """Whether a batch of `count` mails and `held` bytes must go before one of `coming`
    bytes joins it (a mail bigger than BATCH_BYTES goes alone)."""
    return count > 0 and (count >= BATCH or held + coming > BATCH_BYTES)


def batches(mails: Iterator[M]) -> Iterator[list[M]]:
    """Batches of at most BATCH mails (raw or incoming) and BATCH_BYTES of them (a mail
    bigger than that alone); what was read before an input error is yielded first."""
    batch: list[M] = []
    held = 0
    try:
        for mail in mails:
            if batch_is_full(len(batch), held, len(mail.raw)):
                yield batch
                batch, held = [], 0
            batch.append(mail)
            held += len(mail.raw)
    except InputError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


def _dated(message: Message, envelope: datetime | None, archived: datetime | None) -> Message:
    if envelope is not None:
        date, source = envelope, "the mbox separator"
    elif archived is not None:
        date, source = archived, "the archive page"
    else:
        date, source = utcnow(), "its import"
    said = f"no usable Date: dated from {source}"
    return replace(message, date=date, warnings=(*message.warnings, said))
