"""Place covers and patches into series as they are imported.

References first: a patch whose thread leads to a cover or patch of a series
of the same version joins it. Otherwise patchwork's rule: the same submitter,
version and total within SERIES_WINDOW. Otherwise a new series. The database
is the truth; `Assembler` only caches the series that are still "open" so a
date-ordered archive costs few queries and memory stays flat.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from sqlmodel import Session

from reviewbot import store
from reviewbot.mail.diff import PatchBody
from reviewbot.mail.message import Message, parse_address
from reviewbot.mail.subject import Subject, parse_subject
from reviewbot.mail.trailers import find_trailers
from reviewbot.series.classify import Kind
from reviewbot.series.grouping import (
    SERIES_WINDOW,
    SeriesSlot,
    find_base_commit,
    fits,
    fits_any_version,
    in_window,
)
from reviewbot.series.versions import norm_title

_CACHE_LIMIT = 2000
_FIRST, _LAST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Placement:
    """A cover or patch waiting to be put into a series."""

    message_id: int
    message: Message
    subject: Subject
    kind: Kind
    body: PatchBody | None


@dataclass
class _Open:
    slot_id: int
    version: int
    total: int
    submitter: str
    last_date: datetime | None
    numbers: set[int] = field(default_factory=set)
    has_cover: bool = False

    def frozen(self) -> SeriesSlot:
        return SeriesSlot(
            self.slot_id,
            self.version,
            self.total,
            self.submitter,
            self.last_date,
            frozenset(self.numbers),
            self.has_cover,
        )


class Assembler:
    """Assigns covers and patches to series within one import run."""

    def __init__(self) -> None:
        self.by_key: dict[tuple[str, int, int], list[_Open]] = {}
        self.by_id: dict[int, _Open] = {}
        self.placed: dict[str, int] = {}  # msgid -> series id, for open series
        self.loaded_keys: set[tuple[str, int, int]] = set()
        self.created: set[int] = set()
        self.touched: set[int] = set()
        # writes are collected while a batch is placed and sent as a few executemany
        self.pending_patches: list[store.NewPatch] = []
        self.pending_series: list[store.SeriesCover | store.SeriesBaseCommit] = []
        # series opened in this batch carry a negative id until they are inserted
        self.new_series: list[tuple[_Open, store.NewSeries]] = []
        self.next_temp_id = -1

    def forget(self) -> None:
        """Drop every cached open series and pending write (kept: created, touched)."""
        self.by_key, self.by_id, self.placed = {}, {}, {}
        self.loaded_keys = set()
        self.pending_patches, self.pending_series = [], []
        self.new_series, self.next_temp_id = [], -1

    def place_all(self, items: list[Placement], *, session: Session) -> None:
        """Place a batch, oldest first, so covers and early patches open series."""
        refs = {r for item in items for r in item.message.references}
        known = store.find_placed(session=session, msgids=sorted(refs - self.placed.keys()))
        for msgid, (_mid, sid, _kind) in known.items():
            self.placed[msgid] = sid
        ordered = sorted(items, key=lambda i: (i.message.date or _LAST, i.subject.index or 0))
        pairs = [
            (item.message_id, self._place(item, session=session), item.kind.value)
            for item in ordered
        ]
        real = self._insert_new_series(session=session)
        pairs = [(mid, real.get(sid, sid), kind) for mid, sid, kind in pairs]
        store.save_patches(session=session, patches=self.pending_patches)
        store.update_many_series(session=session, updates=self.pending_series)
        self.pending_patches, self.pending_series = [], []
        store.set_message_series(session=session, pairs=pairs)
        store.mark_dirty(session=session, series_ids={sid for _m, sid, _k in pairs})
        covers = {
            item.message.msgid: sid
            for item, (_m, sid, kind) in zip(ordered, pairs, strict=True)
            if kind == Kind.COVER.value
        }
        if covers:
            self._adopt(covers, session=session)
        self._prune()

    def _adopt(self, covers: dict[str, int], *, session: Session) -> None:
        """Patches that arrived before their cover and answer it join its series.

        A cover-less series is where patches wait for a cover that arrives later;
        one whose patches name no version ("[PATCH 1/4]" under "[PATCH v3 0/4]")
        could not be found by version, so it is merged into the cover's series
        here, and the result does not depend on which mail came first.
        """
        moved: dict[int, list[int]] = {}
        for row in store.coverless_patches_answering(session=session, msgids=sorted(covers)):
            target = covers[row.ref_msgid]
            if row.series_id != target and not parse_subject(row.subject).version_given:
                moved.setdefault(target, []).append(row.id)
        if not moved:
            return
        emptied: set[int] = set()
        for target, patch_ids in moved.items():
            before = store.patch_series(session=session, patch_ids=patch_ids)
            store.move_patches(session=session, patch_ids=patch_ids, series_id=target)
            emptied |= set(before.values())
            store.mark_dirty(session=session, series_ids={target, *before.values()})
        store.drop_empty_series(session=session, series_ids=sorted(emptied))
        self.forget()  # cached open series changed under us

    def _place(self, item: Placement, *, session: Session) -> int:
        number = item.subject.index if item.subject.index is not None else 1
        is_cover = item.kind == Kind.COVER
        slot = self._by_reference(item, number, is_cover, session=session)
        if slot is None:
            slot = self._by_window(item, number, is_cover, session=session)
        if slot is None:
            slot = self._new_series(item, session=session)
        self._add(slot, item, number, session=session)
        return slot.slot_id

    def _by_reference(
        self, item: Placement, number: int, is_cover: bool, *, session: Session
    ) -> _Open | None:
        for ref in item.message.references:
            sid = self.placed.get(ref)
            if sid is None:
                continue
            slot = self._load(sid, session=session)
            if slot and fits(slot.frozen(), number, item.subject.version, is_cover):
                return slot
            sloppy = not is_cover and not item.subject.version_given
            if slot and sloppy and fits_any_version(slot.frozen(), number, item.subject.total):
                return slot
        return None

    def _by_window(
        self, item: Placement, number: int, is_cover: bool, *, session: Session
    ) -> _Open | None:
        key = self._key(item)
        if key not in self.loaded_keys:
            self._load_key(key, item.message.date, session=session)
        for slot in self.by_key.get(key, []):
            frozen = slot.frozen()
            if fits(frozen, number, item.subject.version, is_cover) and in_window(
                frozen, item.message.date
            ):
                return slot
        return None

    def _key(self, item: Placement) -> tuple[str, int, int]:
        return (item.message.from_email, item.subject.version, item.subject.total or 1)

    def _load_key(
        self, key: tuple[str, int, int], date: datetime | None, *, session: Session
    ) -> None:
        since = date - SERIES_WINDOW if date else None
        rows = store.load_slots(
            session=session, submitter=key[0], version=key[1], total=key[2], since=since
        )
        self.loaded_keys.add(key)
        slots = self.by_key.setdefault(key, [])
        for found in rows:
            if found.series_id not in self.by_id:
                slot = _Open(
                    found.series_id,
                    found.version,
                    found.total,
                    found.submitter,
                    found.last_date,
                    set(found.numbers),
                    found.has_cover,
                )
                self.by_id[slot.slot_id] = slot
                slots.append(slot)

    def _load(self, series_id: int, *, session: Session) -> _Open | None:
        if series_id in self.by_id:
            return self.by_id[series_id]
        rows = store.load_series_rows(session=session, ids=[series_id])
        if not rows:
            return None
        row = rows[0]
        key = (row.submitter_email, row.version, row.total)
        self._load_key(key, None, session=session)
        return self.by_id.get(series_id)

    def _new_series(self, item: Placement, *, session: Session) -> _Open:
        msg, subject = item.message, item.subject
        new = store.NewSeries(
            title=subject.title,
            norm_title=norm_title(subject.title),
            version=subject.version,
            version_label=subject.version_label,
            total=subject.total or 1,
            submitter_name=msg.from_name,
            submitter_email=msg.from_email,
            date=msg.date,
            last_date=msg.date,
            rfc=subject.rfc,
        )
        sid, self.next_temp_id = self.next_temp_id, self.next_temp_id - 1
        slot = _Open(sid, subject.version, subject.total or 1, msg.from_email, msg.date)
        self.by_id[sid] = slot
        self.by_key.setdefault(self._key(item), []).append(slot)
        self.new_series.append((slot, new))
        return slot

    def _insert_new_series(self, *, session: Session) -> dict[int, int]:
        """Insert the batch's new series in one statement; swap temporary ids for real."""
        if not self.new_series:
            return {}
        ids = store.save_many_series(session=session, series=[new for _s, new in self.new_series])
        real = {slot.slot_id: sid for (slot, _new), sid in zip(self.new_series, ids, strict=True)}
        for slot, _new in self.new_series:
            del self.by_id[slot.slot_id]
            slot.slot_id = real[slot.slot_id]
            self.by_id[slot.slot_id] = slot
        self.placed = {m: real.get(s, s) for m, s in self.placed.items()}
        self.touched = {real.get(s, s) for s in self.touched}
        self.created.update(real.values())
        self.pending_patches = [
            replace(p, series_id=real[p.series_id]) if p.series_id in real else p
            for p in self.pending_patches
        ]
        self.pending_series = [
            replace(u, series_id=real[u.series_id]) if u.series_id in real else u
            for u in self.pending_series
        ]
        self.new_series, self.next_temp_id = [], -1
        return real

    def _add(self, slot: _Open, item: Placement, number: int, *, session: Session) -> None:
        date = item.message.date
        if date and (slot.last_date is None or date > slot.last_date):
            slot.last_date = date
        self.placed[item.message.msgid] = slot.slot_id
        self.touched.add(slot.slot_id)
        base = find_base_commit(item.message.body)
        if item.kind == Kind.COVER:
            slot.has_cover = True
            self.pending_series.append(store.SeriesCover(slot.slot_id, item.message_id))
        else:
            slot.numbers.add(number)
            self.pending_patches.append(_new_patch(item, slot.slot_id, number))
        if base:
            self.pending_series.append(store.SeriesBaseCommit(slot.slot_id, base))

    def _prune(self) -> None:
        """Forget the oldest open series; the database still has them."""
        if len(self.by_id) <= _CACHE_LIMIT:
            return
        keep = sorted(self.by_id.values(), key=lambda s: s.last_date or _FIRST)
        drop = {s.slot_id for s in keep[: len(keep) - _CACHE_LIMIT // 2]}
        self.by_id = {k: v for k, v in self.by_id.items() if k not in drop}
        self.by_key = {}
        for slot in self.by_id.values():
            self.by_key.setdefault((slot.submitter, slot.version, slot.total), []).append(slot)
        self.loaded_keys = set()  # dropped series may match again: ask the database
        self.placed = {k: v for k, v in self.placed.items() if v not in drop}


def _new_patch(item: Placement, series_id: int, number: int) -> store.NewPatch:
    """A patch mail as its series stores it; an in-body From: names the author."""
    msg, body = item.message, item.body
    assert body is not None
    name, addr = msg.from_name, msg.from_email
    if body.inbody_from:
        name, addr = parse_address(body.inbody_from)
    return store.NewPatch(
        series_id=series_id,
        message_id=item.message_id,
        number=number,
        title=item.subject.title,
        author_name=name,
        author_email=addr,
        commit_message=body.commit_message,
        diffstat=body.diffstat,
        diff=body.diff,
        diff_error=body.diff_error if body.has_diff else "no diff in this patch mail",
        added=sum(f.added for f in body.files),
        removed=sum(f.removed for f in body.files),
        files=body.files,
        trailers=find_trailers(body.commit_message),
        body=msg.body,
    )
