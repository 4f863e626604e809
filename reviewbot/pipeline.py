"""The steps in order: read -> parse -> store -> place into series -> rebuild.

Each batch of messages is one transaction, and so is each rebuild chunk: an
import killed at any point leaves a consistent database, and running it again
finishes the work (stored messages are skipped, dirty series rebuilt).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from reviewbot import store
from reviewbot.assemble import Assembler, Placement
from reviewbot.db import session_scope
from reviewbot.diff import has_diff, split_patch
from reviewbot.errors import InputError, MessageParseError
from reviewbot.ingest.mbox import RawMail, read_path
from reviewbot.mail import Message, parse_message, synthetic_msgid
from reviewbot.rebuild import rebuild_dirty
from reviewbot.series import Kind, classify
from reviewbot.subject import parse_subject, thread_subject

BATCH = 500
Progress = Callable[[int], None]


@dataclass
class ImportReport:
    """What an import did; `errors` name each input that could not be read fully."""

    messages_new: int = 0
    messages_duplicate: int = 0
    messages_failed: int = 0
    series_new: int = 0
    series_updated: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape `import-mbox --json` prints."""
        return {
            "messages_new": self.messages_new,
            "messages_duplicate": self.messages_duplicate,
            "messages_failed": self.messages_failed,
            "series_new": self.series_new,
            "series_updated": self.series_updated,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def import_paths(
    engine: Engine, paths: Iterable[Path], progress: Progress | None = None
) -> ImportReport:
    """Import every message of every path; bad inputs are reported, not fatal."""
    report = ImportReport()
    assembler = Assembler()
    touched: set[int] = set()
    for path in paths:
        try:
            for batch in _batches(read_path(path)):
                _import_batch(engine, batch, assembler, report, touched)
                if progress:
                    progress(len(batch))
        except InputError as exc:
            report.errors.append(str(exc))
    with session_scope(engine) as session:
        rebuild_dirty(session=session)
    report.series_new = len(assembler.created)
    report.series_updated = len((assembler.touched | touched) - assembler.created)
    return report


def _batches(mails: Iterator[RawMail]) -> Iterator[list[RawMail]]:
    """Batches of BATCH mails; what was read before an input error is yielded first."""
    batch: list[RawMail] = []
    try:
        for mail in mails:
            batch.append(mail)
            if len(batch) >= BATCH:
                yield batch
                batch = []
    except InputError:
        if batch:
            yield batch
        raise
    if batch:
        yield batch


@dataclass(frozen=True)
class _Parsed:
    mail: RawMail
    message: Message | None
    error: str | None

    @property
    def msgid(self) -> str:
        return self.message.msgid if self.message else synthetic_msgid(self.mail.raw)


def _parse(mail: RawMail) -> _Parsed:
    try:
        return _Parsed(mail, parse_message(mail.raw), None)
    except MessageParseError as exc:
        return _Parsed(mail, None, str(exc))


def _import_batch(
    engine: Engine,
    batch: list[RawMail],
    assembler: Assembler,
    report: ImportReport,
    touched: set[int],
) -> None:
    parsed = [_parse(mail) for mail in batch]
    with session_scope(engine) as session:
        seen = store.existing_msgids(session=session, msgids=[p.msgid for p in parsed])
        fresh: dict[str, _Parsed] = {}
        for p in parsed:
            if p.msgid in seen or p.msgid in fresh:
                report.messages_duplicate += 1
            else:
                fresh[p.msgid] = p
        now = datetime.now(UTC)
        classified = {msgid: _classify(p) for msgid, p in fresh.items()}
        rows = [_row(p, classified[msgid], now) for msgid, p in fresh.items()]
        ids = store.save_messages(session=session, rows=rows)
        store.save_refs(session=session, rows=_ref_rows(fresh.values(), ids))
        placements = [
            _placement(ids[msgid], p.message, kind)
            for msgid, p in fresh.items()
            if p.message and (kind := classified[msgid]) in (Kind.COVER, Kind.PATCH)
        ]
        assembler.place_all(placements, session=session)
        touched.update(_touch_threads(fresh.values(), session=session))
        for p in fresh.values():
            _account(p, report)
    # said for every read, not only the first: a re-import of a damaged file is still damaged
    report.errors.extend(
        f"{p.mail.source}: truncated, the last message is incomplete"
        for p in parsed
        if p.mail.truncated
    )


def _classify(p: _Parsed) -> Kind:
    if p.message is None:
        return Kind.OTHER
    subject = parse_subject(p.message.subject)
    return classify(subject, p.message.body, has_diff(p.message.body), p.message.parent is not None)


def _row(p: _Parsed, kind: Kind, now: datetime) -> dict[str, Any]:
    m = p.message
    warnings = list(m.warnings) if m else []
    if p.mail.truncated:
        warnings.append(f"{p.mail.source}: file ends in the middle of this message (truncated)")
    base: dict[str, Any] = {
        "msgid": p.msgid,
        "raw": p.mail.raw,
        "source": p.mail.source,
        "position": p.mail.position,
        "kind": kind.value,
        "parse_error": p.error,
        "warnings": "\n".join(warnings),
        "imported_at": now,
        "msgid_synthetic": m is None,
        "subject": "",
        "norm_subject": "",
        "from_name": "",
        "from_email": "",
        "date": None,
        "in_reply_to": None,
        "body": "",
        "series_id": None,
        "archive_url": None,
    }
    if m:
        base.update(
            msgid_synthetic=m.msgid_synthetic,
            subject=m.subject,
            norm_subject=thread_subject(m.subject)[:998],
            from_name=m.from_name,
            from_email=m.from_email,
            date=m.date,
            in_reply_to=m.in_reply_to,
            body=m.body,
        )
    return base


def _ref_rows(items: Iterable[_Parsed], ids: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"message_id": ids[p.msgid], "ref_msgid": ref, "position": i}
        for p in items
        if p.message
        for i, ref in enumerate(p.message.references)
    ]


def _placement(message_id: int, message: Message | None, kind: Kind) -> Placement:
    assert message is not None
    return Placement(
        message_id, message, parse_subject(message.subject), kind, split_patch(message.body)
    )


def _touch_threads(items: Iterable[_Parsed], *, session: Any) -> set[int]:
    """A new reply changes the series it answers: mark that series dirty."""
    refs = {r for p in items if p.message for r in p.message.references}
    placed = store.find_placed(session=session, msgids=sorted(refs))
    ids = {sid for _mid, sid, _k in placed.values()}
    store.mark_dirty(session=session, series_ids=ids)
    return ids


def _account(p: _Parsed, report: ImportReport) -> None:
    if p.error:
        report.messages_failed += 1
        report.warnings.append(f"{p.mail.source} message {p.mail.position}: {p.error}")
    else:
        report.messages_new += 1
