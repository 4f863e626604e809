"""Rebuild what a series derives from its thread: cover, gaps, replies, trailers,
versions and state.

Import marks a series dirty whenever a message touches it; `rebuild_dirty`
recomputes those series from the database, so the result does not depend on
the order mail arrived in, and an interrupted import is completed by a re-run.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from reviewbot import store
from reviewbot.series import VersionCandidate, find_supersedes, link_versions, missing_numbers
from reviewbot.series import norm_title as make_norm_title
from reviewbot.state import Reply, Verdict, infer_patch_state, infer_series_state, unquoted
from reviewbot.subject import parse_subject
from reviewbot.trailers import find_trailers

_CHUNK = 200


@dataclass
class _Work:
    """One series being rebuilt."""

    row: Any
    patches: list[Any] = field(default_factory=list)
    cover: tuple[Any, tuple[str, ...]] | None = None
    first_refs: tuple[str, ...] = ()
    first_body: str = ""
    replies: dict[int | None, list[Any]] = field(default_factory=lambda: defaultdict(list))


def rebuild_dirty(*, session: Session) -> int:
    """Rebuild every dirty series; return how many rebuilds were done."""
    done = 0
    while ids := store.load_dirty_series(session=session, limit=_CHUNK):
        rebuild(ids, session=session)
        done += len(ids)
    return done


def rebuild(series_ids: Sequence[int], *, session: Session) -> None:
    """Recompute the derived fields of these series and clear their dirty flag."""
    work = _load(series_ids, session=session)
    for item in work.values():
        _find_cover(item, session=session)
        _save_structure(item, session=session)
    _link(work, session=session)
    _collect_replies(work, session=session)
    rows = store.load_series_rows(session=session, ids=list(work))
    superseded = {r.id: r.superseded_by_id for r in rows}
    for item in work.values():
        _judge(item, superseded.get(item.row.id), session=session)


def _load(series_ids: Sequence[int], *, session: Session) -> dict[int, _Work]:
    work = {row.id: _Work(row) for row in store.load_series_rows(session=session, ids=series_ids)}
    for patch in store.load_patches(session=session, series_ids=list(work)):
        work[patch.series_id].patches.append(patch)
    covers = [w.row.cover_id for w in work.values() if w.row.cover_id]
    by_id = {row.id: (row, refs) for row, refs in store.load_messages(session=session, ids=covers)}
    firsts = [w.patches[0].message_id for w in work.values() if w.patches]
    first_msgs = {
        row.id: (row, refs) for row, refs in store.load_messages(session=session, ids=firsts)
    }
    for w in work.values():
        if w.row.cover_id in by_id:
            w.cover = by_id[w.row.cover_id]
        first = w.cover or (first_msgs.get(w.patches[0].message_id) if w.patches else None)
        if first:
            w.first_refs, w.first_body = first[1], first[0].body
    return work


def _find_cover(item: _Work, *, session: Session) -> None:
    """No 0/N mail: a thread root written by the submitter serves as the cover."""
    if item.cover or not item.first_refs:
        return
    root = item.first_refs[0]
    found = store.load_messages(session=session, ids=_ids_of(root, session=session))
    for row, refs in found:
        if row.from_email == item.row.submitter_email and row.kind == "other" and not refs:
            store.set_message_kind(
                session=session, message_id=row.id, kind="cover", series_id=item.row.id
            )
            store.update_series(session=session, series_id=item.row.id, values={"cover_id": row.id})
            item.cover = (row, refs)


def _ids_of(msgid: str, *, session: Session) -> list[int]:
    return store.message_ids(session=session, msgids=[msgid])


def _save_structure(item: _Work, *, session: Session) -> None:
    row = item.row
    patch_titles = [(p.number, p.title) for p in item.patches]
    title = parse_subject(item.cover[0].subject).title if item.cover else ""
    title = title or (min(patch_titles)[1] if patch_titles else row.title)
    dates = [p.date for p in item.patches if p.date] + (
        [item.cover[0].date] if item.cover and item.cover[0].date else []
    )
    values = {
        "title": title,
        "norm_title": make_norm_title(title),
        "missing": json.dumps(missing_numbers(row.total, (p.number for p in item.patches))),
        "date": min(dates) if dates else row.date,
        "last_date": max(dates) if dates else row.last_date,
    }
    store.update_series(session=session, series_id=row.id, values=values)
    item.row = store.load_series_rows(session=session, ids=[row.id])[0]


def _link(work: dict[int, _Work], *, session: Session) -> None:
    """Link versions in every (submitter, title) group this chunk touches."""
    pairs = {(w.row.submitter_email, w.row.norm_title) for w in work.values()}
    group = {row.id: row for row in store.load_version_group(session=session, pairs=pairs)}
    explicit = {sid: _explicit_previous(w, session=session) for sid, w in work.items()}
    for sid, row in group.items():
        if sid not in explicit and row.previous_id and row.previous_id not in group:
            explicit[sid] = row.previous_id
    for prev in explicit.values():
        if prev is not None and prev not in group:
            group.update({r.id: r for r in store.load_series_rows(session=session, ids=[prev])})
    candidates = [
        VersionCandidate(
            r.id, r.submitter_email, r.norm_title, r.version, r.date, explicit.get(r.id)
        )
        for r in group.values()
    ]
    previous = link_versions(candidates)
    newer = {old: new for new, old in previous.items()}
    for sid, row in group.items():
        values = {"previous_id": previous.get(sid), "superseded_by_id": newer.get(sid)}
        if (row.previous_id, row.superseded_by_id) != (
            values["previous_id"],
            values["superseded_by_id"],
        ):
            values["dirty"] = True  # its state depends on the links: judge it again
            store.update_series(session=session, series_id=sid, values=values)


def _explicit_previous(item: _Work, *, session: Session) -> int | None:
    """A series named by Supersedes:, or the older version this one replies to."""
    wanted = find_supersedes(item.first_body) + list(reversed(item.first_refs))
    placed = store.find_placed(session=session, msgids=wanted)
    for msgid in wanted:
        if msgid in placed and placed[msgid][1] != item.row.id:
            other = store.load_series_rows(session=session, ids=[placed[msgid][1]])[0]
            if other.version < item.row.version or msgid in find_supersedes(item.first_body):
                return int(other.id)
    return None


def _collect_replies(work: dict[int, _Work], *, session: Session) -> None:
    """Place each reply under the nearest patch or cover it answers."""
    targets: dict[str, tuple[int, int | None]] = {}
    for sid, w in work.items():
        if w.cover:
            targets[w.cover[0].msgid] = (sid, None)
        for p in w.patches:
            targets[p.msgid] = (sid, p.id)
    trailer_rows = []
    placed: list[tuple[int, int, int | None]] = []
    for row, refs in store.load_messages_by_ref(session=session, msgids=list(targets)):
        if row.kind not in ("reply", "other") or row.parse_error:
            continue
        hit = next((targets[r] for r in reversed(refs) if r in targets), None)
        if hit is None:
            continue
        sid, patch_id = hit
        work[sid].replies[patch_id].append(row)
        placed.append((row.id, sid, patch_id))
        trailer_rows.extend(_reply_trailers(row, sid, patch_id))
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


def _judge(item: _Work, superseded_by: int | None, *, session: Session) -> None:
    newer = f"series #{superseded_by}" if superseded_by else None
    on_cover = [_reply(r, True) for r in item.replies.get(None, [])]
    verdicts: list[Verdict] = []
    updates = []
    for p in item.patches:
        own = [_reply(r, False) for r in item.replies.get(p.id, [])]
        verdict = infer_patch_state(own + on_cover, item.row.submitter_email, newer)
        verdicts.append(verdict)
        updates.append((p.id, verdict.state.value, verdict.reason))
    store.update_patch_states(session=session, rows=updates)
    series = infer_series_state(verdicts, newer)
    store.update_series(
        session=session,
        series_id=item.row.id,
        values={"state": series.state.value, "state_reason": series.reason, "dirty": False},
    )


def _reply(row: Any, on_cover: bool) -> Reply:
    return Reply(row.msgid, row.from_name, row.from_email, row.date, unquoted(row.body), on_cover)
