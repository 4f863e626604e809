"""The objects the CLI's --json prints, built from read/'s records (README documents them)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import TYPE_CHECKING

from reviewbot.mail.threads import ThreadNode
from reviewbot.read.apply import ApplyRunInfo
from reviewbot.read.concerns import ConcernEntry, Place
from reviewbot.read.events import EventEntry
from reviewbot.read.messages import MessageSummary
from reviewbot.read.patches import PatchDetail
from reviewbot.read.races import RaceEntry
from reviewbot.read.series import SeriesDetail, SeriesSummary
from reviewbot.read.trailers import TrailerEntry
from reviewbot.read.upstream import UpstreamEntry
from reviewbot.review.race_steps import Step
from reviewbot.series.rangediff import SeriesDiff

if TYPE_CHECKING:  # types only: importing apply/ and upstream costs `series list` ~1 s
    from reviewbot.pipeline.apply import ApplyReport
    from reviewbot.pipeline.upstream import UpstreamReport

Json = dict[str, object]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def series_summary(s: SeriesSummary) -> Json:
    """`series list --json`: one item."""
    return {
        "id": s.id,
        "title": s.title,
        "version": s.version,
        "total": s.total,
        "submitter": s.submitter,
        "date": _iso(s.date),
        "state": s.state,
        "cover_msgid": s.cover_msgid,
        "patch_count": s.patch_count,
        "missing": list(s.missing),
        "previous": s.previous_id,
        "superseded_by": s.superseded_by_id,
    }


def _trailer(t: TrailerEntry) -> Json:
    return {
        "name": t.name,
        "value": t.value,
        "source": t.source,
        "msgid": t.msgid,
        "mismatch": t.mismatch,
    }


def _patch(p: PatchDetail, apply: ApplyRunInfo | None, upstream: UpstreamEntry | None) -> Json:
    s = p.patch
    return {
        "id": s.id,
        "number": s.number,
        "subject": s.subject,
        "title": s.title,
        "msgid": s.msgid,
        "reconstructed_from": s.reconstructed_from,
        "author": s.author,
        "state": s.state,
        "state_reason": s.state_reason,
        "trailers": [_trailer(t) for t in p.trailers],
        "files": [
            {
                "path": f.path,
                "old_path": f.old_path,
                "change": f.change,
                "added": f.added,
                "removed": f.removed,
            }
            for f in p.files
        ],
        "hunks": [
            {
                "file": h.file,
                "header": h.header,
                "section": h.section,
                "old_start": h.old_start,
                "old_len": h.old_len,
                "new_start": h.new_start,
                "new_len": h.new_len,
            }
            for h in p.hunks
        ],
        "diff_error": p.diff_error,
        "replies": list(p.replies),
        "apply_status": apply.status_of(s.number) if apply else None,
        "commit_ref": s.commit_ref,
        "upstream": _upstream(upstream),
    }


def _upstream(u: UpstreamEntry | None) -> Json | None:
    """A patch's newest `upstream` check, as `series show` prints it."""
    if u is None:
        return None
    return {
        "tree": u.tree,
        "tree_head": u.tree_head,
        "range": u.rev_range,
        "match": u.match,
        "commit": u.commit,
        "subject": u.subject,
        "score": u.score,
        "tag": u.tag,
        "author_date": _iso(u.author_date),
        "commit_date": _iso(u.commit_date),
        "detail": u.detail,
        "date": _iso(u.checked_at),
    }


def _apply(run: ApplyRunInfo | None) -> Json | None:
    if run is None:
        return None
    return {
        "tree": run.tree,
        "tree_head": run.tree_head,
        "base": run.base,
        "base_source": run.base_source,
        "base_note": run.base_note,
        "date": _iso(run.created_at),
        "patches": {
            p.number: {"status": p.status, "detail": p.detail, "commit": p.commit}
            for p in run.patches
        },
    }


def series_detail(d: SeriesDetail) -> Json:
    """`series show --json`."""
    s = d.series
    return {
        **series_summary(s),
        "state_reason": s.state_reason,
        "version_label": s.version_label,
        "base_commit": s.base_commit,
        "replies": list(d.replies),
        "trailers": [_trailer(t) for t in d.trailers.cover],
        "patches": [_patch(p, d.apply, d.upstream_of(p.patch.number)) for p in d.patches],
        "apply": _apply(d.apply),
    }


def range_diff(old: int, new: int, diff: SeriesDiff) -> Json:
    """`diff --json`."""
    return {
        "from": old,
        "to": new,
        "patches": [
            {
                "old": p.old_number,
                "new": p.new_number,
                "title": p.title,
                "status": p.status,
                "hunks": [
                    {
                        "file": h.file,
                        "old_header": h.old_header,
                        "new_header": h.new_header,
                        "status": h.status,
                        "detail": h.detail,
                    }
                    for h in p.hunks
                ],
            }
            for p in diff.patches
        ],
    }


