"""A HyperKitty double: a real HTTP server on 127.0.0.1 answering as Mailman 3's archiver.

Built on tests/archive_server.py (requests recorded, faults injected per path), it
serves, for each list it holds:

- `/archives/list/<address>/`: the list page, linking each month with mail
  (`.../2023/7/`) and any month added empty; 404 for a list it does not hold;
- `/archives/list/<address>/export/<name>.mbox.gz`: the mbox export, gzip'd,
  filtered by `start` (inclusive) and `end` (exclusive), days in UTC (400
  "Invalid dates" otherwise), `thread` (a thread id) and `message` (a message
  hash), in archiving order, streamed: no ETag, no Last-Modified;
- `/archives/list/<address>/message/<hash>/`: a message's page.

Each mail is rendered as HyperKitty's `Email.as_message` renders it (HyperKitty
1.3, hyperkitty/models/email.py): only From, To, Subject, Date, Message-ID and
In-Reply-To, the last without angle brackets; no References; the text as one
text/plain part of a multipart/mixed; every address in the text `user(a)host`;
an envelope line `From <address> <archived date as %c>`. A thread's id is the
hash of its first message: a mail whose In-Reply-To (else last reference) is
archived joins that mail's thread.

    with HyperKittyServer({LIBVIRT: mails}) as hk:
        hk.list_url(LIBVIRT)   # http://127.0.0.1:PORT/archives/list/devel@.../
"""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import hashlib
import re
import tempfile
import threading
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from reviewbot.ingest.mbox import read_path
from tests.archive_server import ArchiveServer, Page

LIBVIRT = "devel@lists.libvirt.org"
# HyperKitty's Email.ADDRESS_REPLACE_RE and its replacement
_ADDRESS = re.compile(r"([\w.+-]+)@([\w.+-]+)")
_MSGID = re.compile(r"<([^<>\s]+)>")
_ROUTE = re.compile(r"^/archives/list/([^/]+@[^/]+)/(.*)$")
_EXPORT = re.compile(r"^export/[^/]+\.mbox\.gz$")
_MESSAGE = re.compile(r"^message/([A-Z2-7]+)/$")


def message_id_hash(msgid: str) -> str:
    """HyperKitty's get_message_id_hash (written here again, not imported from reviewbot)."""
    return base64.b32encode(hashlib.sha1(msgid.encode("utf-8")).digest()).decode("ascii")


@dataclass(frozen=True)
class Archived:
    """One email as HyperKitty keeps it."""

    msgid: str
    hash: str
    thread_id: str
    sender_name: str
    sender: str
    subject: str
    content: str
    date: datetime  # aware, in the sender's zone
    in_reply_to: str | None  # without angle brackets, as get_ref stores it
    archived: datetime

    @property
    def month(self) -> tuple[int, int]:
        """The month its date falls in, in UTC."""
        utc = self.date.astimezone(UTC)
        return utc.year, utc.month


def archived_from(raw: bytes, threads: Mapping[str, str]) -> Archived:
    """A mail as HyperKitty archives it; `threads` maps archived Message-IDs to thread ids."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    msgid = _MSGID.findall(str(msg["Message-ID"]))[0]
    name, address = email.utils.parseaddr(str(msg["From"]))
    body = msg.get_body(preferencelist=("plain",))
    content = body.get_content() if body is not None else ""
    when = email.utils.parsedate_to_datetime(str(msg["Date"]))
    parent = _ref(msg)
    own = message_id_hash(msgid)
    return Archived(
        msgid=msgid,
        hash=own,
        thread_id=threads.get(parent, own) if parent else own,
        sender_name=name,
        sender=address,
        subject=str(msg["Subject"] or ""),
        content=content,
        date=when,
        in_reply_to=parent,
        archived=when.astimezone(UTC),
    )


def _ref(msg: email.message.EmailMessage) -> str | None:
    """HyperKitty's get_ref: In-Reply-To, else the last of References, brackets off."""
    value = str(msg.get("In-Reply-To") or "").strip()
    if not value:
        refs = str(msg.get("References") or "").split()
        value = refs[-1] if refs else ""
    found = _MSGID.findall(value)
    return found[0] if found else (value or None)


def as_message(mail: Archived, list_address: str) -> bytes:
    """The export's rendering of one email (HyperKitty's Email.as_message), with the
    blank lines the export writes after it."""
    msg = EmailMessage()
    day = mail.archived
    msg.set_unixfrom(f"From {mail.sender} {day:%a %b} {day.day:2d} {day:%H:%M:%S %Y}")
    sender = mail.sender
    if mail.sender_name and mail.sender_name != mail.sender:
        sender = f"{mail.sender_name} <{mail.sender}>"
    msg["From"] = sender
    msg["To"] = list_address
    msg["Subject"] = mail.subject
    msg["Date"] = mail.date.strftime("%a, %d %b %Y %H:%M:%S %z")
    msg["Message-ID"] = f"<{mail.msgid}>"
    if mail.in_reply_to:
        msg["In-Reply-To"] = mail.in_reply_to
    msg.set_content(_ADDRESS.sub(r"\1(a)\2", mail.content), subtype="plain")
    msg.make_mixed()
    return msg.as_bytes(unixfrom=True) + b"\n\n"


