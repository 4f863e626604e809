"""The one HTTP client of reviewbot: polite, cached, retrying, bounded GETs that stay home.

Every page fetched from a web archive goes through Fetcher. It sends a
User-Agent naming the project, keeps to a request rate (every request counts:
retries and each hop of a redirect too), retries transient failures with
exponential backoff (honouring Retry-After), and keeps the raw bodies in an
on-disk cache (ingest/httpcache.py) so a re-run, or a run that was killed,
picks up where it stopped without fetching again.

Bodies are never held whole: they stream into the cache, decoded (gzip,
deflate) piece by piece, and a body longer than Limits.body_bytes (a page:
Limits.page_bytes) stops with OverLimit. Redirects are followed by hand, each hop
checked: a scrape stays on its archive's scheme and host (`stay_on`), or a host
named with --allow-host; anything else is OffSite, never requested.
"""

from __future__ import annotations

import functools
import math
import ssl
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import httpx

from reviewbot.config import Limits
from reviewbot.errors import FetchError, OffSite, OverLimit
from reviewbot.ingest.httpcache import BodyWriter, CacheEntry, ResponseCache
from reviewbot.ingest.streams import content_decoded

USER_AGENT = "reviewbot/0.1 (patch review assistant; +https://gitlab.com/libvirt/libvirt)"

# Too Many Requests is the server asking us to slow down, not a verdict on the
# URL: retried like a 5xx (with its Retry-After), unlike every other 4xx.
_RETRYABLE_4XX = frozenset({429})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 10


@dataclass(frozen=True)
class Fetched:
    """A body obtained for a URL, from the network or from the cache (it is on disk)."""

    url: str  # where the body came from: the requested URL, or the last redirect's target
    status: int  # 200, or 304 when a cached copy was revalidated
    body: Path  # the cached body
    size: int
    from_cache: bool  # True when no body was transferred (cache hit or 304)
    requested: bool  # True when a request went over the network

    @property
    def content(self) -> bytes:
        """The whole body (for pages: they are within Limits.page_bytes)."""
        return self.body.read_bytes()

    def open(self) -> BinaryIO:
        """The body as a stream, for what must not be read whole (exports, archives)."""
        return open(self.body, "rb")


@dataclass
class FetchStats:
    """Counters of one Fetcher (mutable: they grow with every get)."""

    requests: int = 0  # every request sent, retries and redirect hops included
    not_modified: int = 0  # conditional requests answered 304
    cache_hits: int = 0  # gets served from the cache with no request at all
    retries: int = 0
    network_seconds: float = 0.0  # time spent inside HTTP requests, not in sleeps


@dataclass(frozen=True)
class _Redirect:
    location: str


@dataclass(frozen=True)
class _NotModified:
    etag: str | None
    last_modified: str | None


@dataclass(frozen=True)
class _Body:
    written: BodyWriter
    etag: str | None
    last_modified: str | None


_Answer = _Redirect | _NotModified | _Body


