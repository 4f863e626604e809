"""What reviewing one series' thread takes and gives: frozen records.  (pure)

pipeline.link builds a `SeriesThread` (and the `VersionPair`, if any: the
series' hunks beside its next version's) from the database; review.concerns
range-diffs the pair into a `NextVersion`, reads them and returns a
`ThreadReview` of concerns, their places in the next version, carried statuses,
races and coverage, which store.review writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from reviewbot.mail.diff import FileDiff
from reviewbot.packed import body_from
from reviewbot.review.conversation import ConcernReply, Person, Status
from reviewbot.review.coverage import Cover
from reviewbot.review.race_links import RaceLink
from reviewbot.review.races import RaceScenario
from reviewbot.series.rangediff import HunkCounterpart, PatchHunk, SeriesPatch


@dataclass(frozen=True)
class ThreadPatch:
    """A patch of the series as review needs it."""

    id: int
    msgid: str
    diff: str
    commit_message: str
    author: Person
    files: tuple[FileDiff, ...] | None = None  # the diff as parsed at import, when at hand


@dataclass(frozen=True)
class ThreadReply:
    """A reply placed under the series' cover letter or one of its patches.

    `body` is None for a message stored without one (its text is what its bytes
    give): `packed` holds those bytes, compressed, and `text` derives the body in the
    worker that reviews the thread, not in the writer that loads every chunk.
    """

    id: int
    msgid: str
    parent: str | None  # In-Reply-To
    body: str | None
    from_name: str
    from_email: str
    date: datetime | None
    packed: bytes | None = None

    @cached_property
    def text(self) -> str:
        """The reply's body."""
        if self.body is not None:
            return self.body
        return body_from(self.packed) if self.packed is not None else ""


@dataclass(frozen=True)
class Carried:
    """A concern of an earlier version standing on this one, where it stands here."""

    reply_id: int  # the concern's key: (reply_id, position)
    position: int
    patch_id: int
    file: str
    hunk: int
    side: str | None
    line: int | None
    status: str


@dataclass(frozen=True)
class SeriesThread:
    """One series' patches, the replies placed under them (patch id None: the cover),
    its submitter, and the earlier versions' concerns standing on it."""

    series_id: int
    submitter: Person
    patches: tuple[ThreadPatch, ...]
    replies: Mapping[int | None, tuple[ThreadReply, ...]]
    carried: tuple[Carried, ...] = ()


@dataclass(frozen=True)
class NextVersion:
    """Where each hunk of this series went in the next version (the range-diff's map).

    `counterparts` maps (patch id, hunk position in the patch) to its counterpart;
    (patch id, -1) means the next version drops the whole patch.
    """

    series_id: int
    label: str  # "v2": named as the source of the statuses it sets
    counterparts: Mapping[tuple[int, int], HunkCounterpart]
    hunks: Mapping[int, tuple[PatchHunk, ...]]  # the next version's hunks by patch id


@dataclass(frozen=True)
class VersionPair:
    """A series' patches beside its next version's (that version's id and label): what
    the range-diff of the two takes. The worker reviewing the thread computes it, not
    the writer that loads and stores every chunk."""

    new_id: int
    label: str
    older: tuple[SeriesPatch, ...]
    newer: tuple[SeriesPatch, ...]


@dataclass(frozen=True)
class FoundConcern:
    """A reviewer's point, where it is anchored, its conversation and where it stands."""

    series_id: int
    patch_id: int | None
    reply_id: int
    position: int  # its order within its reply
    scope: str  # hunk, patch, series
    file: str | None
    hunk: int | None
    side: str | None
    line: int | None
    quoted_line: str | None
    kind: str
    status: str
    status_reason: str
    status_source_kind: str | None
    status_source_ref: str | None
    reviewer_name: str
    reviewer_email: str
    date: datetime | None
    text: str
    quoted: str
    evidence: str
    replies: tuple[ConcernReply, ...]


@dataclass(frozen=True)
class FoundPlace:
    """Where a concern (by its key) stands in the next version."""

    reply_id: int
    position: int
    series_id: int
    patch_id: int | None
    file: str | None
    hunk: int | None
    line: int | None
    outcome: str  # carried, addressed, dropped


@dataclass(frozen=True)
class CarriedStatus:
    """A status the next version gives to a concern carried here from an earlier one."""

    reply_id: int
    position: int
    status: Status


@dataclass(frozen=True)
class FoundRace:
    """A race scenario told in a message of the thread, with the hunks it names."""

    series_id: int
    message_id: int
    position: int
    scenario: RaceScenario
    links: tuple[RaceLink, ...]


@dataclass(frozen=True)
class ThreadReview:
    """What linking found in one series' thread, and where its concerns go next."""

    series_id: int
    concerns: tuple[FoundConcern, ...]
    races: tuple[FoundRace, ...]
    places: tuple[FoundPlace, ...] = ()
    carried_statuses: tuple[CarriedStatus, ...] = ()
    covers: tuple[Cover, ...] = ()  # the hunks each reviewer quoted or commented on
