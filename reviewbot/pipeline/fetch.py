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

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import Engine

from reviewbot.errors import FetchError, InputError, NotFound
from reviewbot.ingest import hyperkitty, publicinbox
from reviewbot.ingest.http import Fetcher
from reviewbot.ingest.mbox import RawMail, read_mbox_bytes
from reviewbot.pipeline.archives import Archive, Kind
from reviewbot.pipeline.hyperkitty import incoming_from_export
from reviewbot.pipeline.importer import Importer, ImportReport
from reviewbot.pipeline.incoming import Incoming, incoming_from_raw
from reviewbot.pipeline.parsing import BATCH

WINDOW = timedelta(days=31)  # how far back the month export looks for a root


@dataclass
class FetchReport:
    """What a fetch did: the import's report and the message asked for."""

    imported: ImportReport
    msgid: str
    thread: list[str]  # the Message-IDs the archive gave for the thread

    def as_dict(self) -> dict[str, object]:
        """The import report's keys (`import-mbox --json`)."""
        return self.imported.as_dict()


def normalise_msgid(value: str) -> str:
    """A Message-ID as typed: angle brackets and blanks around it are optional."""
    bare = value.strip().removeprefix("<").removesuffix(">").strip()
    if not bare or any(c.isspace() or c in "<>" for c in bare):
        raise InputError(f"{value!r} is not a Message-ID")
    return bare


def fetch_thread(engine: Engine, fetcher: Fetcher, msgid: str, archive: Archive) -> FetchReport:
    """Get the thread containing msgid from the archive, import it and link it."""
    msgid = normalise_msgid(msgid)
    warnings: list[str] = []
    if archive.kind is Kind.HYPERKITTY:
        thread = _hyperkitty_thread(fetcher, hyperkitty.list_url(archive.url), msgid, warnings)
    elif archive.kind is Kind.PUBLIC_INBOX:
        thread = _public_inbox_thread(fetcher, publicinbox.inbox_url(archive.url), msgid)
    else:
        raise InputError(f"{archive.url}: a {archive.kind} archive has no lookup by Message-ID")
    importer = Importer(engine)
    for start in range(0, len(thread), BATCH):
        importer.add(thread[start : start + BATCH])
    report = importer.finish()
    report.warnings.extend(warnings)
    return FetchReport(report, msgid, [p.msgid for p in thread])


def _export(
    fetcher: Fetcher,
    list_url: str,
    *,
    start: date | None = None,
    end: date | None = None,
    thread: str | None = None,
    message: str | None = None,
) -> list[Incoming]:
    """The mail of one filtered export of a HyperKitty list."""
    name = f"{hyperkitty.list_name(list_url)}-thread"
    url = hyperkitty.export_url(
        list_url, name, start=start, end=end, thread=thread, message=message
    )
    # never from the cache: an export answered before the mail arrived would hide it
    return [incoming_from_export(m, list_url) for m in _read(fetcher, url)]


def _hyperkitty_thread(
    fetcher: Fetcher, list_url: str, msgid: str, warnings: list[str]
) -> list[Incoming]:
    def export(**filters: Any) -> list[Incoming]:
        return _export(fetcher, list_url, **filters)

    own = export(message=hyperkitty.message_id_hash(msgid))
    target = next((p for p in own if p.msgid == msgid and p.message), None)
    if target is None or target.message is None:
        raise NotFound(f"no message <{msgid}> in {list_url}")
    message = target.message
    if len(own) > 1:
        # an older HyperKitty ignores the filters: what came back holds the thread
        root = _root(own, msgid)
        warnings.append(f"{list_url}: the export ignored ?message=; the thread taken from it")
        return _under(own, root)
    guess = message.references[0] if message.references else (message.parent or msgid)
    thread = export(thread=hyperkitty.message_id_hash(guess))
    if _holds(thread, msgid):
        return thread
    if message.date is None:
        warnings.append(f"<{msgid}> has no date and its thread was not found: only it was read")
        return [target]
    day = message.date.astimezone(UTC).date()
    window = export(start=day - WINDOW, end=day + timedelta(days=1))
    root = _root(window + [target], msgid)
    if root != guess:
        thread = export(thread=hyperkitty.message_id_hash(root))
        if _holds(thread, msgid):
            return thread
    found = _under(window + [target], root)
    warnings.append(
        f"{list_url}: no thread export holds <{msgid}>; took the {len(found)} messages under"
        f" <{root}> from {day - WINDOW} to {day}"
    )
    return found


def _public_inbox_thread(fetcher: Fetcher, inbox: str, msgid: str) -> list[Incoming]:
    url = publicinbox.thread_mbox_url(inbox, msgid)
    try:
        mails = _read(fetcher, url)
    except FetchError as exc:
        if exc.reason.startswith("HTTP 404"):
            raise NotFound(f"no message <{msgid}> in {inbox}") from exc
        raise
    thread = [incoming_from_raw(m) for m in mails]
    thread = [
        replace(p, archive_url=publicinbox.message_url(inbox, p.msgid))
        if p.message and not p.message.msgid_synthetic
        else p
        for p in thread
    ]
    if not _holds(thread, msgid):
        raise NotFound(f"no message <{msgid}> in {inbox}")
    return thread


def _read(fetcher: Fetcher, url: str) -> list[RawMail]:
    fetched = fetcher.get(url, revalidate=True)
    try:
        return list(read_mbox_bytes(fetched.content, url))
    except InputError:
        fetcher.forget(url)  # a damaged copy must not be read again
        raise


def _holds(thread: Iterable[Incoming], msgid: str) -> bool:
    return any(p.msgid == msgid for p in thread)


def _root(messages: list[Incoming], msgid: str) -> str:
    """The oldest ancestor of msgid among these messages (itself when none is there)."""
    parent = {p.msgid: p.message.parent for p in messages if p.message}
    current, seen = msgid, {msgid}
    while (up := parent.get(current)) and up in parent and up not in seen:
        current = up
        seen.add(up)
    return current


def _under(messages: list[Incoming], root: str) -> list[Incoming]:
    """The root and every message under it, in the order given (each Message-ID once)."""
    by_id = {p.msgid: p for p in messages}
    children: dict[str, list[str]] = {}
    for p in by_id.values():
        if p.message and p.message.parent:
            children.setdefault(p.message.parent, []).append(p.msgid)
    keep, todo = {root}, [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in keep:
                keep.add(child)
                todo.append(child)
    return [p for msgid, p in by_id.items() if msgid in keep]
