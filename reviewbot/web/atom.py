"""Atom documents from plain entries, with feedgen.

Everything in an entry may come from mail, so it only ever goes where feedgen
(lxml) escapes it: element text (titles, names, `type="text"` content) or an
attribute value. Links are made by web/feeds.py from ids (the site's own pages)
or are archive URLs checked there; nothing from mail is parsed as markup here.
XML 1.0 cannot hold most control characters, which patches do carry (form
feeds, escape sequences), nor lone surrogates: they become U+FFFD instead of
failing the whole feed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from feedgen.entry import FeedEntry
from feedgen.feed import FeedGenerator
from lxml import etree

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # the `updated` of a feed with no entry
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Entry:
    """One entry of a feed: what it is, where it is, who, when."""

    id: str  # a URI that never changes (the page's absolute URL)
    title: str
    link: str  # the reviewbot page, absolute
    updated: datetime
    content: str  # plain text
    published: datetime | None = None
    author_name: str = ""
    author_email: str = ""
    archive: str | None = None  # the mail in the list's archive (rel="related")


@dataclass(frozen=True)
class Feed:
    """A feed: its id (its own URL), title, the page it follows, and the entries."""

    id: str
    title: str
    page: str  # the HTML page showing the same thing (rel="alternate")
    subtitle: str
    entries: tuple[Entry, ...]


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: the characters it cannot become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)


def utc(when: datetime | None) -> datetime:
    """An aware UTC time (the database gives naive UTC on SQLite); EPOCH for None."""
    if when is None:
        return EPOCH
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def newest(times: Sequence[datetime | None]) -> datetime:
    """The latest of these times, aware; EPOCH when there is none."""
    known = [utc(t) for t in times if t is not None]
    return max(known, default=EPOCH)


def render(feed: Feed) -> bytes:
    """The feed as an Atom 1.0 document (UTF-8, with its XML declaration)."""
    fg = FeedGenerator()
    fg.id(feed.id)
    fg.title(xml_text(feed.title) or "reviewbot")
    fg.subtitle(xml_text(feed.subtitle) or feed.title)
    fg.link(href=feed.id, rel="self", type="application/atom+xml")
    fg.link(href=feed.page, rel="alternate", type="text/html")
    fg.generator("reviewbot")
    # deterministic: the same data gives the same bytes (and ETag) at any time
    fg.updated(newest([e.updated for e in feed.entries]))
    for entry in feed.entries:
        _add(fg, entry)
    return bytes(fg.atom_str(pretty=True))


class _FeedEntry(FeedEntry):  # type: ignore[misc]
    """feedgen 1.0.0's entry, whose links keep their rel, type and title.

    Its atom_entry() writes each entry link's href only (a loop variable shadows
    the link it reads them from), which would make the archive link a second
    rel="alternate" one; they are put back here, in the order they were added.
    """

    def atom_entry(self, extensions: bool = True) -> etree._Element:
        entry = super().atom_entry(extensions)
        for element, link in zip(entry.findall("link"), self.link() or [], strict=True):
            for name in ("rel", "type", "title"):
                if link.get(name):
                    element.attrib[name] = link[name]
        return entry


def _add(fg: FeedGenerator, entry: Entry) -> None:
    fe = fg.add_entry(_FeedEntry(), order="append")
    fe.id(entry.id)
    fe.title(xml_text(entry.title) or "(no subject)")
    fe.link(href=entry.link, rel="alternate", type="text/html")
    if entry.archive:
        fe.link(href=entry.archive, rel="related", type="text/html", title="list archive")
    fe.updated(utc(entry.updated))
    if entry.published is not None:
        fe.published(utc(entry.published))
    name = xml_text(entry.author_name or entry.author_email)
    if name:
        fe.author(name=name, email=xml_text(entry.author_email) or None)
    fe.content(xml_text(entry.content) or " ", type="text")
