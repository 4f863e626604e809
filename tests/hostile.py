"""Helpers for the hostile-input tests (issue 14): measure what reading costs, make bombs.

Shared by tests/ingest and tests/pipeline so that each bound is measured the same way.
"""

from __future__ import annotations

import tracemalloc
import zlib
from collections.abc import Callable

from reviewbot.config import MiB


def peak_while(fn: Callable[[], object]) -> int:
    """Bytes Python allocated at most while fn ran."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def zeros_gzip(size: int) -> bytes:
    """A gzip of `size` zero bytes, compressed as it is produced (never whole)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(packer.compress(bytes(MiB)) for _ in range(size // MiB)) + packer.flush()


class FakeTime:
    """A clock that only moves when slept on."""

    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        """The fake now."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Move the clock instead of waiting."""
        self.slept.append(seconds)
        self.now += seconds