def gzip_stream(chunks: Iterable[bytes]) -> bytes:
    """What the export's streamed compressor writes (zlib with a gzip header)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return b"".join(compressor.compress(c) for c in chunks) + compressor.flush()


class HyperKittyServer(ArchiveServer):
    """A HyperKitty instance holding some lists (address -> raw mails, oldest first)."""

    def __init__(
        self,
        lists: Mapping[str, Sequence[bytes]],
        *,
        empty_months: Mapping[str, Sequence[tuple[int, int]]] | None = None,
        thread_filter: bool = True,
    ) -> None:
        self._empty_dir = tempfile.TemporaryDirectory(prefix="hyperkitty-")
        super().__init__(Path(self._empty_dir.name), route=self._route)
        self._mails: dict[str, list[Archived]] = {name: [] for name in lists}
        # each mail is rendered once, when archived: the export's cost is then the
        # gzip, and a benchmark times reviewbot rather than this double
        self._rendered: dict[tuple[str, str], bytes] = {}
        self._months = {name: set(empty_months.get(name, ())) for name in empty_months or {}}
        self._data_lock = threading.Lock()
        # an older HyperKitty ignores `thread` and `message`: the whole range comes back
        self.thread_filter = thread_filter
        for name, mails in lists.items():
            for raw in mails:
                self.add(name, raw)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        self._empty_dir.cleanup()

    def add(self, list_address: str, raw: bytes) -> Archived:
        """Archive one more mail (as a list post arriving while the server runs)."""
        with self._data_lock:
            mails = self._mails.setdefault(list_address, [])
            mail = archived_from(raw, {m.msgid: m.thread_id for m in mails})
            mails.append(mail)
            self._rendered[(list_address, mail.msgid)] = as_message(mail, list_address)
            return mail

    def list_url(self, list_address: str) -> str:
        """The list's URL on this server."""
        return self.url(f"/archives/list/{list_address}/")

    def export_requests(self, list_address: str) -> list[dict[str, list[str]]]:
        """The query of every export request made for a list, in order."""
        prefix = f"/archives/list/{list_address}/export/"
        return [r.query for r in self.requests if r.path.startswith(prefix)]

    # -- answers -------------------------------------------------------------

    def _route(self, path: str, query: dict[str, list[str]]) -> Page:
        found = _ROUTE.match(path)
        with self._data_lock:
            if found is None or found.group(1) not in self._mails:
                return Page(b"<h1>404 Not Found</h1>", status=404)
            address, rest = found.groups()
            mails = list(self._mails[address])
        if rest == "":
            return self._list_page(address, mails)
        if _EXPORT.match(rest):
            return self._export(address, mails, query)
        if shown := _MESSAGE.match(rest):
            return self._message_page(address, mails, shown.group(1))
        return Page(b"<h1>404 Not Found</h1>", status=404)

    def _list_page(self, address: str, mails: list[Archived]) -> Page:
        months = sorted({m.month for m in mails} | self._months.get(address, set()))
        links = "\n".join(
            f'<li><a href="/archives/list/{address}/{y}/{m}/">{date(y, m, 1):%B %Y}</a></li>'
            for y, m in reversed(months)
        )
        html = (
            f"<!DOCTYPE html><html><head><title>{address} - Mailman 3</title></head><body>"
            f'<h1>{address}</h1><div id="months-list"><ul>{links}</ul></div>'
            f'<a href="/archives/list/{address}/latest">recent</a></body></html>'
        )
        return Page(html.encode())

    def _export(self, address: str, mails: list[Archived], query: dict[str, list[str]]) -> Page:
        try:
            start = _day(query, "start")
            end = _day(query, "end")
        except ValueError:
            return Page(b"Invalid dates", content_type="text/plain", status=400)
        chosen = [
            m
            for m in mails
            if (start is None or m.date.astimezone(UTC) >= start)
            and (end is None or m.date.astimezone(UTC) < end)
            and (not self.thread_filter or _matches(m, query))
        ]
        chosen.sort(key=lambda m: m.archived)
        body = gzip_stream(self._rendered[(address, m.msgid)] for m in chosen)
        disposition = {"Content-Disposition": 'attachment; filename="export.mbox.gz"'}
        return Page(body, "application/gzip", validators=False, headers=disposition)

    def _message_page(self, address: str, mails: list[Archived], wanted: str) -> Page:
        mail = next((m for m in mails if m.hash == wanted), None)
        if mail is None:
            return Page(b"<h1>404 Not Found</h1>", status=404)
        html = f"<html><body><h1>{mail.subject}</h1><p>{address}</p></body></html>"
        return Page(html.encode("utf-8"))


def _day(query: dict[str, list[str]], name: str) -> datetime | None:
    values = query.get(name)
    if not values:
        return None
    return datetime.strptime(values[0], "%Y-%m-%d").replace(tzinfo=UTC)


def _matches(mail: Archived, query: dict[str, list[str]]) -> bool:
    if "thread" in query and mail.thread_id != query["thread"][0]:
        return False
    return "message" not in query or mail.hash == query["message"][0]


def mbox_messages(path: Path) -> list[bytes]:
    """The raw messages of an mbox file (the corpus' backports-2023.mbox)."""
    return [mail.raw for mail in read_path(path)]
