"""Render a pipermail (Mailman 2.1) archive month from an mbox, for the scrape benchmark.

    python bench/pipermail_month.py [--messages 2000] [--mbox bench/out/corpus.mbox]
                                    [--out bench/out/pipermail]

Takes the first N messages of the mbox and writes, under ``--out``:

- ``index.html``: the month list (one month, no downloadable text archive, so a
  scraper has to read every message from its page);
- ``<YYYY-Month>/thread.html``: nested <UL>, stock pipermail thread-sort keys in
  the ``<!--depth key -->`` comments (``<!--1 01673864160.0-01673866800.5- -->``,
  not the Message-ID), depth capped at 3 like Mailman's THREADLEVELS;
- ``<YYYY-Month>/date.html``: the same entries in date order;
- ``<YYYY-Month>/msgNNNNN.html``: one page per message in the article template of
  tests/data/libvir-list/2023-July/msg00011.html (addresses shown as "user at host").

The month is named after the first message's date. A manifest with the settings
and counts is written next to the directory as ``<out>.json``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from gen_corpus import relative_to_repo

from reviewbot.ingest.mbox import read_path
from reviewbot.mail.message import Message, parse_message

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_MBOX = ROOT / "bench" / "out" / "corpus.mbox"
DEFAULT_OUT = ROOT / "bench" / "out" / "pipermail"
DEFAULT_MESSAGES = 2000
RENDER_VERSION = 1
LIST_NAME = "libvir-list"
LIST_ADDRESS = "libvir-list@redhat.com"
LISTINFO = "https://listman.redhat.com/mailman/listinfo/libvir-list"
THREADLEVELS = 3  # Mailman 2.1: deeper replies are drawn at this depth
_RE = re.compile(r"^(?:re:\s*)+", re.I)
_EMAIL = re.compile(r"[-+,.\w]+@[-+.\w]+")  # HyperArch's emailpat
_QUOTED = re.compile(r"^>+")


@dataclass(frozen=True)
class Article:
    """One message as pipermail files it: sequence number, thread key, parent."""

    number: int
    message: Message
    date: datetime  # UTC
    parent: str | None  # Message-ID of the parent article in this month, if any
    key: str  # thread-sort key: the parent's key + "%011d.%d-" % (date, number)

    @property
    def depth(self) -> int:
        """The nesting level thread.html draws (capped like Mailman's THREADLEVELS)."""
        return min(self.key.count("-") - 1, THREADLEVELS)

    @property
    def true_depth(self) -> int:
        """The real reply depth (0 for a thread root)."""
        return self.key.count("-") - 1

    @property
    def page(self) -> str:
        """The page's file name in the month directory."""
        return f"msg{self.number:05d}.html"

    @property
    def subject(self) -> str:
        """The subject as pipermail shows it: leading "Re:" taken off."""
        return _RE.sub("", self.message.subject).strip() or "(no subject)"

    @property
    def author(self) -> str:
        """The sender's name, or the obscured address when there is none."""
        return self.message.from_name or obscure(self.message.from_email)


def obscure(text: str) -> str:
    """Every e-mail address in text as "user at host" (ARCHIVER_OBSCURES_EMAILADDRS)."""
    return _EMAIL.sub(lambda m: m.group(0).replace("@", " at "), text)


def escape(text: str) -> str:
    """HTML-escape &, < and > (what pipermail escapes in text; quotes stay)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def attr(text: str) -> str:
    """Escape text for a double-quoted attribute."""
    return escape(text).replace('"', "&quot;")


def ctime(when: datetime) -> str:
    """pipermail's date: "Wed Jul 19 03:30:08 UTC 2023"."""
    return when.astimezone(UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def month_name(when: datetime) -> str:
    """The archive directory of a date: "2023-January"."""
    return when.astimezone(UTC).strftime("%Y-%B")


def load_messages(mbox: Path, count: int) -> list[Message]:
    """The first ``count`` messages of the mbox, parsed by reviewbot's own reader."""
    return [parse_message(mail.raw) for mail in itertools.islice(read_path(mbox), count)]


def build_articles(messages: list[Message]) -> list[Article]:
    """Number the messages in arrival order and find each one's parent and thread key."""
    articles: dict[str, Article] = {}
    fallback = datetime.now(UTC)
    for number, message in enumerate(messages):
        if message.msgid in articles:
            continue  # pipermail files a duplicate Message-ID once
        date = (message.date or fallback).astimezone(UTC)
        parent: Article | None = None
        if message.in_reply_to and message.in_reply_to in articles:
            parent = articles[message.in_reply_to]
        else:  # pipermail: the newest referenced article that is in the archive
            known = [articles[r] for r in message.references if r in articles]
            parent = max(known, key=lambda a: a.date, default=None)
        own = f"{int(date.timestamp()):011d}.{number}-"
        key = (parent.key if parent else "") + own
        articles[message.msgid] = Article(
            number, message, date, parent.message.msgid if parent else None, key
        )
    return list(articles.values())


def thread_order(articles: list[Article]) -> list[Article]:
    """Articles as thread.html lists them: sorted by (thread key, Message-ID)."""
    return sorted(articles, key=lambda a: (a.key, a.message.msgid))


def render_article(article: Article, prev: Article | None, nxt: Article | None) -> str:
    """One message page, in the template of libvir-list's msg00011.html."""
    m, n = article.message, article.number
    mailto = (
        f"mailto:{quote(LIST_ADDRESS)}?Subject={quote('Re: ' + m.subject)}"
        f"&amp;In-Reply-To={quote('<' + m.msgid + '>')}"
    )
    subject = escape(article.subject)
    links = []
    for label, other in (("Previous", prev), ("Next", nxt)):
        links.append(f'   <LINK REL="{label}"  HREF="{other.page}">\n' if other is not None else "")
    nav = []
    for label, other in (("Previous", prev), ("Next", nxt)):
        if other is None:
            nav.append("")
            continue
        nav.append(
            f'<LI>{label} message (by thread): <A HREF="{other.page}">'
            f"{escape(other.subject)}\n</A></li>"
        )
    sorted_by = (
        "         <LI> <B>Messages sorted by:</B> \n"
        + "".join(
            f'              <a href="{kind}.html#{n}">[ {kind} ]</a>\n'
            for kind in ("date", "thread", "subject", "author")
        )
        + "         </LI>\n       </UL>\n"
    )
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML>\n <HEAD>\n'
        f"   <TITLE> {subject}\n   </TITLE>\n"
        '   <LINK REL="Index" HREF="index.html" >\n'
        f'   <LINK REL="made" HREF="{mailto}">\n'
        '   <META NAME="robots" CONTENT="index,nofollow">\n'
        '   <META http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        f"{links[0]}{links[1]}"
        ' </HEAD>\n <BODY BGCOLOR="#ffffff">\n'
        f"   <H1>{subject}</H1>\n"
        f"    <B>{escape(article.author)}</B> \n"
        f'    <A HREF="{mailto}"\n'
        f'       TITLE="{attr(article.subject)}">{escape(obscure(m.from_email))}\n'
        "       </A><BR>\n"
        f"    <I>{ctime(article.date)}</I>\n"
        "    <P><UL>\n"
        f"        {nav[0]}\n        {nav[1]}\n{sorted_by}"
        "    <HR>  \n<!--beginarticle-->\n"
        f"<PRE>{render_body(m.body)}</PRE>\n\n<!--endarticle-->\n"
        "    <HR>\n    <P><UL>\n        <!--threads-->\n"
        f"\t{nav[0]}\n        {nav[1]}\n{sorted_by}"
        f'\n<hr>\n<a href="{LISTINFO}">More information about the {LIST_NAME}\n'
        "mailing list</a><br>\n</body></html>\n"
    )


def render_body(body: str) -> str:
    """The article text: escaped, addresses obscured, quoted lines in <I>."""
    if body and not body.endswith("\n"):
        body += "\n"
    out = []
    for line in body.splitlines(keepends=True):
        quoted = _QUOTED.match(line)
        if quoted is None:
            out.append(escape(obscure(line)))
        else:
            rest = line[quoted.end() :]
            out.append(f"{escape(quoted.group(0))}<I>{escape(obscure(rest))}</I>")
    return "".join(out)


def _entry(article: Article) -> str:
    n = article.number
    return (
        f'<LI><A HREF="{article.page}">{escape(article.subject)}\n'
        f'</A><A NAME="{n}">&nbsp;</A>\n<I>{escape(article.author)}\n</I>\n'
    )


def _index_page(month: str, kind: str, articles: list[Article], entries: str) -> str:
    dates = sorted(a.date for a in articles)
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML>\n  <HEAD>\n'
        f"     <title>The {LIST_NAME} {month} Archive by {kind}</title>\n"
        '     <META NAME="robots" CONTENT="noindex,follow">\n'
        '     <META http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
        '  </HEAD>\n  <BODY BGCOLOR="#ffffff">\n      <a name="start"></A>\n'
        f"      <h1>{month} Archives by {kind}</h1>\n"
        f"      <p><b>Starting:</b> <i>{ctime(dates[0])}</i><br>\n"
        f"         <b>Ending:</b> <i>{ctime(dates[-1])}</i><br>\n"
        f"         <b>Messages:</b> {len(articles)}<p>\n     <ul>\n"
        f"{entries}    </ul>\n    <p>\n     <hr>\n     <i>This archive was generated by\n"
        "     Pipermail 0.09 (Mailman edition).</i>\n  </BODY>\n</HTML>\n"
    )


