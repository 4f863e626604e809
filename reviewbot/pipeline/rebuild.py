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
from reviewbot.events import InferredState, inferred_events
from reviewbot.mail.subject import parse_subject
from reviewbot.mail.trailers import find_trailers
from reviewbot.models import PatchState, utcnow
from reviewbot.series.grouping import missing_numbers
from reviewbot.series.state import (
    Reply,
    Verdict,
    infer_patch_state,
    infer_series_state,
    unquoted,
)
from reviewbot.series.versions import VersionCandidate, find_supersedes, link_versions
from reviewbot.series.versions import norm_title as make_norm_title

_CHUNK = 500


@dataclass
class _Work:
    """One series being rebuilt; `row` is a mutable copy of its database row."""

    row: dict[str, Any]
    patches: list[Any] = field(default_factory=list)
    cover: Any | None = None
    first_refs: tuple[str, ...] = ()
    first_body: str = ""
    replies: dict[int | None, list[Any]] = field(default_factory=lambda: defaultdict(list))

    @property
    def id(self) -> int:
        return int(self.row["id"])


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
    store.update_many_series(
        session=session, updates=[(w.id, _structure(w)) for w in work.values()]
    )
    _link(work, session=session)
    _collect_replies(work, session=session)
    _judge(work, session=session)


def _load(series_ids: Sequence[int], *, session: Session) -> dict[int, _Work]:
    rows = store.load_series_rows(session=session, ids=series_ids)
    work = {row.id: _Work(dict(row._mapping)) for row in rows}
    for patch in store.load_patches(session=session, series_ids=list(work)):
        work[patch.series_id].patches.append(patch)
    covers = [w.row["cover_id"] for w in work.values() if w.row["cover_id"]]
    firsts = [w.patches[0].message_id for w in work.values() if w.patches]
    loaded = {
        row.id: (row, refs)
        for row, refs in store.load_messages(session=session, ids=covers + firsts)
    }
    for w in work.values():
        cover = loaded.get(w.row["cover_id"])
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
        if row.from_email == w.row["submitter_email"] and row.kind == "other" and not refs:
            store.set_message_kind(session=session, message_id=row.id, kind="cover", series_id=w.id)
            w.row["cover_id"] = row.id
            w.cover = row


def _structure(w: _Work) -> dict[str, Any]:
    """Title, gaps and dates from the cover and patches actually received."""
    patch_titles = [(p.number, p.title) for p in w.patches]
    title = parse_subject(w.cover.subject).title if w.cover else ""
    title = title or (min(patch_titles)[1] if patch_titles else w.row["title"])
    dates = [p.date for p in w.patches if p.date]
    if w.cover is not None and w.cover.date:
        dates.append(w.cover.date)
    values = {
        "title": title,
        "norm_title": make_norm_title(title),
        "missing": json.dumps(missing_numbers(w.row["total"], (p.number for p in w.patches))),
        "date": min(dates) if dates else w.row["date"],
        "last_date": max(dates) if dates else w.row["last_date"],
        "cover_id": w.row["cover_id"],
    }
    w.row.update(values)
    return values


def _link(work: dict[int, _Work], *, session: Session) -> None:
    """Link versions in every (submitter, title) group this chunk touches."""
    explicit = _explicit_previous(work, session=session)
    for w in work.values():
        w.row["explicit_previous_id"] = explicit.get(w.id)
    store.update_many_series(
        session=session,
        updates=[(w.id, {"explicit_previous_id": explicit.get(w.id)}) for w in work.values()],
    )
    group = _version_closure(work, session=session)
    candidates = [
        VersionCandidate(
            r["id"],
            r["submitter_email"],
            r["norm_title"],
            r["version"],
            r["date"],
            r["explicit_previous_id"],
        )
        for r in group.values()
    ]
    previous = link_versions(candidates)
    newer = {old: new for new, old in previous.items()}
    updates = []
    for sid, row in group.items():
        links = {"previous_id": previous.get(sid), "superseded_by_id": newer.get(sid)}
        if (row["previous_id"], row["superseded_by_id"]) != tuple(links.values()):
            row.update(links)
            # its state depends on the links: judge it again (this chunk clears its own)
            updates.append((sid, {**links, "dirty": True}))
    store.update_many_series(session=session, updates=updates)


