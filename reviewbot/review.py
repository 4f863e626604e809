"""Concerns and race scenarios of a series, and where each concern stands.

Run by rebuild for every series it rebuilds, so they follow the thread:
each reply's comment blocks become concerns anchored by link.py; race
scenarios come from races.py; statuses are `open`, `answered` (somebody
other than the reviewer quotes it back in a later reply), `addressed` (the
next version changes the anchored hunk) or `dropped` (the next version drops
the patch); acks are `approval`s and plain information is `noted`, never open.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlmodel import Session

from reviewbot import queries, store
from reviewbot.diff import FileDiff, parse_diff
from reviewbot.link import anchor_comments, classify_comment, is_answer
from reviewbot.quotes import parse_quotes
from reviewbot.races import find_races, link_race
from reviewbot.rangediff import HunkCounterpart, diff_series, map_hunks


class _Files(dict[int, tuple[FileDiff, ...]]):
    """Parsed diffs by patch id, parsed on first use: most patches get no reply."""

    def __init__(self, patches: Sequence[Any]) -> None:
        super().__init__()
        self._diffs = {p.id: p.diff for p in patches}

    def __missing__(self, patch_id: int) -> tuple[FileDiff, ...]:
        diff = self._diffs.get(patch_id) or ""
        parsed = parse_diff(diff)[0] if diff else ()
        self[patch_id] = parsed
        return parsed

    def get(self, patch_id: Any, default: Any = None) -> Any:  # type: ignore[override]
        return self[patch_id] if patch_id in self._diffs else default


@dataclass(frozen=True)
class SeriesThread:
    """What review needs of one series: its patches and the replies placed under them."""

    series_id: int
    superseded_by: int | None
    patches: Sequence[Any]  # rows with id, msgid, diff, commit_message
    replies: dict[int | None, list[Any]]  # patch id (None: cover letter) -> message rows


def ensure_linked(*, session: Session, series_ids: Sequence[int] | None = None) -> int:
    """Link the concerns and races of series whose thread changed; return how many.

    On demand rather than during import: linking costs more than importing, and
    only the series somebody looks at need it (`reviewbot link` does them all).
    """
    if not store.review_dirty(session=session, series_ids=series_ids):
        return 0  # the common case for a reader: nothing to write, no lock to wait for
    # two readers linking the same series at once would both insert its concerns
    store.lock_writers(session=session)
    done = 0
    while todo := store.review_dirty(session=session, series_ids=series_ids)[:_CHUNK]:
        patches = store.load_patches(session=session, series_ids=todo)
        replies = store.load_placed_replies(session=session, series_ids=todo)
        rows = {r.id: r for r in store.load_series_rows(session=session, ids=todo)}
        threads = []
        for sid in todo:
            placed: dict[int | None, list[Any]] = {}
            for r in replies:
                if r.series_id == sid:
                    placed.setdefault(r.patch_id, []).append(r)
            own = [p for p in patches if p.series_id == sid]
            threads.append(SeriesThread(sid, rows[sid].superseded_by_id, own, placed))
        refresh(threads, session=session)
        store.mark_reviewed(session=session, series_ids=todo)
        done += len(todo)
    return done


_CHUNK = 200


def refresh(threads: Sequence[SeriesThread], *, session: Session) -> None:
    """Recompute and store the concerns and races of these series."""
    concerns: list[dict[str, Any]] = []
    races: list[dict[str, Any]] = []
    for thread in threads:
        files = _Files(thread.patches)
        found = _concerns(thread, files)
        _set_statuses(found, thread, files, session=session)
        concerns.extend(found)
        races.extend(_races(thread, files))
    store.replace_review(
        session=session, series_ids=[t.series_id for t in threads], concerns=concerns, races=races
    )


def _concerns(thread: SeriesThread, files: dict[int, tuple[FileDiff, ...]]) -> list[dict[str, Any]]:
    by_id = {p.id: p for p in thread.patches}
    out = []
    for patch_id, replies in thread.replies.items():
        patch = by_id.get(patch_id) if patch_id is not None else None
        for reply in replies:
            comments = anchor_comments(
                parse_quotes(reply.body),
                files.get(patch_id, ()) if patch_id is not None else (),
                patch.commit_message if patch is not None else "",
            )
            for position, comment in enumerate(comments):
                kind, why = classify_comment(comment.text)
                anchor = comment.anchor
                out.append(
                    {
                        "series_id": thread.series_id,
                        "patch_id": patch_id,
                        "reply_id": reply.id,
                        "position": position,
                        "scope": "hunk" if anchor else ("patch" if patch_id else "series"),
                        "file": anchor.file if anchor else None,
                        "hunk": anchor.hunk if anchor else None,
                        "side": anchor.side if anchor else None,
                        "line": anchor.line if anchor else None,
                        "quoted_line": anchor.quoted_line if anchor else None,
                        "kind": kind,
                        "status": _initial_status(kind),
                        "status_reason": "",
                        "reviewer_name": reply.from_name,
                        "reviewer_email": reply.from_email,
                        "date": reply.date,
                        "text": comment.text,
                        "quoted": "\n".join(comment.quoted_context),
                        "evidence": f"{comment.evidence}; kind: {why}",
                        "_reply": reply,
                    }
                )
    return out


def _initial_status(kind: str) -> str:
    """Acks are approvals and plain information is noted: neither waits for anyone."""
    return {"approval": "approval", "information": "noted"}.get(kind, "open")


def _set_statuses(
    concerns: list[dict[str, Any]],
    thread: SeriesThread,
    files: dict[int, tuple[FileDiff, ...]],
    *,
    session: Session,
) -> None:
    everyone = [r for replies in thread.replies.values() for r in replies]
    for c in concerns:
        if c["status"] != "open":
            continue
        reply = c["_reply"]
        for later in everyone:
            if (
                later.date
                and reply.date
                and later.date > reply.date
                and later.from_email != reply.from_email
                and is_answer(later.body, c["text"])
            ):
                c["status"] = "answered"
                c["status_reason"] = f"{later.from_name} answered in {later.msgid}"
                break
    followed = [
        c for c in concerns if c["patch_id"] is not None and c["status"] in ("open", "answered")
    ]
    if thread.superseded_by and followed:
        counterparts = _counterparts(thread.series_id, thread.superseded_by, session=session)
        for c in followed:
            _follow(c, counterparts, files)
    for c in concerns:
        c.pop("_reply")


def _counterparts(
    old: int, new: int, *, session: Session
) -> dict[tuple[int, int], HunkCounterpart]:
    diff = diff_series(
        queries.load_patch_hunks(session, old), queries.load_patch_hunks(session, new)
    )
    mapping = map_hunks(diff)
    for patch in diff.patches:  # a dropped patch keeps no hunk: mark it whole
        if patch.status == "dropped" and patch.old_key is not None:
            mapping[(patch.old_key, -1)] = HunkCounterpart(None, None, "dropped")
    return mapping


def _follow(
    c: dict[str, Any],
    counterparts: dict[tuple[int, int], HunkCounterpart],
    files: dict[int, tuple[FileDiff, ...]],
) -> None:
    """Carry a concern to the next version: addressed if its hunk changed there."""
    patch_id = c["patch_id"]
    if patch_id is None or c["status"] in ("approval", "noted"):
        return
    if (patch_id, -1) in counterparts:
        c["status"], c["status_reason"] = "dropped", "the next version drops this patch"
        return
    if c["file"] is None:
        return
    index = _patch_wide_index(files.get(patch_id, ()), c["file"], c["hunk"])
    there = counterparts.get((patch_id, index)) if index is not None else None
    if there is None:
        return
    if there.status in ("changed", "dropped"):
        c["status"] = "addressed"
        c["status_reason"] = (
            f"the next version {'changes' if there.status == 'changed' else 'drops'} this hunk"
        )
    elif c["status"] == "open":
        c["status_reason"] = (
            f"carried to the next version: patch {there.new_patch} hunk {there.new_index}"
        )


def _patch_wide_index(files: Sequence[FileDiff], path: str, hunk: int | None) -> int | None:
    """A hunk's position in its patch (rangediff's key) from its file and index in the file."""
    position = 0
    for f in files:
        if f.path == path and hunk is not None and hunk < len(f.hunks):
            return position + hunk
        position += len(f.hunks)
    return None


def _races(thread: SeriesThread, files: dict[int, tuple[FileDiff, ...]]) -> list[dict[str, Any]]:
    out = []
    targets: list[tuple[str, tuple[FileDiff, ...]]] | None = None
    for replies in thread.replies.values():
        for reply in replies:
            for position, race in enumerate(find_races(reply.body)):
                if targets is None:  # parse the diffs only when a race needs them
                    targets = [(p.msgid, files[p.id]) for p in thread.patches]
                links = link_race(race, targets, reply.body)
                out.append(
                    {
                        "series_id": thread.series_id,
                        "message_id": reply.id,
                        "position": position,
                        "depth": race.depth,
                        "steps": json.dumps([asdict(s) for s in race.steps]),
                        "actors": json.dumps(list(race.actors)),
                        "identifiers": json.dumps(list(race.identifiers)),
                        "outcome": race.outcome,
                        "alternatives": json.dumps([asdict(a) for a in race.alternatives]),
                        "links": json.dumps([asdict(link) for link in links]),
                        "evidence": json.dumps(list(race.evidence)),
                    }
                )
    return out
