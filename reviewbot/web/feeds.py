"""Atom feeds: the series list (any filter of the home page), one series' activity,
a person's series, a watched path.

Each entry links to its reviewbot page (an absolute URL from the request's base
URL) and, when the mail came from a public archive, to the message there. The
lists are read through the same read/ functions as the pages: a feed never
disagrees with the page it follows. Feeds are XML, not HTML: they get a
Content-Security-Policy of their own that allows nothing (a browser showing
one runs no script and loads nothing), and an ETag, so a feed reader's poll
of an unchanged feed costs a 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Query, Request, Response
from sqlmodel import Session

from reviewbot.deps import SessionDep
from reviewbot.errors import NotFound
from reviewbot.read.events import EventEntry, last_changes, list_events
from reviewbot.read.filters import Filters, Page
from reviewbot.read.messages import (
    MessageSummary,
    excerpts,
    list_messages,
    own_patches,
    series_archive_urls,
)
from reviewbot.read.patches import PatchSummary, siblings
from reviewbot.read.series import SeriesSummary, list_series, series_summary
from reviewbot.web import listing
from reviewbot.web.atom import Entry, Feed, newest, render
from reviewbot.web.templating import archive_link, msg_url

router = APIRouter(include_in_schema=False)

FEED_SIZE = 50  # entries per feed: what changed lately, not the archive
EXCERPT = 2000  # characters of a message's body in its entry
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
FEED_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",  # always ask again; the ETag makes asking cheap
}


@router.get("/feeds/series.atom")
def series_feed(request: Request, session: SessionDep) -> Response:
    """The series list as the home page shows it with the same query parameters."""
    form = replace(listing.form_from(request.query_params), page=1)
    return _list_feed(request, session, form, _describe(form), form.params())


@router.get("/feeds/person.atom")
def person_feed(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Query(min_length=3, max_length=254)],
) -> Response:
    """The series one person sent, by address."""
    form = listing.HomeForm(submitter=email.strip().strip("<>").lower())
    title = f"Series by {form.submitter}"
    return _list_feed(request, session, form, title, {"email": form.submitter})


@router.get("/feeds/path.atom")
def path_feed(
    request: Request, session: SessionDep, path: Annotated[str, Query(min_length=1, max_length=300)]
) -> Response:
    """The series touching a path: a file, a directory ending in /, or a glob."""
    form = listing.form_from({"path": path})
    return _list_feed(request, session, form, f"Series touching {form.path}", {"path": form.path})


@router.get("/feeds/series/{series_id}.atom")
def activity_feed(request: Request, series_id: int, session: SessionDep) -> Response:
    """One series: its mail (patches, replies) and its events (states, concerns), newest first."""
    if not 0 < series_id < 2**63:
        raise NotFound(f"no series with id {series_id}")
    s = series_summary(session, series_id)
    base = _base(request)
    patches = {p.id: p for p in siblings(session, series_id)}
    archive = series_archive_urls(session, [series_id]).get(series_id)
    mail = list_messages(session, Filters(series=series_id), Page(1, FEED_SIZE)).items
    events = list_events(session, Filters(series=series_id), Page(1, FEED_SIZE)).items
    changes = _event_entries(base, s, events, patches, archive)
    entries = [*_mail_entries(session, base, mail), *changes]
    entries.sort(key=lambda e: (e.updated, e.id), reverse=True)
    page = f"{base}/series/{series_id}"
    feed = Feed(
        id=f"{base}/feeds/series/{series_id}.atom",
        title=f"{s.title or '(no title)'} {s.version_label}",
        page=page,
        subtitle=f"Mail and changes of series {series_id} by {s.submitter}"
        + (f" ({archive})" if archive and _safe_url(archive) else ""),
        entries=tuple(entries[:FEED_SIZE]),
    )
    return _respond(request, render(feed))


def _list_feed(
    request: Request, session: Session, form: listing.HomeForm, title: str, own: dict[str, str]
) -> Response:
    """A feed of the series `form` asks for; `own`: the feed's query, as its id names it."""
    base = _base(request)
    found = list_series(session, form.filters(), Page(1, FEED_SIZE)).items
    ids = [s.id for s in found]
    changed, archives = last_changes(session, ids), series_archive_urls(session, ids)
    feed = Feed(
        id=f"{base}{request.url.path}" + _query(own),
        title=title,
        page=f"{base}/{_query(form.params())}",
        subtitle="Patch series on the list, newest first",
        entries=tuple(_series_entry(base, s, changed.get(s.id), archives.get(s.id)) for s in found),
    )
    return _respond(request, render(feed))


