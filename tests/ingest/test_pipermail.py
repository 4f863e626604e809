"""reviewbot.ingest.pipermail: archive pages -> months, thread entries, messages.

The pages in tests/data/libvir-list/ are checked against the same months' text
archives (2023-July.txt.gz, ...) read by reviewbot's own mbox reader, and against
truth.json's "pages" map; inline pages cover stock Mailman's other shapes.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, datetime

import pytest

from reviewbot.errors import InputError, PageError
from reviewbot.ingest.mbox import SEPARATOR, read_path
from reviewbot.ingest.pipermail import (
    MonthLink,
    ThreadEntry,
    decode_page,
    month_key,
    parse_month_list,
    parse_thread_index,
)
from reviewbot.ingest.pipermail_message import ArchivedMessage, parse_message_page
from reviewbot.mail.message import Message, parse_message
from tests.conftest import LIST

BASE = "https://listman.redhat.com/archives/libvir-list/"
PAGES: dict[str, str] = json.loads((LIST / "truth.json").read_text())["pages"]
SEED = "2016-October/msg01174.html"
SEED_MSGID = "invented-seed-0001@virtuozzo.com"
TEXT_ARCHIVES = ("2023-July.txt.gz", "2023-August.txt.gz", "2016-October.txt.gz")
# Mailman 2.1's own pattern (HyperArch.emailpat) for hiding addresses in a body
MAILMAN_ADDRESS = re.compile(r"([-+,.\w]+)@([-+.\w]+)")


def read(name: str) -> bytes:
    return (LIST / name).read_bytes()


def bare(msgid: str) -> str:
    return msgid.strip("<>")


def leaf(url: str | None) -> str | None:
    return url.rsplit("/", 1)[-1] if url else None


def archive_mails() -> dict[str, Message]:
    """Every message of the text archives, parsed as the import does."""
    return {
        mail.msgid: mail
        for name in TEXT_ARCHIVES
        for raw in read_path(LIST / name)
        for mail in [parse_message(raw.raw)]
    }


def own_blank_lines() -> dict[str, int]:
    """Blank lines each message's body ends with, in the text archives.

    pipermail's text archive writes body + "\\n" per message, so of the blank
    lines before the next "From " separator all but one are the body's own.
    """
    counts: dict[str, int] = {}
    for name in TEXT_ARCHIVES:
        chunks: list[list[bytes]] = []
        with gzip.open(LIST / name) as stream:
            for line in stream:
                if SEPARATOR.match(line):
                    chunks.append([])
                else:
                    chunks[-1].append(line)
        for lines in chunks:
            blank = len(lines) - len(b"".join(lines).rstrip(b"\n").split(b"\n"))
            counts[parse_message(b"".join(lines)).msgid] = blank - 1
    return counts


MAILS = archive_mails()
BLANK = own_blank_lines()


def page(
    *,
    subject: str = "Re%3A%20%5Blibvirt%5D%20%5BPATCH%5D%20qemu%3A%20fix",
    reply_to: str | None = "%3Cm1%40example.org%3E",
    h1: str = "[libvirt] [PATCH] qemu: fix",
    author: str = "Ada Reviewer",
    address: str = "ada at example.org",
    date: str = "Wed Jul 19 03:30:08 UTC 2023",
    body: str = "Looks good.\n",
    mailto: bool = True,
) -> bytes:
    """A message page in Mailman 2.1's article.html shape, UTF-8 encoded."""
    query = f"Subject={subject}" + (f"&amp;In-Reply-To={reply_to}" if reply_to else "")
    link = (
        f'<A HREF="mailto:libvir-list%40redhat.com?{query}"\n TITLE="{h1}">{address}\n </A><BR>'
        if mailto
        else f"{address}<BR>"
    )
    return (
        "<HTML><HEAD><TITLE> x </TITLE>\n"
        f'<META http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f"</HEAD><BODY>\n<H1>{h1}</H1>\n <B>{author}</B>\n {link}\n <I>{date}</I>\n"
        '<P><UL><LI> <B>Messages sorted by:</B> <a href="date.html#1">[ date ]</a></LI></UL>\n'
        f"<HR>\n<!--beginarticle-->\n<PRE>{body}</PRE>\n\n<!--endarticle-->\n<HR></BODY></HTML>\n"
    ).encode()


