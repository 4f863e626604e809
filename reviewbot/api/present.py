"""read/'s records as the API's response models (what /openapi.json documents)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from reviewbot.api.models import (
    ApplyOutcomePublic,
    ApplyRunPublic,
    ConcernPublic,
    ConcernReplyPublic,
    CoverDetail,
    CoverPublic,
    EventPublic,
    FilePublic,
    HunkApplyPublic,
    MessageDetail,
    MessagePublic,
    PatchApplyPublic,
    PatchDetail,
    PatchPublic,
    PersonPublic,
    PersonRef,
    RaceAlternativePublic,
    RaceLinePublic,
    RaceLinkPublic,
    RacePublic,
    RaceStepPublic,
    SeriesDetail,
    SeriesPublic,
    StatusSourcePublic,
    TrailerPublic,
    UpstreamPublic,
)
from reviewbot.read import (
    apply,
    concerns,
    events,
    messages,
    patches,
    people,
    races,
    series,
    trailers,
    upstream,
)
from reviewbot.review.race_links import RaceLink
from reviewbot.review.race_steps import Step

API = "/api/v1"


def series_item(s: series.SeriesSummary) -> SeriesPublic:
    """A series in a list."""
    return SeriesPublic(**_series_fields(s))


def _series_fields(
    s: series.SeriesSummary,
) -> dict[str, Any]:  # keyword arguments of a response model
    return {
        "id": s.id,
        "url": f"{API}/series/{s.id}",
        "mbox": f"{API}/series/{s.id}/mbox",
        "title": s.title,
        "version": s.version,
        "version_label": s.version_label,
        "total": s.total,
        "submitter": PersonRef(name=s.submitter_name, email=s.submitter_email),
        "date": s.date,
        "last_date": s.last_date,
        "state": s.state,
        "state_reason": s.state_reason,
        "state_by": s.state_by,
        "delegate": s.delegate,
        "archived": s.archived,
        "cover_msgid": s.cover_msgid,
        "patch_count": s.patch_count,
        "missing": list(s.missing),
        "previous_id": s.previous_id,
        "superseded_by_id": s.superseded_by_id,
        "rfc": s.rfc,
    }


def series_detail(d: series.SeriesDetail, commit_url: str) -> SeriesDetail:
    """One series with its patches, the trailers given on its cover letter, its newest
    apply run and its patches' upstream checks (`commit_url`: a template with {hash})."""
    return SeriesDetail(
        **_series_fields(d.series),
        base_commit=d.series.base_commit,
        patches=[patch_item(p.patch) for p in d.patches],
        trailers=[trailer(t) for t in d.trailers.cover],
        apply=apply_run(d.apply, commit_url) if d.apply else None,
        upstream=[upstream_check(u, commit_url) for u in d.upstream],
    )


def _commit_link(commit: str | None, template: str) -> str | None:
    return template.replace("{hash}", commit) if commit else None


def _run_fields(run: apply.ApplyRunInfo) -> dict[str, Any]:
    """What a series' and a patch's apply results say alike: the run's tree and base."""
    return {
        "tree": run.tree,
        "tree_head": run.tree_head,
        "base": run.base,
        "base_source": run.base_source,
        "base_note": run.base_note,
        "date": run.created_at,
    }


def apply_run(run: apply.ApplyRunInfo, commit_url: str) -> ApplyRunPublic:
    """A series' newest apply run."""
    return ApplyRunPublic(
        **_run_fields(run),
        patches=[
            ApplyOutcomePublic(
                number=p.number,
                status=p.status,
                detail=p.detail,
                commit=p.commit,
                commit_url=_commit_link(p.commit, commit_url),
            )
            for p in run.patches
        ],
    )


