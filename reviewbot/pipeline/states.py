"""Patch and series states, and the history that led to them, as rebuild judges them.

A state is inferred from the whole thread; its history (series/history.py)
replays the same judgement mail by mail, and is what the event log records of
it: each step dated by the mail that caused it and naming it. The log's
inferred events for a series are replaced by its history at every rebuild,
so they are the same whatever order the mail arrived in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Protocol

from sqlmodel import Session

from reviewbot import store
from reviewbot.events import InferredState, inferred_events
from reviewbot.models import PatchState
from reviewbot.series.history import (
    Cause,
    History,
    Newer,
    Step,
    patch_history,
    series_history,
)
from reviewbot.series.state import Reply, Verdict, unquoted


class SeriesThread(Protocol):
    """A series being rebuilt, as judging reads it: its row, patches and replies."""

    row: Any
    patches: list[Any]
    replies: dict[int | None, list[Any]]

    @property
    def id(self) -> int:
        """The series id."""
        ...


def judge(
    work: Mapping[int, SeriesThread], newer: dict[int, tuple[int, str] | None], *, session: Session
) -> None:
    """Infer every patch's and series' state and its history, recorded as events;
    clears the dirty flag."""
    patch_updates: list[tuple[int, str, str]] = []
    series_updates: list[store.SeriesVerdict | store.SeriesRebuilt] = []
    moved: list[InferredState] = []  # the history, for the event log
    kept: set[tuple[str, int]] = set()  # states set by hand: their events stay as they are
    posted = _newer_versions(newer, session=session)
    for w in work.values():
        dated = {r.msgid: r.date or r.imported_at for rs in w.replies.values() for r in rs}
        dated.update(posted.dated)
        on_cover = [_reply(r, True) for r in w.replies.get(None, [])]
        histories: list[History] = []
        for p in w.patches:
            # a maintainer's state stands until they change it, and so does the
            # tree's once a commit carries the patch (pipeline.upstream)
            if p.state_by or p.commit_ref:
                histories.append(_held(p))
                kept.add(("patch", p.id))
                continue
            own = [_reply(r, False) for r in w.replies.get(p.id, [])]
            history = patch_history(own + on_cover, w.row.submitter_email, posted.of(w.id))
            histories.append(history)
            final = history.final
            patch_updates.append((p.id, final.state.value, final.reason))
            moved += _moves("patch", p.id, w.id, p.id, history, dated)
        if w.row.state_by:  # a maintainer's state stands
            series_updates.append(store.SeriesRebuilt(w.id))
            kept.add(("series", w.id))
            continue
        series = series_history(histories, posted.of(w.id))
        series_updates.append(
            store.SeriesVerdict(w.id, series.final.state.value, series.final.reason)
        )
        moved += _moves("series", w.id, w.id, None, series, dated)
    store.update_patch_states(session=session, rows=patch_updates)
    store.update_many_series(session=session, updates=series_updates)
    store.replace_inferred_events(
        session=session, series_ids=list(work), events=inferred_events(moved), kept=kept
    )


@dataclass(frozen=True)
class _Posted:
    """The newer versions of a chunk's series and the mail that posted each."""

    newer: dict[int, Newer]
    dated: dict[str, datetime]  # each such mail's date (its import's when it had none)

    def of(self, series_id: int) -> Newer | None:
        """The newer version of this series, if any."""
        return self.newer.get(series_id)


def _newer_versions(newer: dict[int, tuple[int, str] | None], *, session: Session) -> _Posted:
    heads = store.load_series_heads(
        session=session, ids=sorted({v[0] for v in newer.values() if v})
    )
    found: dict[int, Newer] = {}
    for sid, value in newer.items():
        if value is None:
            continue
        head = heads.get(value[0])
        found[sid] = Newer(value[1], Cause(head.msgid, head.date) if head else None)
    dated = {h.msgid: h.date or h.imported_at for h in heads.values()}
    return _Posted(found, dated)


def _held(patch: Any) -> History:
    """A state set by hand: it is the whole history rebuild knows of."""
    verdict = Verdict(PatchState(patch.state), patch.state_reason)
    return History((Step(verdict.state, verdict.reason, None),), verdict)


def _moves(
    target: str,
    target_id: int,
    series_id: int,
    patch_id: int | None,
    history: History,
    dated: dict[str, datetime],
) -> list[InferredState]:
    """A history's steps as the events that record them; a step no mail caused (an
    undated newer version) has no event."""
    return [
        InferredState(
            target,
            target_id,
            series_id,
            patch_id,
            before.state.value,
            step.state.value,
            dated[step.cause.msgid],
            step.cause.msgid,
            step.reason,
        )
        for before, step in pairwise(history.steps)
        if step.cause is not None
    ]


def _reply(row: Any, on_cover: bool) -> Reply:
    return Reply(row.msgid, row.from_name, row.from_email, row.date, unquoted(row.body), on_cover)