# -- the month list --------------------------------------------------------


@pytest.mark.parametrize("fetched", [BASE, BASE + "index.html"])
def test_month_list_from_index(fetched: str) -> None:
    months = parse_month_list(read("index.html"), fetched)
    assert [m.name for m in months] == ["2023-August", "2023-July", "2016-October"]
    assert months[1] == MonthLink(
        name="2023-July",
        thread_url=BASE + "2023-July/thread.html",
        date_url=BASE + "2023-July/date.html",
        text_url=BASE + "2023-July.txt.gz",
    )
    assert all(m.text_url == f"{BASE}{m.name}.txt.gz" for m in months)


def test_month_list_absolute_links_and_a_month_without_text_archive() -> None:
    html = b"""<html><body><table border=3>
      <tr><td>Archive</td><td>View by:</td><td>Downloadable version</td></tr>
      <tr><td>August 2023:</td><td>
        <A href="https://lists.example.org/pipermail/devel/2023-August/thread.html">[ Thread ]</a>
        <A href="2023-August/subject.html">[ Subject ]</a>
        <A href="2023-August/date.html">[ Date ]</a></td>
        <td><A href="2023-August.txt">[ Text 2 KB ]</a></td></tr>
      <tr><td>July 2023:</td><td>
        <A href="2023-July/thread.html">[ Thread ]</a>
        <A href="2023-July/date.html">[ Date ]</a></td>
      </tr>
    </table></body></html>"""
    months = parse_month_list(html, "https://lists.example.org/pipermail/devel/")
    root = "https://lists.example.org/pipermail/devel/"
    assert months == [
        MonthLink(
            "2023-August",
            root + "2023-August/thread.html",
            root + "2023-August/date.html",
            root + "2023-August.txt",
        ),
        MonthLink("2023-July", root + "2023-July/thread.html", root + "2023-July/date.html", None),
    ]


@pytest.mark.parametrize(
    ("name", "key"),
    [("2023-July", (2023, 7)), ("2016-October", (2016, 10)), ("1999-january", (1999, 1))],
)
def test_month_key(name: str, key: tuple[int, int]) -> None:
    assert month_key(name) == key


@pytest.mark.parametrize(
    "name", ["2023q3", "Week-of-Mon-20230717", "2023-Juli", "23-July", "", "2023-July-x", "July"]
)
def test_month_key_refuses_other_names(name: str) -> None:
    with pytest.raises(ValueError, match="month"):
        month_key(name)


def test_month_key_sorts_the_index() -> None:
    names = [m.name for m in parse_month_list(read("index.html"), BASE)]
    assert sorted(names, key=month_key) == ["2016-October", "2023-July", "2023-August"]


# -- thread.html -------------------------------------------------------------

JULY_ORDER = [0, 1, 2, 3, 13, 4, 5, 14, 6, 7, 8, 11, 12, 9, 10, 15]


def july() -> list[ThreadEntry]:
    return parse_thread_index(read("2023-July/thread.html"), BASE + "2023-July/thread.html")


def test_july_thread_index_in_page_order() -> None:
    entries = july()
    assert [leaf(e.url) for e in entries] == [f"msg{n:05d}.html" for n in JULY_ORDER]
    assert all(e.url.startswith(BASE + "2023-July/msg") for e in entries)
    assert entries[0].subject == "[libvirt] [PATCH 00/10] qemu: backport fixes for 9.0.0"
    assert [e.author for e in entries[11:13]] == ["Ada Reviewer", "Lin Maintainer"]


