"""A public-inbox double (lore.kernel.org's software): a real HTTP server on 127.0.0.1.

For an inbox `/<name>/` it serves `/<name>/<Message-ID>/t.mbox.gz`, the whole thread
containing the message as a gzip'd mboxrd of the mails as sent (headers kept, as
public-inbox keeps them), and `/<name>/<Message-ID>/`, the message's page; 404 for
a Message-ID it does not have. A thread is every mail linked to it through
Message-ID, In-Reply-To and References, as public-inbox threads.

    with PublicInboxServer("libvir-list", mails) as pi:
        pi.inbox_url()   # http://127.0.0.1:PORT/libvir-list/
"""

from __future__ import annotations

import email
import email.policy
import gzip
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from tests.archive_server import ArchiveServer, Page

_MSGID = re.compile(r"<([^<>\s]+)>")
_FROM = re.compile(rb"^(>*From )", re.M)


class PublicInboxServer(ArchiveServer):
    """One inbox of raw mails."""

    def __init__(self, name: str, mails: Sequence[bytes]) -> None:
        self._empty_dir = tempfile.TemporaryDirectory(prefix="public-inbox-")
        super().__init__(Path(self._empty_dir.name), route=self._route)
        self.name = name
        self._mails: dict[str, bytes] = {}
        self._links: dict[str, set[str]] = {}
        for raw in mails:
            msg = email.message_from_bytes(raw, policy=email.policy.compat32)
            msgid = _MSGID.findall(str(msg["Message-ID"]))[0]
            self._mails[msgid] = raw
            related = _MSGID.findall(f"{msg['In-Reply-To'] or ''} {msg['References'] or ''}")
            for other in related:
                self._links.setdefault(msgid, set()).add(other)
                self._links.setdefault(other, set()).add(msgid)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._empty_dir.cleanup()

    def inbox_url(self) -> str:
        """The inbox's URL on this server."""
        return self.url(f"/{self.name}/")

    def _route(self, path: str, _query: dict[str, list[str]]) -> Page:
        prefix = f"/{self.name}/"
        rest = path[len(prefix) :] if path.startswith(prefix) else ""
        msgid, _slash, leaf = rest.rpartition("/")
        if msgid not in self._mails or leaf not in ("t.mbox.gz", ""):
            return Page(b"404 Not Found\n", "text/plain", status=404)
        if leaf == "":
            return Page(f"<html><body><pre>{msgid}</pre></body></html>".encode())
        thread = self._thread_of(msgid)
        mbox = b"".join(
            b"From mboxrd@z Thu Jan  1 00:00:00 1970\n"
            + _FROM.sub(rb">\1", self._mails[m]).rstrip(b"\n")
            + b"\n\n"
            for m in self._mails
            if m in thread
        )
        return Page(gzip.compress(mbox), "application/gzip", validators=False)

    def _thread_of(self, msgid: str) -> set[str]:
        seen, todo = {msgid}, [msgid]
        while todo:
            for other in self._links.get(todo.pop(), ()):
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
        return seen
