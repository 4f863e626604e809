"""The steps in order: read -> parse -> store -> place into series -> rebuild.

Each batch of messages is one transaction, and so is each rebuild chunk: an
import killed at any point leaves a consistent database, and running it again
finishes the work (stored messages are skipped, dirty series rebuilt).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import apply_io, store
from reviewbot.apply import apply_patches, find_base
from reviewbot.assemble import Assembler, Placement
from reviewbot.db import session_scope
from reviewbot.diff import PatchBody, has_diff, split_patch
from reviewbot.errors import InputError, MessageParseError, NotFound
from reviewbot.git import run_git, work_tree_root
from reviewbot.ingest.mbox import RawMail, read_path
from reviewbot.mail import Message, parse_message, synthetic_msgid
from reviewbot.series import Kind, classify
from reviewbot.subject import parse_subject, thread_subject
from reviewbot.writes import locked_write, rebuild_dirty_series

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
    importer = Importer(engine)
    for path in paths:
        try:
            for batch in _batches(read_path(path)):
                importer.add([incoming_from_raw(mail) for mail in batch])
                if progress:
                    progress(len(batch))
        except InputError as exc:
            importer.report.errors.append(str(exc))
    return importer.finish()


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
class Incoming:
    """A message on its way in: its bytes, where they came from, and their parse."""

    raw: bytes
    source: str
    position: int
    message: Message | None
    error: str | None
    truncated: bool = False
    archive_url: str | None = None

    @property
    def msgid(self) -> str:
        """The Message-ID, or the synthetic id of a mail that could not be parsed."""
        return self.message.msgid if self.message else synthetic_msgid(self.raw)


def incoming_from_raw(mail: RawMail, archive_url: str | None = None) -> Incoming:
    """Parse a raw mail; a failure is kept as an Incoming with the reason."""
    try:
        message, error = parse_message(mail.raw), None
    except MessageParseError as exc:
        message, error = None, str(exc)
    return Incoming(
        mail.raw, mail.source, mail.position, message, error, mail.truncated, archive_url
    )


class Importer:
    """Stores batches of incoming messages and places them into series.

    One Importer per run: it keeps the open-series cache between batches and
    rebuilds every touched series once, in `finish`.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.report = ImportReport()
        self.assembler = Assembler()
        self.touched: set[int] = set()
        self.newest_seen: int | None = None  # the newest message id after our last batch

    def add(self, batch: list[Incoming]) -> list[str]:
        """Store one batch in one transaction; return the Message-IDs that were new."""
        prepared = self._prepare(batch)
        saved = self._checkpoint()
        stored = locked_write(
            self.engine,
            lambda s: self._add_locked(batch, prepared, s),
            on_retry=lambda: self._restore(saved),
        )
        # said for every read, not only the first: a re-import of a damaged file is still damaged
        self.report.errors.extend(
            f"{p.source}: truncated, the last message is incomplete" for p in batch if p.truncated
        )
        return stored

    def _prepare(self, batch: list[Incoming]) -> dict[str, _Prepared]:
        """Classify and take apart the diffs of the batch's new mail before taking the lock.

        This is most of an import's CPU; done here, concurrent importers overlap
        it. Mail stored meanwhile by someone else is simply not used.
        """
        with Session(self.engine) as session:
            seen = store.existing_msgids(session=session, msgids=[p.msgid for p in batch])
        return {p.msgid: _prepare(p) for p in batch if p.msgid not in seen}

    def _add_locked(
        self, batch: list[Incoming], prepared: dict[str, _Prepared], session: Session
    ) -> list[str]:
        if store.newest_message_id(session=session) != self.newest_seen:
            # someone else imported since our last batch: the open series we
            # cached may have grown or new ones opened; ask the database again
            self.assembler.forget()
        seen = store.existing_msgids(session=session, msgids=[p.msgid for p in batch])
        fresh: dict[str, Incoming] = {}
        for p in batch:
            if p.msgid in seen or p.msgid in fresh:
                self.report.messages_duplicate += 1
            else:
                fresh[p.msgid] = p
        known_urls = [(p.msgid, p.archive_url) for p in batch if p.msgid in seen]
        store.set_archive_urls(session=session, pairs=[(m, u) for m, u in known_urls if u])
        stored = self._store_fresh(list(fresh.values()), prepared, session=session)
        self.newest_seen = store.newest_message_id(session=session)
        return stored

    def _checkpoint(self) -> tuple[ImportReport, set[int], set[int], set[int]]:
        """What a batch changes in memory, to put back if its transaction is retried."""
        a = self.assembler
        return _copy_report(self.report), set(self.touched), set(a.created), set(a.touched)

    def _restore(self, saved: tuple[ImportReport, set[int], set[int], set[int]]) -> None:
        report, touched, created, assembled = saved
        self.report, self.touched = _copy_report(report), set(touched)
        self.assembler.forget()
        self.assembler.created, self.assembler.touched = set(created), set(assembled)

    def _store_fresh(
        self, fresh: list[Incoming], prepared: dict[str, _Prepared], *, session: Any
    ) -> list[str]:
        fresh = _inherit_references(fresh, session=session)
        now = datetime.now(UTC)
        # stored by someone else between _prepare and the lock, then deleted: rare enough
        prepared = {p.msgid: prepared.get(p.msgid) or _prepare(p) for p in fresh}
        kinds = {m: prep.kind for m, prep in prepared.items()}
        ids = store.save_messages(
            session=session, rows=[_row(p, kinds[p.msgid], now) for p in fresh]
        )
        # stored meanwhile by a concurrent importer: a duplicate after all
        self.report.messages_duplicate += sum(1 for p in fresh if p.msgid not in ids)
        fresh = [p for p in fresh if p.msgid in ids]
        store.save_refs(session=session, rows=_ref_rows(fresh, ids))
        placements = [
            _placement(ids[p.msgid], p.message, prepared[p.msgid])
            for p in fresh
            if p.message and kinds[p.msgid] in (Kind.COVER, Kind.PATCH)
        ]
        self.assembler.place_all(placements, session=session)
        self.touched.update(_touch_threads(fresh, session=session))
        for p in fresh:
            _account(p, self.report)
        return [p.msgid for p in fresh]

    def finish(self) -> ImportReport:
        """Rebuild every series this run touched; return the report."""
        rebuild_dirty_series(self.engine)
        created = self.assembler.created
        self.report.series_new = len(created)
        self.report.series_updated = len((self.assembler.touched | self.touched) - created)
        return self.report


