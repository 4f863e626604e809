"""The HTTP client against a real local server: retries, timeouts, cache, rate, headers.

No mock of httpx: every test talks to tests/archive_server.py over a socket.
Waits between retries go through an injected `sleep` that records them, so the
backoff and Retry-After arithmetic is checked without waiting for it.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import re
import socket
import time
from collections.abc import Callable, Iterator
from email.utils import formatdate
from pathlib import Path

import httpx
import pytest

from reviewbot.errors import FetchError, InputError
from reviewbot.ingest.http import USER_AGENT, Fetcher
from tests.archive_server import ArchiveServer, Reply
from tests.hostile import FakeTime

PAGE = "/2023-July/000001.html"
BIG = "/2023-July/date.html"


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A small pipermail-like tree: an index, a month, a message page, a text archive."""
    root = tmp_path / "site"
    month = root / "2023-July"
    month.mkdir(parents=True)
    (root / "index.html").write_text("<html><a href='2023-July/date.html'>July</a></html>\n")
    (month / "000001.html").write_text("<html><h1>[PATCH] qemu: fix — it</h1></html>\n")
    rows = "".join(f"<li><a href='{i:06d}.html'>[PATCH {i}/40]</a></li>\n" for i in range(400))
    (month / "date.html").write_text(f"<html><ul>\n{rows}</ul></html>\n")
    (month / "index.html").write_text("<html>month</html>\n")
    (root / "2023-July.txt.gz").write_bytes(gzip.compress(b"From a at b.org  Tue Jul 18\n"))
    return root


@pytest.fixture
def server(site: Path) -> Iterator[ArchiveServer]:
    with ArchiveServer(site) as running:
        yield running


