"""`reviewbot fetch MSGID`: the whole thread of one message, from its archive (`b4 am`).

HyperKitty, through the list's mbox export (at most four requests):

1. `?message=<hash>`: the message itself, its date and its parent; none there
   is NotFound (a server that ignores the filter sends everything: the thread is
   then taken from that, with no other request);
2. `?thread=<id>`: a thread's id is the hash of the message that started it;
   the first guess is the message's root (References, when the export has
   them), else its parent (a patch answers its cover letter), else itself;
3. when that misses, the month before the message (`start`/`end`) shows its
   ancestors: the oldest one is the root, and `?thread=` is asked again;
4. when the thread export still lacks the message (a server without the
   filter, a root older than that month), the thread is what the month holds:
   the root and every reply under it, said in a warning.

public-inbox (lore and the like): `<inbox>/<msgid>/t.mbox.gz` holds the thread.

Then the mail is imported like any other, linked and indexed (Importer.finish).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from reviewbot.errors import FetchError, InputError, NotFound
from reviewbot.ingest import hyperkitty, publicinbox
from reviewbot.ingest.http import Fetched, Fetcher
from reviewbot.ingest.mbox import RawMail, read_mbox_stream
from reviewbot.pipeline.archives import Archive, Kind
from reviewbot.pipeline.hyperkitty import incoming_from_export
from reviewbot.pipeline.importer import Importer, ImportReport
from reviewbot.pipeline.incoming import Incoming, batches, incoming_from_raw

WINDOW = timedelta(days=31)  # how far back the month export looks for a root
Convert = Callable[[RawMail], Incoming]


@dataclass
class FetchReport:
    """What a fetch did: the import's report and the message asked for."""

    imported: ImportReport
    msgid: str
    thread: list[str]  # the Message-IDs the archive gave for the thread

    def as_dict(self) -> dict[str, object]:
        """The import report's keys (`import-mbox --json`)."""
        return self.imported.as_dict()


@dataclass(frozen=True)
class _Known:
    """What finding a thread needs of one mail of an export."""

    msgid: str
    parsed: bool
    parent: str | None
    root_guess: str | None  # its first reference, else its parent
    date: datetime | None


class _Export:
    """One export, on disk in the cache: read once for who answers whom, and again for the
    mail that is kept, so a big export is never held in memory."""

    def __init__(self, fetcher: Fetcher, url: str, convert: Convert) -> None:
        self.fetcher = fetcher
        self.url = url
        self.convert = convert
        # never from the cache: an export answered before the mail arrived would hide it
        self.fetched: Fetched = fetcher.get(url, revalidate=True)
        self.known = [_known(p) for p in self.incoming()]

    def incoming(self) -> Iterator[Incoming]:
        """Its mail, read from the cached body."""
        try:
            with self.fetched.open() as stream:
                for mail in read_mbox_stream(stream, self.url, self.fetcher.limits, empty_ok=True):
                    yield self.convert(mail)
        except InputError:
            self.fetcher.forget(self.url)  # a damaged copy must not be read again
            raise

    def mails(self, keep: Collection[str]) -> Iterator[Incoming]:
        """The mail of these Message-IDs, in the export's order, each once."""
        seen: set[str] = set()
        for p in self.incoming():
            if p.msgid in keep and p.msgid not in seen:
                seen.add(p.msgid)
                yield p


def _known(p: Incoming) -> _Known:
    m = p.message
    if m is None:
        return _Known(p.msgid, False, None, None, None)
    guess = m.references[0] if m.references else m.parent
    return _Known(p.msgid, True, m.parent, guess, m.date)


Part = tuple[_Export, list[str]]  # an export and the Message-IDs taken from it


def normalise_msgid(value: str) -> str:
    """A Message-ID as typed: angle brackets and blanks around it are optional."""
    bare = value.strip().removeprefix("<").removesuffix(">").strip()
    if not bare or any(c.isspace() or c in "<>" for c in bare):
        raise InputError(f"{value!r} is not a Message-ID")
    return bare


def fetch_thread(engine: Engine, fetcher: Fetcher, msgid: str, archive: Archive) -> FetchReport:
    """Get the thread containing msgid from the archive, import it and link it."""
    msgid = normalise_msgid(msgid)
    fetcher.stay_on(archive.url)
    warnings: list[str] = []
    if archive.kind is Kind.HYPERKITTY:
        parts = _hyperkitty_thread(fetcher, hyperkitty.list_url(archive.url), msgid, warnings)
    elif archive.kind is Kind.PUBLIC_INBOX:
        parts = _public_inbox_thread(fetcher, publicinbox.inbox_url(archive.url), msgid)
    else:
        raise InputError(f"{archive.url}: a {archive.kind} archive has no lookup by Message-ID")
    importer = Importer(engine)
    for export, keep in parts:
        for batch in batches(export.mails(set(keep))):
            importer.add(batch)
    report = importer.finish()
    report.warnings.extend(warnings)
    return FetchReport(report, msgid, [m for _export, keep in parts for m in keep])


