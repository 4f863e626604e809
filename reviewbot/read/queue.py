"""My queue: what waits for a person, the one answer the /me page, `GET /api/v1/me/queue`
and `reviewbot queue` all give.

A person is their name (a token's user) and the addresses they write from (their
account). Their queue holds the series, not archived, that:

- touch a path they watch (`watched`);
- are delegated to them, or have a patch delegated to them (`delegated`);
- wait on their reply: a concern they raised got an answer (`answered`), or a
  reviewer's question on their own patch is open (`question`);
- hold a concern they raised that is still open (`raised`), waiting on its author;
- are theirs and got review from others after their last word (`new-review`).

A series no longer under review (accepted, superseded, rejected) stays only for its
concerns. Each reason says since when it waits; the series that waited longest
come first.
`watched` lists, apart, the newest series on their watched paths in any state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session

from reviewbot.globs import glob_prefix
from reviewbot.models import CONCERN, EVENT, FILE, MESSAGE, PATCH, SERIES, PatchState
from reviewbot.read.accounts import AccountInfo, account_of
from reviewbot.read.series import SeriesSummary, series_summaries
from reviewbot.read.sql import rows
from reviewbot.series.watch import matches

OPEN_STATES = (PatchState.NEW, PatchState.UNDER_REVIEW, PatchState.CHANGES_REQUESTED)
WATCHED_SHOWN = 20
CONCERN_KINDS = ("answered", "question", "raised")


@dataclass(frozen=True)
class Reason:
    """Why a series is in the queue, and since when it waits."""

    kind: str  # watched, delegated, answered, question, raised, new-review
    text: str
    since: datetime | None
    patch_id: int | None = None
    concern_id: int | None = None


@dataclass(frozen=True)
class QueueItem:
    """A series in the queue with every reason it is there."""

    series: SeriesSummary
    reasons: tuple[Reason, ...]

    @property
    def waiting_since(self) -> datetime | None:
        """The oldest of its reasons' dates."""
        dates = [r.since for r in self.reasons if r.since is not None]
        return min(dates) if dates else None


@dataclass(frozen=True)
class WatchedSeries:
    """A series on a watched path, in any state, and the globs and files it matched."""

    series: SeriesSummary
    globs: tuple[str, ...]
    paths: tuple[str, ...]


@dataclass(frozen=True)
class Queue:
    """A person's queue: who they are, what waits for them, what their paths see."""

    account: AccountInfo
    items: tuple[QueueItem, ...]
    watched: tuple[WatchedSeries, ...]


def queue_of(session: Session, user: str) -> Queue:
    """What waits for `user`, longest waiting first."""
    account = account_of(session, user)
    emails = tuple(e.lower() for e in account.emails)
    touched = _touching(session, account.watches)
    reasons: dict[int, list[Reason]] = {}
    for sid, reason in (
        *_watched(touched),
        *_delegated(session, (account.name.lower(), *emails)),
        *_concerns(session, emails),
        *_new_review(session, emails),
    ):
        reasons.setdefault(sid, []).append(reason)
    newest = sorted(touched, reverse=True)[: WATCHED_SHOWN * 2]
    summaries = series_summaries(session, sorted({*reasons, *newest}))
    items = [
        QueueItem(summaries[sid], tuple(sorted(kept, key=_when)))
        for sid, found in reasons.items()
        if sid in summaries and (kept := _standing(_dated(found, summaries[sid]), summaries[sid]))
    ]
    items.sort(key=lambda i: (_when_item(i), i.series.id))
    watched = [
        WatchedSeries(summaries[sid], *touched[sid])
        for sid in sorted(touched, key=lambda s: _newest(summaries.get(s)), reverse=True)
        if sid in summaries
    ]
    return Queue(account, tuple(items), tuple(watched[:WATCHED_SHOWN]))


def _dated(reasons: list[Reason], series: SeriesSummary) -> list[Reason]:
    """Reasons without a date of their own wait since the series was posted."""
    return [r if r.since else replace(r, since=series.date) for r in reasons]


def _standing(reasons: list[Reason], s: SeriesSummary) -> list[Reason]:
    """The reasons that still hold: none on an archived series; on one no longer under
    review (accepted, superseded, rejected) only its concerns, which stay open until
    somebody resolves them."""
    if s.archived:
        return []
    return [r for r in reasons if s.state in OPEN_STATES or r.kind in CONCERN_KINDS]


_NEVER = datetime.max.replace(tzinfo=UTC)


def _when(r: Reason) -> datetime:
    return _aware(r.since) or _NEVER


def _when_item(i: QueueItem) -> datetime:
    return _aware(i.waiting_since) or _NEVER