def _series_entry(
    base: str, s: SeriesSummary, changed: datetime | None, archive: str | None
) -> Entry:
    missing = f" (missing {', '.join(map(str, s.missing))})" if s.missing else ""
    lines = [
        f"{s.title or '(no title)'} {s.version_label}",
        f"State: {s.state}" + (f" ({s.state_reason})" if s.state_reason else ""),
        f"Submitter: {s.submitter}",
        f"Patches: {s.patch_count} of {s.total}{missing}",
    ]
    if s.delegate:
        lines.append(f"Delegate: {s.delegate}")
    return Entry(
        id=f"{base}/series/{s.id}",
        title=f"{s.title or '(no title)'} {s.version_label} [{s.state}]",
        link=f"{base}/series/{s.id}",
        updated=newest([s.last_date or s.date, changed]),
        published=s.date,
        author_name=s.submitter_name,
        author_email=s.submitter_email,
        archive=_safe_url(archive),
        content="\n".join(lines),
    )


def _mail_entries(session: Session, base: str, mail: Iterable[MessageSummary]) -> list[Entry]:
    mail = list(mail)
    ids = [m.id for m in mail]
    own, texts = own_patches(session, ids), excerpts(session, ids, EXCERPT)
    out = []
    for m in mail:
        page = f"{base}/patch/{own[m.id]}" if m.id in own else base + msg_url(m.msgid)
        text = texts.get(m.id, "")
        out.append(
            Entry(
                id=base + msg_url(m.msgid),
                title=m.subject,
                link=page,
                updated=newest([m.date]),
                published=m.date,
                author_name=m.from_name,
                author_email=m.from_email,
                archive=_safe_url(m.archive_url),
                content=text + ("\n[…]" if len(text) >= EXCERPT else ""),
            )
        )
    return out


def _event_entries(
    base: str,
    s: SeriesSummary,
    events: Iterable[EventEntry],
    patches: dict[int, PatchSummary],
    archive: str | None,
) -> list[Entry]:
    """A change of a patch links the patch's mail in the archive, of the series its cover."""
    out = []
    for e in events:
        patch = patches.get(e.patch_id) if e.patch_id is not None else None
        what = f"patch {patch.number:02d}" if patch else f"series {s.version_label}"
        change = f"{e.field}: {e.old_value or '-'} → {e.new_value or '-'}"
        page = f"{base}/patch/{patch.id}" if patch else f"{base}/series/{s.id}"
        note = f"\n{e.note}" if e.note else ""
        out.append(
            Entry(
                id=f"{base}/api/v1/events/{e.id}",
                title=f"{what} {change}",
                link=page,
                updated=newest([e.created_at]),
                published=e.created_at,
                author_name=e.actor,
                archive=_safe_url(patch.archive_url if patch else archive),
                content=f"{e.actor} set {what}'s {change} (via {e.via}){note}",
            )
        )
    return out


def _describe(form: listing.HomeForm) -> str:
    """The feed's title: what the filters ask for."""
    parts = [
        f"state {form.state}" if form.state else "",
        f"by {form.submitter}" if form.submitter else "",
        f"touching {form.path}" if form.path else "",
        f"in {form.month}" if form.month else "",
        "with open concerns" if form.open_concerns else "",
        f"matching “{form.q}”" if form.q else "",
    ]
    return "Series " + ", ".join(p for p in parts if p) if any(parts) else "All series"


def _base(request: Request) -> str:
    """The site's absolute URL from the request (scheme, host, root path), no trailing /."""
    return str(request.base_url).rstrip("/")


def _query(params: dict[str, str]) -> str:
    """A query string in a stable order (a feed's id must not depend on the order)."""
    items = sorted((k, v) for k, v in params.items() if v)
    return "?" + urlencode(items, quote_via=quote) if items else ""


def _safe_url(url: str | None) -> str | None:
    """An archive URL worth linking to: http(s), and nothing a URL cannot hold."""
    link = archive_link(url)
    if link is None or any(c.isspace() or ord(c) < 32 or c in '<>"' for c in link):
        return None
    return link


def _respond(request: Request, body: bytes) -> Response:
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {**FEED_HEADERS, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=MEDIA_TYPE, headers=headers)
