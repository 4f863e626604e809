"""A database filled as `scrape --list libvirt` fills it, from the doubles: July 2023 from
the pipermail archive (tests/archive_server.py), August from HyperKitty (hyperkitty_server.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.mbox import read_path
from reviewbot.pipeline.archives import Archive, Kind, scrape_archives
from tests.archive_server import ArchiveServer
from tests.conftest import LIST
from tests.hyperkitty_server import LIBVIRT, HyperKittyServer


@dataclass(frozen=True)
class Scraped:
    """Where the doubles were: the URLs the stored messages link to start so."""

    pipermail: str  # the pipermail archive's URL
    hyperkitty: str  # the HyperKitty list's URL


def frozen_index() -> bytes:
    """libvir-list's month list as the archive froze: its last month is July 2023."""
    index = (LIST / "index.html").read_bytes()
    return re.sub(rb"(?s)<tr>\s*<td>2023 August:.*?</tr>", b"", index)


def scrape_libvirt(engine: Engine, cache: Path) -> Scraped:
    """July through pipermail, August through HyperKitty, into one database."""
    august = [m.raw for m in read_path(LIST / "2023-August.txt.gz")]
    with ArchiveServer(LIST) as pipermail, HyperKittyServer({LIBVIRT: august}) as hk:
        pipermail.override("/index.html", frozen_index(), "text/html; charset=utf-8")
        archives = [
            Archive(Kind.PIPERMAIL, pipermail.url("/")),
            Archive(Kind.HYPERKITTY, hk.list_url(LIBVIRT)),
        ]
        with Fetcher(cache, rate=0) as fetcher:
            report = scrape_archives(engine, fetcher, archives, ["2023-07", "2023-08"], None, False)
        assert report.errors == [] and report.messages_new == 29, report
        return Scraped(pipermail.url("/"), hk.list_url(LIBVIRT))
