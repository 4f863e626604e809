"""Scrape a pipermail archive: month list -> text archive and message pages -> Importer.

Per month, the text archive (the only place with Message-ID / In-Reply-To /
References) is imported first; then thread.html is read and each message page
is matched to a stored message by its Message-ID (the page only supplies the
archive URL), or, when the text archive is missing or lacks the message, the
page itself is turned into a message, threaded by thread.html's nesting. All
of it goes through the same Importer as `import-mbox`, so a message reached
both ways is stored once.
"""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from email.header import Header
from email.utils import format_datetime

from sqlalchemy import Engine

from reviewbot import store
from reviewbot.db import session_scope
from reviewbot.errors import InputError, ReviewbotError
from reviewbot.ingest.http import Fetched, Fetcher
from reviewbot.ingest.mbox import read_mbox_stream
from reviewbot.ingest.months import Month, parse_month
from reviewbot.ingest.pipermail import (
    ArchivedMessage,
    MonthLink,
    ThreadEntry,
    month_key,
    parse_message_page,
    parse_month_list,
    parse_thread_index,
)
from reviewbot.mail.diff import has_diff
from reviewbot.mail.message import Message, restore_bracketed_addresses, synthetic_msgid
from reviewbot.mail.subject import parse_subject
from reviewbot.pipeline.importer import Importer
from reviewbot.pipeline.incoming import Incoming
from reviewbot.pipeline.parsing import BATCH, Parser, batches

LIBVIR_LIST = "https://listman.redhat.com/archives/libvir-list/"
Progress = Callable[[str, int], None]  # (what, how many more)


@dataclass(frozen=True)
class ScrapeProblem:
    """A URL that could not be fetched or read, and why (kept for the next run)."""

    url: str
    error: str


