"""The HTTP client against a hostile server (issue 14, items 5, 6 and 7).

Endless bodies and compression bombs stop at their bound with little memory; a
redirect to another host is refused (nothing is requested there, nothing cached);
every request, redirect hops included, waits its turn under the rate.
"""

from __future__ import annotations

import gzip
import json
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reviewbot.config import KiB, Limits, MiB
from reviewbot.errors import FetchError, OffSite, OverLimit
from reviewbot.ingest.http import Fetcher
from tests.archive_server import ArchiveServer, Reply
from tests.hostile import FakeTime, peak_while, zeros_gzip

PAGE = "/2023-July/000001.html"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "site"
    (root / "2023-July").mkdir(parents=True)
    (root / "index.html").write_text("<html>index</html>\n")
    (root / "2023-July" / "000001.html").write_text("<html>a page</html>\n")
    return root


@pytest.fixture
def server(site: Path) -> Iterator[ArchiveServer]:
    with ArchiveServer(site) as running:
        yield running


@pytest.fixture
def elsewhere(site: Path) -> Iterator[ArchiveServer]:
    """Another host (another port is another origin), serving the same files."""
    with ArchiveServer(site) as running:
        yield running


@pytest.fixture
def make(tmp_path: Path) -> Iterator[Callable[..., Fetcher]]:
    made: list[Fetcher] = []

    def build(**options: object) -> Fetcher:
        options = {"rate": 0.0, "retries": 1, "backoff": 0.0, **options}
        made.append(Fetcher(tmp_path / "cache", **options))  # type: ignore[arg-type]
        return made[-1]

    yield build
    for fetcher in made:
        fetcher.close()


# -- bounds ----------------------------------------------------------------------


def test_an_endless_body_stops_at_the_bound(server: ArchiveServer, make) -> None:
    server.always("/export.mbox.gz", Reply(endless=True))
    fetcher = make(limits=Limits(body_bytes=4 * MiB))
    url = server.url("/export.mbox.gz")

    def get() -> None:
        with pytest.raises(OverLimit, match="REVIEWBOT_MAX_BODY_SIZE") as info:
            fetcher.get(url, revalidate=False)
        assert url in str(info.value) and "4,194,304 bytes" in str(info.value)

    assert peak_while(get) < 2 * MiB  # streamed to disk, never held
    assert not fetcher.cached(url)
    assert not [p for p in fetcher.cache_dir.rglob("*") if p.is_file()]  # no leftovers
    assert len(server.requests_for("/export.mbox.gz")) == 1  # a bound is not retried


def test_a_page_has_its_own_smaller_bound(server: ArchiveServer, make) -> None:
    server.override(PAGE, b"<p>" * 100_000, "text/html")
    fetcher = make(limits=Limits(page_bytes=64 * KiB))
    with pytest.raises(OverLimit, match="page over 65,536 bytes .REVIEWBOT_MAX_PAGE_SIZE."):
        fetcher.get(server.url(PAGE), revalidate=False, page=True)
    assert fetcher.get(server.url(PAGE), revalidate=False).size == 300_000  # a body may


