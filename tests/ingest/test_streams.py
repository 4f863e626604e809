"""Input read within bounds (issue 14, item 5): gzip bombs, giant messages, endless lines.

Each input here would cost far more memory than the test allows if it were read
whole; tracemalloc checks what Python allocated while reading, so the tests stay
small (a few MB of input) and fast, with bounds set tiny through Limits.
"""

from __future__ import annotations

import gzip
import io
import os
import threading
import zlib
from pathlib import Path

import pytest

from reviewbot.config import GZIP_RATIO_FLOOR, KiB, Limits, MiB
from reviewbot.errors import CorruptSource, InputError, OverLimit
from reviewbot.ingest.mbox import RawMail, read_mbox_stream, read_path
from reviewbot.ingest.streams import PIECE, open_input, pieces
from tests.hostile import peak_while, zeros_gzip


def message(n: int, body: bytes = b"Body text.\n") -> bytes:
    return (
        f"From: Dev {n} <dev{n}@example.org>\nSubject: part {n}\n"
        f"Message-ID: <m{n}@example.org>\nDate: Tue, 18 Jul 2023 09:30:00 +0200\n\n"
    ).encode() + body


def separated(*mails: bytes) -> bytes:
    return b"".join(b"From nobody\n" + m + b"\n" for m in mails)


def test_a_gzip_bomb_stops_at_the_ratio(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.mbox.gz"
    head = gzip.compress(separated(message(1)) + b"From nobody\n" + message(2, b""))
    bomb.write_bytes(head + zeros_gzip(2 * GZIP_RATIO_FLOOR))
    assert bomb.stat().st_size < 100 * KiB  # 32 MiB of zeros inside
    got: list[RawMail] = []

    def read() -> None:
        with pytest.raises(OverLimit, match="REVIEWBOT_MAX_GZIP_RATIO") as info:
            got.extend(read_path(bomb, Limits(message_bytes=MiB)))
        assert str(bomb) in str(info.value) and "gzip bomb" in str(info.value)

    assert peak_while(read) < 4 * MiB
    assert got[0].raw == message(1)  # what came before it was read
    assert got[1].truncated and len(got[1].raw) == MiB  # the one it cut, flagged


def test_inflated_size_bound(tmp_path: Path) -> None:
    text = separated(*(message(n, b"x" * 100 * KiB + b"\n") for n in range(30)))
    path = tmp_path / "big.mbox.gz"
    path.write_bytes(gzip.compress(text))
    got: list[RawMail] = []
    with pytest.raises(OverLimit, match="REVIEWBOT_MAX_GZIP_SIZE"):
        got.extend(read_path(path, Limits(gzip_bytes=MiB)))
    assert 5 < len(got) < 30
    assert [m.raw for m in got[:-1]] == [
        message(n, b"x" * 100 * KiB + b"\n") for n in range(len(got) - 1)
    ]
    assert got[-1].truncated  # the one the bound cut
    assert len(list(read_path(path, Limits(gzip_bytes=0)))) == 30  # 0: no bound


def test_a_message_over_the_bound_is_cut_and_the_next_one_read(tmp_path: Path) -> None:
    huge = message(2, b"y" * 3 * MiB + b"\n")
    path = tmp_path / "huge.mbox"
    path.write_bytes(separated(message(1), huge, message(3)))
    first, cut, third = read_path(path, Limits(message_bytes=64 * KiB))
    assert (first.raw, third.raw) == (message(1), message(3))
    assert first.oversize is None and third.oversize is None
    assert cut.raw == huge[: 64 * KiB] and cut.oversize == len(huge)
    assert not cut.truncated  # cut by the bound, not by damage


def test_a_giant_message_from_a_pipe_costs_no_more_than_the_bound() -> None:
    """A 48 MiB message of one endless line, written by another thread into a pipe:
    never written to disk, never held whole."""
    read_end, write_end = os.pipe()

    def write() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(b"From nobody\n" + message(1, b""))
            chunk = b"z" * MiB
            for _ in range(48):
                out.write(chunk)
            out.write(b"\n\nFrom nobody\n" + message(2))

    writer = threading.Thread(target=write)
    got: list[RawMail] = []
    with os.fdopen(read_end, "rb") as stream:
        writer.start()
        limits = Limits(message_bytes=MiB)
        peak = peak_while(lambda: got.extend(read_mbox_stream(stream, "<pipe>", limits)))
    writer.join()
    assert peak < 8 * MiB
    assert [len(m.raw) for m in got] == [MiB, len(message(2))]
    assert got[0].oversize is not None and got[0].oversize > 48 * MiB


def test_a_fifo_is_read_once(tmp_path: Path) -> None:
    """gzip is detected by peeking, not by opening the file twice."""
    fifo = tmp_path / "in.mbox.gz"
    os.mkfifo(fifo)
    data = gzip.compress(separated(message(1), message(2)))

    def write() -> None:
        with open(fifo, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    got = list(read_path(fifo))
    writer.join()
    assert [m.raw for m in got] == [message(1), message(2)]


def test_a_gzip_with_a_giant_message_and_no_ratio_bound(tmp_path: Path) -> None:
    """The "6 MB .gz holding one 3 GB message" of issue 14, made small: with the ratio
    bound off, the message is stored cut and the mail after it is read."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    parts = [packer.compress(b"From nobody\n" + message(1, b""))]
    parts += [packer.compress(bytes(MiB)) for _ in range(24)]
    parts += [packer.compress(b"\n\nFrom nobody\n" + message(2)), packer.flush()]
    path = tmp_path / "one-giant.mbox.gz"
    path.write_bytes(b"".join(parts))
    limits = Limits(message_bytes=256 * KiB, gzip_ratio=0)
    peak: list[int] = []
    got: list[RawMail] = []
    peak.append(peak_while(lambda: got.extend(read_path(path, limits))))
    assert peak[0] < 4 * MiB
    assert [len(m.raw) for m in got] == [256 * KiB, len(message(2))]
    assert got[1].raw == message(2)
    with pytest.raises(OverLimit, match="RATIO"):  # the default bound calls it a bomb
        list(read_path(path, Limits(message_bytes=256 * KiB, gzip_ratio=100)))


def test_lines_come_in_bounded_pieces() -> None:
    line = b"a" * (3 * PIECE + 5) + b"\n"
    got = list(pieces(io.BufferedReader(io.BytesIO(line + b"short\n")), "x"))  # type: ignore[arg-type]
    assert [len(p) for p in got] == [PIECE, PIECE, PIECE, 6, 6]
    assert b"".join(got) == line + b"short\n"


def test_damaged_gzip_is_corrupt_source() -> None:
    data = gzip.compress(
        separated(*(message(n, os.urandom(2000).hex().encode()) for n in range(20)))
    )
    stream = open_input(io.BytesIO(data[: len(data) // 2]), "cut.gz", Limits())  # type: ignore[arg-type]
    with pytest.raises(CorruptSource, match="damaged or truncated"):
        stream.read()


def test_every_bound_can_be_turned_off() -> None:
    assert Limits(0, 0, 0, 0, 0, 0) == Limits(
        message_bytes=0, gzip_bytes=0, gzip_ratio=0, body_bytes=0, page_bytes=0, page_links=0
    )
    assert issubclass(OverLimit, InputError) and OverLimit("x").exit_code == 2
