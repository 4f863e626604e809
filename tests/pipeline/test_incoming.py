"""Batches of incoming mail (issue 14, item 5): a batch is held in memory and parsed,
so its bytes are bounded as well as its count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reviewbot.config import MiB
from reviewbot.errors import CorruptSource
from reviewbot.ingest.mbox import RawMail
from reviewbot.pipeline.incoming import BATCH, BATCH_BYTES, batch_is_full, batches


def mails(*sizes: int) -> Iterator[RawMail]:
    for n, size in enumerate(sizes):
        yield RawMail(bytes(size), "<test>", n)


def test_a_batch_never_holds_more_than_its_bytes() -> None:
    sizes = [MiB, MiB, MiB, MiB, 1, 3 * MiB, 5 * MiB, 10, 10]
    got = [[len(m.raw) for m in batch] for batch in batches(mails(*sizes))]
    assert sum(got, []) == sizes  # every mail, in order
    assert got == [[MiB] * 4, [1, 3 * MiB], [5 * MiB], [10, 10]]
    assert all(sum(b) <= BATCH_BYTES for b in got if len(b) > 1)  # a giant goes alone


def test_a_batch_never_holds_more_than_its_count() -> None:
    got = [len(batch) for batch in batches(mails(*[1] * (2 * BATCH + 1)))]
    assert got == [BATCH, BATCH, 1]


def test_what_was_read_before_an_input_error_comes_first() -> None:
    def broken() -> Iterator[RawMail]:
        yield from mails(1, 2)
        raise CorruptSource("<test>: damaged")

    got: list[list[RawMail]] = []
    with pytest.raises(CorruptSource):
        got.extend(batches(broken()))
    assert [len(m.raw) for m in got[0]] == [1, 2]


@pytest.mark.parametrize(
    ("count", "held", "coming", "full"),
    [(0, 0, 100 * MiB, False), (1, MiB, BATCH_BYTES - MiB, False), (1, MiB, BATCH_BYTES, True)],
)
def test_batch_is_full(count: int, held: int, coming: int, full: bool) -> None:
    assert batch_is_full(count, held, coming) is full