def test_a_content_encoding_bomb_is_inflated_in_small_pieces(server: ArchiveServer, make) -> None:
    bomb = zeros_gzip(64 * MiB)  # 64 KiB on the wire
    server.always(PAGE, Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    fetcher = make(limits=Limits(body_bytes=8 * MiB))

    def get() -> None:
        with pytest.raises(OverLimit, match="REVIEWBOT_MAX_BODY_SIZE"):
            fetcher.get(server.url(PAGE), revalidate=False)

    assert peak_while(get) < 4 * MiB


def test_content_encoding_is_undone(server: ArchiveServer, make, site: Path) -> None:
    page = (site / PAGE.lstrip("/")).read_bytes()
    server.always(PAGE, Reply(body=gzip.compress(page), headers={"Content-Encoding": "gzip"}))
    assert make().get(server.url(PAGE), revalidate=False).content == page
    two = gzip.compress(b"one ") + gzip.compress(b"two")  # two members
    server.always(PAGE, Reply(body=two, headers={"Content-Encoding": "x-gzip"}))
    assert make().get(server.url(PAGE), revalidate=True).content == b"one two"
    server.always(PAGE, Reply(body=zlib.compress(page), headers={"Content-Encoding": "deflate"}))
    assert make().get(server.url(PAGE), revalidate=True).content == page


# -- staying home ----------------------------------------------------------------


def test_a_redirect_to_another_host_is_refused(
    server: ArchiveServer, elsewhere: ArchiveServer, make
) -> None:
    server.always(
        "/2023-July/thread.html", Reply(status=302, headers={"Location": elsewhere.url(PAGE)})
    )
    fetcher = make()
    url = server.url("/2023-July/thread.html")
    with pytest.raises(OffSite, match="redirected to .*not the archive's scheme and host") as info:
        fetcher.get(url, revalidate=False)
    assert "--allow-host 127.0.0.1" in str(info.value)
    assert elsewhere.requests == []  # never asked
    assert not fetcher.cached(url)


def test_allow_host_lets_a_redirect_through(
    server: ArchiveServer, elsewhere: ArchiveServer, make
) -> None:
    target = elsewhere.url(PAGE).replace("127.0.0.1", "localhost")
    server.always("/2023-July/thread.html", Reply(status=301, headers={"Location": target}))
    fetcher = make(allow_hosts=["localhost"])
    fetcher.stay_on(server.url("/"))
    got = fetcher.get(server.url("/2023-July/thread.html"), revalidate=False)
    assert got.content == b"<html>a page</html>\n" and got.url == target


def test_once_home_is_set_nothing_else_is_requested(
    server: ArchiveServer, elsewhere: ArchiveServer, make
) -> None:
    fetcher = make()
    fetcher.stay_on(server.url("/"))
    assert fetcher.get(server.url(PAGE), revalidate=False).status == 200
    for url in (
        elsewhere.url(PAGE),
        "file:///etc/passwd",
        server.url(PAGE).replace("http:", "https:"),
    ):
        with pytest.raises(OffSite):
            fetcher.get(url, revalidate=False)
    assert elsewhere.requests == []


def test_a_redirect_home_is_followed(server: ArchiveServer, make) -> None:
    server.always("/old.html", Reply(status=307, headers={"Location": "2023-July/000001.html"}))
    got = make().get(server.url("/old.html"), revalidate=False)
    assert got.url == server.url(PAGE) and got.content == b"<html>a page</html>\n"


def test_a_redirect_without_location_or_without_end(server: ArchiveServer, make) -> None:
    server.always("/nowhere", Reply(status=302))
    with pytest.raises(FetchError, match="302 without a Location"):
        make().get(server.url("/nowhere"), revalidate=False)
    server.always("/loop", Reply(status=302, headers={"Location": "/loop"}))
    fetcher = make()
    with pytest.raises(FetchError, match="more than 10 redirects"):
        fetcher.get(server.url("/loop"), revalidate=False)
    assert fetcher.stats.requests == 11


# -- the rate --------------------------------------------------------------------


def test_every_redirect_hop_waits_its_turn(server: ArchiveServer, make) -> None:
    for hop in range(4):
        server.always(f"/hop{hop}", Reply(status=302, headers={"Location": f"/hop{hop + 1}"}))
    server.always("/hop4", Reply(status=302, headers={"Location": PAGE}))
    fake = FakeTime()
    fetcher = make(rate=2.0, sleep=fake.sleep, clock=fake.clock)
    fetcher.get(server.url("/hop0"), revalidate=False)
    fetcher.get(server.url("/index.html"), revalidate=False)
    assert fetcher.stats.requests == len(server.requests) == 7
    assert fake.slept == [0.5] * 6  # 7 requests at 2/s: 3 s, redirects or not


def test_redirects_keep_the_rate_in_real_time(server: ArchiveServer, make) -> None:
    for hop in range(5):
        server.always(f"/r{hop}", Reply(status=302, headers={"Location": f"/r{hop + 1}"}))
    server.always("/r5", Reply(status=302, headers={"Location": PAGE}))
    fetcher = make(rate=10.0, sleep=time.sleep)
    started = time.monotonic()
    fetcher.get(server.url("/r0"), revalidate=False)
    assert len(server.requests) == 7
    assert time.monotonic() - started >= 0.6 - 0.01  # 7 requests at 10/s


def test_a_cached_answer_from_another_host_is_not_used(
    server: ArchiveServer, elsewhere: ArchiveServer, make
) -> None:
    """A cache filled by a version that followed redirects anywhere is not trusted."""
    fetcher = make()
    url = server.url(PAGE)
    fetcher.get(url, revalidate=False)
    sidecar = next(fetcher.cache_dir.rglob("*.json"))
    meta = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**meta, "final_url": elsewhere.url(PAGE)}))
    server.clear_requests()
    got = fetcher.get(url, revalidate=False)
    assert got.requested and got.url == url and len(server.requests) == 1
