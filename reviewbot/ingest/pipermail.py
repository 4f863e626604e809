"""Pipermail (Mailman 2.1) web archive pages -> months, thread entries, messages.  (pure)

Nothing here fetches: each function takes one page's bytes and the URL it was
fetched from (after redirects: a directory URL ends in "/"); links come back absolute.

- A message page shows the subject with leading "Re:"s stripped, the sender as
  "user at host", a ctime-like date, and the article in a <PRE> between
  <!--beginarticle--> and <!--endarticle-->, quoted lines in <i>...</I>. Its
  Message-ID is only in the reply link: mailto:list?Subject=Re: <subject>&In-Reply-To=<id>
  (stock Mailman strips every "Re:" from <subject> first, so there a reply's own
  "Re:" is lost). Nothing on the page names the parent: that is thread.html's job.
- thread.html nests <UL> per reply level, capped at 3 (a deeper reply is drawn
  at level 3, under an entry that is not its parent). Stock Mailman writes a
  thread-sort key in the "<!--N key -->" comment before an entry; a Message-ID
  there is only a hint. Page names (msgNNNNN.html, NNNNNN.html) mean nothing.

Speed and memory: no page is made a tree. thread.html, the month list and a
message page's article are read as lxml parser events (ingest/pageparse.py),
keeping only what they collect; a message page is cut by plain string search and
only its header (<H1> to the links, at most 64K characters) is given to bs4.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from reviewbot.errors import PageError
from reviewbot.ingest.pageparse import PageEvents, feed, leaf
from reviewbot.ingest.pagetext import MONTHS, decode_page, parse_page_date
from reviewbot.mail.message import decode_header, find_msgids

_BEGIN = "<!--beginarticle-->"
_END = "<!--endarticle-->"
_H1 = re.compile(r"<h1[\s>]", re.I)
_BODY = re.compile(r"<body[\s>]", re.I)
_HEADER_END = re.compile(r"<(?:p|ul|hr)[\s>]", re.I)
_HEADER_MAX = 64 * 1024  # characters of a page's head given to bs4 (a stock one has ~1,000)
_QUOTE_MARKUP = re.compile(r"</?[iI]>")
_MAILTO = re.compile(r"^\s*mailto:", re.I)
_PRE_OPEN = re.compile(r"<pre[\s>]", re.I)
_PRE_CLOSE = re.compile(r"</pre\s*>", re.I)
_OBSCURED = re.compile(r"^(\S+) at (\S+\.\S+)$")
_HINT = re.compile(r"^\s*\d*\s*<([^<>\s]+@[^<>\s]+)>\s*$")
_INDEX_PAGES = {"thread.html", "date.html", "subject.html", "author.html", "index.html"}


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


@dataclass(frozen=True)
class ArchivedMessage:
    """One message page, read back into the mail it was made from."""

    url: str
    msgid: str | None
    subject: str
    author_name: str
    author_email: str
    date: datetime | None
    body: str
    warnings: tuple[str, ...]


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
            id(item) for item in self.items if _is_message_page(urls[id(item)])
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
                    subject=_collapse("".join(item.subject)),
                    author=_collapse("".join(item.author)) if item.author is not None else "",
                    depth=item.depth,
                    parent_url=urls[id(parent)] if parent is not None else None,
                    msgid_hint=item.hint,
                )
            )
        return entries


def _is_message_page(url: str) -> bool:
    name = leaf(url)
    return name.endswith((".html", ".htm")) and name not in _INDEX_PAGES


def parse_message_page(html: bytes, url: str) -> ArchivedMessage:
    """One message page; raise PageError (naming the url) for a page that is not one."""
    if not html.strip():
        raise PageError(f"{url}: empty page")
    text, warnings = decode_page(html)
    begin = text.find(_BEGIN)
    if begin < 0:
        raise PageError(f"{url}: no {_BEGIN} marker, not a pipermail message page")
    end = text.find(_END, begin)
    if end < 0:
        raise PageError(f"{url}: truncated page, {_BEGIN} without {_END}")
    name, email, date_text, mailto, h1 = _read_header(text[:begin])
    msgid, subject = _identity(mailto, h1, warnings)
    date = parse_page_date(date_text, warnings)
    if not email:
        warnings.append("no sender address on the page")
    if _OBSCURED.match(name) and _restore_address(name) == email:
        name = email  # no real name: pipermail showed the address instead
    body = _article_text(text[begin + len(_BEGIN) : end], warnings)
    return ArchivedMessage(
        url=url,
        msgid=msgid,
        subject=subject,
        author_name=name or email,
        author_email=email,
        date=date,
        body=body,
        warnings=tuple(warnings),
    )


def _identity(mailto: str, h1: str, warnings: list[str]) -> tuple[str | None, str]:
    """(Message-ID, original subject) from the reply link, the <H1> when there is none."""
    if not mailto:
        warnings.append("no reply link: Message-ID unknown, subject from <H1> (Re: stripped)")
        return None, h1
    params = _mailto_params(mailto)
    msgid = _msgid(params.get("in-reply-to", ""))
    subject = params.get("subject")
    if subject is None:
        warnings.append("reply link has no Subject=: subject from <H1> (Re: stripped)")
        subject = h1
    elif subject.startswith("Re: "):
        # Mailman builds the link as "Re: " + subject: take exactly that one off;
        # the raw header is used there, so RFC 2047 words may still be in it
        subject = decode_header(subject[4:])
    else:
        # early Mailman 2.1 linked Subject=<subject>&In-Reply-To=<the PARENT's
        # id>; taken as this message's id it would merge the two messages
        parent = f" (the parent's: {msgid})" if msgid else ""
        warnings.append(f"old-style reply link: In-Reply-To= is not this message's id{parent}")
        return None, decode_header(subject)
    if msgid is None:
        warnings.append("reply link has no In-Reply-To=: Message-ID unknown")
    return msgid, subject


def _read_header(head: str) -> tuple[str, str, str, str, str]:
    """(name, address, date text, mailto href, H1 text) from the part before the article."""
    # only <H1> to the navigation list is parsed: the <HEAD> and the links are
    # most of the page's tags and hold nothing that is not repeated there
    found = _H1.search(head) or _BODY.search(head)
    start = found.start() if found else 0
    stop = _HEADER_END.search(head, found.end() if found else 0)
    if stop is not None:
        fields = _header_fields(head[start : min(stop.start(), start + _HEADER_MAX)])
        if fields[1]:
            return fields
    # another template: the sender or reply link is further down (not megabytes down)
    return _header_fields(head[start : start + _HEADER_MAX])


def _header_fields(fragment: str) -> tuple[str, str, str, str, str]:
    soup = BeautifulSoup(fragment, "lxml")
    h1 = soup.find("h1")
    anchor: Tag | BeautifulSoup = h1 if isinstance(h1, Tag) else soup
    bold = anchor.find_next("b")
    link = soup.find("a", href=_MAILTO)
    mailto = str(link["href"]) if isinstance(link, Tag) else ""
    date_tag = (link if isinstance(link, Tag) else bold or anchor).find_next("i")
    return (
        _collapse(bold.get_text()) if isinstance(bold, Tag) else "",
        _restore_address(link.get_text()) if isinstance(link, Tag) else "",
        _collapse(date_tag.get_text()) if isinstance(date_tag, Tag) else "",
        mailto,
        _collapse(h1.get_text()) if isinstance(h1, Tag) else "",
    )


def _mailto_params(href: str) -> dict[str, str]:
    """Lower-cased parameter names -> decoded values of a mailto: URL."""
    _address, _sep, query = href.partition("?")
    params: dict[str, str] = {}
    for pair in query.split("&"):
        key, _eq, value = pair.partition("=")
        raw = unquote_to_bytes(value)
        try:
            params[key.strip().lower()] = raw.decode("utf-8")
        except UnicodeDecodeError:
            # an old archive quoted the subject in the list's 8-bit charset
            params[key.strip().lower()] = raw.decode("cp1252", errors="replace")
    return params


def _msgid(value: str) -> str | None:
    ids = find_msgids(value)
    if ids:
        return ids[0]
    bare = value.strip()
    return bare if bare and not any(c.isspace() for c in bare) else None


def _restore_address(text: str) -> str:
    """pipermail's "user at host" as user@host, lower-cased."""
    text = _collapse(text)
    match = _OBSCURED.match(text)
    return (f"{match.group(1)}@{match.group(2)}" if match else text).lower()


