"""Pipermail (Mailman 2.1) web archive index pages -> months and thread entries.  (pure)

Nothing here fetches: each function takes one page's bytes and the URL it was
fetched from (after redirects: a directory URL ends in "/"); links come back
absolute. A message page itself is read by ingest/pipermail_message.py.

thread.html nests <UL> per reply level, capped at 3 (a deeper reply is drawn at
level 3, under an entry that is not its parent). Stock Mailman writes a
thread-sort key in the "<!--N key -->" comment before an entry; a Message-ID
there is only a hint. Page names (msgNNNNN.html, NNNNNN.html) mean nothing.

Speed and memory: no page is made a tree. thread.html and the month list are read
as lxml parser events (ingest/pageparse.py), keeping only what they collect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from reviewbot.ingest.pageparse import PageEvents, feed, leaf
from reviewbot.ingest.pagetext import MONTHS, decode_page
from reviewbot.ingest.pipermail_message import collapse, is_message_page

_HINT = re.compile(r"^\s*\d*\s*<([^<>\s]+@[^<>\s]+)>\s*$")


@dataclass(frozen=True)
class MonthLink:
    """One row of the archive's month list."""

    name: str
    thread_url: str
    date_url: str | None
    text_url: str | None


@dataclass(frozen=True)
class ThreadEntry:
    """One message as listed in a month's thread.html."""

    url: str
    subject: str
    author: str
    depth: int
    parent_url: str | None
    msgid_hint: str | None


def month_key(name: str) -> tuple[int, int]:
    """Sort key of a month: "2023-July" -> (2023, 7); ValueError for any other name."""
    year, sep, month = name.strip().partition("-")
    if sep and year.isdigit() and len(year) == 4 and month.lower() in MONTHS:
        return int(year), MONTHS.index(month.lower()) + 1
    raise ValueError(f"not a pipermail month name (like 2023-July): {name!r}")


def parse_month_list(html: bytes, base_url: str, max_links: int = 0) -> list[MonthLink]:
    """The month table of the archive's index.html, in page order (OverLimit past
    max_links links)."""
    text, _warnings = decode_page(html)
    rows = _MonthRows(base_url, max_links)
    feed(text, rows)
    months: list[MonthLink] = []
    for row in rows.rows:
        links = [urljoin(rows.base, href) for href in row.hrefs]
        thread_url = next((u for u in links if leaf(u) == "thread.html"), None)
        if thread_url is None:
            continue  # the header row, or anything that is not a month
        date_url = next((u for u in links if leaf(u) == "date.html"), None)
        text_url = next((u for u in links if leaf(u).endswith((".txt.gz", ".txt"))), None)
        name = _month_name(thread_url, "".join(row.cell))
        months.append(MonthLink(name, thread_url, date_url, text_url))
    return months


def _month_name(thread_url: str, cell: str) -> str:
    # the directory is the archive's own name for the month; the cell text is
    # for people ("2023 July:", "July 2023:") and varies between versions
    parts = urlsplit(thread_url).path.split("/")
    if len(parts) >= 2 and parts[-2]:
        return unquote_to_bytes(parts[-2]).decode("utf-8", "replace")
    return "-".join(cell.replace(":", " ").split())


class _Row:
    """A <tr> of the month table: its links and the text of its first cell."""

    def __init__(self) -> None:
        self.hrefs: list[str] = []
        self.cell: list[str] = []
        self.cells = 0  # <td>s opened
        self.in_cell = 0  # depth inside the first <td>


class _MonthRows(PageEvents):
    """Collects the table rows of the month list (a link counts for every row it is in)."""

    def __init__(self, url: str, max_links: int) -> None:
        super().__init__(url, max_links)
        self.rows: list[_Row] = []
        self.open: list[_Row] = []

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        super().start(tag, attrib)
        if tag == "tr":
            self.rows.append(_Row())
            self.open.append(self.rows[-1])
        elif tag == "td":
            for row in self.open:
                row.cells += 1
                row.in_cell += 1 if row.cells == 1 or row.in_cell else 0
        elif tag == "a" and "href" in attrib:
            self.count_link("in the month list")
            for row in self.open:
                row.hrefs.append(str(attrib["href"]).strip())

    def end(self, tag: str) -> None:
        if tag == "tr" and self.open:
            self.open.pop()
        elif tag == "td":
            for row in self.open:
                row.in_cell = max(0, row.in_cell - 1)

    def data(self, text: str) -> None:
        for row in self.open:
            if row.in_cell:
                row.cell.append(text)