def _copy_report(report: ImportReport) -> ImportReport:
    return replace(report, errors=list(report.errors), warnings=list(report.warnings))


def _inherit_references(fresh: list[Incoming], *, session: Any) -> list[Incoming]:
    """Give an In-Reply-To-only reply its parent's References too (JWZ).

    Some mailers set only In-Reply-To; without the chain a reply to a review
    could not be traced to the patch it discusses.
    """
    short = [p for p in fresh if p.message and len(p.message.references) == 1]
    if not short:
        return fresh
    chains = {p.msgid: p.message.references for p in fresh if p.message}
    parents = {p.message.references[0] for p in short if p.message} - chains.keys()
    chains.update(store.references_of(session=session, msgids=sorted(parents)))
    for _round in range(20):  # a chain inside the batch resolves one link per round
        grew = False
        for p in short:
            assert p.message is not None
            parent = p.message.references[0]
            longer = tuple(
                dict.fromkeys(r for r in (*chains.get(parent, ()), parent) if r != p.msgid)
            )
            if len(longer) > len(chains[p.msgid]):
                chains[p.msgid], grew = longer, True
        if not grew:
            break
    short_ids = {p.msgid for p in short}
    return [
        replace(p, message=replace(p.message, references=chains[p.msgid]))
        if p.msgid in short_ids and p.message is not None
        else p
        for p in fresh
    ]