def thread(node: ThreadNode, found: dict[str, MessageSummary]) -> Json:
    """`thread --json`: the tree as nested objects."""
    msg = found.get(node.msgid)
    return {
        "msgid": node.msgid,
        "placeholder": node.is_placeholder,
        "reconstructed_from": msg.reconstructed_from if msg else None,
        "subject": msg.subject if msg else None,
        "from": msg.from_email if msg else None,
        "date": _iso(msg.date) if msg else None,
        "kind": msg.kind if msg else None,
        "children": [thread(c, found) for c in node.children],
    }


def _place(p: Place) -> Json:
    return {
        "patch": p.patch,
        "patch_msgid": p.patch_msgid,
        "file": p.file,
        "hunk": p.hunk,
        "side": p.side,
        "line": p.line,
    }


def concern(c: ConcernEntry) -> Json:
    """`concerns --json`: one item, at its place on the series or patch asked for."""
    carried = c.carried_here
    return {
        "id": c.id,
        **_place(c.here),
        "kind": c.kind,
        "status": c.status,
        "status_reason": c.status_reason,
        "reviewer": c.reviewer,
        "reply_msgid": c.reply_msgid,
        "text": c.text,
        "quoted_line": c.quoted_line,
        "evidence": c.evidence,
        "ported_from": _place(c.made) if carried else None,
        "ported_to": None if carried or c.next_place is None else _place(c.next_place),
        "hunk_number": c.here.hunk_number,
        "raised_on_version": c.raised_on,
        "outcome_here": c.outcome_here,
        "status_source": (
            {"kind": c.status_source.kind, "ref": c.status_source.ref} if c.status_source else None
        ),
        "replies": [
            {"msgid": r.msgid, "author": r.author, "date": r.date, "text": r.text, "role": r.role}
            for r in c.replies
        ],
    }


def race(r: RaceEntry) -> Json:
    """`races --json`: one scenario; hunks keep their 0-based `hunk`, `hunk_number` from 1."""
    return {
        "id": r.id,
        "message_msgid": r.message_msgid,
        "steps": [_race_step(s) for s in r.steps],
        "actors": list(r.actors),
        "identifiers": list(r.identifiers),
        "outcome": r.outcome,
        "alternatives": [
            {**asdict(a), "steps": [_race_step(s) for s in a.steps]} for a in r.alternatives
        ],
        "links": [_numbered(asdict(link)) for link in r.links],
        "evidence": list(r.evidence),
        "depth": r.depth,
    }


def _race_step(s: Step) -> Json:
    return {**asdict(s), "lines": [_numbered(asdict(x)) for x in s.lines]}


def _numbered(place: Json) -> Json:
    """A hunk reference with its number as people count (from 1) after the 0-based index."""
    out: Json = {}
    for key, value in place.items():
        out[key] = value
        if key == "hunk":
            out["hunk_number"] = value + 1 if isinstance(value, int) else None
    return out


def apply_report(r: ApplyReport) -> Json:
    """`apply --json`."""
    previous = None
    if r.previous_head is not None:
        changed = [
            {"patch": c.patch, "file": c.file, "header": c.header, "before": c.before, "now": c.now}
            for c in r.changed
        ]
        previous = {"tree_head": r.previous_head, "changed": changed}
    return {
        "series": r.series_id,
        "tree_head": r.tree_head,
        "base": r.base,
        "base_source": r.base_source,
        "base_note": r.base_note,
        "patches": [
            {
                "number": p.number,
                "status": p.status,
                "detail": p.detail,
                "commit": p.commit,
                "hunks": [
                    {
                        "file": h.file,
                        "header": h.header,
                        "status": h.status,
                        "offset": h.offset,
                        "detail": h.detail,
                    }
                    for h in p.hunks
                ],
            }
            for p in r.patches
        ],
        "previous": previous,
    }


def upstream_report(r: UpstreamReport) -> Json:
    """`upstream --json`."""
    return {
        "series": r.series_id,
        "tree": r.tree,
        "tree_head": r.tree_head,
        "range": r.range,
        "patches": [
            {
                "number": c.number,
                "title": c.title,
                "match": c.found.match,
                "commit": c.found.commit,
                "subject": c.found.subject,
                "score": c.found.score,
                "tag": c.found.tag,
                "author_date": c.found.author_date,
                "commit_date": c.found.commit_date,
                "detail": c.found.detail,
            }
            for c in r.patches
        ],
    }


def event(e: EventEntry) -> Json:
    """`events --json`: one item, as the API's event without its url."""
    return {**asdict(e), "created_at": _iso(e.created_at)}
