"""Incoming: a message on its way in, parsed or not, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from reviewbot.errors import MessageParseError
from reviewbot.ingest.mbox import RawMail
from reviewbot.mail.message import Message, parse_message, synthetic_msgid


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

    @property
    def msgid(self) -> str:
        """The Message-ID, or the synthetic id of a mail that could not be parsed."""
        return self.message.msgid if self.message else synthetic_msgid(self.raw)


def incoming_from_raw(mail: RawMail, archive_url: str | None = None) -> Incoming:
    """Parse a raw mail; a failure is kept as an Incoming with the reason."""
    try:
        message, error = parse_message(mail.raw), None
    except MessageParseError as exc:
        message, error = None, str(exc)
    return Incoming(
        mail.raw, mail.source, mail.position, message, error, mail.truncated, archive_url
    )