def _classify(p: Incoming) -> Kind:
    if p.message is None:
        return Kind.OTHER
    subject = parse_subject(p.message.subject)
    return classify(subject, p.message.body, has_diff(p.message.body), p.message.parent is not None)


def _row(p: Incoming, kind: Kind, now: datetime) -> dict[str, Any]:
    m = p.message
    warnings = list(m.warnings) if m else []
    if p.truncated:
        warnings.append(f"{p.source}: file ends in the middle of this message (truncated)")
    base: dict[str, Any] = {
        "msgid": p.msgid,
        "raw": p.raw,
        "source": p.source,
        "position": p.position,
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
        "archive_url": p.archive_url,
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


def _ref_rows(items: Iterable[Incoming], ids: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {"message_id": ids[p.msgid], "ref_msgid": ref, "position": i}
        for p in items
        if p.message
        for i, ref in enumerate(p.message.references)
    ]


@dataclass(frozen=True)
class _Prepared:
    """What placing a message needs that takes CPU, not the database."""

    kind: Kind
    body: PatchBody | None


def _prepare(p: Incoming) -> _Prepared:
    kind = _classify(p)
    placed = p.message is not None and kind in (Kind.COVER, Kind.PATCH)
    return _Prepared(kind, split_patch(p.message.body) if placed and p.message else None)


def _placement(message_id: int, message: Message | None, prepared: _Prepared) -> Placement:
    assert message is not None
    subject = parse_subject(message.subject)
    return Placement(message_id, message, subject, prepared.kind, prepared.body)


def _touch_threads(items: Iterable[Incoming], *, session: Any) -> set[int]:
    """A new reply changes the series it answers: mark that series dirty."""
    refs = {r for p in items if p.message for r in p.message.references}
    placed = store.find_placed(session=session, msgids=sorted(refs))
    ids = {sid for _mid, sid, _k in placed.values()}
    store.mark_dirty(session=session, series_ids=ids)
    return ids


def _account(p: Incoming, report: ImportReport) -> None:
    if p.error:
        report.messages_failed += 1
        report.warnings.append(f"{p.source} message {p.position}: {p.error}")
    else:
        report.messages_new += 1


def apply_series(
    engine: Engine, series_id: int, tree: Path, base_option: str | None = None
) -> dict[str, Any]:
    """Apply a stored series to a git tree; store and return the result."""
    root = work_tree_root(tree)
    with Session(engine) as session:
        series, patches, hunk_ids = apply_io.load_series_patches(session, series_id)
    if not patches:
        raise NotFound(f"series {series_id} has no patches to apply")
    head = run_git(root, "log", "-1", "--format=%H %cI", "HEAD").stdout.split()
    base = find_base(root, patches, series.base_commit, base_option, head[0])
    results = apply_patches(root, base, patches)
    run = {
        "series_id": series_id,
        "tree": str(root),
        "tree_head": head[0],
        "tree_date": datetime.fromisoformat(head[1]) if len(head) > 1 else None,
        "base": base.commit,
        "base_source": base.source,
        "base_note": base.note,
        "created_at": datetime.now(UTC),
    }
    with session_scope(engine) as session:
        previous = apply_io.last_run(session, series_id)
        store.save_apply_run(
            session=session,
            run=run,
            patches=[
                {
                    "patch_id": hunk_ids[r.number][0],
                    "number": r.number,
                    "status": r.status,
                    "detail": r.detail,
                }
                for r in results
            ],
            hunks=[
                {
                    "patch_id": hunk_ids[r.number][0],
                    "hunk_id": hunk_ids[r.number][1].get((h.file, h.header)),
                    "file": h.file,
                    "header": h.header,
                    "status": h.status,
                    "offset": h.offset,
                    "detail": h.detail,
                }
                for r in results
                for h in r.hunks
            ],
        )
    return apply_io.report(series_id, run, results, previous)