@pytest.mark.parametrize(
    ("name", "depth", "parent"),
    [
        ("msg00000.html", 0, None),  # the cover letter
        ("msg00001.html", 1, "msg00000.html"),  # a patch
        ("msg00010.html", 1, "msg00000.html"),
        ("msg00015.html", 1, "msg00000.html"),  # a reply to the cover
        ("msg00013.html", 2, "msg00003.html"),  # a review of patch 03
        ("msg00011.html", 2, "msg00008.html"),  # r011, a review of patch 08
        ("msg00012.html", 3, "msg00011.html"),  # r012 answers r011
    ],
)
def test_july_depths_and_parents(name: str, depth: int, parent: str | None) -> None:
    entry = next(e for e in july() if leaf(e.url) == name)
    assert (entry.depth, leaf(entry.parent_url)) == (depth, parent)


@pytest.mark.parametrize("month", ["2023-July", "2023-August", "2016-October"])
def test_thread_index_lists_every_page_with_its_msgid_hint(month: str) -> None:
    entries = parse_thread_index(read(f"{month}/thread.html"), f"{BASE}{month}/thread.html")
    on_disk = sorted(p.name for p in (LIST / month).glob("msg*.html"))
    assert sorted(leaf(e.url) or "" for e in entries) == on_disk
    truth = {bare(k): v for k, v in PAGES.items()} | {SEED_MSGID: SEED}
    for entry in entries:
        assert entry.msgid_hint is not None
        assert truth[entry.msgid_hint] == f"{month}/{leaf(entry.url)}"


@pytest.mark.parametrize("month", ["2023-July", "2023-August"])
def test_parents_come_before_their_children(month: str) -> None:
    entries = parse_thread_index(read(f"{month}/thread.html"), f"{BASE}{month}/thread.html")
    position = {e.url: i for i, e in enumerate(entries)}
    depth = {e.url: e.depth for e in entries}
    for i, entry in enumerate(entries):
        if entry.parent_url is None:
            assert entry.depth == 0
        else:
            assert position[entry.parent_url] < i
            assert depth[entry.parent_url] == entry.depth - 1


# Stock Mailman: list-wide NNNNNN.html names, thread-sort keys (not Message-IDs)
# in the comments, navigation lists around the entries, and two <UL> opened at
# once when a reply's depth jumps (its parent is drawn elsewhere).
STOCK_THREAD = b"""<html><body>
  <a name="start"></A><h1>July 2023 Archives by thread</h1>
  <ul>
    <li> <b>Messages sorted by:</b>
      <a href="subject.html#start">[ subject ]</a>
      <a href="author.html#start">[ author ]</a>
      <a href="date.html#start">[ date ]</a>
    <li><b><a href="https://lists.example.org/mailman/listinfo/devel">More info on this list...
    </a></b></li>
  </ul>
  <ul>
<!--0 01689665400- -->
<LI><A HREF="004001.html">[PATCH 0/2] cover
</A><A NAME="4001">&nbsp;</A>
<I>Alice
</I>
<UL>
<!--1 01689665400-01689665401- -->
<LI><A HREF="https://lists.example.org/pipermail/devel/2023-July/003998.html">[PATCH 1/2] one
</A><A NAME="3998">&nbsp;</A>
<I>Alice
</I>
</UL>
<!--0 01689665500- -->
<LI><A HREF="004100.html">lonely root
</A><A NAME="4100">&nbsp;</A>
<I>Bob
</I>
<UL>
<UL>
<!--2 01689665500-01689665600-01689665700- -->
<LI><A HREF="004200.html">deep reply
</A><A NAME="4200">&nbsp;</A>
<I>Carol
</I>
</UL>
</UL>
  </ul>
  <p><ul><li><b>Last message date:</b> <i>Wed Jul 19 03:30:08 UTC 2023</i>
    <li> <b>Messages sorted by:</b> <a href="date.html#start">[ date ]</a></li></ul>
</body></html>"""


def test_stock_thread_index_without_msgid_hints() -> None:
    base = "https://lists.example.org/pipermail/devel/2023-July/thread.html"
    entries = parse_thread_index(STOCK_THREAD, base)
    root = "https://lists.example.org/pipermail/devel/2023-July/"
    assert [(leaf(e.url), e.depth, leaf(e.parent_url), e.author) for e in entries] == [
        ("004001.html", 0, None, "Alice"),
        ("003998.html", 1, "004001.html", "Alice"),
        ("004100.html", 0, None, "Bob"),
        ("004200.html", 2, "004100.html", "Carol"),
    ]
    assert all(e.url.startswith(root) for e in entries)
    assert all(e.msgid_hint is None for e in entries)
    assert entries[1].subject == "[PATCH 1/2] one"


