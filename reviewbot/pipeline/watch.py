"""`reviewbot scrape --watch`: follow an archive (or a list's archives) as a long-running job.

Every INTERVAL seconds a fresh scrape round reads the month list and the
months asked for (new months with --since/--all, and new mail of known
months: an unchanged pipermail month costs one conditional request, an open
HyperKitty month one export from the last day stored). An error in a
round (network, the database restarting) is logged and the round is tried
again at the next interval. SIGTERM or SIGINT stops the job cleanly: the
round in progress stops at its next page or batch, the batches it stored are already
committed, the series it touched are rebuilt, and the process exits 0.

With a configured tree (REVIEWBOT_UPSTREAM_TREE, --upstream-tree), each round
is followed by an upstream refresh of that tree (pipeline.upstream): new
patches, and the ones not yet found, are looked for in its current HEAD.
`serve` runs the same refresh in a thread of its own (`refresh_every`).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import FrameType

from sqlalchemy.exc import SQLAlchemyError

from reviewbot.config import Settings
from reviewbot.db import open_engine
from reviewbot.errors import ReviewbotError
from reviewbot.ingest.http import Fetcher
from reviewbot.pipeline.archives import Archive, scrape_archives
from reviewbot.pipeline.importer import catch_up
from reviewbot.pipeline.upstream import refresh_upstream

Log = Callable[[str], None]
# what a round may hit and survive: our own errors (network, bad pages, database
# unreachable) and the database driver's and the OS's
_TRANSIENT = (ReviewbotError, SQLAlchemyError, OSError)


class Stopped(Exception):
    """Raised inside a round when a signal asked the job to stop."""


@dataclass(frozen=True)
class Round:
    """What one scrape round reads: the scrape command's options."""

    archives: tuple[Archive, ...]  # one list's archives, oldest first
    months: list[str]
    since: str | None
    all_months: bool
    refresh: bool
    rate: float
    timeout: float
    allow_hosts: tuple[str, ...] = ()  # --allow-host
    jobs: int | None = None  # processes that parse (None: one per CPU)


def follow(settings: Settings, job: Round, interval: float, log: Log) -> int:
    """Scrape every `interval` seconds until SIGTERM/SIGINT; return the exit code (0)."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log(f"{signal.Signals(signum).name}: stopping after the current step")
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stop.is_set():
            try:
                log(_round(settings, job, stop))
            except Stopped:
                break
            except _TRANSIENT as exc:
                log(f"error: {exc}; trying again in {interval:g} s")
            if settings.upstream_tree is not None and not stop.is_set():
                _refresh(settings, log)
            stop.wait(interval)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    log("stopped")
    return 0


def _round(settings: Settings, job: Round, stop: threading.Event) -> str:
    """One scrape; on a stop request, keep what was stored and rebuild its series."""

    def check(_what: str, _n: int) -> None:
        if stop.is_set():
            raise Stopped

    engine = open_engine(settings.database_url)
    fetcher = Fetcher(
        settings.data_dir / "http-cache",
        rate=job.rate,
        timeout=job.timeout,
        limits=settings.limits,
        allow_hosts=job.allow_hosts,
    )
    try:
        with fetcher:
            try:
                report = scrape_archives(
                    engine,
                    fetcher,
                    job.archives,
                    job.months,
                    job.since,
                    job.all_months,
                    refresh=job.refresh,
                    progress=check,
                    jobs=job.jobs,
                )
            except Stopped:
                catch_up(engine)  # batches stored so far are committed: finish them
                raise
    finally:
        engine.dispose()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    return (
        f"{now} {len(report.months)} months, {report.pages_fetched} fetched, "
        f"{report.messages_new} new messages, {len(report.errors)} errors"
    )


def refresh_every(settings: Settings, stop: threading.Event, log: Log) -> None:
    """`serve`'s background job: refresh the configured tree's upstream checks every
    settings.upstream_interval seconds until `stop` is set."""
    while not stop.is_set():
        _refresh(settings, log)
        stop.wait(settings.upstream_interval)


def _refresh(settings: Settings, log: Log) -> None:
    """One upstream refresh of the configured tree, logged; an error is logged, not raised."""
    assert settings.upstream_tree is not None
    engine = open_engine(settings.database_url)
    try:
        r = refresh_upstream(engine, settings.upstream_tree, settings.index_dir)
    except _TRANSIENT as exc:
        log(f"upstream: error: {exc}")
        return
    finally:
        engine.dispose()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    log(
        f"{now} upstream {r.tree} at {r.tree_head[:12]}: {r.indexed} commits indexed, "
        f"{r.checked} patches checked, {r.found} found, {r.accepted} accepted"
    )
