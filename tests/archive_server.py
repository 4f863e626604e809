"""A real HTTP server on 127.0.0.1 serving a directory like a pipermail archive.

For tests of the scraper and of its HTTP client: it sends ETag and
Last-Modified and answers conditional requests with 304, records every
request, and injects faults per path at run time (error statuses,
Retry-After, slow answers, truncated bodies, 404s, other content).

    with ArchiveServer(LIST) as server:
        server.queue("/2023-July/date.html", Reply(status=500), Reply(status=500))
        fetcher.get(server.url("/2023-July/date.html"), revalidate=False)
        assert len(server.requests_for("/2023-July/date.html")) == 3

Paths are URL paths relative to the served directory ("/" is its index.html).
A `route` answers some paths itself (the HyperKitty and public-inbox doubles
build their answers from the query string); it returns None for the rest.
"""

from __future__ import annotations

import hashlib
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import parse_qs, quote, unquote, urlsplit

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".gz": "application/x-gzip",
    ".txt": "text/plain",
    ".json": "application/json",
    ".mbox": "application/mbox",
}


# endless for any bound under it (the default body bound is 256 MiB), yet it ends: a
# client that lost its bound gets a whole body and fails its test, not the disk
ENDLESS_CAP = 512 << 20


@dataclass(frozen=True)
class Reply:
    """One canned answer; the defaults serve the path normally.

    status: answer this status instead (with `body`, or a short text body).
    headers: extra headers, e.g. {"Retry-After": "1"}.
    body, content_type: serve these bytes instead of the file (status 200 unless set).
    delay: seconds to wait before answering (to exceed a client timeout).
    truncate: send only this many bytes of the body, with the full Content-Length,
        then close the connection.
    endless: send a 200 whose body never ends (no Content-Length), `body` (or
        64 KiB of "x") again and again until the client hangs up, or ENDLESS_CAP
        bytes went out.
    """

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | None = None
    content_type: str | None = None
    delay: float = 0.0
    truncate: int | None = None
    endless: bool = False


@dataclass(frozen=True)
class Page:
    """What a route answers: validators=False sends no ETag/Last-Modified (a streamed answer)."""

    body: bytes
    content_type: str = "text/html; charset=utf-8"
    status: int = 200
    validators: bool = True
    headers: Mapping[str, str] = field(default_factory=dict)


Route = Callable[[str, dict[str, list[str]]], Page | None]  # (path, query) -> answer


@dataclass(frozen=True)
class Recorded:
    """One request as the server received it (before any delay)."""

    method: str
    path: str  # the URL path, query string dropped, percent-decoded
    target: str  # the request target exactly as sent
    headers: Mapping[str, str]  # names in lower case

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string's parameters."""
        return parse_qs(urlsplit(self.target).query)

    @property
    def user_agent(self) -> str | None:
        """The User-Agent header, if sent."""
        return self.headers.get("user-agent")

    @property
    def if_none_match(self) -> str | None:
        """The If-None-Match header, if sent."""
        return self.headers.get("if-none-match")

    @property
    def if_modified_since(self) -> str | None:
        """The If-Modified-Since header, if sent."""
        return self.headers.get("if-modified-since")

    @property
    def conditional(self) -> bool:
        """Whether the request carried a validator."""
        return self.if_none_match is not None or self.if_modified_since is not None


