"""Which archive is which: kinds, libvirt's two archives, and a scrape over several.

libvirt's list moved in 2023 from libvir-list@redhat.com (Mailman 2, pipermail at
listman.redhat.com, frozen since) to devel@lists.libvirt.org (Mailman 3, HyperKitty).
A list's archives are given oldest first; one scrape reads each of them for the
months asked (the pipermail archive up to its last month, HyperKitty from its
first) into one database, where a thread that moved across is one thread: the
Message-IDs are the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Engine

from reviewbot import store
from reviewbot.db import session_scope
from reviewbot.errors import InputError
from reviewbot.ingest import hyperkitty
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.months import Month
from reviewbot.pipeline.hyperkitty import HyperKittyScraper, Today, utc_today
from reviewbot.pipeline.parsing import Parser
from reviewbot.pipeline.scrape import (
    LIBVIR_LIST,
    Progress,
    ScrapeProblem,
    Scraper,
    ScrapeReport,
    wanted_months,
)

LIBVIRT_DEVEL = "https://lists.libvirt.org/archives/list/devel@lists.libvirt.org/"


class Kind(StrEnum):
    """What software serves an archive: how it is read."""

    PIPERMAIL = "pipermail"
    HYPERKITTY = "hyperkitty"
    PUBLIC_INBOX = "public-inbox"


@dataclass(frozen=True)
class Archive:
    """One web archive of a list."""

    kind: Kind
    url: str


LISTS: dict[str, tuple[Archive, ...]] = {
    "libvirt": (Archive(Kind.PIPERMAIL, LIBVIR_LIST), Archive(Kind.HYPERKITTY, LIBVIRT_DEVEL)),
}


def archive_at(url: str, kind: str | None = None) -> Archive:
    """The archive at url: of the kind given, else a HyperKitty list URL
    (`.../list/<name>@<host>/`) is HyperKitty and anything else pipermail."""
    if kind is not None:
        try:
            return Archive(Kind(kind), url)
        except ValueError:
            names = ", ".join(k.value for k in Kind)
            raise InputError(f"--archive {kind!r}: expected one of {names}") from None
    return Archive(Kind.HYPERKITTY if hyperkitty.is_list_url(url) else Kind.PIPERMAIL, url)


def inbox_at(url: str) -> Archive:
    """The archive `fetch` reads at url: a HyperKitty list URL, else a public-inbox."""
    return Archive(Kind.HYPERKITTY if hyperkitty.is_list_url(url) else Kind.PUBLIC_INBOX, url)


def archives_named(setting: str) -> tuple[Archive, ...]:
    """$REVIEWBOT_LIST: a known list's name, or archive URLs oldest first."""
    words = setting.split()
    if len(words) == 1 and words[0] in LISTS:
        return LISTS[words[0]]
    if not words or not all("://" in w for w in words):
        raise InputError(f"REVIEWBOT_LIST={setting!r}: a list name ({', '.join(LISTS)}) or URLs")
    return tuple(archive_at(w) for w in words)


def archives_of(name: str) -> tuple[Archive, ...]:
    """A known list's archives, oldest first (`--list libvirt`)."""
    try:
        return LISTS[name]
    except KeyError:
        raise InputError(f"--list {name!r}: known lists are {', '.join(LISTS)}") from None


def scrape_archives(
    engine: Engine,
    fetcher: Fetcher,
    archives: Sequence[Archive],
    wanted: list[str],
    since: str | None,
    everything: bool,
    *,
    refresh: bool = False,
    progress: Progress | None = None,
    today: Today = utc_today,
    jobs: int | None = None,
) -> ScrapeReport:
    """Scrape a list's archives (oldest first) into one database; one report for all.

    With nothing asked, only the newest month of the newest archive is read. A
    month asked for is an error only when none of the archives has it. `jobs`
    processes parse a month's mail (as import-mbox's --jobs).
    """
    if not (wanted or since or everything):
        archives = archives[-1:]
    total = ScrapeReport()
    listed: set[Month] = set()
    unread = False  # a month list that could not be read: its months are unknown
    with Parser(jobs) as parser:  # one pool for every month of every archive
        for archive in archives:
            alone = len(archives) == 1
            scraper = _scraper(engine, fetcher, archive, refresh, progress, today, alone, parser)
            report = scraper.run(wanted, since, everything)
            listed.update(scraper.listed or [])
            unread = unread or scraper.listed is None
            _add(total, report)
    if len(archives) > 1 and not unread:
        for name, month in wanted_months(wanted).items():
            if month not in listed:
                _unknown(engine, total, archives[-1].url + name)
    return total


def _scraper(
    engine: Engine,
    fetcher: Fetcher,
    archive: Archive,
    refresh: bool,
    progress: Progress | None,
    today: Today,
    alone: bool,
    parser: Parser,
) -> Scraper | HyperKittyScraper:
    if archive.kind is Kind.HYPERKITTY:
        return HyperKittyScraper(
            engine,
            fetcher,
            archive.url,
            refresh=refresh,
            progress=progress,
            report_unknown=alone,
            today=today,
            parser=parser,
        )
    if archive.kind is Kind.PIPERMAIL:
        return Scraper(
            engine,
            fetcher,
            archive.url,
            refresh=refresh,
            progress=progress,
            report_unknown=alone,
            parser=parser,
        )
    raise InputError(f"{archive.url}: a {archive.kind} archive cannot be scraped by month")


def _add(total: ScrapeReport, report: ScrapeReport) -> None:
    total.months += report.months
    total.pages_fetched += report.pages_fetched
    total.pages_cached += report.pages_cached
    total.messages_new += report.messages_new
    total.messages_duplicate += report.messages_duplicate
    total.errors += report.errors
    total.warnings += report.warnings


def _unknown(engine: Engine, report: ScrapeReport, url: str) -> None:
    error = "no such month in any archive of the list"
    report.errors.append(ScrapeProblem(url, error))
    with session_scope(engine) as session:
        store.record_scrape_error(session=session, url=url, month="", error=error)