# -- message pages against the text archive -----------------------------------


def test_every_2023_page_is_in_the_truth_map() -> None:
    on_disk = {f"{p.parent.name}/{p.name}" for p in LIST.glob("2023-*/msg*.html")}
    assert set(PAGES.values()) == on_disk


@pytest.mark.parametrize(("msgid", "name"), sorted(PAGES.items()) + [(f"<{SEED_MSGID}>", SEED)])
def test_page_matches_the_text_archive(msgid: str, name: str) -> None:
    msg = parse_message_page(read(name), BASE + name)
    mail = MAILS[bare(msgid)]
    assert msg.url == BASE + name
    assert msg.msgid == bare(msgid)
    assert msg.subject == mail.subject
    assert (msg.author_name, msg.author_email) == (mail.from_name, mail.from_email)
    assert msg.date == mail.date
    assert msg.warnings == ()
    # The page shows the body as pipermail stored it: addresses written
    # "user at host" (Mailman's own pattern, so "@@ -1,3" and "@managed" stay),
    # and the body's own trailing blank lines, which reviewbot's mbox reader
    # drops along with the blank line before the next "From " separator.
    own_trailer = "\n" * BLANK[bare(msgid)]
    assert msg.body == MAILMAN_ADDRESS.sub(r"\1 at \2", mail.body) + own_trailer


def test_patch_pages_keep_two_trailing_blank_lines_the_mbox_reader_drops() -> None:
    msg = parse_message_page(read("2023-July/msg00001.html"), "p")
    mail = MAILS["v1p01.1689665401.git.backports@example.org"]
    assert mail.body.endswith("-- \n2.39.2\n")
    assert msg.body.endswith("-- \n2.39.2\n\n\n")
    assert "Signed-off-by: Michal Privoznik <mprivozn at redhat.com>\n" in msg.body
    assert "dev='tap0' managed='yes'/> </interface>). NB, if @managed\n" in msg.body


def test_a_reply_page_gives_back_its_re_subject() -> None:
    msg = parse_message_page(read("2023-July/msg00011.html"), "p")
    h1 = "[libvirt] [PATCH 08/10] storage: Fix returning of locked objects from "
    assert msg.subject == "Re: " + h1 + "'virStoragePoolObjListSearch'"
    assert msg.body.startswith("On Tue, Jul 18, 2023 at 09:30:08AM +0200, Backport Robot wrote:\n")
    assert "\n> From: Peter Krempa <pkrempa at redhat.com>\n>\n> CVE-2023-3750\n" in msg.body
    assert "virStoragePoolObjEndAPI(&obj) on an object" in msg.body


def test_the_seed_page() -> None:
    msg = parse_message_page(read(SEED), BASE + SEED)
    assert msg.author_name == "Nikolay Shirokovskiy"
    assert msg.author_email == "nshirokovskiy@virtuozzo.com"
    assert msg.date == datetime(2016, 10, 27, 10, 4, 2, tzinfo=UTC)
    assert msg.msgid == SEED_MSGID
    assert msg.subject == "[libvirt] [PATCH 01/10] qemu: agent: unset error flag in EOF handler"
    assert msg.body.startswith("On 27.10.2016 11:21, Nikolay Shirokovskiy wrote:\n")
    lines = msg.body.splitlines()
    assert "> On 26.10.2016 22:48, John Ferlan wrote:" in lines
    assert ">> On 10/04/2016 02:56 AM, Nikolay Shirokovskiy wrote:" in lines
    assert ">>> Usually on domain shutdown event comes first from qemu" in lines
    assert ">>> +    priv->agentError = false;" in lines
    assert "1. virSecurityManagerClearSocketLabel fails, priv->agent stays NULL," in lines
    assert {line[:3] for line in lines if line.startswith(">")} >= {"> ", ">> ", ">>>"}
    assert "<I>" not in msg.body and "&gt;" not in msg.body


