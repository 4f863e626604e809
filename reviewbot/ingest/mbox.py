"""Read mbox files, gzip'd mbox, pipermail text archives and maildirs.

Everything streams: a reader yields one RawMail at a time, so memory does not
grow with the archive.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from reviewbot.errors import CorruptSource, SourceNotFound, UnsupportedSource

_DAYS = rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTHS = rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
# The real separator: "From <addr> <asctime date>". Pipermail writes the address
# as "user at host" and does not escape body lines starting with "From ", so a
# bare startswith(b"From ") would split messages in the middle of prose.
SEPARATOR = re.compile(
    rb"^From (?P<addr>\S+(?: at \S+)?) +"
    + _DAYS
    + rb",? +"
    + _MONTHS
    + rb" +\d{1,2} +\d{1,2}:\d\d(?::\d\d)?(?: +[A-Z]{2,5}| +[+-]\d{4})? +\d{4}\s*$"
)
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_MBOXRD_FROM = re.compile(rb"^>(>*From )")


@dataclass(frozen=True)
class RawMail:
    """One message's bytes and where they came from."""

    raw: bytes
    source: str
    position: int
    truncated: bool = False
    envelope_date: datetime | None = None  # the mbox separator's date, if it has a real one


def read_path(path: Path) -> Iterator[RawMail]:
    """Yield every message in a file or maildir; raise InputError for bad input."""
    if not path.exists():
        raise SourceNotFound(f"{path}: no such file or directory")
    if path.is_dir():
        yield from read_maildir(path)
        return
    with _open(path) as stream:
        yield from read_mbox_stream(stream, str(path))


def _open(path: Path) -> BinaryIO:
    # an unreadable file (EACCES, EIO) is bad input like any other: without this
    # the bare OSError escaped the CLI as a traceback and stopped the other paths
    try:
        with open(path, "rb") as probe:
            magic = probe.read(2)
        if magic == b"\x1f\x8b":
            return gzip.open(path, "rb")  # type: ignore[return-value]
        return open(path, "rb")
    except OSError as exc:
        raise CorruptSource(f"{path}: cannot read ({exc.strerror or exc})") from exc


def read_mbox_stream(stream: BinaryIO, source: str) -> Iterator[RawMail]:
    """Split an mbox (or pipermail .txt) stream on real "From " separator lines."""
    lines = _checked_lines(stream, source)
    yield from _messages(_first_line(lines, source), lines, source)


def read_mbox_bytes(data: bytes, source: str) -> Iterator[RawMail]:
    """The messages of a downloaded mbox, gzip'd or not; an empty one (a month without
    mail, gzip'd or not) has none. A damaged gzip raises CorruptSource after the
    messages read before the damage."""
    stream: BinaryIO = io.BytesIO(data)
    if data.startswith(b"\x1f\x8b"):
        stream = gzip.GzipFile(fileobj=stream)  # type: ignore[assignment]
    lines = _checked_lines(stream, source)
    first = next((line for line in lines if line.strip()), None)
    if first is not None:
        yield from _messages(first, lines, source)


def _messages(first: bytes, lines: Iterator[bytes], source: str) -> Iterator[RawMail]:
    if SEPARATOR.match(first):
        pipermail = b" at " in first.split(b"  ")[0]
        yield from _split(lines, source, pipermail)
    elif _HEADER_LINE.match(first):
        # a single message saved as a file (.eml): no separator at all
        yield _single(first, lines, source)
    else:
        shown = first[:60].decode("utf-8", "replace").rstrip()
        raise UnsupportedSource(f"{source}: not an mbox (first line is {shown!r})")


def _first_line(lines: Iterator[bytes], source: str) -> bytes:
    for line in lines:
        if line.strip():
            return line
    raise UnsupportedSource(f"{source}: empty file, no messages")


def _single(first: bytes, lines: Iterable[bytes], source: str) -> RawMail:
    body = first + b"".join(lines)
    return RawMail(body, source, 0, truncated=not body.endswith(b"\n"))


def _split(lines: Iterator[bytes], source: str, pipermail: bool) -> Iterator[RawMail]:
    current: list[bytes] = []
    position = 0
    last = b""
    envelope: datetime | None = None
    try:
        for line in lines:
            last = line
            if line.startswith(b"From ") and SEPARATOR.match(line):
                if current:
                    yield RawMail(_join(current), source, position, envelope_date=envelope)
                    position += 1
                current = []
                envelope = envelope_date(line)
                continue
            if not pipermail and line.startswith(b">"):
                line = _MBOXRD_FROM.sub(rb"\1", line)
            current.append(line)
    except CorruptSource:
        # the part of the last message read before the damage is kept, flagged
        if current:
            yield RawMail(_join(current), source, position, True, envelope)
        raise
    if current:
        yield RawMail(_join(current), source, position, not last.endswith(b"\n"), envelope)


_PLACEHOLDER = datetime(1970, 1, 1, tzinfo=UTC)  # "From mboxrd@z Thu Jan  1 00:00:00 1970"


def envelope_date(separator: bytes) -> datetime | None:
    """The date on an mbox "From " line, in UTC; None for none or the 1970 placeholder."""
    parts = separator.decode("ascii", "replace").split(None, 2)
    if len(parts) < 3:
        return None
    try:
        date = parsedate_to_datetime(parts[2].strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    date = date if date.tzinfo else date.replace(tzinfo=UTC)
    return None if date == _PLACEHOLDER else date.astimezone(UTC)


def _join(lines: list[bytes]) -> bytes:
    # the blank line before the next separator belongs to the mbox, not the mail
    while lines and lines[-1] in (b"\n", b"\r\n"):
        lines.pop()
    return b"".join(lines).replace(b"\r\n", b"\n")


def _checked_lines(stream: BinaryIO, source: str) -> Iterator[bytes]:
    """Lines of the stream; a damaged gzip ends the iteration with CorruptSource."""
    try:
        yield from stream
    except (EOFError, zlib.error, gzip.BadGzipFile, OSError) as exc:
        raise CorruptSource(f"{source}: damaged or truncated compressed file ({exc})") from exc


def read_maildir(path: Path) -> Iterator[RawMail]:
    """Yield the messages of a maildir (cur/ and new/); refuse other folders."""
    if not all((path / sub).is_dir() for sub in ("cur", "new")):
        raise UnsupportedSource(
            f"{path}: a directory that is not a maildir (no cur/ and new/ inside)"
        )
    position = 0
    unreadable: list[str] = []
    for sub in ("cur", "new"):
        for item in sorted((path / sub).iterdir()):
            if item.is_file() and not item.name.startswith("."):
                # one unreadable file must not hide the rest, nor escape as OSError:
                # read everything else, then report it as damaged input
                try:
                    raw = item.read_bytes()
                except OSError as exc:
                    unreadable.append(f"{item} ({exc.strerror or exc})")
                    continue
                yield RawMail(raw.replace(b"\r\n", b"\n"), str(item), position)
                position += 1
    if unreadable:
        raise CorruptSource(f"{path}: cannot read {', '.join(unreadable)}")
