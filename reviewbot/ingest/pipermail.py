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

Speed: bs4 over a whole page is the slow part, so a message page is cut by plain
string search and only the header (<H1> to the links) and the article's <PRE>
are given to bs4 + lxml.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from reviewbot.errors import PageError
from reviewbot.ingest.pagetext import MONTHS, decode_page, parse_page_date
from reviewbot.mail.message import decode_header, find_msgids

_BEGIN = "<!--beginarticle-->"
_END = "<!--endarticle-->"
_H1 = re.compile(r"<h1[\s>]", re.I)
_BODY = re.compile(r"<body[\s>]", re.I)
_HEADER_END = re.compile(r"<(?:p|ul|hr)[\s>]", re.I)
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


def parse_month_list(html: bytes, base_url: str) -> list[MonthLink]:
    """The month table of the archive's index.html, in page order."""
    text, _warnings = decode_page(html)
    soup = BeautifulSoup(text, "lxml")
    base = _base_url(soup, base_url)
    months: list[MonthLink] = []
    for row in soup.find_all("tr"):
        links = [urljoin(base, str(a["href"]).strip()) for a in row.find_all("a", href=True)]
        thread_url = next((u for u in links if _leaf(u) == "thread.html"), None)
        if thread_url is None:
            continue  # the header row, or anything that is not a month
        date_url = next((u for u in links if _leaf(u) == "date.html"), None)
        text_url = next((u for u in links if _leaf(u).endswith((".txt.gz", ".txt"))), None)
        months.append(MonthLink(_month_name(thread_url, row), thread_url, date_url, text_url))
    return months


def _month_name(thread_url: str, row: Tag) -> str:
    # the directory is the archive's own name for the month; the cell text is
    # for people ("2023 July:", "July 2023:") and varies between versions
    parts = urlsplit(thread_url).path.split("/")
    if len(parts) >= 2 and parts[-2]:
        return unquote_to_bytes(parts[-2]).decode("utf-8", "replace")
    cell = row.find("td")
    return "-".join((cell.get_text() if cell else "").replace(":", " ").split())


def _leaf(url: str) -> str:
    return urlsplit(url).path.rsplit("/", 1)[-1].lower()


def _base_url(soup: BeautifulSoup, fetched: str) -> str:
    base = soup.find("base", href=True)
    return urljoin(fetched, str(base["href"]).strip()) if isinstance(base, Tag) else fetched


def parse_thread_index(html: bytes, base_url: str) -> list[ThreadEntry]:
    """A month's thread.html as entries in page order, parents before children."""
    text, _warnings = decode_page(html)
    soup = BeautifulSoup(text, "lxml")
    base = _base_url(soup, base_url)
    entries: list[ThreadEntry] = []
    entry_urls: dict[int, str] = {}  # id() of an entry's <li> -> its page URL
    for li in soup.find_all("li"):
        link = li.find("a", href=True)
        # the first link must be this entry's own, not a nested reply's
        if not isinstance(link, Tag) or link.find_parent("li") is not li:
            continue
        url = urljoin(base, str(link["href"]).strip())
        leaf = _leaf(url)
        if not leaf.endswith((".html", ".htm")) or leaf in _INDEX_PAGES:
            continue  # "Messages sorted by" and other navigation items
        entry_urls[id(li)] = url
        parents = (entry_urls[id(p)] for p in li.find_parents("li") if id(p) in entry_urls)
        author = li.find("i")
        if isinstance(author, Tag) and author.find_parent("li") is not li:
            author = None  # this entry has no author; that one is a reply's
        entries.append(
            ThreadEntry(
                url=url,
                subject=_collapse(link.get_text()),
                author=_collapse(author.get_text()) if isinstance(author, Tag) else "",
                # the outer <ul> holds the roots; each nested <UL> is one level
                depth=max(0, len(li.find_parents(["ul", "ol"])) - 1),
                parent_url=next(parents, None),
                msgid_hint=_msgid_hint(li),
            )
        )
    return entries


def _msgid_hint(li: Tag) -> str | None:
    """The Message-ID in the "<!--N <id@host> -->" comment just before an entry."""
    for element in li.previous_elements:
        if isinstance(element, Comment):
            match = _HINT.match(element)
            return match.group(1) if match else None
        if isinstance(element, NavigableString) and not element.strip():
            continue
        return None
    return None


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
        fields = _header_fields(head[start : stop.start()])
        if fields[1]:
            return fields
    # another template: the sender or reply link is further down
    return _header_fields(head[start:])


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
    closes = list(_PRE_CLOSE.finditer(article))
    if opened is None:
        warnings.append("no <PRE> in the article: its text is taken as it is")
        fragment = article
    elif not closes:
        warnings.append("the article's <PRE> is not closed")
        fragment = article[opened.start() :]
    else:
        fragment = article[opened.start() : closes[-1].end()]
    # pipermail wraps every quoted line in <I>...</I> (one tag per line); bs4
    # builds a node per tag, which made a long quoted reply ten times slower to
    # parse. Text "<" is always escaped in the article, so these are only markup.
    soup = BeautifulSoup(_QUOTE_MARKUP.sub("", fragment), "lxml")
    pres = soup.find_all("pre")
    if not pres:
        return soup.get_text()
    # one <PRE> on every stock page; a template with several keeps them all
    return "".join(pre.get_text() for pre in pres)
