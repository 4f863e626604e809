"""Read mbox files, gzip'd mbox, pipermail text archives and maildirs.

Everything streams: a reader yields one RawMail at a time, lines are read in
bounded pieces (ingest/streams.py), and a message longer than
Limits.message_bytes keeps only its first part (flagged), so memory does not grow
with the archive, nor with one message.

Where messages split, as the tools that write mbox files do it:

- mbox, mboxo, mboxrd: a line starting "From " after a blank line (or at the
  start) that is followed by a header line: `From nobody`, `From A`, a separator
  without a date are as good as `From alice@example.org Thu Jul 18 09:30:00 2023`;
  a full separator with a date splits wherever it is. Prose ("From what I've
  seen...") is followed by prose, not headers, and stays in the body.
- pipermail text archives: only the real `From user at host  Thu Oct 27
  10:04:02 2016` separator, since pipermail does not escape body lines at all.

A damaged first separator (no space, a BOM, a stray ">") before headers still
starts the first message; bytes that are not mail before the first separator are
skipped and reported. A missing final newline is not truncation: nothing in a
plain file can tell the two apart, and every tool writes files without one.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import BinaryIO

from reviewbot.config import Limits
from reviewbot.errors import CorruptSource, InputError, SourceNotFound, UnsupportedSource
from reviewbot.ingest.streams import open_input, pieces

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
_BLANK = (b"\n", b"\r\n")
_BOM = b"\xef\xbb\xbf"
DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class RawMail:
    """One message's bytes and where they came from."""

    raw: bytes
    source: str
    position: int
    truncated: bool = False  # the input broke off (damaged gzip) inside this message
    envelope_date: datetime | None = None  # the mbox separator's date, if it has a real one
    oversize: int | None = None  # its whole size when over the bound: raw is its first part


def display_path(path: Path) -> str:
    """A path as text every database and terminal takes: name bytes that are not
    UTF-8 (os.fsencode gives them back) shown as \\xNN."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def read_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[RawMail]:
    """Yield every message in a file or maildir; raise InputError for bad input."""
    source = display_path(path)
    if not path.exists():
        raise SourceNotFound(f"{source}: no such file or directory")
    if path.is_dir():
        yield from read_maildir(path, limits)
        return
    with _open(path, source) as stream:
        yield from read_mbox_stream(stream, source, limits)


def _open(path: Path, source: str) -> BinaryIO:
    # an unreadable file (EACCES, EIO) is bad input like any other: without this
    # the bare OSError escaped the CLI as a traceback and stopped the other paths
    try:
        return open(path, "rb")
    except OSError as exc:
        raise CorruptSource(f"{source}: cannot read ({exc.strerror or exc})") from exc


def read_mbox_stream(
    stream: BinaryIO, source: str, limits: Limits = DEFAULT_LIMITS, *, empty_ok: bool = False
) -> Iterator[RawMail]:
    """Split an mbox (or pipermail .txt), gzip'd or not, into messages.

    An empty stream is UnsupportedSource, or no messages when `empty_ok` (a
    downloaded month without mail). Damage, or a bound passed, raises InputError
    after the messages read before it (the one it cut is flagged truncated).
    """
    lines = _Lines(pieces(open_input(stream, source, limits), source))
    yield from _Splitter(source, limits).split(lines, empty_ok)


def read_mbox_bytes(data: bytes, source: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[RawMail]:
    """The messages of an mbox held in memory, gzip'd or not; an empty one has none."""
    return read_mbox_stream(io.BytesIO(data), source, limits, empty_ok=True)


class _Lines:
    """Pieces of lines with one piece of look-ahead, knowing which start a line."""

    def __init__(self, source: Iterator[bytes]) -> None:
        self._source = source
        self._ahead: bytes | None = None
        self.at_start = True  # the piece returned last started a line
        self._next_at_start = True

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        piece = self._ahead if self._ahead is not None else next(self._source)
        self._ahead = None
        self.at_start = self._next_at_start
        self._next_at_start = piece.endswith(b"\n")
        return piece

    def peek(self) -> bytes | None:
        """The next piece (it starts a line when the current one ended one), or None."""
        if self._ahead is None:
            self._ahead = next(self._source, None)
        return self._ahead


