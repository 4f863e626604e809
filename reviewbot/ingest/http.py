"""The one HTTP client of reviewbot: polite, cached, retrying GETs.

Every page fetched from a web archive goes through Fetcher. It sends a
User-Agent naming the project, keeps to a request rate, retries transient
failures with exponential backoff (honouring Retry-After), and keeps the raw
bodies in an on-disk cache so a re-run, or a run that was killed, picks up
where it stopped without fetching again.

Cache layout, under cache_dir: `ab/abcdef....body` holds the body and
`ab/abcdef....json` its sidecar {url, final_url, etag, last_modified,
fetched_at, sha256, size}; the name is the sha256 of the URL, never the URL
itself, since URLs come from untrusted pages.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from types import TracebackType

import httpx

from reviewbot.errors import FetchError

USER_AGENT = "reviewbot/0.1 (patch review assistant; +https://gitlab.com/libvirt/libvirt)"

# Too Many Requests is the server asking us to slow down, not a verdict on the
# URL: retried like a 5xx (with its Retry-After), unlike every other 4xx.
_RETRYABLE_4XX = frozenset({429})


@dataclass(frozen=True)
class Fetched:
    """A body obtained for a URL, from the network or from the cache."""

    url: str  # where the body came from: the requested URL, or the last redirect's target
    status: int  # 200, or 304 when a cached copy was revalidated
    content: bytes
    from_cache: bool  # True when no body was transferred (cache hit or 304)
    requested: bool  # True when a request went over the network


@dataclass
class FetchStats:
    """Counters of one Fetcher (mutable: they grow with every get)."""

    requests: int = 0  # every request sent, retries included
    not_modified: int = 0  # conditional requests answered 304
    cache_hits: int = 0  # gets served from the cache with no request at all
    retries: int = 0
    network_seconds: float = 0.0  # time spent inside HTTP requests, not in sleeps


@dataclass(frozen=True)
class _Entry:
    url: str
    final_url: str
    content: bytes
    etag: str | None
    last_modified: str | None


class _Retryable(Exception):
    """A failed attempt worth repeating; reason and detail make the final error."""

    def __init__(self, reason: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail
        self.retry_after = retry_after


class Fetcher:
    """A rate-limited, retrying, caching HTTP GET client (not thread-safe)."""

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
        client: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate < 0 or retries < 0 or timeout <= 0 or backoff < 0 or max_backoff < 0:
            raise ValueError("rate, retries, backoff and max_backoff must be >= 0, timeout > 0")
        self.cache_dir = Path(cache_dir)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        self.stats = FetchStats()
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
        self._client = client if client is not None else httpx.Client()
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

    def get(self, url: str, *, revalidate: bool) -> Fetched:
        """Return the body of url: cached, revalidated (304) or fetched; FetchError on failure."""
        entry = self._load(url)
        if entry is not None and not revalidate:
            self.stats.cache_hits += 1
            return Fetched(entry.final_url, 200, entry.content, from_cache=True, requested=False)
        headers = {"User-Agent": self._user_agent}
        if entry is not None:
            if entry.etag:
                headers["If-None-Match"] = entry.etag
            if entry.last_modified:
                headers["If-Modified-Since"] = entry.last_modified
        response = self._request(url, headers)
        if response.status_code == 304:
            if entry is None:
                raise FetchError(url, "HTTP 304 to a request that was not conditional")
            self.stats.not_modified += 1
            # a 304 may carry fresher validators; the body stays as it is
            self._write_sidecar(
                url,
                entry.final_url,
                entry.content,
                response.headers.get("ETag") or entry.etag,
                response.headers.get("Last-Modified") or entry.last_modified,
            )
            return Fetched(entry.final_url, 304, entry.content, from_cache=True, requested=True)
        content = response.content
        final_url = str(response.url)
        self._store(
            url,
            final_url,
            content,
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
        )
        return Fetched(final_url, 200, content, from_cache=False, requested=True)

    def forget(self, url: str) -> None:
        """Drop the cached copy of url (e.g. a page found truncated), if any."""
        sidecar, body = self._paths(url)
        # the sidecar goes first: without it the entry is absent, whatever follows
        sidecar.unlink(missing_ok=True)
        body.unlink(missing_ok=True)

    def cached(self, url: str) -> bool:
        """Whether a complete cached copy of url exists."""
        return self._load(url) is not None

    # -- network ---------------------------------------------------------------

    def _request(self, url: str, headers: dict[str, str]) -> httpx.Response:
        """GET with rate limiting and retries; the response is a 200 or a 304."""
        for attempt in range(self._retries + 1):
            if attempt:
                self.stats.retries += 1
            self._wait_turn()
            try:
                return self._attempt(url, headers)
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

    def _attempt(self, url: str, headers: dict[str, str]) -> httpx.Response:
        self.stats.requests += 1
        started = self._clock()
        try:
            response = self._client.get(
                url, headers=headers, timeout=self._timeout, follow_redirects=True
            )
        except httpx.TimeoutException as exc:
            raise _Retryable("timed out") from exc
        except httpx.RemoteProtocolError as exc:
            # h11 raises this when the connection closes before Content-Length
            # bytes arrived: a body cut short by the server, worth another try
            raise _Retryable("incomplete response", str(exc)) from exc
        except httpx.NetworkError as exc:
            raise _Retryable("connection failed", str(exc)) from exc
        except httpx.DecodingError as exc:
            # a gzip Content-Encoding cut short decodes badly: like a truncated body
            raise _Retryable("undecodable response", str(exc)) from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            # a bad URL, an unsupported scheme, a redirect loop: trying again won't help
            raise FetchError(url, f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.stats.network_seconds += self._clock() - started
        status = response.status_code
        if status in (200, 304):
            return response
        if status >= 500 or status in _RETRYABLE_4XX:
            retry_after = _retry_after(response.headers.get("Retry-After"))
            raise _Retryable(f"HTTP {status}", retry_after=retry_after)
        raise FetchError(url, f"HTTP {status}")

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

    # -- cache -----------------------------------------------------------------

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
        folder = self.cache_dir / key[:2]
        return folder / f"{key}.json", folder / f"{key}.body"

    def _load(self, url: str) -> _Entry | None:
        sidecar, body_path = self._paths(url)
        try:
            meta = json.loads(sidecar.read_text("utf-8"))
            content = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        # the digest check catches a body replaced without its sidecar (a run
        # killed between the two renames) or damaged on disk: refetch, don't trust
        if (
            not isinstance(meta, dict)
            or meta.get("url") != url
            or meta.get("sha256") != hashlib.sha256(content).hexdigest()
        ):
            return None
        return _Entry(
            url=url,
            final_url=str(meta.get("final_url") or url),
            content=content,
            etag=_str_or_none(meta.get("etag")),
            last_modified=_str_or_none(meta.get("last_modified")),
        )

    def _store(
        self,
        url: str,
        final_url: str,
        content: bytes,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        sidecar, body_path = self._paths(url)
        body_path.parent.mkdir(parents=True, exist_ok=True)
        # sidecar out, body in, sidecar back: a kill at any point leaves either a
        # complete entry or none, never a sidecar describing another body
        sidecar.unlink(missing_ok=True)
        _atomic_write(body_path, content)
        self._write_sidecar(url, final_url, content, etag, last_modified)

    def _write_sidecar(
        self,
        url: str,
        final_url: str,
        content: bytes,
        etag: str | None,
        last_modified: str | None,
    ) -> None:
        sidecar, _ = self._paths(url)
        meta = {
            "url": url,
            "final_url": final_url,
            "etag": etag,
            "last_modified": last_modified,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content),
        }
        _atomic_write(sidecar, json.dumps(meta, indent=1).encode("utf-8"))


def _atomic_write(path: Path, data: bytes) -> None:
    """Write data to path through a temporary file and a rename."""
    # no fsync: the cache only has to survive a killed process, not a power cut,
    # and syncing every one of thousands of small pages would dominate a run
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