def _export(
    fetcher: Fetcher,
    list_url: str,
    *,
    start: date | None = None,
    end: date | None = None,
    thread: str | None = None,
    message: str | None = None,
) -> _Export:
    """One filtered export of a HyperKitty list."""
    name = f"{hyperkitty.list_name(list_url)}-thread"
    url = hyperkitty.export_url(
        list_url, name, start=start, end=end, thread=thread, message=message
    )
    return _Export(fetcher, url, lambda mail: incoming_from_export(mail, list_url))


def _hyperkitty_thread(
    fetcher: Fetcher, list_url: str, msgid: str, warnings: list[str]
) -> list[Part]:
    def export(**filters: Any) -> _Export:
        return _export(fetcher, list_url, **filters)

    own = export(message=hyperkitty.message_id_hash(msgid))
    target = next((k for k in own.known if k.msgid == msgid and k.parsed), None)
    if target is None:
        raise NotFound(f"no message <{msgid}> in {list_url}")
    if len(own.known) > 1:
        # an older HyperKitty ignores the filters: what came back holds the thread
        root = _root(own.known, msgid)
        warnings.append(f"{list_url}: the export ignored ?message=; the thread taken from it")
        return [(own, _under(own.known, root))]
    guess = target.root_guess or msgid
    thread = export(thread=hyperkitty.message_id_hash(guess))
    if _holds(thread.known, msgid):
        return [(thread, _all(thread.known))]
    if target.date is None:
        warnings.append(f"<{msgid}> has no date and its thread was not found: only it was read")
        return [(own, [msgid])]
    day = target.date.astimezone(UTC).date()
    window = export(start=day - WINDOW, end=day + timedelta(days=1))
    root = _root([*window.known, target], msgid)
    if root != guess:
        thread = export(thread=hyperkitty.message_id_hash(root))
        if _holds(thread.known, msgid):
            return [(thread, _all(thread.known))]
    found = _under([*window.known, target], root)
    warnings.append(
        f"{list_url}: no thread export holds <{msgid}>; took the {len(found)} messages under"
        f" <{root}> from {day - WINDOW} to {day}"
    )
    in_window = {k.msgid for k in window.known}
    return [(window, [m for m in found if m in in_window])] + (
        [] if msgid in in_window else [(own, [msgid])]
    )


def _public_inbox_thread(fetcher: Fetcher, inbox: str, msgid: str) -> list[Part]:
    url = publicinbox.thread_mbox_url(inbox, msgid)

    def convert(mail: RawMail) -> Incoming:
        p = incoming_from_raw(mail)
        if p.message is None or p.message.msgid_synthetic:
            return p
        return replace(p, archive_url=publicinbox.message_url(inbox, p.msgid))

    try:
        export = _Export(fetcher, url, convert)
    except FetchError as exc:
        if exc.reason.startswith("HTTP 404"):
            raise NotFound(f"no message <{msgid}> in {inbox}") from exc
        raise
    if not _holds(export.known, msgid):
        raise NotFound(f"no message <{msgid}> in {inbox}")
    return [(export, _all(export.known))]


def _all(known: Iterable[_Known]) -> list[str]:
    """Every Message-ID, in order, each once."""
    return list(dict.fromkeys(k.msgid for k in known))


def _holds(known: Iterable[_Known], msgid: str) -> bool:
    return any(k.msgid == msgid for k in known)


def _root(known: list[_Known], msgid: str) -> str:
    """The oldest ancestor of msgid among these messages (itself when none is there)."""
    parent = {k.msgid: k.parent for k in known if k.parsed}
    current, seen = msgid, {msgid}
    while (up := parent.get(current)) and up in parent and up not in seen:
        current = up
        seen.add(up)
    return current


def _under(known: list[_Known], root: str) -> list[str]:
    """The root and every message under it, in the order given (each Message-ID once)."""
    by_id = {k.msgid: k for k in known}
    children: dict[str, list[str]] = {}
    for k in by_id.values():
        if k.parent:
            children.setdefault(k.parent, []).append(k.msgid)
    keep, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in keep:
                keep.add(child)
                todo.append(child)
    return [msgid for msgid in by_id if msgid in keep]
