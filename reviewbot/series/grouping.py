"""Which series a cover letter or patch joins, and which patches are missing.  (pure)

References first (pipeline.placement follows them); otherwise patchwork's rule:
the same submitter, version and total within SERIES_WINDOW. The pipeline feeds
these functions what the database knows about the series still open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

# patchwork groups reference-less patches of one author, version and total
# posted within this window into one series
SERIES_WINDOW = timedelta(hours=12)
_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-f]{7,40})\s*$", re.M)


@dataclass(frozen=True)
class SeriesSlot:
    """What grouping needs to know of an existing series."""

    series_id: int
    version: int
    total: int
    submitter: str
    last_date: datetime | None
    numbers: frozenset[int]
    has_cover: bool


def fits(slot: SeriesSlot, number: int, version: int, is_cover: bool) -> bool:
    """Can a cover/patch with this number and version join the series?"""
    if slot.version != version:
        return False
    if is_cover:
        return not slot.has_cover
    return number not in slot.numbers


def fits_any_version(slot: SeriesSlot, number: int, total: int | None) -> bool:
    """Can a patch that names no version join this series it replies into?

    Senders forget the version on the patches of a "[PATCH v3 0/4]" cover; the
    patches still answer that cover, and nothing else says they are another
    version (patchwork does the same).
    """
    return slot.has_cover and total in (None, slot.total) and number not in slot.numbers


def in_window(slot: SeriesSlot, date: datetime | None) -> bool:
    """Patchwork's rule: same author/version/total, posted close together."""
    if slot.last_date is None or date is None:
        return slot.last_date is None and date is None
    return abs(date - slot.last_date) <= SERIES_WINDOW


def missing_numbers(total: int, numbers: Iterable[int]) -> list[int]:
    """Patch numbers 1..total that were not received."""
    have = set(numbers)
    return [n for n in range(1, total + 1) if n not in have]


def find_base_commit(body: str) -> str | None:
    """The `base-commit:` git format-patch --base writes, if present."""
    m = _BASE_COMMIT.search(body)
    return m.group(1) if m else None
