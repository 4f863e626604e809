"""Series, revisions and patches: deciding what each message is and where it goes.  (pure)

The pipeline feeds these functions what the database knows; they decide:
what a message is (cover, patch, reply), which series a patch joins
(references first, then patchwork's author + version + total time window),
which numbers are missing, and which series are versions of one another.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from reviewbot.mail.subject import Subject, normalise_title

# patchwork groups reference-less patches of one author, version and total
# posted within this window into one series
SERIES_WINDOW = timedelta(hours=12)
_QUOTED_OR_ATTRIBUTION = re.compile(r"^(>|.*\bwrote:\s*$)", re.M)
# pipermail archives write the id as <id at host>
_SUPERSEDES = re.compile(r"^Supersedes:\s*<([^>\s]+(?: at [^>\s]+)?)>", re.M | re.I)
_BASE_COMMIT = re.compile(r"^base-commit:\s*([0-9a-f]{7,40})\s*$", re.M)


class Kind(StrEnum):
    """What a message is within a series."""

    COVER = "cover"
    PATCH = "patch"
    REPLY = "reply"
    OTHER = "other"


def classify(subject: Subject, body: str, has_diff: bool, has_parent: bool) -> Kind:
    """Decide what a message is from its subject and body.

    0/N is a cover letter; a diff makes a patch unless the subject says it is a
    reply. A numbered patch subject without a diff is still a patch (flagged
    no-diff) unless its body is a quoted answer: pipermail may lose the "Re:".
    """
    if subject.is_reply:
        return Kind.REPLY
    if subject.is_cover:
        return Kind.COVER  # even with a diff: format-patch --interdiff puts one there
    if has_diff:
        return Kind.PATCH
    if subject.is_patch_marked:
        if looks_like_reply(body):
            return Kind.REPLY  # an answer that lost its "Re:" (pipermail pages do that)
        if subject.index is None:
            # "[RFC] design" or "[PULL] ..." without a diff: a discussion, not a patch;
            # as a thread root it can still become a cover letter
            return Kind.REPLY if has_parent else Kind.OTHER
        return Kind.PATCH  # numbered but diff-less: kept as a patch, flagged no-diff
    return Kind.REPLY if has_parent else Kind.OTHER


def looks_like_reply(body: str) -> bool:
    """True when a body quotes another mail ("> ..." or "On ..., X wrote:")."""
    return bool(_QUOTED_OR_ATTRIBUTION.search(body))


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


def in_window(slot: SeriesSlot, date: datetime | None) -> bool:
    """Patchwork's rule: same author/version/total, posted close together."""
    if slot.last_date is None or date is None:
        return slot.last_date is None and date is None
    return abs(date - slot.last_date) <= SERIES_WINDOW


def missing_numbers(total: int, numbers: Iterable[int]) -> list[int]:
    """Patch numbers 1..total that were not received."""
    have = set(numbers)
    return [n for n in range(1, total + 1) if n not in have]


def series_title(cover_title: str | None, patch_titles: Sequence[tuple[int, str]]) -> str:
    """The cover letter's title, else the title of the lowest-numbered patch."""
    if cover_title:
        return cover_title
    return min(patch_titles)[1] if patch_titles else ""


def find_supersedes(body: str) -> list[str]:
    """Message-IDs named by "Supersedes: <msgid>" lines in a cover or patch."""
    return [m.replace(" at ", "@") for m in _SUPERSEDES.findall(body)]


def find_base_commit(body: str) -> str | None:
    """The `base-commit:` git format-patch --base writes, if present."""
    m = _BASE_COMMIT.search(body)
    return m.group(1) if m else None


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
