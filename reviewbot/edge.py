"""What every HTTP response of the app gets, whatever route made it.

- Redirects stay on this site: a `Location` naming a host (Starlette builds it
  from the request's Host header, so `Host: evil.example` came back as
  `Location: http://evil.example/...`) is made relative.
- Every HTML response carries the pages' Content-Security-Policy and friends,
  error pages and the API docs included; a route that set its own keeps it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# no script, style or image from elsewhere, no inline script, no framing
CSP = (
    "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'"
)
HTML_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


class EdgeHeaders:
    """ASGI middleware: relative redirects, security headers on HTML."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Rewrite the response's start message on its way out."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def edged(message: Message) -> None:
            if message["type"] == "http.response.start":
                _edge(MutableHeaders(scope=message))
            await send(message)

        await self.app(scope, receive, edged)


def _edge(headers: MutableHeaders) -> None:
    if location := headers.get("location"):
        parts = urlsplit(location)
        if parts.scheme or parts.netloc:
            path = parts.path or "/"
            headers["location"] = path + (f"?{parts.query}" if parts.query else "")
    if headers.get("content-type", "").startswith("text/html"):
        for name, value in HTML_HEADERS.items():
            if name.lower() not in headers:
                headers[name] = value
