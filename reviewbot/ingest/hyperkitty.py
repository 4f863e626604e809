"""HyperKitty (Mailman 3's archiver): list URLs, message hashes, exports, the month list.  (pure)

Nothing here fetches. A list lives at `<base>/archives/list/<name>@<host>/` (the
`archives/` part is where the site mounts HyperKitty; `hyperkitty/` is common too).
Its mail comes out of the mbox export, `<list URL>export/<any name>.mbox.gz`,
filtered by `start` (inclusive) and `end` (exclusive), days in UTC, by `thread`
(a thread id) or by `message` (a message hash); the answer is a gzip'd mbox.

What the export gives back is HyperKitty's rendering, not the mail as sent: only
From, To, Subject, Date, Message-ID and In-Reply-To (no References, and
In-Reply-To without its angle brackets), the text as one text/plain part, and
every `user@host` in the text written `user(a)host`.

A message's page is `<list URL>message/<hash>/`: the hash is the RFC 4648 base32
of the SHA-1 of the Message-ID without angle brackets (`message_id_hash`); a
thread's id is the hash of the message that started it (as HyperKitty saw it).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from datetime import date
from urllib.parse import urlencode, urljoin, urlsplit

from reviewbot.ingest.months import Month
from reviewbot.ingest.pageparse import PageEvents, feed
from reviewbot.ingest.pagetext import decode_page

_LIST_PATH = re.compile(r"/list/([^/@\s]+)@([^/@\s]+)/?$")
_MONTH_LINK = re.compile(r"^(\d{4})/(\d{1,2})/?$")


def message_id_hash(msgid: str) -> str:
    """HyperKitty's `message_id_hash` of a Message-ID (with or without angle brackets)."""
    bare = msgid.strip().removeprefix("<").removesuffix(">")
    return base64.b32encode(hashlib.sha1(bare.encode("utf-8")).digest()).decode("ascii")


def is_list_url(url: str) -> bool:
    """Whether url names a HyperKitty list: `.../list/<name>@<host>/`."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(_LIST_PATH.search(parts.path))


def list_url(url: str) -> str:
    """The list URL as every other URL is built from it: query dropped, ending in "/"."""
    parts = urlsplit(url)
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return f"{parts.scheme}://{parts.netloc}{path}"


def list_name(url: str) -> str:
    """The list's local part ("devel" of devel@lists.libvirt.org), for export file names."""
    found = _LIST_PATH.search(urlsplit(url).path)
    return found.group(1) if found else "list"


def message_url(list_url: str, msgid: str) -> str:
    """The message's page in the archive: `<list URL>message/<hash>/`."""
    return f"{list_url}message/{message_id_hash(msgid)}/"


def export_url(
    list_url: str,
    name: str,
    *,
    start: date | None = None,
    end: date | None = None,
    thread: str | None = None,
    message: str | None = None,
) -> str:
    """The mbox export of a list, filtered; `name` only names the file (HyperKitty ignores it)."""
    params: list[tuple[str, str]] = []
    if start is not None:
        params.append(("start", start.isoformat()))
    if end is not None:
        params.append(("end", end.isoformat()))
    if thread is not None:
        params.append(("thread", thread))
    if message is not None:
        params.append(("message", message))
    query = f"?{urlencode(params)}" if params else ""
    return f"{list_url}export/{name}.mbox.gz{query}"


def parse_month_list(html: bytes, list_url: str, max_links: int = 0) -> list[Month]:
    """The months the list's page links to (`<list URL>2023/7/`), oldest first
    (OverLimit past max_links links)."""
    text, _warnings = decode_page(html)
    links = _Links(list_url, max_links)
    feed(text, links)
    found: set[Month] = set()
    for href in links.hrefs:
        url = urljoin(list_url, href).split("?", 1)[0].split("#", 1)[0]
        if not url.startswith(list_url):
            continue
        if m := _MONTH_LINK.match(url[len(list_url) :]):
            year, month = int(m.group(1)), int(m.group(2))
            if 1 <= month <= 12:
                found.add((year, month))
    return sorted(found)


class _Links(PageEvents):
    """Every link's href, as written."""

    def __init__(self, url: str, max_links: int) -> None:
        super().__init__(url, max_links)
        self.hrefs: list[str] = []

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if tag == "a" and "href" in attrib:
            self.count_link("on the list's page")
            self.hrefs.append(str(attrib["href"]).strip())
