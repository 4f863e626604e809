"""Jinja2 environment and the URL helpers templates use.

Templates live in the top-level templates/ of a checkout, or in the copy the
wheel ships as reviewbot/_templates (the same pattern as db.migrations_dir).
Autoescaping is on for every template: all the text shown comes from mail.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.templating import Jinja2Templates

from reviewbot.errors import ReviewbotError
from reviewbot.models import PatchState
from reviewbot.web.threadview import body_blocks
from reviewbot.web.viewer import viewer_of

_PACKAGE = Path(__file__).resolve().parent.parent


def templates_dir() -> Path:
    """templates/ in a checkout, or the copy shipped inside the wheel."""
    for candidate in (_PACKAGE.parent / "templates", _PACKAGE / "_templates"):
        if (candidate / "base.html").exists():
            return candidate
    raise ReviewbotError("the templates directory is missing from this installation")


def static_dir() -> Path:
    """The CSS, JS and icons the pages use (served by the app: no CDN)."""
    return templates_dir() / "static"


def msg_url(msgid: str, kind: str = "message") -> str:
    """The page of a message ("message", "thread" or "raw"), its Message-ID quoted."""
    return f"/{kind}/{quote(msgid, safe='@')}"


def archive_link(url: str | None) -> str | None:
    """A message's archive URL when it is safe to link to (http or https), else None.

    The URL came from an archive's pages: a javascript: one is never made a link.
    """
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return url


def fmt_date(value: datetime | str | None) -> str:
    """A date as 2023-07-18 09:30 (UTC as stored), or an empty string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value[:16].replace("T", " ")
    return value.strftime("%Y-%m-%d %H:%M")


def with_query(params: dict[str, str], **changes: str | int | None) -> str:
    """The current query string with some parameters changed (for pagination)."""
    merged = {k: str(v) for k, v in {**params, **changes}.items() if v not in (None, "")}
    return "?" + urlencode(merged) if merged else "?"


@lru_cache(maxsize=1)
def templates() -> Jinja2Templates:
    """The one Jinja2Templates of the app, built on first use."""
    env = Environment(
        loader=FileSystemLoader(str(templates_dir())),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        msg_url=msg_url, with_query=with_query, body_blocks=body_blocks, archive_link=archive_link
    )
    # who is looking (signed in or not) and what they may set: the action partials
    env.globals.update(viewer=viewer_of, patch_states=[s.value for s in PatchState])
    env.filters["date"] = fmt_date
    return Jinja2Templates(env=env)