def patch_apply(a: apply.PatchApplyInfo, commit_url: str) -> PatchApplyPublic:
    """The newest apply run of a patch's series, and what it did with the patch."""
    run, outcome = a.run, a.outcome
    commit = outcome.commit if outcome else None
    return PatchApplyPublic(
        **_run_fields(run),
        status=outcome.status if outcome else None,
        detail=outcome.detail if outcome else "",
        commit=commit,
        commit_url=_commit_link(commit, commit_url),
        hunks=[
            HunkApplyPublic(
                file=h.file, header=h.header, status=h.status, offset=h.offset, detail=h.detail
            )
            for h in a.hunks
        ],
    )


def upstream_check(u: upstream.UpstreamEntry, commit_url: str) -> UpstreamPublic:
    """Where a patch is in a tree's history."""
    return UpstreamPublic(
        patch_id=u.patch_id,
        number=u.number,
        tree=u.tree,
        tree_head=u.tree_head,
        range=u.rev_range,
        match=u.match,
        commit=u.commit,
        commit_url=_commit_link(u.commit, commit_url),
        subject=u.subject,
        score=u.score,
        tag=u.tag,
        author_date=u.author_date,
        commit_date=u.commit_date,
        detail=u.detail,
        date=u.checked_at,
    )


def trailer(t: trailers.TrailerEntry) -> TrailerPublic:
    """A trailer."""
    return TrailerPublic(
        name=t.name, value=t.value, source=t.source, msgid=t.msgid, mismatch=t.mismatch
    )


def patch_item(p: patches.PatchSummary) -> PatchPublic:
    """A patch in a list."""
    return PatchPublic(**_patch_fields(p))


def _patch_fields(
    p: patches.PatchSummary,
) -> dict[str, Any]:  # keyword arguments of a response model
    return {
        "id": p.id,
        "url": f"{API}/patches/{p.id}",
        "mbox": f"{API}/patches/{p.id}/mbox",
        "series_id": p.series_id,
        "number": p.number,
        "msgid": p.msgid,
        "subject": p.subject,
        "title": p.title,
        "submitter": PersonRef(name=p.author_name, email=p.author_email),
        "date": p.date,
        "state": p.state,
        "state_reason": p.state_reason,
        "state_by": p.state_by,
        "delegate": p.delegate,
        "archived": p.archived,
        "added": p.added,
        "removed": p.removed,
        "archive_url": p.archive_url,
        "commit_ref": p.commit_ref,
    }


def patch_detail(
    d: patches.PatchDetail,
    applied: apply.PatchApplyInfo | None,
    check: upstream.UpstreamEntry | None,
    commit_url: str,
) -> PatchDetail:
    """One patch with its diff, files, trailers and replies, its newest apply result and
    upstream check."""
    return PatchDetail(
        **_patch_fields(d.patch),
        commit_message=d.commit_message,
        diffstat=d.diffstat,
        diff=d.diff,
        diff_error=d.diff_error,
        files=[
            FilePublic(
                path=f.path, old_path=f.old_path, change=f.change, added=f.added, removed=f.removed
            )
            for f in d.files
        ],
        trailers=[trailer(t) for t in d.trailers],
        replies=list(d.replies),
        apply=patch_apply(applied, commit_url) if applied else None,
        upstream=upstream_check(check, commit_url) if check else None,
    )


def cover_item(m: messages.MessageSummary) -> CoverPublic:
    """A cover letter in a list (`id` is its message id)."""
    assert m.series_id is not None  # covers are placed
    return CoverPublic(
        id=m.id,
        url=f"{API}/covers/{m.id}",
        msgid=m.msgid,
        series_id=m.series_id,
        subject=m.subject,
        submitter=PersonRef(name=m.from_name, email=m.from_email),
        date=m.date,
    )


def cover_detail(d: messages.MessageDetail) -> CoverDetail:
    """A cover letter with its text."""
    return CoverDetail(**cover_item(d.message).model_dump(), body=d.body)


def message_item(m: messages.MessageSummary) -> MessagePublic:
    """A message in a list."""
    return MessagePublic(**_message_fields(m))