def render_thread(month: str, ordered: list[Article]) -> str:
    """thread.html: one <UL> per level, at most THREADLEVELS deep, stock sort keys."""
    parts, level = [], 0
    for article in ordered:
        depth = article.depth
        parts.append("</UL>\n" * max(0, level - depth) + "<UL>\n" * max(0, depth - level))
        level = depth
        parts.append(f"<!--{depth} {article.key} -->\n{_entry(article)}")
    parts.append("</UL>\n" * level)
    return _index_page(month, "thread", ordered, "".join(parts))


def render_date(month: str, articles: list[Article]) -> str:
    """date.html: entries by date, then arrival."""
    ordered = sorted(articles, key=lambda a: (a.date, a.number))
    return _index_page(month, "date", articles, "".join(_entry(a) for a in ordered))


def render_index(month: str) -> str:
    """index.html: the month list, without a downloadable text archive."""
    year, name = month.split("-")
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n<HTML>\n  <HEAD>\n'
        f"     <title>The {LIST_NAME} Archives</title>\n"
        '  </HEAD>\n  <BODY BGCOLOR="#ffffff">\n'
        f"     <h1>The {LIST_NAME} Archives </h1>\n"
        "     <table border=3>\n          <tr><td>Archive</td>\n          <td>View by:</td>\n"
        "          <td>Downloadable version</td></tr>\n\n\t    <tr>\n"
        f"            <td>{year} {name}:</td>\n            <td>\n"
        f'              <A href="{month}/thread.html">[ Thread ]</a>\n'
        f'              <A href="{month}/date.html">[ Date ]</a>\n'
        "            </td>\n            <td>&nbsp;</td>\n            </tr>\n"
        "     </table>\n     </BODY>\n     </HTML>\n"
    )