# -- the reply link, the sender, the date ---------------------------------------


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re%3A%20%5Blibvirt%5D%20x", "[libvirt] x"),
        ("Re%3A%20Re%3A%20%5Blibvirt%5D%20x", "Re: [libvirt] x"),
        ("Re%3A%20Re%3A%20Re%3A%20x", "Re: Re: x"),
        ("Re%3A%20%3D%3Futf-8%3Fq%3FJ%3DC3%3DA1n%3F%3D%20%26%20x%2By", "Ján & x+y"),
    ],
)
def test_subject_is_the_link_subject_minus_one_re(subject: str, expected: str) -> None:
    msg = parse_message_page(page(subject=subject), "p")
    assert msg.subject == expected
    assert msg.msgid == "m1@example.org"


def test_page_without_reply_link_takes_the_h1_and_says_so() -> None:
    msg = parse_message_page(page(mailto=False), "p")
    assert msg.msgid is None
    assert msg.subject == "[libvirt] [PATCH] qemu: fix"
    assert any("no reply link" in w for w in msg.warnings)


def test_old_style_link_naming_the_parent_is_not_taken_as_the_msgid() -> None:
    # Mailman 2.1.0 wrote Subject=<subject>&In-Reply-To=<the parent's id>
    html = page(subject="%5Blibvirt%5D%20x", reply_to="parent-1%40example.org")
    msg = parse_message_page(html, "p")
    assert msg.msgid is None
    assert msg.subject == "[libvirt] x"
    assert any("parent-1@example.org" in w for w in msg.warnings)


def test_sender_without_a_name_is_shown_by_address() -> None:
    msg = parse_message_page(page(author="Ada at Example.org", address="Ada at Example.org"), "p")
    assert (msg.author_name, msg.author_email) == ("ada@example.org", "ada@example.org")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thu Oct 27 10:04:02 UTC 2016", datetime(2016, 10, 27, 10, 4, 2, tzinfo=UTC)),
        ("Thu Oct 27 10:04:02 GMT 2016", datetime(2016, 10, 27, 10, 4, 2, tzinfo=UTC)),
        ("Thu Oct  6 10:04:02 EDT 2016", datetime(2016, 10, 6, 14, 4, 2, tzinfo=UTC)),
        ("Mon Jan 16 09:00:00 CET 2023", datetime(2023, 1, 16, 8, 0, 0, tzinfo=UTC)),
        ("Sun Jul 30 23:30:00 CEST 2023", datetime(2023, 7, 30, 21, 30, 0, tzinfo=UTC)),
        ("Tue Dec 31 20:00:00 PST 2019", datetime(2020, 1, 1, 4, 0, 0, tzinfo=UTC)),
        ("Wed Jul 19 03:30:08 +0200 2023", datetime(2023, 7, 19, 1, 30, 8, tzinfo=UTC)),
    ],
)
def test_dates_in_utc(text: str, expected: datetime) -> None:
    msg = parse_message_page(page(date=text), "p")
    assert msg.date == expected
    assert msg.date is not None and msg.date.utcoffset() is not None
    assert msg.warnings == ()


@pytest.mark.parametrize(
    "text", ["Wed Jul 19 03:30:08 IST 2023", "Wed Feb 30 03:30:08 UTC 2023", "yesterday"]
)
def test_unreadable_date_is_none_with_a_warning(text: str) -> None:
    msg = parse_message_page(page(date=text), "p")
    assert msg.date is None
    assert any(text in w for w in msg.warnings)


# -- the article text -------------------------------------------------------------


def test_entities_and_markup_like_text_come_back_as_text() -> None:
    body = (
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp;obj &quot;q&quot; &#39;s&#39;\n"
        "&gt;<I> quoted &lt;b&gt;\n</I>&gt;&gt;<I> twice\n</I>"
        'See <A HREF="https://libvirt.org/?a=1&amp;b=2">https://libvirt.org/?a=1&amp;b=2</A>\n'
        "&lt;!--endarticle--&gt;\n\n"
    )
    msg = parse_message_page(page(body=body), "p")
    assert msg.body == (
        "<script>alert(1)</script> &obj \"q\" 's'\n"
        "> quoted <b>\n>> twice\n"
        "See https://libvirt.org/?a=1&b=2\n"
        "<!--endarticle-->\n\n"
    )


