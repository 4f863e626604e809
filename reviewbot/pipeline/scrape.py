"""Scrape a pipermail archive: month list -> text archive and message pages -> Importer.

Per month, the text archive (the only place with Message-ID / In-Reply-To /
References) is imported first; then thread.html is read and each message page
is matched to a stored message by its Message-ID (the page only supplies the
archive URL), or, when the text archive is missing or lacks the message, the
page itself is turned into a message, threaded by thread.html's nesting
(pipeline/pages.py). A text archive the month list names but the server
answers 404 for, or that is damaged, is a warning: the pages stand in for it.
All of it goes through the same Importer as `import-mbox`, so a message reached
both ways is stored once.

The scrape stays on the archive's scheme and host (and --allow-host): the
Fetcher refuses anything else, links and redirects alike, and says so. Pages and
bodies over the bounds (config.Limits) are reported and the scrape goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine

from reviewbot import store
from reviewbot.db import session_scope
from reviewbot.errors import CorruptSource, FetchError, ReviewbotError, UnsupportedSource
from reviewbot.ingest.http import Fetched, Fetcher
from reviewbot.ingest.mbox import read_mbox_stream
from reviewbot.ingest.months import Month, parse_month
from reviewbot.ingest.pipermail import (
    MonthLink,
    ThreadEntry,
    month_key,
    parse_month_list,
    parse_thread_index,
)
from reviewbot.ingest.pipermail_message import ArchivedMessage, parse_message_page
from reviewbot.mail.message import synthetic_msgid
from reviewbot.pipeline.importer import Importer
from reviewbot.pipeline.incoming import (
    Incoming,
    batch_is_full,
    batches,
)
from reviewbot.pipeline.pages import ancestors, as_reply_if_answering, incoming_from_page
from reviewbot.pipeline.parsing import Parser

LIBVIR_LIST = "https://listman.redhat.com/archives/libvir-list/"
T = TypeVar("T")
Progress = Callable[[str, int], None]  # (what, how many more)


@dataclass(frozen=True)
class ScrapeProblem:
    """A URL that could not be fetched or read, and why (kept for the next run); or, among
    the warnings, one that was done without and why."""

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
    warnings: list[ScrapeProblem] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON object of `scrape --json`."""
        return {
            "months": self.months,
            "pages_fetched": self.pages_fetched,
            "pages_cached": self.pages_cached,
            "messages_new": self.messages_new,
            "messages_duplicate": self.messages_duplicate,
            "errors": [{"url": e.url, "error": e.error} for e in self.errors],
            "warnings": [{"url": w.url, "warning": w.error} for w in self.warnings],
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
        fetcher.stay_on(self.archive_url)
        self.limits = fetcher.limits
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
        index = self._get(index_url, revalidate=True, month="", page=True)
        listed = None if index is None else self._read(index, index_url, "", self._month_list)
        if listed is not None:
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
        thread = self._get(month.thread_url, revalidate=True, month=month.name, page=True)
        if thread is not None and complete and not self.refresh and thread.status == 304:
            return  # unchanged since it was read completely: one small request
        fresh = self._text_archive(month) if month.text_url else set()
        entries = None
        if thread is not None:
            entries = self._read(thread, month.thread_url, month.name, self._thread_index)
        pages = self._pages(month, entries, fresh) if entries is not None else 0
        with session_scope(self.engine) as session:
            store.save_month(
                session=session,
                archive_url=self.archive_url,
                name=month.name,
                complete=entries is not None and len(self.report.errors) == errors_before,
                pages=pages,
            )

    def _text_archive(self, month: MonthLink) -> set[str]:
        """Import the month's text archive; return the Message-IDs it holds.

        Missing (404, 410) or damaged, it is a warning: the message pages stand in."""
        assert month.text_url
        url = month.text_url
        fresh: set[str] = set()
        try:
            fetched = self.fetcher.get(url, revalidate=True)
        except FetchError as exc:
            if exc.reason.startswith(("HTTP 404", "HTTP 410")):
                self._without(url, f"{exc.reason}: the message pages are read instead")
                return fresh
            self._error(url, month.name, str(exc))
            return fresh
        except ReviewbotError as exc:
            self._error(url, month.name, str(exc))
            return fresh
        self._count(fetched, url)
        try:
            with fetched.open() as stream:
                mails = read_mbox_stream(stream, url, self.limits, empty_ok=True)
                for parsed in self.parser.parse(batches(mails)):
                    self.importer.add_parsed(parsed)
                    fresh.update(p.incoming.msgid for p in parsed)
        except (CorruptSource, UnsupportedSource) as exc:
            self.fetcher.forget(url)  # a damaged copy must not satisfy a later read
            said = str(exc).removeprefix(f"{url}: ")
            self._without(url, f"{said}; the message pages stand in for what it lacks")
        except ReviewbotError as exc:  # over a bound: reported
            self.fetcher.forget(url)
            self._error(url, month.name, str(exc))
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
        held = 0
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
            page = as_reply_if_answering(page, entry, by_url)
            msgids[entry.url] = page.msgid or synthetic_msgid(entry.url.encode())
            incoming = incoming_from_page(page, msgids[entry.url], ancestors(entry, by_url, msgids))
            if batch_is_full(len(pending), held, len(incoming.raw)):
                self.importer.add(pending)  # a month of pages is never held whole
                pending, held = [], 0
            pending.append(incoming)
            held += len(incoming.raw)
        with session_scope(self.engine) as session:
            store.set_archive_urls(session=session, pairs=known)
        self.matched += sum(1 for msgid, _url in known if msgid not in fresh)
        if pending:
            self.importer.add(pending)
        return len(entries)

    def _page(self, entry: ThreadEntry, month: MonthLink) -> ArchivedMessage | None:
        fetched = self._get(entry.url, revalidate=False, month=month.name, page=True)
        if fetched is None:
            return None
        return self._read(fetched, entry.url, month.name, parse_message_page)

    def _month_list(self, html: bytes, url: str) -> list[MonthLink]:
        return parse_month_list(html, url, self.limits.page_links)

    def _thread_index(self, html: bytes, url: str) -> list[ThreadEntry]:
        return parse_thread_index(html, url, self.limits.page_links)

    def _read(
        self, fetched: Fetched, url: str, month: str, parse: Callable[[bytes, str], T]
    ) -> T | None:
        """A page parsed; one that cannot be (damaged, over a bound) is reported."""
        try:
            return parse(fetched.content, url)
        except ReviewbotError as exc:
            self.fetcher.forget(url)  # a damaged copy must not satisfy the retry
            self._error(url, month, str(exc))
            return None

    def _get(self, url: str, *, revalidate: bool, month: str, page: bool = False) -> Fetched | None:
        try:
            fetched = self.fetcher.get(url, revalidate=revalidate, page=page)
        except ReviewbotError as exc:
            self._error(url, month, str(exc))
            return None
        self._count(fetched, url)
        return fetched

    def _count(self, fetched: Fetched, url: str) -> None:
        if fetched.from_cache:
            self.report.pages_cached += 1
        else:
            self.report.pages_fetched += 1
        self.resolved.add(url)

    def _error(self, url: str, month: str, error: str) -> None:
        error = error.removeprefix(f"{url}: ")  # the URL is a field of its own
        self.resolved.discard(url)  # downloaded but unreadable is not resolved
        self.report.errors.append(ScrapeProblem(url, error))
        with session_scope(self.engine) as session:
            store.record_scrape_error(session=session, url=url, month=month, error=error)

    def _without(self, url: str, why: str) -> None:
        """A URL done without (a missing text archive): said, not an error to retry."""
        self.resolved.add(url)
        self.report.warnings.append(ScrapeProblem(url, why))
