"""Compose a reply by mail: pick lines of a patch's hunks (or of a concern), add a
comment, get the mail as an .eml file and a mailto: link.

Works without JavaScript: a form with a checkbox per line, "Preview" and
"Download .eml" buttons. app.js previews as you type and lets the patch page
send its selected lines here. Nothing is written: the forms are POSTed (the
comment stays out of URLs and logs) with a CSRF token like every form.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from markupsafe import Markup, escape
from sqlmodel import Session

from reviewbot.deps import SessionDep
from reviewbot.mail.reply import GAP, ReplyMail, compose_reply, mailto_url, reply_bytes
from reviewbot.read.accounts import account_of
from reviewbot.read.concerns import ConcernEntry, concern_detail
from reviewbot.read.patches import PatchDetail, hunk_texts, patch_detail
from reviewbot.read.replies import original_of
from reviewbot.web.forms import Form, posted_form, render
from reviewbot.web.highlight import DiffLine, diff_lines
from reviewbot.web.viewer import Viewer, form_secret, keep_form_cookie, viewer_of

router = APIRouter(include_in_schema=False)
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
FormDep = Annotated[Form, Depends(posted_form)]
Lines = Annotated[list[str], Query(max_length=2000)]


@dataclass(frozen=True)
class Choice:
    """A line that may be quoted: its key in the form, how it is shown, its text."""

    key: str  # "f0-h1:3": file 0, hunk 1, line 3 of its body; "c:2" for a concern's
    line: DiffLine
    text: str  # as quoted: "-old line"


@dataclass(frozen=True)
class Group:
    """The lines of one hunk (or of the concern) offered for quoting."""

    anchor: str
    title: str
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Draft:
    """What the compose page shows: what is answered, the lines, and the reply if asked."""

    heading: str
    back: str  # the page this reply is about
    action: str  # where the form posts
    answering: str  # "Re: ..." of the mail answered
    groups: tuple[Group, ...]
    chosen: frozenset[str]
    comment: str
    reply: ReplyMail | None
    mailto: str


@router.get("/patch/{patch_id}/reply", response_class=HTMLResponse)
def patch_reply_page(
    request: Request,
    patch_id: Id,
    session: SessionDep,
    hunk: Annotated[str | None, Query(max_length=40)] = None,
    line: Lines = [],  # noqa: B006 (FastAPI copies defaults)
) -> Response:
    """Pick lines of the patch (of one hunk, or those the patch page selected) to answer."""
    detail = patch_detail(session, patch_id)
    groups = _patch_groups(session, detail)
    shown = {hunk} if hunk else {k.split(":")[0] for k in line}
    groups = tuple(g for g in groups if g.anchor in shown) or groups
    draft = _patch_draft(session, detail, groups, frozenset(line), "", None)
    return _page(request, draft)


@router.post("/patch/{patch_id}/reply", response_class=HTMLResponse)
def patch_reply_preview(
    request: Request, patch_id: Id, form: FormDep, session: SessionDep
) -> Response:
    """The compose page again, with the reply it makes."""
    draft = _patch_from_form(request, session, patch_id, form)
    return _page(request, draft)


@router.post("/patch/{patch_id}/reply.eml")
def patch_reply_eml(request: Request, patch_id: Id, form: FormDep, session: SessionDep) -> Response:
    """The reply as an .eml file for `git send-email` or `mutt -H`."""
    draft = _patch_from_form(request, session, patch_id, form)
    return _eml(draft, f"reply-patch-{patch_id}.eml")


@router.get("/concern/{concern_id}/reply", response_class=HTMLResponse)
def concern_reply_page(request: Request, concern_id: Id, session: SessionDep) -> Response:
    """Answer a concern: its reviewer's words, all chosen to start with."""
    c = concern_detail(session, concern_id)
    group = _concern_group(c)
    chosen = frozenset(x.key for x in group.choices)
    return _page(request, _concern_draft(session, request, c, group, chosen, "", False))


@router.post("/concern/{concern_id}/reply", response_class=HTMLResponse)
def concern_reply_preview(
    request: Request, concern_id: Id, form: FormDep, session: SessionDep
) -> Response:
    """The compose page again, with the reply it makes."""
    return _page(request, _posted_concern_draft(session, request, concern_id, form))


@router.post("/concern/{concern_id}/reply.eml")
def concern_reply_eml(
    request: Request, concern_id: Id, form: FormDep, session: SessionDep
) -> Response:
    """The reply to a concern as an .eml file."""
    draft = _posted_concern_draft(session, request, concern_id, form)
    return _eml(draft, f"reply-concern-{concern_id}.eml")


