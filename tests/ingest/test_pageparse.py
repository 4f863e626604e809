"""Archive pages read as parser events (issue 14, items 5 and 6).

A thread page with 100k links took 638 MB as a bs4 tree; read as events it
costs about the page's own text. Past Limits.page_links a page is OverLimit;
a <base href> on another host is ignored, so links resolve from the page.
"""

from __future__ import annotations

import pytest

from reviewbot.errors import OverLimit
from reviewbot.ingest import hyperkitty
from reviewbot.ingest.pageparse import same_site
from reviewbot.ingest.pipermail import parse_month_list, parse_thread_index
from reviewbot.ingest.pipermail_message import parse_message_page
from tests.hostile import peak_while

MONTH = "https://lists.example.org/pipermail/devel/2023-July/"


def thread_page(links: int, base: str | None = None) -> bytes:
    rows = "".join(
        f'<LI><A HREF="{i:06d}.html">[PATCH {i}/40] qemu: fix the thing number {i}\n</A>'
        f'<A NAME="{i}">&nbsp;</A>\n<I>Alice Author\n</I>\n'
        for i in range(links)
    )
    head = f'<HEAD><BASE HREF="{base}"></HEAD>' if base else ""
    return f"<HTML>{head}<BODY><UL>{rows}</UL></BODY></HTML>".encode()


def test_a_thread_page_of_many_links_costs_about_its_text() -> None:
    html = thread_page(10_000)  # 1.2 MB: about 50 MB as a bs4 tree
    entries: list[object] = []
    peak = peak_while(lambda: entries.extend(parse_thread_index(html, MONTH + "thread.html")))
    assert len(entries) == 10_000
    assert peak < 10 * len(html)  # the page's text, and the entries it yields


def test_a_thread_page_over_the_link_bound() -> None:
    html = thread_page(100_000)
    with pytest.raises(OverLimit, match="more than 1,000 links in the thread index"):
        parse_thread_index(html, MONTH + "thread.html", max_links=1000)
    assert len(parse_thread_index(thread_page(1000), MONTH + "thread.html", 1000)) == 1000


def test_the_month_lists_have_the_bound_too() -> None:
    rows = "".join(
        f'<tr><td><a href="20{i % 100:02d}-July/thread.html">x</a></td></tr>' for i in range(50)
    )
    with pytest.raises(OverLimit, match="REVIEWBOT_MAX_LINKS"):
        parse_month_list(f"<table>{rows}</table>".encode(), MONTH, max_links=10)
    links = "".join(f'<a href="2023/{i % 12 + 1}/">m</a>' for i in range(50))
    url = "https://lists.example.org/archives/list/devel@lists.example.org/"
    with pytest.raises(OverLimit, match="on the list's page"):
        hyperkitty.parse_month_list(links.encode(), url, max_links=10)
    assert len(hyperkitty.parse_month_list(links.encode(), url, max_links=50)) == 12


def test_a_base_elsewhere_is_ignored() -> None:
    entries = parse_thread_index(thread_page(2, "http://evil.example/x/"), MONTH + "thread.html")
    assert [e.url for e in entries] == [MONTH + "000000.html", MONTH + "000001.html"]
    home = parse_thread_index(thread_page(1, MONTH + "sub/"), MONTH + "thread.html")
    assert [e.url for e in home] == [MONTH + "sub/000000.html"]  # a base at home counts


@pytest.mark.parametrize(
    ("href", "base"),
    [
        ("https://evil.example/", MONTH),
        ("//evil.example/x/", MONTH),
        ("http://lists.example.org/", MONTH),  # another scheme
        ("https://lists.example.org:8443/", MONTH),  # another port
        ("../", "https://lists.example.org/pipermail/devel/"),
    ],
)
def test_same_site(href: str, base: str) -> None:
    assert same_site(MONTH, href) == base


def test_a_message_page_of_a_million_tags_is_cheap() -> None:
    article = "<PRE>" + "<b>x</b>" * 1_000_000 + "</PRE>"
    html = (
        "<HTML><BODY><H1>[PATCH] x</H1><B>A</B><I>Wed Jul 19 03:30:08 UTC 2023</I><P>"
        f"<!--beginarticle-->\n{article}\n<!--endarticle--></BODY></HTML>"
    ).encode()
    got: list[object] = []
    peak = peak_while(lambda: got.append(parse_message_page(html, MONTH + "1.html")))
    assert peak < 10 * len(html)  # about 900 MB as a bs4 tree
    assert got[0].body == "x" * 1_000_000  # type: ignore[attr-defined]