def _version_closure(work: dict[int, _Work], *, session: Session) -> dict[int, dict[str, Any]]:
    """Every series connected to the chunk by title groups and explicit links.

    Linking must always see the same closed set, or two chunks that see
    different parts of it would undo each other's links forever.
    """
    group: dict[int, dict[str, Any]] = {w.id: w.row for w in work.values()}
    pending = set(group)
    while pending:
        rows = [group[i] for i in pending]
        pairs = {(r["submitter_email"], r["norm_title"]) for r in rows}
        found = list(store.load_version_group(session=session, pairs=pairs))
        ends = {r["explicit_previous_id"] for r in rows if r["explicit_previous_id"]}
        found += store.load_series_rows(session=session, ids=sorted(ends - group.keys()))
        found += store.load_explicit_successors(session=session, ids=sorted(pending))
        new = {r.id: dict(r._mapping) for r in found if r.id not in group}
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
            if versions.get(other, w.row["version"]) < w.row["version"] or msgid in named:
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
    trailer_rows: list[dict[str, Any]] = []
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
        trailer_rows.extend(_reply_trailers(row, sid, patch_id))
    unlinked = store.load_series_rows(session=session, ids=sorted(newer))
    store.mark_dirty(
        session=session,
        series_ids=[r.id for r in unlinked if not r.explicit_previous_id]
        + sorted(elsewhere - work.keys()),
    )
    store.set_reply_targets(session=session, rows=placed)
    store.replace_reply_trailers(session=session, series_ids=list(work), rows=trailer_rows)


def _reply_trailers(row: Any, series_id: int, patch_id: int | None) -> list[dict[str, Any]]:
    return [
        {
            "series_id": series_id,
            "patch_id": patch_id,
            "message_id": row.id,
            "name": t.name,
            "value": t.value,
            "person_name": t.person_name,
            "person_email": t.person_email,
            "source": "reply",
            "mismatch": bool(t.person_email) and t.person_email != row.from_email,
        }
        for t in find_trailers(row.body)
    ]


def _judge(work: dict[int, _Work], *, session: Session) -> None:
    """Infer every patch's and series' state; clears the dirty flag."""
    patch_updates: list[tuple[int, str, str]] = []
    series_updates: list[tuple[int, dict[str, Any]]] = []
    moved: list[InferredState] = []  # for the event log
    for w in work.values():
        newer_id = w.row["superseded_by_id"]
        newer = f"series #{newer_id}" if newer_id else None
        on_cover = [_reply(r, True) for r in w.replies.get(None, [])]
        verdicts: list[Verdict] = []
        for p in w.patches:
            if p.state_by:  # a maintainer's state stands until they change it
                verdicts.append(Verdict(PatchState(p.state), p.state_reason))
                continue
            own = [_reply(r, False) for r in w.replies.get(p.id, [])]
            verdict = infer_patch_state(own + on_cover, w.row["submitter_email"], newer)
            verdicts.append(verdict)
            patch_updates.append((p.id, verdict.state.value, verdict.reason))
            moved.append(InferredState("patch", p.id, w.id, p.id, p.state, verdict.state.value))
        values: dict[str, Any] = {"dirty": False, "review_dirty": True}
        if not w.row["state_by"]:
            series = infer_series_state(verdicts, newer)
            values.update(state=series.state.value, state_reason=series.reason)
            moved.append(
                InferredState("series", w.id, w.id, None, w.row["state"], series.state.value)
            )
        series_updates.append((w.id, values))
    store.update_patch_states(session=session, rows=patch_updates)
    store.update_many_series(session=session, updates=series_updates)
    store.save_events(session=session, events=inferred_events(moved, utcnow()))


def _reply(row: Any, on_cover: bool) -> Reply:
    return Reply(row.msgid, row.from_name, row.from_email, row.date, unquoted(row.body), on_cover)


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