def _patch_groups(session: Session, detail: PatchDetail) -> tuple[Group, ...]:
    """Every hunk of the patch as lines to pick, keyed as the patch page's rows are."""
    texts = hunk_texts(session, detail.patch.id)
    groups = []
    for fpos, f in enumerate(detail.files):
        for h in (h for h in detail.hunks if h.file_id == f.id):
            text = texts.get(h.id, "")
            body = text.split("\n")[1:] if text.startswith("@@") else text.split("\n")
            shown = diff_lines(text, f.path, h.old_start, h.new_start)
            anchor = f"f{fpos}-h{h.index}"
            choices = tuple(
                Choice(f"{anchor}:{i}", d, body[i]) for i, d in enumerate(shown) if i < len(body)
            )
            groups.append(Group(anchor, f"{f.path} {h.header}", choices))
    return tuple(groups)


def _quoted(groups: tuple[Group, ...], chosen: frozenset[str]) -> list[str | None]:
    """The chosen lines in page order, a gap wherever lines were skipped between them."""
    out: list[str | None] = []
    for g in groups:
        picked = [i for i, c in enumerate(g.choices) if c.key in chosen]
        for n, i in enumerate(picked):
            if out and (n == 0 or i != picked[n - 1] + 1):
                out.append(GAP)
            out.append(g.choices[i].text)
    return out


def _sender(session: Session, viewer: Viewer) -> tuple[str | None, tuple[str, ...]]:
    """The From of a signed-in user with a known address (else the mail client's own)."""
    if viewer.user is None:
        return None, ()
    emails = account_of(session, viewer.user).emails
    return (f"{viewer.user} <{emails[0]}>" if emails else None), emails


def _patch_from_form(request: Request, session: Session, patch_id: int, form: Form) -> Draft:
    detail = patch_detail(session, patch_id)
    chosen = frozenset(form.all("line"))
    groups = _patch_groups(session, detail)
    picked = {k.split(":")[0] for k in chosen}
    shown = tuple(g for g in groups if g.anchor in picked) or groups
    viewer = viewer_of(request)
    reply = _reply(
        session, viewer, detail.patch.msgid, _quoted(groups, chosen), form.get("comment")
    )
    return _patch_draft(session, detail, shown, chosen, form.get("comment"), reply)


def _patch_draft(
    session: Session,
    detail: PatchDetail,
    groups: tuple[Group, ...],
    chosen: frozenset[str],
    comment: str,
    reply: ReplyMail | None,
) -> Draft:
    p = detail.patch
    return Draft(
        heading=f"Reply to patch {p.number:02d}: {p.title or p.subject}",
        back=f"/patch/{p.id}",
        action=f"/patch/{p.id}/reply",
        answering=p.subject,
        groups=groups,
        chosen=chosen,
        comment=comment,
        reply=reply,
        mailto=mailto_url(reply) if reply else "",
    )


def _concern_group(c: ConcernEntry) -> Group:
    """The concern's words to pick from: the line it quoted, then what the reviewer said."""
    texts = ([f"> {c.quoted_line}"] if c.quoted_line else []) + c.text.splitlines()
    choices = tuple(
        Choice(f"c:{i}", DiffLine(" ", None, None, _plain(t)), t) for i, t in enumerate(texts)
    )
    return Group(f"concern-{c.id}", f"{c.reviewer} ({c.kind})", choices)


def _posted_concern_draft(session: Session, request: Request, concern_id: int, form: Form) -> Draft:
    """The draft a posted compose form of a concern asks for, its reply made."""
    c = concern_detail(session, concern_id)
    chosen = frozenset(form.all("line"))
    return _concern_draft(session, request, c, _concern_group(c), chosen, form.get("comment"), True)


def _concern_draft(
    session: Session,
    request: Request,
    c: ConcernEntry,
    group: Group,
    chosen: frozenset[str],
    comment: str,
    compose: bool,
) -> Draft:
    reply = None
    if compose:
        reply = _reply(
            session, viewer_of(request), c.reply_msgid, _quoted((group,), chosen), comment
        )
    back = f"/patch/{c.patch_id}#concern-{c.id}" if c.patch_id else f"/series/{c.series_id}"
    return Draft(
        heading=f"Reply to {c.reviewer_name or c.reviewer_email}'s {c.kind}",
        back=back,
        action=f"/concern/{c.id}/reply",
        answering=original_of(session, c.reply_msgid).subject,
        groups=(group,),
        chosen=chosen,
        comment=comment,
        reply=reply,
        mailto=mailto_url(reply) if reply else "",
    )


def _reply(
    session: Session, viewer: Viewer, msgid: str, quoted: list[str | None], comment: str
) -> ReplyMail:
    sender, addresses = _sender(session, viewer)
    return compose_reply(original_of(session, msgid), quoted, comment, sender, addresses)


def _plain(text: str) -> Markup:
    return escape(text)


def _page(request: Request, draft: Draft) -> Response:
    form_secret(request)  # a visitor's form token needs a cookie to derive from
    response = render(request, "compose.html", {"draft": draft})
    keep_form_cookie(request, response)
    return response


def _eml(draft: Draft, name: str) -> Response:
    assert draft.reply is not None
    return Response(
        reply_bytes(draft.reply),
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
