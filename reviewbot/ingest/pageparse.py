"""Archive pages read as a stream of parser events, never as a tree.  (pure)

lxml's HTML parser (libxml2, the parser bs4 uses here too) calls a target's
start, end, data and comment for each thing it meets; a target keeps only what
it collects, so a page costs what it yields, not what it holds: a thread page of
100,000 links, or a million empty tags, is read in a few MB. Collectors count
the links they take and stop with OverLimit past Limits.page_links.

`<base href>` is honoured only on the page's own scheme and host: an archive
page cannot send the scraper elsewhere with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urljoin, urlsplit

from lxml import etree

from reviewbot.errors import OverLimit

_FEED = 1 << 20  # characters fed to the parser at once


class PageEvents:
    """A parser target: subclasses override what they need; `base` is the page's base URL."""

    def __init__(self, url: str, max_links: int = 0) -> None:
        self.url = url
        self.base = url
        self.max_links = max_links
        self.links = 0
        self._based = False

    def start(self, tag: str, attrib: Mapping[str, str]) -> None:
        """An element opens."""
        if tag == "base" and "href" in attrib and not self._based:
            self._based = True  # the first <base href> counts, as for browsers
            self.base = same_site(self.url, str(attrib["href"]).strip())

    def end(self, tag: str) -> None:
        """An element closes (closed by the parser, too, where the page forgot)."""

    def data(self, text: str) -> None:
        """Text, entities decoded."""

    def comment(self, text: str) -> None:
        """An HTML comment."""

    def close(self) -> None:
        """The page has ended."""

    def count_link(self, what: str) -> None:
        """One more link taken from the page; OverLimit past the bound."""
        self.links += 1
        if self.max_links and self.links > self.max_links:
            raise OverLimit(
                f"{self.url}: more than {self.max_links:,} links {what}"
                " (REVIEWBOT_MAX_LINKS); the page is not read"
            )


def feed(text: str, target: PageEvents) -> None:
    """Run the page's text through lxml's HTML parser into target."""
    if not text.strip():
        return  # libxml2 refuses a document without an element
    parser = etree.HTMLParser(target=target, recover=True)  # type: ignore[call-arg]
    for start in range(0, len(text), _FEED):
        parser.feed(text[start : start + _FEED])
    parser.close()


def same_site(page_url: str, href: str) -> str:
    """A <base href> resolved against the page, or the page's URL when it points away
    from the page's scheme and host."""
    base = urljoin(page_url, href)
    mine, theirs = urlsplit(page_url), urlsplit(base)
    if (mine.scheme, mine.netloc.lower()) != (theirs.scheme, theirs.netloc.lower()):
        return page_url
    return base


def leaf(url: str) -> str:
    """The last part of a URL's path, lower-cased."""
    return urlsplit(url).path.rsplit("/", 1)[-1].lower()