def _message_fields(
    m: messages.MessageSummary,
) -> dict[str, Any]:  # keyword arguments of a response model
    return {
        "id": m.id,
        "url": f"{API}/messages/{m.msgid}",
        "msgid": m.msgid,
        "subject": m.subject,
        "sender": PersonRef(name=m.from_name, email=m.from_email),
        "date": m.date,
        "kind": m.kind,
        "series_id": m.series_id,
        "patch_id": m.patch_id,
        "in_reply_to": m.in_reply_to,
    }


def message_detail(d: messages.MessageDetail) -> MessageDetail:
    """One message with its text and references."""
    return MessageDetail(
        **_message_fields(d.message),
        body=d.body,
        references=list(d.references),
        warnings=d.warnings,
        parse_error=d.parse_error,
        archive_url=d.message.archive_url,
        reconstructed_from=d.message.reconstructed_from,
    )


def person(p: people.Person) -> PersonPublic:
    """Somebody who wrote to the list."""
    return PersonPublic(
        email=p.email,
        url=f"{API}/people/{p.email}",
        name=p.name,
        messages=p.messages,
        patches=p.patches,
        series=p.series,
    )


def concern(c: concerns.ConcernEntry) -> ConcernPublic:
    """A concern, where it was raised."""
    return ConcernPublic(
        id=c.id,
        url=f"{API}/concerns/{c.id}",
        series_id=c.series_id,
        patch_id=c.here.patch_id,
        patch_number=c.here.patch,
        patch_msgid=c.here.patch_msgid,
        reply_msgid=c.reply_msgid,
        position=c.position,
        scope=c.scope,
        file=c.here.file,
        hunk=c.here.hunk,
        side=c.here.side,
        line=c.here.line,
        quoted_line=c.quoted_line,
        kind=c.kind,
        status=c.status,
        status_reason=c.status_reason,
        reviewer=PersonRef(name=c.reviewer_name, email=c.reviewer_email),
        date=c.date,
        text=c.text,
        quoted=c.quoted,
        evidence=c.evidence,
        archive_url=c.reply_archive_url,
        hunk_number=c.here.hunk_number,
        raised_on_version=c.raised_on,
        outcome_here=c.outcome_here,
        status_source=(
            StatusSourcePublic(kind=c.status_source.kind, ref=c.status_source.ref)
            if c.status_source
            else None
        ),
        replies=[
            ConcernReplyPublic(
                msgid=r.msgid, author=r.author, date=r.date, text=r.text, role=r.role
            )
            for r in c.replies
        ],
    )


def _step(s: Step) -> RaceStepPublic:
    lines = [RaceLinePublic(**asdict(x), hunk_number=x.hunk + 1) for x in s.lines]
    return RaceStepPublic(
        label=s.label, actor=s.actor, text=s.text, identifiers=list(s.identifiers), lines=lines
    )


def _race_link(link: RaceLink) -> RaceLinkPublic:
    number = link.hunk + 1 if link.hunk is not None else None
    return RaceLinkPublic(**asdict(link), hunk_number=number)


def race(r: races.RaceEntry) -> RacePublic:
    """A race scenario."""
    return RacePublic(
        id=r.id,
        url=f"{API}/races/{r.id}",
        series_id=r.series_id,
        message_msgid=r.message_msgid,
        position=r.position,
        depth=r.depth,
        steps=[_step(s) for s in r.steps],
        actors=list(r.actors),
        identifiers=list(r.identifiers),
        outcome=r.outcome,
        alternatives=[
            RaceAlternativePublic(
                label=a.label, winner=a.winner, text=a.text, steps=[_step(s) for s in a.steps]
            )
            for a in r.alternatives
        ],
        links=[_race_link(link) for link in r.links],
        evidence=list(r.evidence),
    )


def event(e: events.EventEntry) -> EventPublic:
    """An event."""
    return EventPublic(**asdict(e), url=f"{API}/events/{e.id}")
