"""mbox export: a series' patches as `git am` takes them, with the trailers from the list.

What `b4 am` gives: each patch's commit message gains the Reviewed-by, Acked-by,
... that reviewers sent in replies (to the patch or the cover letter) and that
the message does not already carry, at the end of its trailer block. The mbox
is mboxrd (lines starting with "From " get a ">"), as b4 writes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.header import Header
from email.utils import format_datetime, formataddr

_TRAILER_LINE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*:\s|^\(cherry picked from ")
_FROM_LINE = re.compile(r"^(>*From )", re.M)


@dataclass(frozen=True)
class PatchMail:
    """What one patch of the mbox is made of."""

    msgid: str
    author_name: str
    author_email: str
    date: datetime | None
    subject: str
    commit_message: str
    diffstat: str
    diff: str
    trailers: tuple[str, ...]  # "Name: value" lines collected from replies


def subject_line(title: str, version: int, number: int, total: int) -> str:
    """ "[PATCH v2 03/10] title", without the list's tag."""
    label = f" v{version}" if version > 1 else ""
    width = len(str(total))
    count = f" {number:0{width}d}/{total}" if total > 1 else ""
    return f"[PATCH{label}{count}] {title}"


def add_trailers(message: str, trailers: Sequence[str]) -> str:
    """The commit message with the trailers it lacks appended to its trailer block."""
    have = {line.strip().lower() for line in message.split("\n")}
    new = [t for t in dict.fromkeys(trailers) if t.strip().lower() not in have]
    text = message.rstrip("\n")
    if not new:
        return text + "\n"
    last = text.rsplit("\n\n", 1)[-1].split("\n")
    in_block = bool(text) and all(_TRAILER_LINE.match(x) or x[:1].isspace() for x in last)
    return text + ("\n" if in_block else "\n\n") + "\n".join(new) + "\n"


def patch_message(p: PatchMail) -> str:
    """One patch as an mboxrd entry."""
    headers = [
        "From mboxrd@z Thu Jan  1 00:00:00 1970",
        f"From: {formataddr((p.author_name, p.author_email), charset='utf-8')}",
        f"Subject: {_header(p.subject)}",
        f"Message-ID: <{p.msgid}>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=UTF-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    if p.date is not None:
        headers.insert(3, f"Date: {format_datetime(p.date)}")
    body = add_trailers(p.commit_message, p.trailers) + "---\n"
    if p.diffstat.strip():
        body += p.diffstat.rstrip("\n") + "\n\n"
    body += p.diff.rstrip("\n") + "\n"
    return "\n".join(headers) + "\n\n" + _FROM_LINE.sub(r">\1", body) + "\n"


def _header(text: str) -> str:
    text = " ".join(text.split())  # never a newline in a header
    return text if text.isascii() else Header(text, "utf-8").encode()


def build_mbox(patches: Sequence[PatchMail]) -> bytes:
    """The mbox of these patches, in order."""
    return "".join(patch_message(p) for p in patches).encode("utf-8", "replace")
