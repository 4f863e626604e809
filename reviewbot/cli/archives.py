"""`scrape` and `fetch`: mail from a list's web archive into the database."""

from __future__ import annotations

import re
from typing import Annotated

import typer
from rich.markup import escape
from sqlmodel import Session

from reviewbot.cli import jsonout, render
from reviewbot.cli.common import (
    DbOption,
    JobsOption,
    JsonOption,
    UpstreamTreeOption,
    console,
    err,
    errors,
    print_json,
    progress,
)
from reviewbot.cli.imports import say_problems
from reviewbot.config import Settings, load_settings
from reviewbot.db import open_engine
from reviewbot.errors import InputError
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.months import parse_month
from reviewbot.pipeline.archives import (
    LIBVIRT_DEVEL,
    Archive,
    archive_at,
    archives_named,
    archives_of,
    inbox_at,
    scrape_archives,
)
from reviewbot.pipeline.fetch import fetch_thread
from reviewbot.pipeline.scrape import LIBVIR_LIST
from reviewbot.pipeline.watch import Round, follow
from reviewbot.read import messages, series

DataDirOption = Annotated[
    str | None, typer.Option(help="Cache and default database [env: REVIEWBOT_DATA_DIR].")
]
AllowHostOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-host",
        metavar="HOST",
        help="Also fetch from HOST, and follow redirects to it (repeatable); else only "
        "the archive's own scheme and host.",
    ),
]


def scrape(
    archive_urls: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="ARCHIVE_URL",
            help="Archive URL (pipermail, or a HyperKitty list); several: one list's "
            "archives, oldest first. Default: $REVIEWBOT_LIST, else libvir-list's pipermail.",
            show_default=False,
        ),
    ] = None,
    archive: Annotated[
        str | None,
        typer.Option(
            "--archive",
            metavar="KIND",
            help="What serves ARCHIVE_URL: pipermail or hyperkitty "
            "(default: a .../list/NAME@HOST/ URL is HyperKitty, others pipermail).",
        ),
    ] = None,
    list_name: Annotated[
        str | None,
        typer.Option(
            "--list",
            metavar="NAME",
            help="A known list's archives: libvirt (libvir-list's pipermail, then "
            "devel@lists.libvirt.org's HyperKitty).",
        ),
    ] = None,
    month: Annotated[
        list[str] | None,
        typer.Option("--month", help="A month, 2023-07 or 2023-July (repeatable)."),
    ] = None,
    since: Annotated[str | None, typer.Option(help="Every month from YYYY-MM on.")] = None,
    all_months: Annotated[bool, typer.Option("--all", help="Every month of the archive.")] = False,
    rate: Annotated[
        float, typer.Option(help="At most this many requests per second (0: no limit).")
    ] = 2.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one response.")] = 30.0,
    refresh: Annotated[bool, typer.Option(help="Re-read months already read completely.")] = False,
    allow_host: AllowHostOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    watch: Annotated[
        float | None,
        typer.Option(
            "--watch",
            metavar="INTERVAL",
            help="Keep following the archive: scrape again every INTERVAL seconds "
            "until SIGTERM (errors are logged and retried).",
        ),
    ] = None,
    upstream_tree: UpstreamTreeOption = None,
    jobs: JobsOption = None,
) -> None:
    """Scrape a list's web archive (pipermail or HyperKitty), incrementally and politely."""
    with errors():
        _check_months(month or [], since)
        settings = load_settings(db=db, data_dir=data_dir, upstream_tree=upstream_tree)
        archives = _archives(archive_urls or [], archive, list_name, settings.scrape_list)
    if watch is not None:
        hosts = tuple(allow_host or ())
        job = Round(archives, month or [], since, all_months, refresh, rate, timeout, hosts, jobs)
        raise typer.Exit(follow(settings, job, watch, lambda line: err.print(line, markup=False)))
    with errors():
        engine = open_engine(settings.database_url)
        fetcher = _fetcher(settings, rate, timeout, allow_host)
        with fetcher, progress(as_json) as advance:
            report = scrape_archives(
                engine,
                fetcher,
                archives,
                month or [],
                since,
                all_months,
                refresh=refresh,
                progress=lambda _what, n: advance(n),
                jobs=jobs,
            )
    if as_json:
        print_json(report.as_dict())
    else:
        console.print(
            f"{len(report.months)} months, {report.pages_fetched} fetched, "
            f"{report.pages_cached} from cache; {report.messages_new} new, "
            f"{report.messages_duplicate} duplicate messages",
            markup=False,
        )
    for note in report.warnings:
        err.print(f"[yellow]warning:[/yellow] {escape(note.url)}: {escape(note.error)}")
    for problem in report.errors:
        err.print(f"[red]error:[/red] {escape(problem.url)}: {escape(problem.error)}")
    if report.errors:
        raise typer.Exit(2)