class _Retryable(Exception):
    """A failed attempt worth repeating; reason and detail make the final error."""

    def __init__(self, reason: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.retry_after = retry_after


def origin(url: str) -> str | None:
    """scheme://host:port of an http(s) URL (the port made explicit), else None."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    port = port or (443 if parts.scheme == "https" else 80)
    return f"{parts.scheme}://{parts.hostname.lower()}:{port}"


def host_name(value: str) -> str:
    """An --allow-host value (a host, host:port or URL) as the host name it allows."""
    parts = urlsplit(value if "://" in value else f"//{value}")
    return (parts.hostname or value).lower().rstrip(".")


class Fetcher:
    """A rate-limited, retrying, caching, bounded HTTP GET client (not thread-safe)."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        rate: float = 2.0,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        user_agent: str = USER_AGENT,
        limits: Limits | None = None,
        allow_hosts: Iterable[str] = (),
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 0 or retries < 0 or timeout <= 0 or backoff < 0 or max_backoff < 0:
            raise ValueError("rate, retries, backoff and max_backoff must be >= 0, timeout > 0")
        self.cache = ResponseCache(cache_dir)
        self.cache_dir = self.cache.directory
        self.stats = FetchStats()
        self.limits = limits or Limits()
        self._homes: set[str] = set()
        self._hosts = {host_name(h) for h in allow_hosts}
        self._rate = rate
        self._timeout = timeout
        self._retries = retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._user_agent = user_agent
        self._sleep = sleep
        self._clock = clock
        # a client handed in belongs to the caller, who closes it
        self._owns_client = client is None
        self._client = client if client is not None else httpx.Client(verify=_tls_context())
        self._next_turn = float("-inf")

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP connections (only those of a client this Fetcher made)."""
        if self._owns_client:
            self._client.close()

    # -- where it may go -----------------------------------------------------------

    def stay_on(self, url: str) -> None:
        """Allow url's scheme and host (an archive's): once any is set, only those
        (and the --allow-host ones) are requested."""
        if (home := origin(url)) is not None:
            self._homes.add(home)

    def allows(self, url: str, asked: str | None = None) -> bool:
        """Whether url may be requested: an archive's scheme and host, an allowed host,
        or, before any stay_on, anything; a redirect from `asked` may keep its origin."""
        home = origin(url)
        if home is None:
            return False
        if home in self._homes or (asked is not None and home == origin(asked)):
            return True
        return urlsplit(url).hostname in self._hosts or (asked is None and not self._homes)

    # -- getting -------------------------------------------------------------------

    def get(self, url: str, *, revalidate: bool, page: bool = False) -> Fetched:
        """Return the body of url: cached, revalidated (304) or fetched; FetchError on
        failure, OffSite away from home, OverLimit for a body over the bound (a `page`
        is an HTML page to parse: Limits.page_bytes; else Limits.body_bytes)."""
        bound = self.limits.page_bytes if page else self.limits.body_bytes
        if not self.allows(url):
            raise OffSite(url, _off_site(url))
        entry = self.cache.load(url)
        if entry is not None and bound and entry.size > bound:
            entry = None  # kept under a larger bound: not for this one
        if entry is not None and not self.allows(entry.final_url, asked=url):
            entry = None  # a redirect away that an older version followed: not used
        if entry is not None and not revalidate:
            self.stats.cache_hits += 1
            return _fetched(entry, 200, from_cache=True, requested=False)
        headers = {"User-Agent": self._user_agent, "Accept-Encoding": "gzip, deflate"}
        if entry is not None:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        final_url, answer = self._follow(url, headers, bound, page)
        if isinstance(answer, _NotModified):
            if entry is None:
                raise FetchError(url, "HTTP 304 to a request that was not conditional")
            self.stats.not_modified += 1
            self.cache.revalidated(entry, answer.etag, answer.last_modified)
            return _fetched(entry, 304, from_cache=True, requested=True)
        assert isinstance(answer, _Body)
        stored = self.cache.commit(
            url, answer.written, final_url, answer.etag, answer.last_modified
        )
        return _fetched(stored, 200, from_cache=False, requested=True)

    def forget(self, url: str) -> None:
        """Drop the cached copy of url (e.g. a page found truncated), if any."""
        self.cache.forget(url)

    def cached(self, url: str) -> bool:
        """Whether a complete cached copy of url exists."""
        return self.cache.load(url) is not None

    # -- network ---------------------------------------------------------------

    def _follow(
        self, url: str, headers: dict[str, str], bound: int, page: bool
    ) -> tuple[str, _NotModified | _Body]:
        """GET url and the redirects it leads to, each hop checked and rate-limited."""
        target = url
        for _hop in range(MAX_REDIRECTS + 1):
            answer = self._request(target, headers, bound, page)
            if not isinstance(answer, _Redirect):
                return target, answer
            following = urljoin(target, answer.location)
            if not self.allows(following, asked=url):
                raise OffSite(url, f"redirected to {following}: {_off_site(following)}")
            target = following
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")

    def _request(self, url: str, headers: dict[str, str], bound: int, page: bool) -> _Answer:
        """One GET with rate limiting and retries."""
        for attempt in range(self._retries + 1):
            if attempt:
                self.stats.retries += 1
            self._wait_turn()
            try:
                return self._attempt(url, headers, bound, page)
            except _Retryable as failure:
                if attempt == self._retries:
                    tries = "retry" if self._retries == 1 else "retries"
                    reason = f"{failure.reason} after {self._retries} {tries}"
                    if failure.detail:
                        reason += f" ({failure.detail})"
                    raise FetchError(url, reason) from failure
                delay = failure.retry_after
                if delay is None:
                    delay = self._backoff * 2**attempt
                self._sleep(min(delay, self._max_backoff))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(self, url: str, headers: dict[str, str], bound: int, page: bool) -> _Answer:
        self.stats.requests += 1
        started = self._clock()
        try:
            with self._client.stream(
                "GET", url, headers=headers, timeout=self._timeout, follow_redirects=False
            ) as response:
                return self._answer(url, response, bound, page)
        except httpx.TimeoutException as exc:
            raise _Retryable("timed out") from exc
        except httpx.RemoteProtocolError as exc:
            # h11 raises this when the connection closes before Content-Length
            # bytes arrived: a body cut short by the server, worth another try
            raise _Retryable("incomplete response", str(exc)) from exc
        except httpx.NetworkError as exc:
            raise _Retryable("connection failed", str(exc)) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # a bad URL, an unsupported scheme: trying again won't help
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.stats.network_seconds += self._clock() - started

    def _answer(self, url: str, response: httpx.Response, bound: int, page: bool) -> _Answer:
        status = response.status_code
        if status in _REDIRECTS:
            location = response.headers.get("Location")
            if not location:
                raise FetchError(url, f"HTTP {status} without a Location")
            return _Redirect(location)
        if status == 304:
            return _NotModified(response.headers.get("ETag"), response.headers.get("Last-Modified"))
        if status == 200:
            written = self._receive(url, response, bound, page)
            return _Body(
                written, response.headers.get("ETag"), response.headers.get("Last-Modified")
            )
        if status >= 500 or status in _RETRYABLE_4XX:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise _Retryable(f"HTTP {status}", retry_after=retry_after)
        raise FetchError(url, f"HTTP {status}")

    def _receive(self, url: str, response: httpx.Response, bound: int, page: bool) -> BodyWriter:
        """The body, decoded, streamed into the cache; OverLimit past the bound."""
        encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
        with self.cache.writer() as written:
            try:
                for piece in content_decoded(response.iter_raw(), encoding, url):
                    written.write(piece)
                    if bound and written.size > bound:
                        name = "REVIEWBOT_MAX_PAGE_SIZE" if page else "REVIEWBOT_MAX_BODY_SIZE"
                        raise OverLimit(
                            f"{url}: {'page' if page else 'body'} over {bound:,} bytes"
                            f" ({name}); not read further"
                        )
            except zlib.error as exc:
                # a gzip Content-Encoding cut short decodes badly: like a truncated body
                raise _Retryable("undecodable response", str(exc)) from exc
            return written

    def _wait_turn(self) -> None:
        """Sleep until the next request is allowed by the rate."""
        if self._rate <= 0:
            return
        now = self._clock()
        # the turn is computed, not re-read after sleeping, so a slow or fake
        # clock cannot make two requests share one slot
        turn = max(now, self._next_turn)
        if turn > now:
            self._sleep(turn - now)
        self._next_turn = turn + 1.0 / self._rate


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (its CA certificates, $SSL_CERT_FILE honoured), made
    once per process: loading the certificates takes about 20 ms, which every Fetcher
    (each watch round, each scrape) would pay again."""
    return httpx.create_ssl_context()


def _fetched(entry: CacheEntry, status: int, *, from_cache: bool, requested: bool) -> Fetched:
    return Fetched(entry.final_url, status, entry.body, entry.size, from_cache, requested)


def _off_site(url: str) -> str:
    host = urlsplit(url).hostname or url
    return f"not the archive's scheme and host (--allow-host {host} to allow it)"


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None  # unparseable: fall back to the exponential backoff
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # HTTP-dates are GMT
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