# -- pages that are not message pages -----------------------------------------------

WHOLE = read("2023-July/msg00011.html")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (b"", "empty"),
        (b" \n\t\n", "empty"),
        (WHOLE.replace(b"<!--beginarticle-->", b""), "no <!--beginarticle-->"),
        (read("2023-July/thread.html"), "no <!--beginarticle-->"),
        (bytes(range(256)) * 8, "no <!--beginarticle-->"),
        (WHOLE[: WHOLE.index(b"Let me spell out")], "truncated"),
        (WHOLE[: WHOLE.index(b"<!--endarticle-->") + 10], "truncated"),
    ],
    ids=["empty", "blank", "no-markers", "thread-index", "garbage", "cut-in-pre", "cut-marker"],
)
def test_unreadable_pages_raise_page_error_naming_the_url(html: bytes, reason: str) -> None:
    url = BASE + "2023-July/msg00011.html"
    with pytest.raises(PageError) as caught:
        parse_message_page(html, url)
    assert str(caught.value).startswith(url + ": ")
    assert reason in str(caught.value)
    assert isinstance(caught.value, InputError) and caught.value.exit_code == 2


def test_a_page_cut_anywhere_is_whole_or_a_page_error() -> None:
    whole = parse_message_page(WHOLE, "p")
    end_marker = WHOLE.index(b"<!--endarticle-->") + len(b"<!--endarticle-->")
    for end in range(0, len(WHOLE), 41):
        if end < end_marker:
            with pytest.raises(PageError):
                parse_message_page(WHOLE[:end], "p")
        else:
            # only the navigation after the article is lost: nothing to miss
            assert parse_message_page(WHOLE[:end], "p") == whole
    assert isinstance(whole, ArchivedMessage)


# -- charsets ------------------------------------------------------------------------

UTF8_PAGE = read("2023-July/msg00002.html")


@pytest.mark.parametrize("declared", ["us-ascii", "iso-8859-1", "windows-1252", "ISO-8859-2"])
def test_utf8_page_declaring_a_single_byte_charset(declared: str) -> None:
    html = UTF8_PAGE.replace(b"charset=utf-8", f"charset={declared}".encode())
    msg = parse_message_page(html, "p")
    assert "Reviewed-by: Ján Tomko <jtomko at redhat.com>\n" in msg.body
    assert "Ã" not in msg.body
    assert any(declared.lower() in w and "UTF-8" in w for w in msg.warnings)


def test_real_iso_8859_1_page() -> None:
    html = UTF8_PAGE.decode("utf-8").replace("charset=utf-8", "charset=iso-8859-1")
    msg = parse_message_page(html.encode("iso-8859-1"), "p")
    assert "Reviewed-by: Ján Tomko <jtomko at redhat.com>\n" in msg.body
    assert msg.warnings == ()


def test_latin1_bytes_in_a_page_declared_utf8() -> None:
    html = UTF8_PAGE.decode("utf-8").encode("iso-8859-1")
    msg = parse_message_page(html, "p")
    assert "Reviewed-by: Ján Tomko" in msg.body
    assert any("cp1252" in w for w in msg.warnings)


@pytest.mark.parametrize(
    ("html", "text", "warned"),
    [
        (b"<p>J\xc3\xa1n</p>", "<p>Ján</p>", False),
        (b'<meta charset="x-bogus"><p>J\xc3\xa1n', '<meta charset="x-bogus"><p>Ján', True),
        (b'<meta content="text/html; charset=base64">\xff', 'charset=base64">ÿ', True),
        (b"\x81\x8d\xe1", "\ufffd\ufffdá", True),
    ],
)
def test_decode_page_never_raises(html: bytes, text: str, warned: bool) -> None:
    decoded, warnings = decode_page(html)
    assert decoded.endswith(text)
    assert bool(warnings) is warned