class Waits(list[float]):
    """An injected sleep: records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
def make(tmp_path: Path, waits: Waits) -> Iterator[Callable[..., Fetcher]]:
    """Build Fetchers on one cache dir; rate 0 and recorded sleeps unless told."""
    made: list[Fetcher] = []

    def build(**options: object) -> Fetcher:
        options = {"rate": 0.0, "sleep": waits, **options}
        fetcher = Fetcher(tmp_path / "cache", **options)  # type: ignore[arg-type]
        made.append(fetcher)
        return fetcher

    yield build
    for fetcher in made:
        fetcher.close()


# -- retries -----------------------------------------------------------------


def test_500_twice_then_ok(server: ArchiveServer, make, waits: Waits, site: Path) -> None:
    server.queue(PAGE, Reply(status=500), Reply(status=500))
    fetcher = make(backoff=1.0)
    got = fetcher.get(server.url(PAGE), revalidate=False)
    assert got.status == 200
    assert got.content == (site / PAGE.lstrip("/")).read_bytes()
    assert (got.from_cache, got.requested) == (False, True)
    assert fetcher.stats.retries == 2
    assert fetcher.stats.requests == 3
    assert len(server.requests_for(PAGE)) == 3
    assert waits == [1.0, 2.0]  # backoff * 2**attempt


def test_retry_after_seconds_is_honoured(server: ArchiveServer, make, waits: Waits) -> None:
    server.queue(PAGE, Reply(status=503, headers={"Retry-After": "7"}))
    fetcher = make(backoff=1.0)
    assert fetcher.get(server.url(PAGE), revalidate=False).status == 200
    assert waits == [7.0]
    assert fetcher.stats.retries == 1


def test_retry_after_http_date_is_honoured(server: ArchiveServer, make, waits: Waits) -> None:
    when = formatdate(time.time() + 30, usegmt=True)
    server.queue(PAGE, Reply(status=503, headers={"Retry-After": when}))
    make(backoff=1.0).get(server.url(PAGE), revalidate=False)
    assert len(waits) == 1
    assert 27.0 <= waits[0] <= 30.0


def test_retry_after_is_capped(server: ArchiveServer, make, waits: Waits) -> None:
    server.queue(PAGE, Reply(status=503, headers={"Retry-After": "3600"}))
    make(max_backoff=5.0).get(server.url(PAGE), revalidate=False)
    assert waits == [5.0]


def test_5xx_exhausts_retries_with_capped_backoff(
    server: ArchiveServer, make, waits: Waits
) -> None:
    server.always(PAGE, Reply(status=503))
    fetcher = make(retries=4, backoff=1.0, max_backoff=3.0)
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url(PAGE), revalidate=False)
    assert caught.value.url == server.url(PAGE)
    assert caught.value.reason == "HTTP 503 after 4 retries"
    assert str(caught.value) == f"{server.url(PAGE)}: HTTP 503 after 4 retries"
    assert waits == [1.0, 2.0, 3.0, 3.0]
    assert len(server.requests_for(PAGE)) == 5
    assert not fetcher.cached(server.url(PAGE))


def test_429_is_retried(server: ArchiveServer, make, waits: Waits) -> None:
    server.queue(PAGE, Reply(status=429, headers={"Retry-After": "2"}))
    assert make().get(server.url(PAGE), revalidate=False).status == 200
    assert waits == [2.0]


def test_slower_than_timeout(server: ArchiveServer, make) -> None:
    server.always(PAGE, Reply(delay=1.0))
    fetcher = make(timeout=0.2, retries=1, sleep=time.sleep, backoff=0.01)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timed out after 1 retry"):
        fetcher.get(server.url(PAGE), revalidate=False)
    assert time.monotonic() - started < 0.9
    assert fetcher.stats.requests == 2
    assert fetcher.stats.retries == 1
    assert len(server.requests_for(PAGE)) == 2


def test_truncated_body_is_retried(server: ArchiveServer, make, site: Path) -> None:
    full = (site / BIG.lstrip("/")).read_bytes()
    assert len(full) > 1000
    server.queue(BIG, Reply(truncate=100))
    fetcher = make()
    got = fetcher.get(server.url(BIG), revalidate=False)
    assert got.content == full
    assert fetcher.stats.retries == 1
    assert len(server.requests_for(BIG)) == 2


def test_truncated_body_every_time(server: ArchiveServer, make) -> None:
    server.always(BIG, Reply(truncate=100))
    fetcher = make(retries=2)
    with pytest.raises(FetchError, match="incomplete response after 2 retries"):
        fetcher.get(server.url(BIG), revalidate=False)
    assert len(server.requests_for(BIG)) == 3
    assert not fetcher.cached(server.url(BIG))


@pytest.mark.parametrize("status", [400, 403, 404, 410])
def test_4xx_fails_at_once(server: ArchiveServer, make, waits: Waits, status: int) -> None:
    server.always(PAGE, Reply(status=status))
    fetcher = make()
    with pytest.raises(FetchError) as caught:
        fetcher.get(server.url(PAGE), revalidate=False)
    assert caught.value.reason == f"HTTP {status}"
    assert len(server.requests) == 1
    assert fetcher.stats.retries == 0
    assert waits == []


def test_missing_file_is_404(server: ArchiveServer, make) -> None:
    with pytest.raises(FetchError, match="HTTP 404$"):
        make().get(server.url("/2023-July/999999.html"), revalidate=False)
    assert len(server.requests) == 1


def test_connection_refused_is_retried(make, waits: Waits) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchError, match="connection failed after 1 retry"):
        make(retries=1).get(f"http://127.0.0.1:{port}/x.html", revalidate=False)
    assert waits == [1.0]


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "mailto:someone@example.org", "http://"])
def test_unusable_url_fails_at_once(make, waits: Waits, url: str) -> None:
    with pytest.raises(FetchError) as caught:
        make().get(url, revalidate=False)
    assert caught.value.url == url
    assert waits == []


def test_fetch_error_is_input_error_and_pickles() -> None:
    error = FetchError("http://h/x", "HTTP 404")
    assert isinstance(error, InputError)
    assert error.exit_code == 2
    again = pickle.loads(pickle.dumps(error))
    assert (again.url, again.reason, str(again)) == (
        "http://h/x",
        "HTTP 404",
        "http://h/x: HTTP 404",
    )


# -- cache -------------------------------------------------------------------


def test_cached_copy_needs_no_request(server: ArchiveServer, make) -> None:
    fetcher = make()
    first = fetcher.get(server.url(PAGE), revalidate=False)
    second = fetcher.get(server.url(PAGE), revalidate=False)
    assert second.content == first.content
    assert (second.status, second.from_cache, second.requested) == (200, True, False)
    assert len(server.requests) == 1
    assert fetcher.stats.cache_hits == 1
    assert fetcher.stats.requests == 1


def test_revalidation_is_answered_304(server: ArchiveServer, make, site: Path) -> None:
    body = (site / PAGE.lstrip("/")).read_bytes()
    fetcher = make()
    first = fetcher.get(server.url(PAGE), revalidate=True)
    assert first.status == 200
    assert not server.requests[0].conditional
    again = fetcher.get(server.url(PAGE), revalidate=True)
    assert (again.status, again.from_cache, again.requested) == (304, True, True)
    assert again.content == body
    conditional = server.requests[1]
    assert conditional.if_none_match == f'"{hashlib.sha1(body).hexdigest()}"'
    assert conditional.if_modified_since is not None
    assert fetcher.stats.not_modified == 1
    assert fetcher.stats.cache_hits == 0


def test_revalidation_picks_up_a_change(server: ArchiveServer, make, site: Path) -> None:
    fetcher = make()
    fetcher.get(server.url(BIG), revalidate=True)
    (site / BIG.lstrip("/")).write_bytes(b"<html>new</html>\n")
    changed = fetcher.get(server.url(BIG), revalidate=True)
    assert (changed.status, changed.from_cache, changed.content) == (
        200,
        False,
        b"<html>new</html>\n",
    )
    assert fetcher.get(server.url(BIG), revalidate=False).content == b"<html>new</html>\n"


def test_last_modified_alone_revalidates(server: ArchiveServer, make, site: Path) -> None:
    fetcher = make()
    fetcher.get(server.url(PAGE), revalidate=True)
    # drop the ETag from the sidecar: If-Modified-Since must be enough
    sidecar = next((fetcher.cache_dir).rglob("*.json"))
    sidecar.write_text(sidecar.read_text().replace('"etag": "', '"etag_": "'))
    assert fetcher.get(server.url(PAGE), revalidate=True).status == 304
    assert server.requests[1].if_none_match is None
    assert server.requests[1].if_modified_since is not None


def test_cache_survives_a_new_fetcher(server: ArchiveServer, make) -> None:
    make().get(server.url(PAGE), revalidate=False)
    later = make()
    assert later.cached(server.url(PAGE))
    got = later.get(server.url(PAGE), revalidate=False)
    assert (got.from_cache, got.requested) == (True, False)
    assert len(server.requests) == 1


def test_forget_forces_a_refetch(server: ArchiveServer, make) -> None:
    fetcher = make()
    fetcher.get(server.url(PAGE), revalidate=False)
    fetcher.forget(server.url(PAGE))
    assert not fetcher.cached(server.url(PAGE))
    got = fetcher.get(server.url(PAGE), revalidate=True)
    assert (got.status, got.from_cache) == (200, False)
    assert not server.requests[1].conditional  # nothing left to revalidate against
    fetcher.forget(server.url("/never/fetched.html"))  # no error


def test_errors_are_not_cached(server: ArchiveServer, make) -> None:
    fetcher = make()
    server.queue(PAGE, Reply(status=404))
    with pytest.raises(FetchError):
        fetcher.get(server.url(PAGE), revalidate=False)
    assert not fetcher.cached(server.url(PAGE))
    assert fetcher.get(server.url(PAGE), revalidate=False).status == 200


def test_half_written_entries_are_ignored(server: ArchiveServer, make) -> None:
    fetcher = make()
    url = server.url(PAGE)
    fetcher.get(url, revalidate=False)
    body = next(fetcher.cache_dir.rglob("*.body"))
    sidecar = body.with_suffix(".json")
    # a run killed after the new body was renamed in, before its sidecar was
    body.write_bytes(b"<html>half")
    assert not fetcher.cached(url)
    assert make().get(url, revalidate=False).requested
    # a run killed between removing the sidecar and writing the body
    sidecar.unlink()
    assert not fetcher.cached(url)
    assert make().get(url, revalidate=False).content.endswith(b"</html>\n")
    # leftover temporary files are not entries and do not break anything
    (body.parent / ".tmp-leftover").write_bytes(b"junk")
    assert make().get(url, revalidate=False).from_cache


def test_cache_names_are_not_the_url(server: ArchiveServer, make, tmp_path: Path) -> None:
    fetcher = make()
    url = server.url(PAGE) + "?next=../../../../escaped&f=/etc/passwd"
    assert fetcher.get(url, revalidate=False).status == 200
    cache = (tmp_path / "cache").resolve()
    files = [p for p in cache.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".json", ".body"}
    for path in files:
        assert path.resolve().is_relative_to(cache)
        assert re.fullmatch(r"[0-9a-f]{64}\.(json|body)", path.name)
    assert not list(tmp_path.rglob("*escaped*"))
    assert not list(tmp_path.rglob("passwd"))


def test_bytes_are_kept_as_sent(server: ArchiveServer, make, site: Path) -> None:
    # the declared charset is wrong on purpose: decoding is the parser's business
    server.override(PAGE, "café".encode(), "text/html; charset=iso-8859-1")
    assert make().get(server.url(PAGE), revalidate=False).content == "café".encode()
    gz = make().get(server.url("/2023-July.txt.gz"), revalidate=False)
    assert gz.content == (site / "2023-July.txt.gz").read_bytes()


def test_redirects_are_followed(server: ArchiveServer, make) -> None:
    fetcher = make()
    got = fetcher.get(server.url("/2023-July"), revalidate=False)
    assert got.content == b"<html>month</html>\n"
    assert got.url == server.url("/2023-July/")  # where relative links resolve from
    assert [r.path for r in server.requests] == ["/2023-July", "/2023-July/"]
    assert fetcher.get(server.url("/2023-July"), revalidate=False).url == got.url


# -- politeness --------------------------------------------------------------


def test_user_agent_on_every_request(server: ArchiveServer, make) -> None:
    server.queue(PAGE, Reply(status=500))
    fetcher = make()
    fetcher.get(server.url(PAGE), revalidate=False)
    fetcher.get(server.url(PAGE), revalidate=True)
    assert [r.user_agent for r in server.requests] == [USER_AGENT] * 3
    make(user_agent="custom/1").get(server.url(BIG), revalidate=False)
    assert server.requests[-1].user_agent == "custom/1"


def test_injected_client_gets_headers_and_stays_open(server: ArchiveServer, make) -> None:
    with httpx.Client() as client:
        with make(client=client) as fetcher:
            fetcher.get(server.url("/2023-July"), revalidate=False)  # a redirect too
        assert not client.is_closed
    assert server.requests[-1].user_agent == USER_AGENT


def test_rate_limit_spaces_requests(server: ArchiveServer, make) -> None:
    fake = FakeTime()
    fetcher = make(rate=2.0, sleep=fake.sleep, clock=fake.clock)
    urls = [server.url(p) for p in ("/", PAGE, BIG, "/2023-July/", "/2023-July.txt.gz")]
    for url in urls:
        fetcher.get(url, revalidate=False)
    assert fake.now - 100.0 >= (len(urls) - 1) / 2
    assert fake.slept == [0.5] * (len(urls) - 1)
    # cache hits cost nothing
    for url in urls:
        assert fetcher.get(url, revalidate=False).from_cache
    assert len(fake.slept) == len(urls) - 1


def test_rate_limit_in_real_time(server: ArchiveServer, make) -> None:
    fetcher = make(rate=10.0, sleep=time.sleep)
    started = time.monotonic()
    for path in ("/", PAGE, BIG, "/2023-July/"):
        fetcher.get(server.url(path), revalidate=False)
    assert time.monotonic() - started >= 0.3 - 0.01
    assert fetcher.stats.network_seconds > 0


def test_unlimited_rate_never_sleeps(server: ArchiveServer, make, waits: Waits) -> None:
    fetcher = make(rate=0.0)
    for path in ("/", PAGE, BIG):
        fetcher.get(server.url(path), revalidate=False)
    assert waits == []


# -- the test server itself ----------------------------------------------------


def test_server_content_types_and_validators(server: ArchiveServer, site: Path) -> None:
    with httpx.Client() as client:
        html = client.get(server.url(PAGE))
        gz = client.get(server.url("/2023-July.txt.gz"))
        assert html.headers["content-type"] == "text/html; charset=utf-8"
        assert gz.headers["content-type"] == "application/x-gzip"
        assert gz.content[:2] == b"\x1f\x8b"
        etag, modified = html.headers["etag"], html.headers["last-modified"]
        assert client.get(server.url(PAGE), headers={"If-None-Match": etag}).status_code == 304
        since = {"If-Modified-Since": modified}
        assert client.get(server.url(PAGE), headers=since).status_code == 304
        assert client.get(server.url("/../etc/passwd")).status_code == 404
        server.not_found(PAGE)
        assert client.get(server.url(PAGE)).status_code == 404
        server.clear_faults(PAGE)
        assert client.get(server.url(PAGE)).status_code == 200
    assert len(server.requests) == 7
    server.clear_requests()
    assert server.requests == []