class _Splitter:
    """Cuts a stream of line pieces into RawMails (one per stream)."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limit = limits.message_bytes
        self.position = 0
        self.parts: list[bytes] = []
        self.kept = 0
        self.dropped = 0  # bytes past the bound (blank lines aside)
        self.envelope: datetime | None = None
        self.skipped = 0  # bytes before the first message that are not mail
        self.single = False

    def split(self, lines: _Lines, empty_ok: bool) -> Iterator[RawMail]:
        first = _first_line(lines)
        if first is None:
            if empty_ok:
                return
            raise UnsupportedSource(f"{self.source}: empty file, no messages")
        try:
            if _HEADER_LINE.match(first):
                yield from self._single(first, lines)  # one message saved as a file (.eml)
                return
            separator = self._start(first, lines)
            pipermail = bool(SEPARATOR.match(separator)) and b" at " in separator.split(b"  ")[0]
            self.envelope = envelope_date(separator)
            yield from self._messages(lines, pipermail)
        except InputError:
            # the part of the message read before the damage is kept, flagged
            if self.parts:
                yield self._take(truncated=True)
            raise
        if self.skipped:
            raise CorruptSource(
                f"{self.source}: {self.skipped:,} bytes before the first message are not"
                " mail (a damaged start?); skipped, the messages after them were read"
            )

    def _start(self, first: bytes, lines: _Lines) -> bytes:
        """The first separator: the first line, a damaged one, or the first real one later."""
        line = first.removeprefix(_BOM)
        if line.startswith(b"From ") or line.rstrip() == b"From":
            return line
        if line.lstrip(b">").lower().startswith(b"from") and _is_header(lines.peek()):
            return b"From "  # "From" mangled, but the headers follow: it separated
        self.skipped = len(first)
        blank = first in _BLANK
        for piece in lines:
            if lines.at_start and _separates(piece, blank, lines):
                return piece
            blank = lines.at_start and piece in _BLANK
            self.skipped += len(piece)
        shown = first[:60].decode("utf-8", "replace").rstrip()
        raise UnsupportedSource(f"{self.source}: not an mbox (first line is {shown!r})")

    def _messages(self, lines: _Lines, pipermail: bool) -> Iterator[RawMail]:
        blank = False
        for piece in lines:
            start = lines.at_start
            if start and piece.startswith(b"From"):
                split = (
                    bool(SEPARATOR.match(piece)) if pipermail else _separates(piece, blank, lines)
                )
                if split:
                    if self.parts:
                        yield self._take()
                    self.envelope = envelope_date(piece)
                    blank = False
                    continue
            blank = start and piece in _BLANK
            if start and not pipermail and piece.startswith(b">"):
                piece = _MBOXRD_FROM.sub(rb"\1", piece)
            self._add(piece, blank)
        if self.parts:
            yield self._take()

    def _single(self, first: bytes, lines: _Lines) -> Iterator[RawMail]:
        self.single = True  # kept byte for byte, CRLF and trailing blank lines too
        self._add(first)
        for piece in lines:
            self._add(piece)
        yield self._take()

    def _add(self, piece: bytes, blank: bool = False) -> None:
        room = self.limit - self.kept if self.limit else len(piece)
        if room >= len(piece):
            self.parts.append(piece)
            self.kept += len(piece)
            return
        if room > 0:
            self.parts.append(piece[:room])
            self.kept = self.limit
        if not blank:  # the blank line before a separator is the mbox's
            self.dropped += len(piece) - max(room, 0)

    def _take(self, *, truncated: bool = False) -> RawMail:
        raw = b"".join(self.parts) if self.single else _join(self.parts)
        oversize = self.kept + self.dropped if self.dropped else None
        mail = RawMail(raw, self.source, self.position, truncated, self.envelope, oversize)
        self.position += 1
        self.parts, self.kept, self.dropped = [], 0, 0
        return mail


def _first_line(lines: _Lines) -> bytes | None:
    for piece in lines:
        if piece.strip():
            return piece
    return None


def _is_header(piece: bytes | None) -> bool:
    return piece is not None and bool(_HEADER_LINE.match(piece))


def _separates(piece: bytes, blank_before: bool, lines: _Lines) -> bool:
    """Whether a line starting "From" is a separator: a full one with its date, or any
    "From " line after a blank line that headers follow."""
    if SEPARATOR.match(piece):
        return True
    loose = piece.startswith(b"From ") or piece.rstrip() == b"From"
    return blank_before and loose and piece.endswith(b"\n") and _is_header(lines.peek())


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
    while lines and lines[-1] in _BLANK:
        lines.pop()
    joined = b"".join(lines)
    lines.clear()  # a big message is not held twice over
    return joined.replace(b"\r\n", b"\n")


def read_maildir(path: Path, limits: Limits = DEFAULT_LIMITS) -> Iterator[RawMail]:
    """Yield the messages of a maildir (cur/ and new/); refuse other folders."""
    if not all((path / sub).is_dir() for sub in ("cur", "new")):
        raise UnsupportedSource(
            f"{display_path(path)}: a directory that is not a maildir (no cur/ and new/ inside)"
        )
    position = 0
    unreadable: list[str] = []
    for sub in ("cur", "new"):
        try:
            items = sorted((path / sub).iterdir())
        except OSError as exc:
            unreadable.append(f"{display_path(path / sub)} ({exc.strerror or exc})")
            continue
        for item in items:
            if item.is_file() and not item.name.startswith("."):
                # one unreadable file must not hide the rest, nor escape as OSError:
                # read everything else, then report it as damaged input
                try:
                    mail = _maildir_file(item, position, limits)
                except OSError as exc:
                    unreadable.append(f"{display_path(item)} ({exc.strerror or exc})")
                    continue
                yield mail
                position += 1
    if unreadable:
        raise CorruptSource(f"{display_path(path)}: cannot read {', '.join(unreadable)}")


def _maildir_file(item: Path, position: int, limits: Limits) -> RawMail:
    """One maildir message, read no further than the message bound."""
    limit = limits.message_bytes
    with open(item, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        raw = stream.read(limit) if limit else stream.read()
    oversize = size if limit and size > limit else None
    return RawMail(raw.replace(b"\r\n", b"\n"), display_path(item), position, oversize=oversize)