def _collapse(text: str) -> str:
    # headers are compared unfolded, as reviewbot.mail.message.decode_header gives them
    return " ".join(text.split())


def _article_text(article: str, warnings: list[str]) -> str:
    """The text of the article's <PRE>: entities decoded, <I> and links gone."""
    opened = _PRE_OPEN.search(article)
    closed = max(_PRE_CLOSE.finditer(article), key=lambda m: m.start(), default=None)
    if opened is None:
        warnings.append("no <PRE> in the article: its text is taken as it is")
        fragment = article
    elif closed is None:
        warnings.append("the article's <PRE> is not closed")
        fragment = article[opened.start() :]
    else:
        fragment = article[opened.start() : closed.end()]
    # pipermail wraps every quoted line in <I>...</I> (one tag per line): taken out
    # first, they cost nothing. Text "<" is always escaped in the article, so these
    # are only markup.
    text = _PreText(_QUOTE_MARKUP.sub("", fragment))
    return text.read()


class _PreText(PageEvents):
    """The text of every <PRE> (one on every stock page; a template with several keeps
    them all), or of everything when there is none."""

    def __init__(self, fragment: str) -> None:
        super().__init__("")
        self.fragment = fragment
        self.pre: list[str] = []
        self.everything: list[str] | None = []
        self.depth = 0

    def read(self) -> str:
        """Parse the fragment; its text."""
        if self.fragment.strip():
            feed(self.fragment, self)
        return "".join(self.pre) if self.everything is None else "".join(self.everything)

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        if tag == "pre":
            self.depth += 1
            self.everything = None  # there is a <PRE>: only its text counts

    def end(self, tag: str) -> None:
        if tag == "pre":
            self.depth = max(0, self.depth - 1)

    def data(self, text: str) -> None:
        if self.depth:
            self.pre.append(text)
        elif self.everything is not None:
            self.everything.append(text)
