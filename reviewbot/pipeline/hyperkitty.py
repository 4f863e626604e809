"""Scrape a HyperKitty archive: the list page -> one mbox export per month -> Importer.

The list page names the months that have mail; each month chosen is read through
the export, `start`/`end` one month apart (days in UTC). A month is *open* until
three days after it ended (mail dated in a month arrives late: moderation, slow
relays, wrong clocks). While open, each read asks only from the day of the newest
mail stored from it (`scrapemonth.resume_from`): overlap is harmless, the import
being idempotent by Message-ID. Once over, the month is read whole one last time,
which catches the late arrivals, and is then *finished*: never fetched again
(`--refresh` reads it anyway). That final export is cached under a name of its
own, so a run killed while importing it resumes from the cache, with no request.

Each message gets its archive URL, `<list URL>message/<hash>/`; what HyperKitty
changed in the text (`user(a)host`) is put back where it is surely an address.
The same message reached through pipermail, an mbox or here is stored once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from functools import partial

from sqlalchemy import Engine

from reviewbot import store
from reviewbot.db import session_scope
from reviewbot.errors import InputError, ReviewbotError
from reviewbot.ingest import hyperkitty
from reviewbot.ingest.http import Fetched, Fetcher
from reviewbot.ingest.mbox import RawMail, read_mbox_stream
from reviewbot.ingest.months import Month, first_day, iso_name, next_month, parse_month
from reviewbot.mail.message import restore_bracketed_addresses
from reviewbot.pipeline.importer import Importer
from reviewbot.pipeline.incoming import Incoming, batches, incoming_from_raw
from reviewbot.pipeline.parsing import Parsed, Parser
from reviewbot.pipeline.scrape import (
    Progress,
    ScrapeProblem,
    ScrapeReport,
    choose_months,
    wanted_months,
)

GRACE = timedelta(days=3)  # a month is over this long after it ended
Today = Callable[[], date]


def utc_today() -> date:
    """Today in UTC: HyperKitty's export filters by UTC days."""
    return datetime.now(UTC).date()


def finished(state: store.MonthState | None, month: Month) -> bool:
    """Read completely once the month was over (the next read would start at its end)."""
    if state is None or not state.complete or state.resume_from is None:
        return False
    return date.fromisoformat(state.resume_from) >= first_day(next_month(month))


def incoming_from_export(mail: RawMail, list_url: str) -> Incoming:
    """One mail of an export, with its archive URL and its addresses put back."""
    incoming = incoming_from_raw(mail)
    message = incoming.message
    if message is None or message.msgid_synthetic:
        return incoming  # no Message-ID: no hash, no page to link to
    body = restore_bracketed_addresses(message.body)
    return replace(
        incoming,
        message=replace(message, body=body) if body != message.body else message,
        archive_url=hyperkitty.message_url(list_url, message.msgid),
    )


def _counted(mails: Iterator[RawMail], read: list[int]) -> Iterator[RawMail]:
    for mail in mails:
        read[0] += 1
        yield mail


def _whole(batch: list[RawMail]) -> list[RawMail]:
    return [m for m in batch if not m.truncated]