def parse_thread_index(html: bytes, base_url: str, max_links: int = 0) -> list[ThreadEntry]:
    """A month's thread.html as entries in page order, parents before children
    (OverLimit past max_links links)."""
    text, _warnings = decode_page(html)
    index = _ThreadIndex(base_url, max_links)
    feed(text, index)
    return index.entries()


class _Item:
    """An <li> of thread.html while it is read."""

    def __init__(self, depth: int, hint: str | None) -> None:
        self.depth = depth
        self.hint = hint
        self.href: str | None = None  # its own link (the first in it, unless a reply's)
        self.parent: _Item | None = None  # the nearest enclosing <li> with its own link
        self.subject: list[str] = []
        self.author: list[str] | None = None  # its first <i>, unless a reply's
        self.seen_link = False
        self.seen_italic = False


class _Capture:
    """The text of an element being read, until its end tag."""

    def __init__(self, tag: str, into: list[str]) -> None:
        self.tag = tag
        self.into = into
        self.depth = 1


class _ThreadIndex(PageEvents):
    """Collects thread.html's entries: each <li>'s own link, author, nesting and the
    "<!--N <id@host> -->" comment just before it (as bs4's find/find_parents would)."""

    def __init__(self, url: str, max_links: int) -> None:
        super().__init__(url, max_links)
        self.items: list[_Item] = []  # those with their own link, in page order
        self.open: list[_Item] = []
        self.lists = 0  # <ul>/<ol> open
        self.hint: str | None = None  # a comment, while nothing but blanks followed
        self.captures: list[_Capture] = []  # texts being read: a link's, an author's

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        super().start(tag, attrib)
        hint, self.hint = self.hint, None
        for capture in self.captures:
            capture.depth += capture.tag == tag
        if tag in ("ul", "ol"):
            self.lists += 1
        elif tag == "li":
            match = _HINT.match(hint) if hint is not None else None
            self.open.append(_Item(max(0, self.lists - 1), match.group(1) if match else None))
        elif tag == "a" and "href" in attrib:
            self.count_link("in the thread index")
            self._link(str(attrib["href"]).strip())
        elif tag == "i":
            self._italic()

    def _link(self, href: str) -> None:
        for item in self.open:
            if not item.seen_link:
                item.seen_link = True
                if item is self.open[-1]:  # a reply's link is not its parent's own
                    item.href = href
                    item.parent = next((p for p in reversed(self.open[:-1]) if p.href), None)
                    self.items.append(item)
                    self._capture("a", item.subject)

    def _italic(self) -> None:
        for item in self.open:
            if not item.seen_italic:
                item.seen_italic = True
                if item is self.open[-1]:
                    item.author = []
                    self._capture("i", item.author)

    def _capture(self, tag: str, into: list[str]) -> None:
        self.captures.append(_Capture(tag, into))

    def end(self, tag: str) -> None:
        for capture in self.captures:
            capture.depth -= capture.tag == tag
        self.captures = [c for c in self.captures if c.depth > 0]
        if tag in ("ul", "ol"):
            self.lists = max(0, self.lists - 1)
        elif tag == "li" and self.open:
            self.open.pop()

    def data(self, text: str) -> None:
        for capture in self.captures:
            capture.into.append(text)
        if text.strip():
            self.hint = None

    def comment(self, text: str) -> None:
        self.hint = text

    def entries(self) -> list[ThreadEntry]:
        """The entries whose own link is a message page, parents linked by URL."""
        urls = {id(item): urljoin(self.base, item.href or "") for item in self.items}
        kept = {
            id(item) for item in self.items if is_message_page(urls[id(item)])
        }  # "Messages sorted by" and other navigation items are not messages
        entries = []
        for item in self.items:
            if id(item) not in kept:
                continue
            parent = item.parent
            while parent is not None and id(parent) not in kept:
                parent = parent.parent
            entries.append(
                ThreadEntry(
                    url=urls[id(item)],
                    subject=collapse("".join(item.subject)),
                    author=collapse("".join(item.author)) if item.author is not None else "",
                    depth=item.depth,
                    parent_url=urls[id(parent)] if parent is not None else None,
                    msgid_hint=item.hint,
                )
            )
        return entries
