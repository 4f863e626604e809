"""Trailers of a series and of each patch: one reader for the CLI, the web UI, the API and mbox."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlmodel import Session

from reviewbot.models import MESSAGE, TRAILER
from reviewbot.read.sql import rows


@dataclass(frozen=True)
class TrailerEntry:
    """A trailer: in the commit message ("patch"), given in a reply to the patch ("reply")
    or to the cover letter ("cover-reply" when listed with a patch)."""

    name: str
    value: str
    source: str
    msgid: str  # the message that carries it
    mismatch: bool  # it names somebody other than the reply's sender
    patch_id: int | None  # None: given on the cover letter, for every patch


# a patch's own trailers, then the cover letter's (patch_id NULL), which apply to all
_OF_SERIES = (
    select(TRAILER, MESSAGE.c.msgid)
    .join(MESSAGE, MESSAGE.c.id == TRAILER.c.message_id)
    .where(TRAILER.c.series_id == bindparam("series_id"))
    .order_by(TRAILER.c.id)
)
_OF_PATCH = (
    select(TRAILER, MESSAGE.c.msgid)
    .join(MESSAGE, MESSAGE.c.id == TRAILER.c.message_id)
    .where(
        TRAILER.c.series_id == bindparam("series_id"),
        or_(TRAILER.c.patch_id.is_(None), TRAILER.c.patch_id == bindparam("patch_id")),
    )
    .order_by(TRAILER.c.patch_id.is_(None), TRAILER.c.id)
)


def _entry(t: Any) -> TrailerEntry:
    return TrailerEntry(t.name, t.value, t.source, t.msgid, t.mismatch, t.patch_id)


def _as_cover(t: TrailerEntry) -> TrailerEntry:
    return replace(t, source="cover-reply")


def patch_trailers(session: Session, series_id: int, patch_id: int) -> tuple[TrailerEntry, ...]:
    """A patch's own trailers, then those given on the cover letter (source "cover-reply")."""
    found = [_entry(t) for t in rows(session, _OF_PATCH, series_id=series_id, patch_id=patch_id)]
    return tuple(t if t.patch_id is not None else _as_cover(t) for t in found)


@dataclass(frozen=True)
class SeriesTrailers:
    """Every trailer of a series, by patch; `cover` are those given to every patch."""

    cover: tuple[TrailerEntry, ...]
    by_patch: dict[int, tuple[TrailerEntry, ...]]

    def of_patch(self, patch_id: int) -> tuple[TrailerEntry, ...]:
        """What `patch_trailers` gives for one patch: its own, then the cover letter's."""
        return self.by_patch.get(patch_id, ()) + tuple(_as_cover(t) for t in self.cover)


def series_trailers(session: Session, series_id: int) -> SeriesTrailers:
    """Every trailer of a series, read once."""
    cover: list[TrailerEntry] = []
    by_patch: dict[int, list[TrailerEntry]] = {}
    for t in rows(session, _OF_SERIES, series_id=series_id):
        entry = _entry(t)
        if entry.patch_id is None:
            cover.append(entry)
        else:
            by_patch.setdefault(entry.patch_id, []).append(entry)
    return SeriesTrailers(tuple(cover), {k: tuple(v) for k, v in by_patch.items()})