class HyperKittyScraper:
    """One scrape run over one HyperKitty list (the same report as the pipermail Scraper)."""

    def __init__(
        self,
        engine: Engine,
        fetcher: Fetcher,
        list_url: str,
        *,
        refresh: bool = False,
        progress: Progress | None = None,
        report_unknown: bool = True,
        today: Today = utc_today,
        parser: Parser | None = None,
    ) -> None:
        self.engine = engine
        self.fetcher = fetcher
        self.parser = parser or Parser(1)  # the caller's pool, else this process
        self.list_url = hyperkitty.list_url(list_url)
        fetcher.stay_on(self.list_url)
        self.name = hyperkitty.list_name(self.list_url)
        self.refresh = refresh
        self.progress = progress or (lambda _what, _n: None)
        self.report_unknown = report_unknown
        self.today = today
        self.importer = Importer(engine)
        self.report = ScrapeReport()
        self.listed: list[Month] | None = None  # None: the list page could not be read
        self.unknown: list[str] = []
        self.states: dict[str, store.MonthState] = {}

    def run(self, wanted: list[str], since: str | None, everything: bool) -> ScrapeReport:
        """Read the list page, then each chosen month; errors are collected, not raised."""
        page = self._get(self.list_url, revalidate=True, month="", page=True)
        if page is not None:
            self.listed = self._month_list(page)
        if self.listed is not None:
            with session_scope(self.engine) as session:
                self.states = store.month_states(session=session, archive_url=self.list_url)
            months = self._choose(wanted, since, everything)
            self.progress("months", 0)
            for month in months:
                self._month(month)
                self.progress("months", 1)
        imported = self.importer.finish(self.parser.workers)
        self.report.messages_new = imported.messages_new
        self.report.messages_duplicate = imported.messages_duplicate
        return self.report

    def _choose(self, wanted: list[str], since: str | None, everything: bool) -> list[Month]:
        listed = self.listed or []
        asked = wanted_months(wanted)
        start = parse_month(since) if since else None
        keys = [k for k in asked.values() if k is not None]
        chosen = set(choose_months(listed, keys, start, everything))
        if not (wanted or since or everything):
            # a daily run reads the newest month, and gives the months it read
            # while they were open their last read
            chosen |= self._unfinished()
        self.unknown = [name for name, key in asked.items() if key not in listed]
        for name in self.unknown if self.report_unknown else []:
            self._error(self.list_url + name, "", "no such month in the archive")
        return sorted((chosen | self._months_to_retry()) & set(listed))

    def _unfinished(self) -> set[Month]:
        """Months read before that still want a read: open then, or read with errors."""
        months = set()
        for name, state in self.states.items():
            try:
                month = parse_month(name)
            except ValueError:
                continue
            if not finished(state, month):
                months.add(month)
        return months

    def _months_to_retry(self) -> set[Month]:
        """Months with URLs that failed before: a run retries them whatever it was asked."""
        with session_scope(self.engine) as session:
            errors = store.open_scrape_errors(session=session)
        months = set()
        for e in errors:
            if e.month and e.url.startswith(self.list_url):
                try:
                    months.add(parse_month(e.month))
                except ValueError:
                    continue
        return months

    def _month(self, month: Month) -> None:
        name = iso_name(month)
        self.report.months.append(name)
        state = self.states.get(name)
        if finished(state, month) and not self.refresh:
            return  # read completely after it was over: nothing can have changed
        start, end = first_day(month), first_day(next_month(month))
        final = self.today() >= end + GRACE
        begin = start
        if state and state.resume_from and not (final or self.refresh):
            begin = min(max(start, date.fromisoformat(state.resume_from)), end - timedelta(days=1))
        # the final read has a file name of its own: its cached copy is always
        # one fetched after the month was over, safe to import again unchecked
        file_name = f"{self.name}-{name}" if final else f"{self.name}-{name}-so-far"
        url = hyperkitty.export_url(self.list_url, file_name, start=begin, end=end)
        errors_before = len(self.report.errors)
        fetched = self._get(url, revalidate=self.refresh or not final, month=name)
        newest, count = self._import(fetched, url, name) if fetched else (None, 0)
        complete = fetched is not None and len(self.report.errors) == errors_before
        resume = state.resume_from if state else None
        if complete and final:
            resume = end.isoformat()  # nothing left to read: finished
        elif complete and newest is not None:  # after damage, later mail may be missing
            last = min(end - timedelta(days=1), self.today())
            resume = min(max(newest, start), last).isoformat()
        with session_scope(self.engine) as session:
            store.save_month(
                session=session,
                archive_url=self.list_url,
                name=name,
                complete=complete,
                pages=count,
                resume_from=resume,
            )
            if complete:
                store.resolve_month_errors(session=session, url_prefix=self.list_url, month=name)

    def _month_list(self, page: Fetched) -> list[Month] | None:
        """The months the list page names; None (reported) when it cannot be read."""
        try:
            return hyperkitty.parse_month_list(
                page.content, self.list_url, self.fetcher.limits.page_links
            )
        except ReviewbotError as exc:
            self.fetcher.forget(self.list_url)
            self._error(self.list_url, "", str(exc))
            return None

    def _import(self, fetched: Fetched, url: str, month: str) -> tuple[date | None, int]:
        """Import an export's mail, read from the cache as a stream; (the UTC day of its
        newest mail, how many there were)."""
        newest: date | None = None
        count = 0
        read = partial(incoming_from_export, list_url=self.list_url)
        try:
            with fetched.open() as stream:
                mails = read_mbox_stream(stream, url, self.fetcher.limits, empty_ok=True)
                for parsed in self.parser.parse(batches(mails), read):
                    count += len(parsed)
                    newest = _newest([p.incoming for p in parsed], newest)
                    # the mail cut by damage is left for the retry: stored now, the
                    # whole one would later count as a duplicate and never replace it
                    self._add([p for p in parsed if not p.incoming.truncated])
        except InputError as exc:  # damage, or a bound passed: every whole mail before it is in
            self.fetcher.forget(url)  # a damaged copy must not satisfy the retry
            self._error(url, month, str(exc))
        return newest, count

    def _add(self, batch: list[Parsed]) -> None:
        if batch:
            self.importer.add_parsed(batch)
            self.progress("messages", len(batch))

    def _get(self, url: str, *, revalidate: bool, month: str, page: bool = False) -> Fetched | None:
        try:
            fetched = self.fetcher.get(url, revalidate=revalidate, page=page)
        except ReviewbotError as exc:
            self._error(url, month, _explained(str(exc), url, self.list_url))
            return None
        if fetched.from_cache:
            self.report.pages_cached += 1
        else:
            self.report.pages_fetched += 1
        return fetched

    def _error(self, url: str, month: str, error: str) -> None:
        error = error.removeprefix(f"{url}: ")  # the URL is a field of its own
        self.report.errors.append(ScrapeProblem(url, error))
        with session_scope(self.engine) as session:
            store.record_scrape_error(session=session, url=url, month=month, error=error)


def _newest(incoming: list[Incoming], newest: date | None) -> date | None:
    """The UTC day of the newest mail among these and `newest`."""
    days = [p.message.date.astimezone(UTC).date() for p in incoming if p.message and p.message.date]
    return max([*days, newest] if newest else days, default=None)


def _explained(error: str, url: str, list_url: str) -> str:
    """HyperKitty answers 404 for a list it does not have: say so."""
    if url == list_url and error.endswith("HTTP 404"):
        return f"{error}: no such list in this archive"
    return error