class ArchiveServer:
    """A threaded HTTP server for tests; a context manager (start on enter, stop on exit)."""

    def __init__(self, root: Path, route: Route | None = None) -> None:
        self.root = Path(root).resolve()
        self.route = route
        self._lock = threading.Lock()
        self._requests: list[Recorded] = []
        self._queued: dict[str, deque[Reply]] = {}
        self._always: dict[str, Reply] = {}
        # set on stop so delayed answers end at once instead of pinning threads
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ArchiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> ArchiveServer:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _Server(("127.0.0.1", 0), _Handler, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("ArchiveServer is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def url(self, path: str = "/") -> str:
        """The absolute URL of a path on this server."""
        return self.base_url + _norm(path)

    # -- requests ------------------------------------------------------------

    @property
    def requests(self) -> list[Recorded]:
        """A copy of every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def requests_for(self, path: str) -> list[Recorded]:
        """The requests received for one path."""
        key = _norm(path)
        return [r for r in self.requests if r.path == key]

    def clear_requests(self) -> None:
        """Forget the requests recorded so far."""
        with self._lock:
            self._requests.clear()

    # -- faults --------------------------------------------------------------

    def queue(self, path: str, *replies: Reply) -> None:
        """Answer the next requests for path with these replies, in order, then normally."""
        with self._lock:
            self._queued.setdefault(_norm(path), deque()).extend(replies)

    def always(self, path: str, reply: Reply) -> None:
        """Answer every request for path with reply (after any queued replies)."""
        with self._lock:
            self._always[_norm(path)] = reply

    def not_found(self, path: str) -> None:
        """Answer 404 for path from now on."""
        self.always(path, Reply(status=404))

    def override(self, path: str, body: bytes, content_type: str) -> None:
        """Serve these bytes with this Content-Type for path from now on."""
        self.always(path, Reply(body=body, content_type=content_type))

    def clear_faults(self, path: str | None = None) -> None:
        """Drop queued and permanent replies, for one path or all."""
        with self._lock:
            if path is None:
                self._queued.clear()
                self._always.clear()
            else:
                self._queued.pop(_norm(path), None)
                self._always.pop(_norm(path), None)

    def reset(self) -> None:
        """Drop every fault and every recorded request."""
        self.clear_faults()
        self.clear_requests()

    # -- used by the handler -------------------------------------------------

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self._requests.append(request)

    def _reply_for(self, path: str) -> Reply | None:
        with self._lock:
            queued = self._queued.get(path)
            if queued:
                return queued.popleft()
            return self._always.get(path)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        archive: ArchiveServer,
    ) -> None:
        self.archive = archive
        super().__init__(address, handler)


@dataclass(frozen=True)
class _Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    mtime: float | None = None
    validators: bool = True


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keep-alive, like a real archive server: clients reuse connections
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle kept-alive connection must not hold its thread forever
    # headers and body go out in two writes; with Nagle on, the second waits for
    # the client's delayed ACK and every request costs ~40 ms
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._handle(send_body=True)

    def do_HEAD(self) -> None:
        self._handle(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep pytest's output clean

    def _handle(self, *, send_body: bool) -> None:
        archive = self.server.archive
        path = _norm(urlsplit(self.path).path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        archive._record(Recorded(self.command, path, self.path, headers))
        reply = archive._reply_for(path)
        try:
            if reply is not None and reply.delay > 0 and archive._stopping.wait(reply.delay):
                self.close_connection = True
                return
            if reply is not None and reply.endless:
                self._send_endless(archive, reply)
                return
            answer = self._answer(archive, path, reply, parse_qs(urlsplit(self.path).query))
            self._send(answer, reply, send_body=send_body)
        except (BrokenPipeError, ConnectionResetError):
            # the client gave up (timed out) while we were delaying: nothing to answer
            self.close_connection = True

    def _answer(
        self,
        archive: ArchiveServer,
        path: str,
        reply: Reply | None,
        query: dict[str, list[str]],
    ) -> _Answer:
        if reply is not None and (reply.status is not None or reply.body is not None):
            status = reply.status if reply.status is not None else 200
            if reply.body is not None:
                body = reply.body
            else:
                body = f"{status} {_phrase(status)}\n".encode()
            ctype = reply.content_type or (
                "text/html; charset=utf-8" if reply.body is not None else "text/plain"
            )
            return _Answer(status, {"Content-Type": ctype}, body)
        page = archive.route(path, query) if archive.route else None
        if page is not None:
            headers = {"Content-Type": page.content_type, **page.headers}
            answer = _Answer(page.status, headers, page.body, validators=page.validators)
        else:
            answer = _from_disk(archive.root, path)
        if reply is not None and reply.content_type:
            answer.headers["Content-Type"] = reply.content_type
        return answer

    def _send(self, answer: _Answer, reply: Reply | None, *, send_body: bool) -> None:
        headers = dict(answer.headers)
        status = answer.status
        body = answer.body
        if status == 200 and answer.validators:
            headers["ETag"] = '"' + hashlib.sha1(body).hexdigest() + '"'
            if answer.mtime is not None:
                headers["Last-Modified"] = formatdate(answer.mtime, usegmt=True)
            if self._not_modified(headers["ETag"], answer.mtime):
                status, body = 304, b""
                headers.pop("Content-Type", None)
        if reply is not None:
            headers.update(reply.headers)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        truncated = reply is not None and reply.truncate is not None and status != 304
        if truncated:
            self.send_header("Connection", "close")
        self.end_headers()
        if send_body and status != 304:
            self.wfile.write(body[: reply.truncate] if truncated and reply else body)
        if truncated:
            self.wfile.flush()
            self.close_connection = True

    def _send_endless(self, archive: ArchiveServer, reply: Reply) -> None:
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", reply.content_type or "text/html; charset=utf-8")
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Connection", "close")
        self.end_headers()
        chunk = reply.body or b"x" * 65536
        sent = 0
        while not archive._stopping.is_set() and sent < ENDLESS_CAP:
            self.wfile.write(chunk)
            sent += len(chunk)

    def _not_modified(self, etag: str, mtime: float | None) -> bool:
        """Whether the request's validators match (If-None-Match wins, RFC 9110)."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None or mtime is None:
            return False
        try:
            when = parsedate_to_datetime(since).timestamp()
        except (TypeError, ValueError, IndexError):
            return False
        return int(mtime) <= when


def _from_disk(root: Path, path: str) -> _Answer:
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if ".." in parts:
        return _error(404)
    target = root.joinpath(*parts)
    try:
        target.resolve().relative_to(root)
    except ValueError:
        return _error(404)  # a symlink out of the served directory
    if target.is_dir():
        if not path.endswith("/"):
            # like Apache: a directory without its slash is redirected to it
            return _Answer(301, {"Location": quote(path) + "/", "Content-Type": "text/plain"}, b"")
        target = target / "index.html"
    if not target.is_file():
        return _error(404)
    ctype = CONTENT_TYPES.get(target.suffix, "application/octet-stream")
    return _Answer(200, {"Content-Type": ctype}, target.read_bytes(), target.stat().st_mtime)


def _error(status: int) -> _Answer:
    body = f"{status} {_phrase(status)}\n".encode()
    return _Answer(status, {"Content-Type": "text/plain"}, body)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Status"


def _norm(path: str) -> str:
    """A path as the server keys it: percent-decoded, with a leading slash."""
    return "/" + unquote(path).lstrip("/")
