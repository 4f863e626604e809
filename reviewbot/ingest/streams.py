"""Byte streams read within bounds: files and downloads, gzip'd or not, in bounded pieces.

Nothing here holds a whole input. A gzip'd stream is inflated as it is read and
stops with OverLimit once it gave more than Limits.gzip_bytes, or more than
Limits.gzip_ratio times the compressed bytes read so far (checked past the first
GZIP_RATIO_FLOOR bytes: small files compress however they like, and that much
costs nothing to inflate). Lines come in pieces of at most PIECE bytes, so a
line without end (a 3 GB message of one line) is never one string.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Iterator
from typing import BinaryIO, cast

from reviewbot.config import GZIP_RATIO_FLOOR, Limits
from reviewbot.errors import CorruptSource, FetchError, OverLimit

GZIP_MAGIC = b"\x1f\x8b"
PIECE = 64 * 1024  # the longest piece of a line handed out at once
_DAMAGE = (EOFError, zlib.error, gzip.BadGzipFile, OSError)


def open_input(raw: BinaryIO, source: str, limits: Limits) -> BinaryIO:
    """The bytes of raw, inflated (within the gzip bounds) when they start as gzip does.

    Detected by content, not name, and without reading anything twice: a pipe or a
    FIFO works as well as a file.
    """
    buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(_Raw(raw))
    try:
        magic = buffered.peek(len(GZIP_MAGIC))[: len(GZIP_MAGIC)]
    except OSError as exc:
        raise CorruptSource(f"{source}: cannot read ({exc.strerror or exc})") from exc
    if magic != GZIP_MAGIC:
        return cast(BinaryIO, buffered)
    compressed = _Counted(buffered)
    inflated = gzip.GzipFile(fileobj=cast(BinaryIO, compressed), mode="rb")
    return cast(BinaryIO, io.BufferedReader(_Inflated(inflated, compressed, source, limits)))


def pieces(stream: BinaryIO, source: str) -> Iterator[bytes]:
    """The stream's lines, each in pieces of at most PIECE bytes (only a line's last
    piece ends in a newline); a read that fails (EIO) is CorruptSource."""
    while True:
        try:
            piece = stream.readline(PIECE)
        except OSError as exc:
            raise CorruptSource(f"{source}: cannot read ({exc.strerror or exc})") from exc
        if not piece:
            return
        yield piece


class _Raw(io.RawIOBase):
    """Any binary stream as a raw one, so it can be buffered and peeked into."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _Counted(_Raw):
    """Counts the compressed bytes the inflater took."""

    def __init__(self, stream: BinaryIO) -> None:
        super().__init__(stream)
        self.count = 0

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = super().readinto(buffer)
        self.count += n
        return n


class _Inflated(io.RawIOBase):
    """A gzip stream's inflated bytes; damage is CorruptSource, too much is OverLimit."""

    def __init__(
        self, inflater: gzip.GzipFile, compressed: _Counted, source: str, limits: Limits
    ) -> None:
        self._inflater = inflater
        self._compressed = compressed
        self._source = source
        self._limits = limits
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        try:
            data = self._inflater.read(len(buffer))
        except _DAMAGE as exc:
            raise CorruptSource(
                f"{self._source}: damaged or truncated compressed file ({exc})"
            ) from exc
        self.count += len(data)
        self._check()
        buffer[: len(data)] = data
        return len(data)

    def _check(self) -> None:
        size, ratio = self._limits.gzip_bytes, self._limits.gzip_ratio
        if size and self.count > size:
            raise OverLimit(
                f"{self._source}: inflates to more than {size:,} bytes"
                " (REVIEWBOT_MAX_GZIP_SIZE); the rest is not read"
            )
        packed = max(self._compressed.count, 1)
        if ratio and self.count > GZIP_RATIO_FLOOR and self.count > ratio * packed:
            raise OverLimit(
                f"{self._source}: inflates more than {ratio} times ({self.count:,} bytes"
                f" from {packed:,}; REVIEWBOT_MAX_GZIP_RATIO), a gzip bomb? the rest is"
                " not read"
            )


HTTP_PIECE = 256 * 1024  # the most one network read may inflate to at once


def content_decoded(raw: Iterator[bytes], encoding: str, url: str) -> Iterator[bytes]:
    """A body's bytes with its Content-Encoding undone, never more than HTTP_PIECE at once
    (a 64 KiB read of a gzip bomb would otherwise inflate to 64 MiB in one go)."""
    if encoding in ("identity", ""):
        yield from raw
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise FetchError(url, f"Content-Encoding {encoding} was not asked for")
    wbits = zlib.MAX_WBITS | 16 if encoding != "deflate" else zlib.MAX_WBITS
    inflater = zlib.decompressobj(wbits)
    for data in raw:
        while data:
            if inflater.eof:
                if not data.startswith(b"\x1f\x8b"):
                    break  # padding after the last member, as other clients ignore it
                inflater = zlib.decompressobj(wbits)  # another gzip member
            yield inflater.decompress(data, HTTP_PIECE)
            data = inflater.unused_data if inflater.eof else inflater.unconsumed_tail
    if not inflater.eof:
        yield inflater.flush()
