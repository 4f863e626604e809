"""Concerns and race scenarios of one series' thread, and where each concern stands.  (pure)

Each reply's comment blocks become concerns anchored by review.anchor; statuses
are `open`, `answered` (somebody other than the reviewer quotes it back in a
later reply), `addressed` (the next version changes the anchored hunk) or
`dropped` (the next version drops the patch); acks are `approval`s and plain
information is `noted`, never open. A concern still standing on an unchanged
hunk is carried to the next version (Gerrit's ported comment).
pipeline.link loads the thread, calls `review_thread` and stores the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from reviewbot.mail.diff import FileDiff, parse_diff
from reviewbot.mail.quotes import parse_quotes
from reviewbot.review.anchor import Comment, anchor_comments, classify_comment, is_answer
from reviewbot.review.race_links import RaceLink, link_race, place_steps
from reviewbot.review.races import RaceScenario, find_races
from reviewbot.series.rangediff import HunkCounterpart, PatchHunk


@dataclass(frozen=True)
class ThreadPatch:
    """A patch of the series as review needs it."""

    id: int
    msgid: str
    diff: str
    commit_message: str


@dataclass(frozen=True)
class ThreadReply:
    """A reply placed under the series' cover letter or one of its patches."""

    id: int
    msgid: str
    body: str
    from_name: str
    from_email: str
    date: datetime | None


@dataclass(frozen=True)
class SeriesThread:
    """One series' patches and the replies placed under them (patch id None: the cover)."""

    series_id: int
    patches: tuple[ThreadPatch, ...]
    replies: Mapping[int | None, tuple[ThreadReply, ...]]


@dataclass(frozen=True)
class NextVersion:
    """Where each hunk of this series went in the next version (the range-diff's map).

    `counterparts` maps (patch id, hunk position in the patch) to its counterpart;
    (patch id, -1) means the next version drops the whole patch.
    """

    counterparts: Mapping[tuple[int, int], HunkCounterpart]
    hunks: Mapping[int, tuple[PatchHunk, ...]]  # the next version's hunks by patch id


@dataclass(frozen=True)
class FoundConcern:
    """A reviewer's comment block, where it is anchored, and where it stands."""

    series_id: int
    patch_id: int | None
    reply_id: int
    position: int  # its order within its reply
    scope: str  # hunk, patch, series
    file: str | None
    hunk: int | None
    side: str | None
    line: int | None
    quoted_line: str | None
    kind: str
    status: str
    status_reason: str
    reviewer_name: str
    reviewer_email: str
    date: datetime | None
    text: str
    quoted: str
    evidence: str
    ported_patch_id: int | None = None
    ported_file: str | None = None
    ported_hunk: int | None = None
    ported_line: int | None = None


@dataclass(frozen=True)
class FoundRace:
    """A race scenario told in a message of the thread, with the hunks it names."""

    series_id: int
    message_id: int
    position: int
    scenario: RaceScenario
    links: tuple[RaceLink, ...]


@dataclass(frozen=True)
class ThreadReview:
    """What linking found in one series' thread."""

    concerns: tuple[FoundConcern, ...]
    races: tuple[FoundRace, ...]


class _Files(dict[int, tuple[FileDiff, ...]]):
    """Parsed diffs by patch id, parsed on first use: most patches get no reply."""

    def __init__(self, patches: Sequence[ThreadPatch]) -> None:
        super().__init__()
        self._diffs = {p.id: p.diff for p in patches}

    def __missing__(self, patch_id: int) -> tuple[FileDiff, ...]:
        diff = self._diffs.get(patch_id) or ""
        parsed = parse_diff(diff)[0] if diff else ()
        self[patch_id] = parsed
        return parsed


def review_thread(thread: SeriesThread, next_version: NextVersion | None) -> ThreadReview:
    """The concerns (with their statuses) and the races of one series' thread."""
    files = _Files(thread.patches)
    concerns = _settle(_concerns(thread, files), thread, files, next_version)
    return ThreadReview(tuple(concerns), tuple(_races(thread, files)))


def needs_next_version(thread: SeriesThread) -> bool:
    """Whether any reply could raise a concern for the next version to settle."""
    return any(pid is not None and replies for pid, replies in thread.replies.items())


def _concerns(thread: SeriesThread, files: _Files) -> list[FoundConcern]:
    by_id = {p.id: p for p in thread.patches}
    out = []
    for patch_id, replies in thread.replies.items():
        patch = by_id.get(patch_id) if patch_id is not None else None
        for reply in replies:
            comments = anchor_comments(
                parse_quotes(reply.body),
                files[patch.id] if patch is not None else (),
                patch.commit_message if patch is not None else "",
            )
            out += [
                _concern(thread.series_id, patch_id, reply, position, comment)
                for position, comment in enumerate(comments)
            ]
    return out


