"""A pipermail (Mailman 2.1) message page -> the mail it was made from.  (pure)

A message page shows the subject with leading "Re:"s stripped, the sender as
"user at host", a ctime-like date, and the article in a <PRE> between
<!--beginarticle--> and <!--endarticle-->, quoted lines in <i>...</I>. Its
Message-ID is only in the reply link: mailto:list?Subject=Re: <subject>&In-Reply-To=<id>
(stock Mailman strips every "Re:" from <subject> first, so there a reply's own
"Re:" is lost). Nothing on the page names the parent: that is thread.html's job
(ingest/pipermail.py).

Speed and memory: the page is cut by plain string search; only its header (<H1>
to the links, at most 64K characters) is given to bs4, and the article is read as
lxml parser events (ingest/pageparse.py).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_to_bytes

from bs4 import BeautifulSoup, Tag

from reviewbot.errors import PageError
from reviewbot.ingest.pageparse import PageEvents, feed, leaf
from reviewbot.ingest.pagetext import decode_page, parse_page_date
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
_INDEX_PAGES = {"thread.html", "date.html", "subject.html", "author.html", "index.html"}


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


def is_message_page(url: str) -> bool:
    """Whether a link names a message page (not thread.html or another index)."""
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
        collapse(bold.get_text()) if isinstance(bold, Tag) else "",
        _restore_address(link.get_text()) if isinstance(link, Tag) else "",
        collapse(date_tag.get_text()) if isinstance(date_tag, Tag) else "",
        mailto,
        collapse(h1.get_text()) if isinstance(h1, Tag) else "",
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
    text = collapse(text)
    match = _OBSCURED.match(text)
    return (f"{match.group(1)}@{match.group(2)}" if match else text).lower()


def collapse(text: str) -> str:
    """Whitespace runs made one space, ends stripped."""
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
