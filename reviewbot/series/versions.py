"""Which series are versions of one another (v1 -> v2 -> v3).  (pure)"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reviewbot.mail.subject import normalise_title

# pipermail archives write the id as <id at host>
_SUPERSEDES = re.compile(r"^Supersedes:\s*<([^>\s]+(?: at [^>\s]+)?)>", re.M | re.I)


def find_supersedes(body: str) -> list[str]:
    """Message-IDs named by "Supersedes: <msgid>" lines in a cover or patch."""
    return [m.replace(" at ", "@") for m in _SUPERSEDES.findall(body)]


@dataclass(frozen=True)
class VersionCandidate:
    """A series as version linking sees it."""

    series_id: int
    submitter: str
    norm_title: str
    version: int
    date: datetime | None
    explicit_previous: int | None  # from Supersedes: or a cover posted in reply


def link_versions(candidates: Sequence[VersionCandidate]) -> dict[int, int]:
    """Map each series to the series it supersedes (its previous version).

    Explicit links (Supersedes:, posted in reply to the older version) win.
    Otherwise, within one submitter's series of one normalised title, taken
    in date order, a series follows the highest lower version that nothing
    newer follows yet: so v1 -> v2 -> v3, and a fresh v1 months later with
    the same title starts a lineage of its own. The result depends only on
    the candidates, never on the order they were imported or rebuilt in.
    """
    known = {c.series_id for c in candidates}
    previous: dict[int, int] = {}
    for c in candidates:
        old = c.explicit_previous
        if old in known and old != c.series_id and previous.get(old) != c.series_id:
            previous[c.series_id] = old  # type: ignore[assignment]
    taken = set(previous.values())
    groups: dict[tuple[str, str], list[VersionCandidate]] = {}
    for c in candidates:
        groups.setdefault((c.submitter, c.norm_title), []).append(c)
    for group in groups.values():
        earlier: list[VersionCandidate] = []
        for c in sorted(group, key=_date_key):
            if c.series_id not in previous:
                tails = [t for t in earlier if t.version < c.version and t.series_id not in taken]
                if tails:
                    best = max(tails, key=lambda t: (t.version, _date_key(t)))
                    previous[c.series_id] = best.series_id
                    taken.add(best.series_id)
            earlier.append(c)
    return previous


def _date_key(c: VersionCandidate) -> tuple[datetime, int]:
    date = c.date.replace(tzinfo=None) if c.date else datetime.min
    return (date, c.series_id)


def norm_title(title: str) -> str:
    """The key under which versions of one series are matched."""
    return normalise_title(title)