def _fetcher(settings: Settings, rate: float, timeout: float, hosts: list[str] | None) -> Fetcher:
    """The one HTTP client, with the bounds of the settings and the hosts allowed."""
    return Fetcher(
        settings.data_dir / "http-cache",
        rate=rate,
        timeout=timeout,
        limits=settings.limits,
        allow_hosts=hosts or (),
    )


def _check_months(months: list[str], since: str | None) -> None:
    for name in months:
        try:
            parse_month(name)
        except ValueError:
            raise InputError(f"--month {name!r}: expected YYYY-MM or YYYY-Month") from None
    if since and not re.fullmatch(r"\d{4}-\d{2}", since):
        raise InputError(f"--since {since!r}: expected YYYY-MM")


def _archives(
    urls: list[str], kind: str | None, list_name: str | None, setting: str | None
) -> tuple[Archive, ...]:
    """The archives a scrape reads: the URLs given, --list, $REVIEWBOT_LIST, libvir-list."""
    if urls and list_name:
        raise InputError("give archive URLs or --list, not both")
    if list_name:
        return archives_of(list_name)
    if urls:
        return tuple(archive_at(url, kind) for url in urls)
    if setting:
        return archives_named(setting)
    return (archive_at(LIBVIR_LIST, kind),)


def fetch(
    msgid: Annotated[
        str, typer.Argument(help="Any Message-ID of the thread (angle brackets optional).")
    ],
    archive: Annotated[
        str | None,
        typer.Option(
            "--archive",
            metavar="URL",
            help="A HyperKitty list or a public-inbox URL "
            "(default: $REVIEWBOT_ARCHIVE, else libvirt's HyperKitty list).",
        ),
    ] = None,
    rate: Annotated[
        float, typer.Option(help="At most this many requests per second (0: no limit).")
    ] = 2.0,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for one response.")] = 30.0,
    allow_host: AllowHostOption = None,
    db: DbOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
) -> None:
    """Get the whole thread of one message from its archive, import it, show its series."""
    with errors():
        settings = load_settings(db=db, data_dir=data_dir)
        where = inbox_at(archive or settings.fetch_archive or LIBVIRT_DEVEL)
        engine = open_engine(settings.database_url)
        with _fetcher(settings, rate, timeout, allow_host) as fetcher:
            report = fetch_thread(engine, fetcher, msgid, where)
        with Session(engine) as session:
            found = messages.message_detail(session, report.msgid).message.series_id
            detail = series.series_detail(session, found) if found is not None else None
    imported = report.imported
    if as_json:
        shown = jsonout.series_detail(detail) if detail else None
        print_json({**report.as_dict(), "series": shown})
    else:
        console.print(
            f"thread of {len(report.thread)} messages: {imported.messages_new} new, "
            f"{imported.messages_duplicate} duplicate",
            markup=False,
        )
        if detail is None:
            console.print(f"<{report.msgid}> is not part of a patch series", markup=False)
        else:
            render.series_detail(console, detail)
    say_problems(imported)