@dataclass
class ScrapeReport:
    """What a scrape did, in the shape `scrape --json` prints."""

    months: list[str] = field(default_factory=list)
    pages_fetched: int = 0
    pages_cached: int = 0
    messages_new: int = 0
    messages_duplicate: int = 0
    errors: list[ScrapeProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON object of `scrape --json`."""
        return {
            "months": self.months,
            "pages_fetched": self.pages_fetched,
            "pages_cached": self.pages_cached,
            "messages_new": self.messages_new,
            "messages_duplicate": self.messages_duplicate,
            "errors": [{"url": e.url, "error": e.error} for e in self.errors],
        }


def choose_months(
    listed: Sequence[Month], wanted: Sequence[Month], since: Month | None, everything: bool
) -> list[Month]:
    """The months to read, oldest first: all of them, those asked for and every one
    from `since` on, or (nothing asked) the newest: what a daily run wants."""
    if everything:
        chosen = set(listed)
    elif wanted or since:
        chosen = {m for m in listed if m in wanted or (since is not None and m >= since)}
    else:
        chosen = {max(listed)} if listed else set()
    return sorted(chosen)


def wanted_months(names: Sequence[str]) -> dict[str, Month | None]:
    """Each name asked for ("2023-07" or "2023-July") and its month; None when it is none."""
    out: dict[str, Month | None] = {}
    for name in names:
        try:
            out[name] = parse_month(name)
        except ValueError:
            out[name] = None
    return out


def select_months(
    months: list[MonthLink], wanted: list[str], since: str | None, everything: bool
) -> tuple[list[MonthLink], list[str]]:
    """The months to read, oldest first, and the names asked for that do not exist."""
    by_key = {month_key(m.name): m for m in months}
    asked = wanted_months(wanted)
    start = parse_month(since) if since else None
    keys = [k for k in asked.values() if k is not None]
    chosen = [by_key[k] for k in choose_months(list(by_key), keys, start, everything)]
    return chosen, [n for n, k in asked.items() if k not in by_key]


class Scraper:
    """One scrape run over one archive."""

    def __init__(
        self,
        engine: Engine,
        fetcher: Fetcher,
        archive_url: str,
        *,
        refresh: bool = False,
        progress: Progress | None = None,
        report_unknown: bool = True,
        parser: Parser | None = None,
    ) -> None:
        self.engine = engine
        self.fetcher = fetcher
        self.parser = parser or Parser(1)  # the caller's pool, else this process
        self.archive_url = archive_url if archive_url.endswith("/") else archive_url + "/"
        self.refresh = refresh
        self.progress = progress or (lambda _what, _n: None)
        self.importer = Importer(engine)
        self.report = ScrapeReport()
        self.resolved: set[str] = set()
        self.matched = 0  # pages whose message was already stored: duplicates too
        # months asked for that the archive does not list: an error, unless another
        # archive of the same list is asked too (report_unknown=False)
        self.report_unknown = report_unknown
        self.unknown: list[str] = []
        self.listed: list[Month] | None = None  # None: the month list could not be read

    def run(self, wanted: list[str], since: str | None, everything: bool) -> ScrapeReport:
        """Read the month list, then each chosen month; errors are collected, not raised."""
        index_url = self.archive_url + "index.html"
        index = self._get(index_url, revalidate=True, month="")
        if index is not None:
            listed = parse_month_list(index.content, index_url)
            self.listed = sorted(month_key(m.name) for m in listed)
            months, self.unknown = select_months(listed, wanted, since, everything)
            retry = set(self._months_to_retry()) - {m.name for m in months}
            months = sorted(
                months + [m for m in listed if m.name in retry], key=lambda m: month_key(m.name)
            )
            for name in self.unknown if self.report_unknown else []:
                self._error(self.archive_url + name, "", "no such month in the archive")
            self.progress("months", 0)
            for month in months:
                self._month(month)
                self.progress("months", 1)
        imported = self.importer.finish(self.parser.workers)
        self.report.messages_new = imported.messages_new
        self.report.messages_duplicate = imported.messages_duplicate + self.matched
        with session_scope(self.engine) as session:
            store.resolve_scrape_errors(session=session, urls=sorted(self.resolved))
        return self.report

    def _months_to_retry(self) -> list[str]:
        """Months with URLs that failed before: a run retries them whatever it was asked."""
        with session_scope(self.engine) as session:
            errors = store.open_scrape_errors(session=session)
        prefix = self.archive_url
        return sorted({e.month for e in errors if e.month and e.url.startswith(prefix)})

    def _month(self, month: MonthLink) -> None:
        self.report.months.append(month.name)
        errors_before = len(self.report.errors)
        with session_scope(self.engine) as session:
            complete = store.month_complete(
                session=session, archive_url=self.archive_url, name=month.name
            )
        thread = self._get(month.thread_url, revalidate=True, month=month.name)
        if thread is not None and complete and not self.refresh and thread.status == 304:
            return  # unchanged since it was read completely: one small request
        fresh = self._text_archive(month) if month.text_url else set()
        pages = 0
        if thread is not None:
            entries = parse_thread_index(thread.content, month.thread_url)
            pages = self._pages(month, entries, fresh)
        with session_scope(self.engine) as session:
            store.save_month(
                session=session,
                archive_url=self.archive_url,
                name=month.name,
                complete=thread is not None and len(self.report.errors) == errors_before,
                pages=pages,
            )

    def _text_archive(self, month: MonthLink) -> set[str]:
        """Import the month's text archive; return the Message-IDs it holds."""
        assert month.text_url
        fetched = self._get(month.text_url, revalidate=True, month=month.name)
        fresh: set[str] = set()
        if fetched is None:
            return fresh
        try:
            stream = io.BytesIO(_gunzip(fetched.content, month.text_url))
            # a damaged archive: the batch it cut is left for the retry (as a whole)
            mails = batches(read_mbox_stream(stream, month.text_url), cut=lambda _b: [])
            for parsed in self.parser.parse(mails):
                self.importer.add_parsed(parsed)
                fresh.update(p.incoming.msgid for p in parsed)
        except InputError as exc:
            self.fetcher.forget(month.text_url)  # a damaged copy must not satisfy the retry
            self._error(month.text_url, month.name, str(exc))
        return fresh

    def _pages(self, month: MonthLink, entries: list[ThreadEntry], fresh: set[str]) -> int:
        """Give every page's message its URL; import the messages only pages have.

        `fresh`: Message-IDs this run just read from the text archive; their pages
        are the same message, already counted.
        """
        msgids: dict[str, str] = {}  # page URL -> Message-ID, for threading children
        by_url = {e.url: e for e in entries}
        with session_scope(self.engine) as session:
            hinted = [e.msgid_hint for e in entries if e.msgid_hint]
            stored = store.existing_msgids(session=session, msgids=hinted)
        pending: list[Incoming] = []
        known: list[tuple[str, str]] = []
        for entry in entries:
            self.progress("pages", 1)
            if entry.msgid_hint and entry.msgid_hint in stored:
                msgids[entry.url] = entry.msgid_hint
                known.append((entry.msgid_hint, entry.url))
                continue
            page = self._page(entry, month)
            if page is None:
                continue
            if page.msgid and page.msgid in fresh:
                msgids[entry.url] = page.msgid
                known.append((page.msgid, entry.url))
                continue
            page = _as_reply_if_answering(page, entry, by_url)
            msgids[entry.url] = page.msgid or synthetic_msgid(entry.url.encode())
            refs = _ancestors(entry, by_url, msgids)
            pending.append(_incoming_from_page(page, msgids[entry.url], refs))
        with session_scope(self.engine) as session:
            store.set_archive_urls(session=session, pairs=known)
        self.matched += sum(1 for msgid, _url in known if msgid not in fresh)
        for start in range(0, len(pending), BATCH):
            self.importer.add(pending[start : start + BATCH])
        return len(entries)

    def _page(self, entry: ThreadEntry, month: MonthLink) -> ArchivedMessage | None:
        fetched = self._get(entry.url, revalidate=False, month=month.name)
        if fetched is None:
            return None
        try:
            return parse_message_page(fetched.content, entry.url)
        except ReviewbotError as exc:
            self.fetcher.forget(entry.url)  # a damaged copy must not satisfy the retry
            self._error(entry.url, month.name, str(exc))
            return None

    def _get(self, url: str, *, revalidate: bool, month: str) -> Fetched | None:
        try:
            fetched = self.fetcher.get(url, revalidate=revalidate)
        except ReviewbotError as exc:
            self._error(url, month, str(exc))
            return None
        if fetched.from_cache:
            self.report.pages_cached += 1
        else:
            self.report.pages_fetched += 1
        self.resolved.add(url)
        return fetched

    def _error(self, url: str, month: str, error: str) -> None:
        error = error.removeprefix(f"{url}: ")  # the URL is a field of its own
        self.resolved.discard(url)  # downloaded but unreadable is not resolved
        self.report.errors.append(ScrapeProblem(url, error))
        with session_scope(self.engine) as session:
            store.record_scrape_error(session=session, url=url, month=month, error=error)


def _gunzip(data: bytes, url: str) -> bytes:
    if not data.startswith(b"\x1f\x8b"):
        return data  # a plain .txt archive, or a server that already decoded it
    try:
        return gzip.decompress(data)
    except (EOFError, OSError, zlib.error) as exc:
        raise InputError(f"{url}: damaged or truncated gzip ({exc})") from exc


def _ancestors(
    entry: ThreadEntry, by_url: dict[str, ThreadEntry], msgids: dict[str, str]
) -> list[str]:
    """Message-IDs of the entry's enclosing entries, root first (its References)."""
    chain: list[str] = []
    parent = entry.parent_url
    while parent and parent in by_url and len(chain) < 100:
        if parent in msgids:
            chain.append(msgids[parent])
        parent = by_url[parent].parent_url
    return list(reversed(chain))


def _as_reply_if_answering(
    page: ArchivedMessage, entry: ThreadEntry, by_url: dict[str, ThreadEntry]
) -> ArchivedMessage:
    """Give back the "Re:" pipermail took away, when thread.html shows an answer.

    Mailman strips every leading "Re:" from titles and reply links, so a review
    of "[PATCH 08/10] x" reads "[PATCH 08/10] x" too. Nested under an entry with
    the very same subject, a page is an answer to it; a new version ("[PATCH v2
    08/10] x") has a different subject and stays a patch.
    """
    parent = by_url.get(entry.parent_url or "")
    if parent is None or parse_subject(page.subject).is_reply or has_diff(page.body):
        return page  # a page with its own diff is a (re-sent) patch, not an answer
    if " ".join(parent.subject.split()) != " ".join(entry.subject.split()):
        return page
    return replace(page, subject=f"Re: {page.subject}")


def _incoming_from_page(page: ArchivedMessage, msgid: str, references: list[str]) -> Incoming:
    """A message read from its archive page; its raw bytes are an RFC 5322 rendering.

    A page without a Message-ID (very old Mailman) gets a stable id from its URL.
    """
    message = Message(
        msgid=msgid,
        msgid_synthetic=page.msgid is None,
        subject=page.subject,
        from_name=page.author_name,
        from_email=page.author_email,
        date=page.date,
        in_reply_to=references[-1] if references else None,
        references=tuple(references),
        body=restore_bracketed_addresses(page.body),
        raw=b"",
        warnings=page.warnings,
    )
    raw = render_message(message, page.url)
    return Incoming(raw, page.url, 0, message, None, archive_url=page.url)


def render_message(message: Message, url: str) -> bytes:
    """RFC 5322 bytes for a message known only from its archive page."""

    def encoded(value: str) -> str:
        return value if value.isascii() else Header(value, "utf-8").encode()

    lines = [
        f"From: {encoded(message.from_name)} <{message.from_email}>",
        f"Subject: {encoded(message.subject)}",
        f"Message-ID: <{message.msgid}>",
    ]
    if message.date:
        lines.append(f"Date: {format_datetime(message.date)}")
    if message.in_reply_to:
        lines.append(f"In-Reply-To: <{message.in_reply_to}>")
        lines.append("References: " + " ".join(f"<{r}>" for r in message.references))
    lines += [
        f"X-Archived-At: <{url}>",
        "X-Reviewbot-Source: pipermail message page (headers reconstructed)",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: 8bit",
    ]
    head = "\n".join(line.replace("\r", " ").replace("\n", " ") for line in lines)
    return (head + "\n\n" + message.body).encode("utf-8", "replace")
