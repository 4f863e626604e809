"""Rebuild what a series derives from its thread: cover, gaps, replies, trailers,
versions and state.

Import marks a series dirty whenever a message touches it; `rebuild_dirty`
recomputes those series from the database, so the result does not depend on
the order mail arrived in, and an interrupted import is completed by a re-run.
Work is done a chunk of series at a time with a fixed number of statements
per chunk, not per series.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import store
from reviewbot.mail.subject import parse_subject
from reviewbot.mail.trailers import find_trailers
from reviewbot.pipeline.states import judge
from reviewbot.series.grouping import missing_numbers
from reviewbot.series.versions import VersionCandidate, find_supersedes, link_versions
from reviewbot.series.versions import norm_title as make_norm_title

_CHUNK = 500


@dataclass
class _Work:
    """One series being rebuilt: its stored row, as loaded, and what it gathers."""

    row: Any  # the series row; what rebuild computes goes to typed updates instead
    cover_id: int | None
    patches: list[Any] = field(default_factory=list)
    cover: Any | None = None
    first_refs: tuple[str, ...] = ()
    first_body: str = ""
    replies: dict[int | None, list[Any]] = field(default_factory=lambda: defaultdict(list))

    @property
    def id(self) -> int:
        """The series id."""
        return int(self.row.id)


@dataclass(frozen=True)
class _Linkable:
    """A series as version linking sees it, with the links it has now."""

    candidate: VersionCandidate
    previous_id: int | None
    superseded_by_id: int | None


def rebuild_dirty(*, session: Session) -> int:
    """Rebuild every dirty series; return how many rebuilds were done.

    Linking can re-dirty a neighbour once; the budget only guards against a
    bug turning that into an endless loop (what is left stays dirty).
    """
    done = 0
    budget = 4 * store.count_dirty(session=session) + 1000
    while done < budget and (step := rebuild_next(session=session)):
        done += step
    return done


def rebuild_next(*, session: Session) -> int:
    """Rebuild the next chunk of dirty series; return how many (0: none left)."""
    ids = store.load_dirty_series(session=session, limit=_CHUNK)
    if ids:
        rebuild(ids, session=session)
    return len(ids)


def rebuild(series_ids: Sequence[int], *, session: Session) -> None:
    """Recompute the derived fields of these series and clear their dirty flag."""
    work = _load(series_ids, session=session)
    _find_covers(work, session=session)
    structures = {sid: _structure(w) for sid, w in work.items()}
    store.update_many_series(session=session, updates=list(structures.values()))
    newer = _link(work, structures, session=session)
    _collect_replies(work, session=session)
    judge(work, newer, session=session)
    # linking follows each concern into the next version (addressed there, dropped,
    # carried): what a version holds decides the fate of the concerns on the one it
    # supersedes, so those are linked again too (a v2 patch arriving after v1's
    # review had left that review's concern on it "dropped" for good)
    earlier = store.previous_versions(session=session, series_ids=list(work))
    store.mark_review_dirty(session=session, series_ids=earlier)


def _load(series_ids: Sequence[int], *, session: Session) -> dict[int, _Work]:
    rows = store.load_series_rows(session=session, ids=series_ids)
    work = {row.id: _Work(row, row.cover_id) for row in rows}
    for patch in store.load_patches(session=session, series_ids=list(work)):
        work[patch.series_id].patches.append(patch)
    covers = [w.cover_id for w in work.values() if w.cover_id]
    firsts = [w.patches[0].message_id for w in work.values() if w.patches]
    loaded = {
        row.id: (row, refs)
        for row, refs in store.load_messages(session=session, ids=covers + firsts)
    }
    for w in work.values():
        cover = loaded.get(w.cover_id)
        w.cover = cover[0] if cover else None
        first = cover or (loaded.get(w.patches[0].message_id) if w.patches else None)
        if first:
            w.first_refs, w.first_body = first[1], first[0].body
    return work


def _find_covers(work: dict[int, _Work], *, session: Session) -> None:
    """No 0/N mail: a thread root written by the submitter serves as the cover."""
    wanted = {w.first_refs[0]: w for w in work.values() if not w.cover and w.first_refs}
    if not wanted:
        return
    ids = store.message_ids(session=session, msgids=list(wanted))
    for row, refs in store.load_messages(session=session, ids=ids):
        w = wanted[row.msgid]
        if row.from_email == w.row.submitter_email and row.kind == "other" and not refs:
            store.set_message_kind(session=session, message_id=row.id, kind="cover", series_id=w.id)
            w.cover_id = row.id
            w.cover = row


def _structure(w: _Work) -> store.SeriesStructure:
    """Title, gaps and dates from the cover and patches actually received."""
    patch_titles = [(p.number, p.title) for p in w.patches]
    title = parse_subject(w.cover.subject).title if w.cover else ""
    title = title or (min(patch_titles)[1] if patch_titles else w.row.title)
    dates = [p.date for p in w.patches if p.date]
    if w.cover is not None and w.cover.date:
        dates.append(w.cover.date)
    return store.SeriesStructure(
        series_id=w.id,
        title=title,
        norm_title=make_norm_title(title),
        missing=json.dumps(missing_numbers(w.row.total, (p.number for p in w.patches))),
        date=min(dates) if dates else w.row.date,
        last_date=max(dates) if dates else w.row.last_date,
        cover_id=w.cover_id,
    )


def _link(
    work: dict[int, _Work], structures: dict[int, store.SeriesStructure], *, session: Session
) -> dict[int, tuple[int, str] | None]:
    """Link versions in every (submitter, title) group this chunk touches.

    Returns the newer version of each series of the chunk (its id and "v2"), after
    linking.
    """
    explicit = _explicit_previous(work, session=session)
    store.update_many_series(
        session=session,
        updates=[store.SeriesExplicitPrevious(sid, explicit.get(sid)) for sid in work],
    )
    own = {sid: _linkable_work(w, structures[sid], explicit.get(sid)) for sid, w in work.items()}
    group = _version_closure(own, session=session)
    previous = link_versions([g.candidate for g in group.values()])
    newer = {old: new for new, old in previous.items()}
    # its state depends on the links: judge it again (this chunk clears its own)
    updates = [
        store.SeriesLinks(sid, previous.get(sid), newer.get(sid))
        for sid, g in group.items()
        if (g.previous_id, g.superseded_by_id) != (previous.get(sid), newer.get(sid))
    ]
    store.update_many_series(session=session, updates=updates)
    # the first mail of a version dates the events of the one it supersedes: when that
    # mail may have changed (a cover, an earlier patch arrived), the older is judged again
    older = [
        previous.get(sid) for sid, w in work.items() if _head_may_have_moved(w, structures[sid])
    ]
    store.mark_dirty(session=session, series_ids=sorted({o for o in older if o and o not in work}))
    # named by version, not row id: ids depend on the order mail arrived in
    versions = {sid: g.candidate.version for sid, g in group.items()}
    return {sid: (n, f"v{versions[n]}") if (n := newer.get(sid)) else None for sid in work}


def _head_may_have_moved(w: _Work, structure: store.SeriesStructure) -> bool:
    """Whether the series' first mail may differ from the last rebuild's (its earliest
    date or its cover changed; two first mails of the very same second are not told)."""
    return structure.cover_id != w.row.cover_id or structure.date != w.row.date


def _linkable_work(
    w: _Work, structure: store.SeriesStructure, explicit_previous: int | None
) -> _Linkable:
    """A series of the chunk as linking sees it: with its title and dates just rebuilt."""
    r = w.row
    candidate = VersionCandidate(
        w.id, r.submitter_email, structure.norm_title, r.version, structure.date, explicit_previous
    )
    return _Linkable(candidate, r.previous_id, r.superseded_by_id)


def _linkable(r: Any) -> _Linkable:
    """A stored series row as linking sees it."""
    candidate = VersionCandidate(
        r.id, r.submitter_email, r.norm_title, r.version, r.date, r.explicit_previous_id
    )
    return _Linkable(candidate, r.previous_id, r.superseded_by_id)


def _version_closure(own: dict[int, _Linkable], *, session: Session) -> dict[int, _Linkable]:
    """The chunk's series and every series connected to them by title or explicit links.

    Linking must always see the same closed set, or two chunks that see
    different parts of it would undo each other's links forever.
    """
    group = dict(own)
    pending = set(group)
    while pending:
        candidates = [group[i].candidate for i in pending]
        pairs = {(c.submitter, c.norm_title) for c in candidates}
        found = list(store.load_version_group(session=session, pairs=pairs))
        ends = {c.explicit_previous for c in candidates if c.explicit_previous}
        found += store.load_series_rows(session=session, ids=sorted(ends - group.keys()))
        found += store.load_explicit_successors(session=session, ids=sorted(pending))
        new = {r.id: _linkable(r) for r in found if r.id not in group}
        group.update(new)
        pending = set(new)
    return group


def _explicit_previous(work: dict[int, _Work], *, session: Session) -> dict[int, int]:
    """Series named by Supersedes:, or the older version a series replies to."""
    wanted = {
        w.id: find_supersedes(w.first_body) + list(reversed(w.first_refs)) for w in work.values()
    }
    placed = store.find_placed(
        session=session, msgids=sorted({m for ms in wanted.values() for m in ms})
    )
    others = {sid for _mid, sid, _k in placed.values()}
    versions = {
        r.id: r.version for r in store.load_series_rows(session=session, ids=sorted(others))
    }
    found: dict[int, int] = {}
    for w in work.values():
        named = set(find_supersedes(w.first_body))
        for msgid in wanted[w.id]:
            other = placed[msgid][1] if msgid in placed else None
            if other is None or other == w.id:
                continue
            if versions.get(other, w.row.version) < w.row.version or msgid in named:
                found[w.id] = other
                break
    return found


def _collect_replies(work: dict[int, _Work], *, session: Session) -> None:
    """Place each reply under the nearest patch or cover it answers."""
    targets: dict[str, tuple[int, int | None]] = {}
    for w in work.values():
        if w.cover is not None:
            targets[w.cover.msgid] = (w.id, None)
        for p in w.patches:
            targets[p.msgid] = (w.id, p.id)
    trailers: list[store.ReplyTrailer] = []
    placed: list[tuple[int, int, int | None]] = []
    newer: set[int] = set()
    elsewhere: set[int] = set()
    found = store.load_messages_by_ref(session=session, msgids=list(targets))
    # the nearest cover/patch among ALL placed messages decides, not just this chunk's:
    # a v2 review that also names v1's cover belongs to v2
    outside = sorted({r for _row, refs in found for r in refs} - targets.keys())
    placed_anywhere = store.find_placed(session=session, msgids=outside)
    placed_anywhere.update({m: (0, sid, "") for m, (sid, _pid) in targets.items()})
    for row, refs in found:
        if row.kind in ("cover", "patch") and row.series_id not in work:
            newer.add(row.series_id)  # a later version posted in reply to this one
        if row.kind not in ("reply", "other") or row.parse_error:
            continue
        nearest = next((r for r in reversed(refs) if r in placed_anywhere), None)
        if nearest is None:
            continue
        if nearest not in targets:
            owner = placed_anywhere[nearest][1]
            if row.series_id != owner:
                elsewhere.add(owner)  # not claimed yet: that series will take it
            continue
        sid, patch_id = targets[nearest]
        work[sid].replies[patch_id].append(row)
        placed.append((row.id, sid, patch_id))
        trailers.extend(_reply_trailers(row, sid, patch_id))
    unlinked = store.load_series_rows(session=session, ids=sorted(newer))
    store.mark_dirty(
        session=session,
        series_ids=[r.id for r in unlinked if not r.explicit_previous_id]
        + sorted(elsewhere - work.keys()),
    )
    store.set_reply_targets(session=session, rows=placed)
    store.replace_reply_trailers(session=session, series_ids=list(work), trailers=trailers)


def _reply_trailers(row: Any, series_id: int, patch_id: int | None) -> list[store.ReplyTrailer]:
    """The trailers a reply gives; one naming someone else than its sender is flagged."""
    return [
        store.ReplyTrailer(
            series_id=series_id,
            patch_id=patch_id,
            message_id=row.id,
            name=t.name,
            value=t.value,
            person_name=t.person_name,
            person_email=t.person_email,
            mismatch=bool(t.person_email) and t.person_email != row.from_email,
        )
        for t in find_trailers(row.body)
    ]


def rebuild_dirty_series(engine: Engine) -> int:
    """Rebuild every dirty series, one chunk per locked transaction; return how many.

    Short transactions let a concurrent importer's batches in between chunks.
    The budget only guards against a bug re-dirtying series forever.
    """
    with Session(engine) as session:
        budget = 4 * store.count_dirty(session=session) + 1000
    done = 0
    while done < budget and (step := store.locked_write(engine, lambda s: rebuild_next(session=s))):
        done += step
    return done