def render(out: Path, articles: list[Article]) -> str:
    """Write the whole archive under out (replacing it); return the month's name."""
    month = month_name(articles[0].date)
    if out.exists():
        shutil.rmtree(out)
    folder = out / month
    folder.mkdir(parents=True)
    ordered = thread_order(articles)
    for i, article in enumerate(ordered):
        prev = ordered[i - 1] if i else None
        nxt = ordered[i + 1] if i + 1 < len(ordered) else None
        (folder / article.page).write_text(render_article(article, prev, nxt), "utf-8")
    (folder / "thread.html").write_text(render_thread(month, ordered), "utf-8")
    (folder / "date.html").write_text(render_date(month, articles), "utf-8")
    (out / "index.html").write_text(render_index(month), "utf-8")
    return month


def manifest_path(out: Path) -> Path:
    """Where the manifest of an archive directory is written."""
    return out.with_name(out.name + ".json")


def generate(
    out: Path = DEFAULT_OUT, mbox: Path = DEFAULT_MBOX, messages: int = DEFAULT_MESSAGES
) -> dict[str, Any]:
    """Render the first ``messages`` messages of mbox under out; return the manifest."""
    articles = build_articles(load_messages(mbox, messages))
    if not articles:
        raise ValueError(f"{mbox}: no messages")
    month = render(out, articles)
    manifest: dict[str, Any] = {
        "render_version": RENDER_VERSION,
        "mbox": relative_to_repo(mbox),
        "mbox_bytes": mbox.stat().st_size,
        "messages_requested": messages,
        "messages": len(articles),
        "month": month,
        "roots": sum(1 for a in articles if a.parent is None),
        "capped": sum(1 for a in articles if a.true_depth > THREADLEVELS),
        "max_depth": max(a.true_depth for a in articles),
        "page_bytes": sum((out / month / a.page).stat().st_size for a in articles),
    }
    manifest_path(out).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def is_current(out: Path, mbox: Path, messages: int) -> bool:
    """Whether out holds a rendering of these settings by this version."""
    try:
        manifest = json.loads(manifest_path(out).read_text())
    except (OSError, ValueError):
        return False
    return (
        manifest.get("render_version") == RENDER_VERSION
        and manifest.get("mbox") == relative_to_repo(mbox)
        and manifest.get("mbox_bytes") == mbox.stat().st_size
        and manifest.get("messages_requested") == messages
        and (out / str(manifest.get("month")) / "thread.html").exists()
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=DEFAULT_MESSAGES)
    parser.add_argument("--mbox", type=Path, default=DEFAULT_MBOX)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.messages < 1:
        parser.error("--messages must be at least 1")
    if not args.mbox.exists():
        parser.error(f"{args.mbox} is missing: run python bench/gen_corpus.py first")
    m = generate(args.out, args.mbox, args.messages)
    print(
        f"{args.out}/{m['month']}: {m['messages']} pages ({m['page_bytes'] / 2**20:.1f} MiB),"
        f" {m['roots']} threads, deepest reply at level {m['max_depth']}"
        f" ({m['capped']} drawn at level {THREADLEVELS})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