def _newest(s: SeriesSummary | None) -> tuple[datetime, int]:
    return ((_aware(s.date) or datetime.min.replace(tzinfo=UTC)), s.id) if s else (_NEVER, 0)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _touching(
    session: Session, globs: tuple[str, ...]
) -> dict[int, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Series touching a watched path: series id -> (globs matched, files matched)."""
    if not globs:
        return {}
    narrow = []
    for g in globs:
        prefix = glob_prefix(g).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        narrow += [FILE.c.new_path.like(prefix + "%", escape="\\")]
        narrow += [FILE.c.old_path.like(prefix + "%", escape="\\")]
    stmt = (
        select(PATCH.c.series_id, FILE.c.old_path, FILE.c.new_path)
        .join(PATCH, PATCH.c.id == FILE.c.patch_id)
        .where(or_(*narrow))
        .distinct()
    )
    found: dict[int, tuple[set[str], set[str]]] = {}
    for r in rows(session, stmt):
        for path in {r.old_path, r.new_path} - {"/dev/null", ""}:
            hits = [g for g in globs if matches(g, path)]
            if hits:
                mine = found.setdefault(r.series_id, (set(), set()))
                mine[0].update(hits)
                mine[1].add(path)
    return {
        sid: (tuple(g for g in globs if g in gs), tuple(sorted(ps)))
        for sid, (gs, ps) in found.items()
    }


def _watched(
    touched: dict[int, tuple[tuple[str, ...], tuple[str, ...]]],
) -> Iterable[tuple[int, Reason]]:
    for sid, (globs, paths) in touched.items():
        more = f" and {len(paths) - 1} more" if len(paths) > 1 else ""
        text = f"touches {', '.join(globs)} ({paths[0]}{more})"
        yield sid, Reason("watched", text, None)


def _delegated(session: Session, names: tuple[str, ...]) -> Iterable[tuple[int, Reason]]:
    """Series, and patches, delegated to one of the person's names or addresses."""
    for target, table in (("series", SERIES), ("patch", PATCH)):
        sid = SERIES.c.id if target == "series" else PATCH.c.series_id
        since = (
            select(func.max(EVENT.c.created_at))
            .where(
                EVENT.c.target == target,
                EVENT.c.target_id == table.c.id,
                EVENT.c.field == "delegate",
            )
            .scalar_subquery()
        )
        stmt = select(sid.label("sid"), table.c.id, since.label("since"))
        if target == "patch":
            stmt = stmt.add_columns(PATCH.c.number).where(
                PATCH.c.state.in_([s.value for s in OPEN_STATES])
            )
        stmt = stmt.where(func.lower(table.c.delegate).in_(names))
        for r in rows(session, stmt):
            if target == "series":
                yield r.sid, Reason("delegated", "delegated to you", r.since)
            else:
                text = f"patch {r.number:02d} delegated to you"
                yield r.sid, Reason("delegated", text, r.since, patch_id=r.id)


def _concerns(session: Session, emails: tuple[str, ...]) -> Iterable[tuple[int, Reason]]:
    """Concerns the person raised (answered, or still open) and questions on their patches."""
    if not emails:
        return
    c = CONCERN.c
    mine = func.lower(c.reviewer_email).in_(emails)
    on_mine = and_(
        c.kind == "question",
        c.status == "open",
        ~mine,
        func.lower(PATCH.c.author_email).in_(emails),
    )
    stmt = (
        select(CONCERN, PATCH.c.number)
        .outerjoin(PATCH, PATCH.c.id == c.patch_id)
        .where(or_(and_(mine, c.status.in_(["open", "answered"])), on_mine))
    )
    for r in rows(session, stmt):
        where = f"patch {r.number:02d}" if r.number is not None else "the series"
        if (r.reviewer_email or "").lower() not in emails:
            who = r.reviewer_name or r.reviewer_email
            reason = Reason("question", f"{who} asked you on {where}", r.date, r.patch_id, r.id)
        elif r.status == "answered":
            answer = _last_answer(r.replies)
            text = f"your {r.kind} on {where} was answered"
            reason = Reason("answered", text, answer or r.date, r.patch_id, r.id)
        else:
            text = f"your {r.kind} on {where} is still open"
            reason = Reason("raised", text, r.date, r.patch_id, r.id)
        yield r.series_id, reason


def _last_answer(replies: str) -> datetime | None:
    """When the patch's author last answered in a concern's conversation."""
    dates = [x.get("date") for x in json.loads(replies or "[]") if x.get("role") == "author"]
    found = [datetime.fromisoformat(d) for d in dates if d]
    return _aware(max(found)) if found else None


def _new_review(session: Session, emails: tuple[str, ...]) -> Iterable[tuple[int, Reason]]:
    """The person's series with mail from others after their own last mail there."""
    if not emails:
        return
    m = MESSAGE.c
    theirs = select(SERIES.c.id).where(func.lower(SERIES.c.submitter_email).in_(emails))
    last_mine = (
        select(m.series_id, func.max(m.date).label("last"))
        .where(m.series_id.in_(theirs), func.lower(m.from_email).in_(emails))
        .group_by(m.series_id)
        .subquery()
    )
    stmt = (
        select(m.series_id, func.min(m.date).label("first"), func.count().label("n"))
        .join(last_mine, last_mine.c.series_id == m.series_id)
        .where(~func.lower(m.from_email).in_(emails), m.date > last_mine.c.last)
        .group_by(m.series_id)
    )
    for r in rows(session, stmt):
        text = f"{r.n} new message{'s' if r.n != 1 else ''} from reviewers since your last"
        yield r.series_id, Reason("new-review", text, r.first)
