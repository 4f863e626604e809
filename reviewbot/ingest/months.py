"""Archive months: the names people and archives give them, and the days they span.  (pure)

A month is a (year, month) pair. Pipermail names its months "2023-July", HyperKitty
"2023/7" in its URLs; people type either "2023-07" or "2023-July", and both are
accepted for both kinds of archive.
"""

from __future__ import annotations

import re
from datetime import date

from reviewbot.ingest.pagetext import MONTHS

Month = tuple[int, int]  # (year, month), sorts oldest first

_ISO = re.compile(r"^(\d{4})-(\d{1,2})$")
_NAMED = re.compile(r"^(\d{4})-([A-Za-z]+)$")


def parse_month(name: str) -> Month:
    """ "2023-07" or "2023-July" (any case) -> (2023, 7); ValueError for anything else."""
    text = name.strip()
    if m := _ISO.match(text):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return year, month
    elif (m := _NAMED.match(text)) and m.group(2).lower() in MONTHS:
        return int(m.group(1)), MONTHS.index(m.group(2).lower()) + 1
    raise ValueError(f"not a month (like 2023-07 or 2023-July): {name!r}")


def iso_name(month: Month) -> str:
    """(2023, 7) -> "2023-07": how HyperKitty months are named in reports."""
    return f"{month[0]:04d}-{month[1]:02d}"


def first_day(month: Month) -> date:
    """The month's first day."""
    return date(month[0], month[1], 1)


def next_month(month: Month) -> Month:
    """The month after."""
    year, number = month
    return (year + 1, 1) if number == 12 else (year, number + 1)


def month_of(day: date) -> Month:
    """The month a day is in."""
    return day.year, day.month
