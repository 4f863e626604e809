"""Linking: the concerns and races of every series whose thread changed, stored.

Run at the end of every import, scrape and watch round, and by `reviewbot
link`; never by a reader. A series is relinked when rebuild marked it
(`review_dirty`): a new reply, a new version (which settles or carries its
concerns), or a state change.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import store
from reviewbot.pipeline.workers import Workers, chunked
from reviewbot.read.versions import patch_hunks_of
from reviewbot.review.concerns import needs_next_version, review_threads
from reviewbot.review.conversation import Person
from reviewbot.review.thread import (
    Carried,
    SeriesThread,
    ThreadPatch,
    ThreadReply,
    ThreadReview,
    VersionPair,
)

_CHUNK = 200
_POOLED = 64  # fewer threads are reviewed here: starting workers would cost more
_SHARE = 16  # threads per task a worker takes


def link_dirty_series(engine: Engine, workers: Workers | None = None) -> int:
    """Link every series whose thread changed, a chunk per locked transaction; how many.

    Short transactions let a concurrent importer's batches in between chunks.
    `workers` review the threads of a chunk (this process stores them).
    """
    done = 0
    while step := store.locked_write(engine, lambda s: link_next(session=s, workers=workers)):
        done += step
    return done


def link_next(*, session: Session, workers: Workers | None = None) -> int:
    """Link the next chunk of series whose thread changed; return how many (0: none left)."""
    todo = store.review_dirty(session=session, series_ids=None)[:_CHUNK]
    if todo:
        link(todo, session=session, workers=workers)
    return len(todo)


def link(series_ids: Sequence[int], *, session: Session, workers: Workers | None = None) -> None:
    """Recompute and store the concerns and races of these series.

    Their next versions are linked again too: the concerns carried to them may
    have changed (a version chain settles in a few rounds, oldest first).
    Reviewing a thread is pure: `workers` do it, in order, when there are many, the
    range-diff of each series and its next version included.
    """
    if workers is not None and len(series_ids) >= _POOLED:
        workers.warm()  # the processes start while this one loads the chunk
    rows = {r.id: r for r in store.load_series_rows(session=session, ids=series_ids)}
    threads = _threads(series_ids, rows, session=session)
    successors = {
        t.series_id: rows[t.series_id].superseded_by_id
        for t in threads
        if rows[t.series_id].superseded_by_id and needs_next_version(t)
    }
    pairs = _version_pairs(successors, session=session)
    writer = store.ReviewWriter(session=session, series_ids=series_ids)
    # each share stored as it comes back while the workers review the next ones
    for share in _review([(t, pairs.get(t.series_id)) for t in threads], workers):
        writer.add(share)
    writer.finish()
    # a status a maintainer set outlives the relink that recreated its concern
    store.reapply_concern_statuses(session=session, series_ids=list(series_ids))
    store.mark_reviewed(session=session, series_ids=list(series_ids))
    later = {r.superseded_by_id for r in rows.values() if r.superseded_by_id} - set(series_ids)
    store.mark_review_dirty(session=session, series_ids=sorted(later))


def _review(
    items: list[tuple[SeriesThread, VersionPair | None]], workers: Workers | None
) -> Iterator[list[ThreadReview]]:
    """The reviews of these threads, in order, a worker's share at a time."""
    if workers is None or workers.jobs == 1 or len(items) < _POOLED:
        yield review_threads(items)
        return
    yield from workers.map(review_threads, chunked(items, _SHARE))


def _threads(
    series_ids: Sequence[int], rows: dict[int, Any], *, session: Session
) -> list[SeriesThread]:
    replies: dict[int, dict[int | None, list[ThreadReply]]] = {sid: {} for sid in series_ids}
    for r in store.load_placed_replies(session=session, series_ids=series_ids):
        replies[r.series_id].setdefault(r.patch_id, []).append(_reply(r))
    # the diffs replies answer, as the import parsed them: never parsed twice
    answered = sorted({pid for by_patch in replies.values() for pid in by_patch if pid})
    files = store.load_patch_files(session=session, patch_ids=answered)
    patches: dict[int, list[ThreadPatch]] = {sid: [] for sid in series_ids}
    for p in store.load_patches(session=session, series_ids=series_ids):
        author = Person(p.author_name, p.author_email)
        patches[p.series_id].append(
            ThreadPatch(p.id, p.msgid, p.diff, p.commit_message, author, files.get(p.id))
        )
    carried: dict[int, list[Carried]] = {sid: [] for sid in series_ids}
    for c in store.load_carried(session=session, series_ids=series_ids):
        if c.patch_id is not None and c.file is not None and c.hunk is not None:
            carried[c.series_id].append(
                Carried(
                    c.reply_id, c.position, c.patch_id, c.file, c.hunk, c.side, c.line, c.status
                )
            )
    return [
        SeriesThread(
            sid,
            Person(rows[sid].submitter_name, rows[sid].submitter_email),
            tuple(patches[sid]),
            {k: tuple(v) for k, v in replies[sid].items()},
            tuple(carried[sid]),
        )
        for sid in series_ids
    ]


def _reply(r: Any) -> ThreadReply:
    return ThreadReply(
        r.id, r.msgid, r.in_reply_to, r.body, r.from_name, r.from_email, r.date, r.packed
    )


def _version_pairs(successors: dict[int, int], *, session: Session) -> dict[int, VersionPair]:
    """For each series (old -> new), its hunks beside the new version's, and the new
    version's label; every series' hunks and labels loaded at once."""
    if not successors:
        return {}
    hunks = patch_hunks_of(session, sorted({*successors, *successors.values()}))
    labels = {
        r.id: r.version_label
        for r in store.load_series_rows(session=session, ids=sorted(set(successors.values())))
    }
    return {
        old: VersionPair(new, labels[new], tuple(hunks[old]), tuple(hunks[new]))
        for old, new in successors.items()
    }
