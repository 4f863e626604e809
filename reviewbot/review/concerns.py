"""Concerns and race scenarios of one series' thread, and where each concern stands.  (pure)

review.conversation turns the thread's comments into concerns with their
replies and statuses; here each concern still standing (open or answered) is
followed into the next version: `addressed` if that version changes the hunk,
`dropped` if it drops the patch, else carried there unchanged (Gerrit's ported
comment). Concerns carried into this version from earlier ones are followed
the same way, so a concern travels v1 -> v2 -> v3. pipeline.link loads the
thread, calls `review_threads` (in worker processes) and stores the result;
the records in and out are in review/thread.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from reviewbot.mail.diff import FileDiff, parse_diff
from reviewbot.review.conversation import (
    Conversation,
    Person,
    Said,
    Status,
    comments_of,
    converse,
    status_of,
)
from reviewbot.review.coverage import Cover, covers_of
from reviewbot.review.race_links import link_race, place_steps
from reviewbot.review.races import RaceScenario, find_races
from reviewbot.review.thread import (
    Carried,
    CarriedStatus,
    FoundConcern,
    FoundPlace,
    FoundRace,
    NextVersion,
    SeriesThread,
    ThreadPatch,
    ThreadReply,
    ThreadReview,
    VersionPair,
)
from reviewbot.series.rangediff import HunkCounterpart, diff_series, map_hunks

STANDING = ("open", "answered")  # statuses the next version can still settle


class _Files(dict[int, tuple[FileDiff, ...]]):
    """Parsed diffs by patch id: as the import parsed them, else parsed on first use
    (most patches get no reply)."""

    def __init__(self, patches: Sequence[ThreadPatch]) -> None:
        super().__init__((p.id, p.files) for p in patches if p.files is not None)
        self._diffs = {p.id: p.diff for p in patches}

    def __missing__(self, patch_id: int) -> tuple[FileDiff, ...]:
        diff = self._diffs.get(patch_id) or ""
        parsed = parse_diff(diff)[0] if diff else ()
        self[patch_id] = parsed
        return parsed


def review_thread(thread: SeriesThread, next_version: NextVersion | None) -> ThreadReview:
    """The concerns (with their conversations and statuses) and the races of a thread."""
    files = _Files(thread.patches)
    said, covers = _said(thread, files)
    concerns = [_concern(thread.series_id, c) for c in converse(said)]
    places: list[FoundPlace] = []
    carried: list[CarriedStatus] = []
    if next_version is not None:
        concerns = [_follow_own(c, next_version, files, places) for c in concerns]
        carried = _follow_carried(thread.carried, next_version, files, places)
    races = tuple(_races(thread, files))
    return ThreadReview(
        thread.series_id, tuple(concerns), races, tuple(places), tuple(carried), tuple(covers)
    )


def review_threads(items: list[tuple[SeriesThread, VersionPair | None]]) -> list[ThreadReview]:
    """review_thread of each (thread, it beside its next version), in order: a worker's
    share, the range-diff of each pair included."""
    return [review_thread(thread, next_version(pair) if pair else None) for thread, pair in items]


def next_version(pair: VersionPair) -> NextVersion:
    """Where each hunk of the older version went in the newer (the range-diff's map);
    a patch the newer drops is marked whole, at hunk -1."""
    diff = diff_series(pair.older, pair.newer)
    mapping = map_hunks(diff)
    for patch in diff.patches:
        if patch.status == "dropped" and patch.old_key is not None:
            mapping[(patch.old_key, -1)] = HunkCounterpart(None, None, "dropped")
    return NextVersion(pair.new_id, pair.label, mapping, {p.key: p.hunks for p in pair.newer})


def needs_next_version(thread: SeriesThread) -> bool:
    """Whether anything here (a reply, a carried concern) is for the next version to settle."""
    return bool(thread.carried) or any(
        pid is not None and replies for pid, replies in thread.replies.items()
    )


def _said(thread: SeriesThread, files: _Files) -> tuple[list[Said], list[Cover]]:
    """Every comment of every reply in date order, and the hunks each reply covered."""
    patches = {p.id: p for p in thread.patches}
    replies = [(pid, r) for pid, rs in thread.replies.items() for r in rs]
    replies.sort(key=lambda x: (x[1].date.timestamp() if x[1].date else float("-inf"), x[1].id))
    said: list[Said] = []
    covers: list[Cover] = []
    for patch_id, r in _parents_first(replies):
        patch = patches.get(patch_id) if patch_id is not None else None
        where = (patch.id, files[patch.id], patch.commit_message, patch.author) if patch else None
        sender = Person(r.from_name, r.from_email)
        heard = comments_of(
            r.id, r.msgid, r.parent, sender, r.date, r.text, where, thread.submitter
        )
        said += heard.said
        if patch is not None:
            covers += covers_of(thread.series_id, patch.id, r.id, sender, patch.author, heard)
    return said, covers


def _parents_first(
    replies: list[tuple[int | None, ThreadReply]],
) -> list[tuple[int | None, ThreadReply]]:
    """Date order, except that an answer never comes before the message it answers.

    Dates lie: a date rebuilt from an attribution line has no time zone, and
    clocks are wrong; the thread's In-Reply-To is what says who answered whom.
    """
    pending = {r.msgid for _p, r in replies}
    done: set[str] = set()
    out: list[tuple[int | None, ThreadReply]] = []
    waiting = list(replies)
    while waiting:
        ready = [x for x in waiting if x[1].parent not in pending - done]
        if not ready:  # a cycle in the headers: keep date order for the rest
            ready = waiting[:1]
        first = ready[0]
        out.append(first)
        done.add(first[1].msgid)
        waiting.remove(first)
    return out


def _concern(series_id: int, conv: Conversation) -> FoundConcern:
    s = conv.said
    anchor = s.comment.anchor
    status = status_of(conv)
    return FoundConcern(
        series_id=series_id,
        patch_id=s.patch_id,
        reply_id=s.reply_id,
        position=s.position,
        scope="hunk" if anchor else ("patch" if s.patch_id else "series"),
        file=anchor.file if anchor else None,
        hunk=anchor.hunk if anchor else None,
        side=anchor.side if anchor else None,
        line=anchor.line if anchor else None,
        quoted_line=anchor.quoted_line if anchor else None,
        kind=conv.kind,
        status=status.status,
        status_reason=status.reason,
        status_source_kind=status.source_kind,
        status_source_ref=status.source_ref,
        reviewer_name=s.sender.name,
        reviewer_email=s.sender.email,
        date=s.date,
        text=s.comment.text,
        quoted="\n".join(s.comment.quoted_context),
        evidence=f"{s.comment.evidence}; kind: {conv.why}",
        replies=tuple(conv.replies),
    )


@dataclass(frozen=True)
class _Fate:
    """What the next version does with a place: its outcome and where it lands."""

    outcome: str  # carried, addressed, dropped
    patch_id: int | None
    file: str | None
    hunk: int | None
    line: int | None


def _fate(
    patch_id: int,
    file: str | None,
    hunk: int | None,
    side: str | None,
    line: int | None,
    nv: NextVersion,
    files: _Files,
) -> _Fate | None:
    """Where a concern anchored here goes in the next version, if anywhere known."""
    if (patch_id, -1) in nv.counterparts:
        return _Fate("dropped", None, None, None, None)
    if file is None:
        return None
    index = _patch_wide_index(files[patch_id], file, hunk)
    there = nv.counterparts.get((patch_id, index)) if index is not None else None
    if there is None:
        return None
    if there.status == "dropped" or there.new_patch is None or there.new_index is None:
        return _Fate("addressed", None, None, None, None)
    new_hunks = nv.hunks.get(there.new_patch, ())
    if there.new_index >= len(new_hunks):
        return None
    target = new_hunks[there.new_index]
    old = next(
        (f.hunks[hunk] for f in files[patch_id] if f.path == file and hunk is not None), None
    )
    shift = 0
    if old is not None:
        shift = (
            target.old_start - old.old_start if side == "old" else target.new_start - old.new_start
        )
    outcome = "addressed" if there.status == "changed" else "carried"
    in_file = sum(1 for h in new_hunks[: there.new_index] if h.file == target.file)
    moved = line + shift if line is not None else None
    return _Fate(outcome, there.new_patch, target.file, in_file, moved)


_OUTCOME_STATUS = {
    "addressed": ("addressed", "{label} changes this hunk"),
    "dropped": ("dropped", "{label} drops this patch"),
}


def _follow_own(
    c: FoundConcern, nv: NextVersion, files: _Files, places: list[FoundPlace]
) -> FoundConcern:
    """Place a concern in the next version; addressed or dropped when that settles it."""
    if c.patch_id is None or c.status not in STANDING:
        return c
    fate = _fate(c.patch_id, c.file, c.hunk, c.side, c.line, nv, files)
    if fate is None:
        return c
    places.append(_place(c.reply_id, c.position, nv, fate))
    if fate.outcome == "carried" and not c.status_reason:
        return replace(c, status_reason=f"carried to {nv.label}, where the hunk is unchanged")
    if fate.outcome in _OUTCOME_STATUS:
        status, why = _OUTCOME_STATUS[fate.outcome]
        reason = why.format(label=nv.label)
        return replace(
            c,
            status=status,
            status_reason=reason,
            status_source_kind="version",
            status_source_ref=nv.label,
        )
    return c


def _follow_carried(
    carried: Sequence[Carried], nv: NextVersion, files: _Files, places: list[FoundPlace]
) -> list[CarriedStatus]:
    """Carry the earlier versions' standing concerns on, settling those the next one does."""
    out = []
    for c in carried:
        if c.status not in STANDING:
            continue
        fate = _fate(c.patch_id, c.file, c.hunk, c.side, c.line, nv, files)
        if fate is None:
            continue
        places.append(_place(c.reply_id, c.position, nv, fate))
        if fate.outcome in _OUTCOME_STATUS:
            status, why = _OUTCOME_STATUS[fate.outcome]
            settled = Status(status, why.format(label=nv.label), "version", nv.label)
            out.append(CarriedStatus(c.reply_id, c.position, settled))
    return out


def _place(reply_id: int, position: int, nv: NextVersion, fate: _Fate) -> FoundPlace:
    return FoundPlace(
        reply_id,
        position,
        nv.series_id,
        fate.patch_id,
        fate.file,
        fate.hunk,
        fate.line,
        fate.outcome,
    )


def _patch_wide_index(files: Sequence[FileDiff], path: str, hunk: int | None) -> int | None:
    """A hunk's position in its patch (rangediff's key) from its file and index in the file."""
    position = 0
    for f in files:
        if f.path == path and hunk is not None and hunk < len(f.hunks):
            return position + hunk
        position += len(f.hunks)
    return None


def _races(thread: SeriesThread, files: _Files) -> list[FoundRace]:
    out = []
    targets: list[tuple[str, tuple[FileDiff, ...]]] | None = None
    found = [(r, find_races(r.text)) for replies in thread.replies.values() for r in replies]
    # a race quoted from a message we also have is that message's race, told once
    own = {_steps_key(race) for _r, races in found for race in races if race.depth == 0}
    for reply, races in found:
        for position, race in enumerate(races):
            if race.depth > 0 and _steps_key(race) in own:
                continue
            if targets is None:  # parse the diffs only when a race needs them
                targets = [(p.msgid, files[p.id]) for p in thread.patches]
            links = link_race(race, targets, reply.text)
            race = place_steps(race, targets, links)
            out.append(FoundRace(thread.series_id, reply.id, position, race, links))
    return out


def _steps_key(race: RaceScenario) -> tuple[str, ...]:
    steps = (*race.steps, *(s for a in race.alternatives for s in a.steps))
    return tuple(" ".join(step.text.split()) for step in steps)