def _concern(
    series_id: int, patch_id: int | None, reply: ThreadReply, position: int, comment: Comment
) -> FoundConcern:
    kind, why = classify_comment(comment.text)
    anchor = comment.anchor
    return FoundConcern(
        series_id=series_id,
        patch_id=patch_id,
        reply_id=reply.id,
        position=position,
        scope="hunk" if anchor else ("patch" if patch_id else "series"),
        file=anchor.file if anchor else None,
        hunk=anchor.hunk if anchor else None,
        side=anchor.side if anchor else None,
        line=anchor.line if anchor else None,
        quoted_line=anchor.quoted_line if anchor else None,
        kind=kind,
        # acks are approvals and plain information is noted: neither waits for anyone
        status={"approval": "approval", "information": "noted"}.get(kind, "open"),
        status_reason="",
        reviewer_name=reply.from_name,
        reviewer_email=reply.from_email,
        date=reply.date,
        text=comment.text,
        quoted="\n".join(comment.quoted_context),
        evidence=f"{comment.evidence}; kind: {why}",
    )


def _settle(
    concerns: list[FoundConcern],
    thread: SeriesThread,
    files: _Files,
    next_version: NextVersion | None,
) -> list[FoundConcern]:
    everyone = [r for replies in thread.replies.values() for r in replies]
    replies = {r.id: r for r in everyone}
    out = []
    for c in concerns:
        if c.status == "open":
            c = _answered(c, replies[c.reply_id], everyone)
        if next_version and c.patch_id is not None and c.status in ("open", "answered"):
            c = _follow(c, next_version, files)
        out.append(c)
    return out


def _answered(c: FoundConcern, reply: ThreadReply, everyone: list[ThreadReply]) -> FoundConcern:
    for later in everyone:
        if (
            later.date
            and reply.date
            and later.date > reply.date
            and later.from_email != reply.from_email
            and is_answer(later.body, c.text)
        ):
            why = f"{later.from_name} answered in {later.msgid}"
            return replace(c, status="answered", status_reason=why)
    return c


def _follow(c: FoundConcern, nv: NextVersion, files: _Files) -> FoundConcern:
    """Carry a concern to the next version: addressed if its hunk changed there."""
    assert c.patch_id is not None
    if (c.patch_id, -1) in nv.counterparts:
        return replace(c, status="dropped", status_reason="the next version drops this patch")
    if c.file is None:
        return c
    index = _patch_wide_index(files[c.patch_id], c.file, c.hunk)
    there = nv.counterparts.get((c.patch_id, index)) if index is not None else None
    if there is None:
        return c
    if there.status in ("changed", "dropped"):
        verb = "changes" if there.status == "changed" else "drops"
        return replace(c, status="addressed", status_reason=f"the next version {verb} this hunk")
    if there.new_patch is not None and there.new_index is not None:
        return _port(c, files[c.patch_id], nv.hunks.get(there.new_patch, ()), there)
    return c


def _port(
    c: FoundConcern,
    old_files: Sequence[FileDiff],
    new_hunks: Sequence[PatchHunk],
    there: HunkCounterpart,
) -> FoundConcern:
    """Pin a still-standing concern to the same hunk of the next version, line shifted."""
    assert there.new_index is not None
    if there.new_index >= len(new_hunks):
        return c
    target = new_hunks[there.new_index]
    old = next(
        (f.hunks[c.hunk] for f in old_files if f.path == c.file and c.hunk is not None), None
    )
    shift = 0
    if old is not None:
        shift = (
            target.old_start - old.old_start
            if c.side == "old"
            else target.new_start - old.new_start
        )
    ported = replace(
        c,
        ported_patch_id=there.new_patch,
        ported_file=target.file,
        ported_hunk=sum(1 for h in new_hunks[: there.new_index] if h.file == target.file),
        ported_line=c.line + shift if c.line is not None else None,
    )
    if c.status == "open":
        reason = "carried to the next version, where the hunk is unchanged"
        return replace(ported, status_reason=reason)
    return ported


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
            race = place_steps(race, targets, links)
            out.append(FoundRace(thread.series_id, reply.id, position, race, links))
    return out


def _steps_key(race: RaceScenario) -> tuple[str, ...]:
    steps = (*race.steps, *(s for a in race.alternatives for s in a.steps))
    return tuple(" ".join(step.text.split()) for step in steps)
