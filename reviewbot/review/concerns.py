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

from reviewbot import store
from reviewbot.mail.diff import FileDiff, parse_diff
from reviewbot.mail.quotes import parse_quotes
from reviewbot.read import queries
from reviewbot.review.anchor import anchor_comments, classify_comment, is_answer
from reviewbot.review.race_links import link_race
from reviewbot.review.races import RaceScenario, find_races
from reviewbot.series.rangediff import HunkCounterpart, PatchHunk, diff_series, map_hunks


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
    if series_ids is not None:  # their previous versions port concerns to them
        series_ids = [*series_ids, *store.previous_versions(session=session, series_ids=series_ids)]
    if not store.review_dirty(session=session, series_ids=series_ids):
        return 0  # the common case for a reader: nothing to write, no lock to wait for
    # two readers linking the same series at once would both insert its concerns
    store.lock_writers(session=session)
    done = 0
    while todo := store.review_dirty(session=session, series_ids=series_ids)[:_CHUNK]:
        patches = store.load_patches(session=session, series_ids=todo)
        replies = store.load_placed_replies(session=session, series_ids=todo)
        rows = {r.id: r for r in store.load_series_rows(session=session, ids=todo)}
        placed: dict[int, dict[int | None, list[Any]]] = {sid: {} for sid in todo}
        for r in replies:
            placed[r.series_id].setdefault(r.patch_id, []).append(r)
        own: dict[int, list[Any]] = {sid: [] for sid in todo}
        for p in patches:
            own[p.series_id].append(p)
        threads = [
            SeriesThread(sid, rows[sid].superseded_by_id, own[sid], placed[sid]) for sid in todo
        ]
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
    ids = [t.series_id for t in threads]
    store.replace_review(session=session, series_ids=ids, concerns=concerns, races=races)
    # a status a maintainer set outlives the rebuild that recreated its concern
    store.reapply_concern_statuses(session=session, series_ids=ids)


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
                        "ported_patch_id": None,
                        "ported_file": None,
                        "ported_hunk": None,
                        "ported_line": None,
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
        counterparts, newer = _counterparts(thread.series_id, thread.superseded_by, session=session)
        for c in followed:
            _follow(c, counterparts, files, newer)
    for c in concerns:
        c.pop("_reply")


def _counterparts(
    old: int, new: int, *, session: Session
) -> tuple[dict[tuple[int, int], HunkCounterpart], dict[int, tuple[PatchHunk, ...]]]:
    """Where each old hunk went, and the next version's hunks by patch id."""
    newer = queries.load_patch_hunks(session, new)
    diff = diff_series(queries.load_patch_hunks(session, old), newer)
    mapping = map_hunks(diff)
    for patch in diff.patches:  # a dropped patch keeps no hunk: mark it whole
        if patch.status == "dropped" and patch.old_key is not None:
            mapping[(patch.old_key, -1)] = HunkCounterpart(None, None, "dropped")
    return mapping, {p.key: p.hunks for p in newer}


def _follow(
    c: dict[str, Any],
    counterparts: dict[tuple[int, int], HunkCounterpart],
    files: dict[int, tuple[FileDiff, ...]],
    newer: dict[int, tuple[PatchHunk, ...]],
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
    elif there.new_patch is not None and there.new_index is not None:
        _port(c, files.get(patch_id, ()), newer.get(there.new_patch, ()), there)


def _port(
    c: dict[str, Any],
    old_files: Sequence[FileDiff],
    new_hunks: Sequence[PatchHunk],
    there: HunkCounterpart,
) -> None:
    """Pin a still-standing concern to the same hunk of the next version, line shifted."""
    assert there.new_index is not None
    if there.new_index >= len(new_hunks):
        return
    target = new_hunks[there.new_index]
    old = next((f.hunks[c["hunk"]] for f in old_files if f.path == c["file"]), None)
    shift = 0
    if old is not None:
        shift = (
            target.old_start - old.old_start
            if c["side"] == "old"
            else target.new_start - old.new_start
        )
    c["ported_patch_id"] = there.new_patch
    c["ported_file"] = target.file
    c["ported_hunk"] = sum(1 for h in new_hunks[: there.new_index] if h.file == target.file)
    c["ported_line"] = c["line"] + shift if c["line"] is not None else None
    if c["status"] == "open":
        c["status_reason"] = "carried to the next version, where the hunk is unchanged"


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
    found = [(r, find_races(r.body)) for replies in thread.replies.values() for r in replies]
    # a race quoted from a message we also have is that message's race, told once
    own = {_steps_key(race) for _r, races in found for race in races if race.depth == 0}
    for reply, races in found:
        for position, race in enumerate(races):
            if race.depth > 0 and _steps_key(race) in own:
                continue
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


def _steps_key(race: RaceScenario) -> tuple[str, ...]:
    return tuple(" ".join(step.text.split()) for step in race.steps)
