"""The steps in order: read -> parse -> store -> place into series -> reconstruct
what replies quote but nobody sent -> rebuild -> index -> link.

Each batch of messages is one transaction, and so is each rebuild and link
chunk: an import killed at any point leaves a consistent database, and running
it again finishes the work (stored messages are skipped, dirty series rebuilt
and linked). Linking and indexing happen here, never when somebody reads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from reviewbot import store
from reviewbot.config import Limits
from reviewbot.errors import InputError
from reviewbot.ingest.mbox import read_path
from reviewbot.mail.message import Message
from reviewbot.mail.subject import parse_subject, thread_subject
from reviewbot.pipeline import reconstruction
from reviewbot.pipeline.incoming import BATCH as BATCH  # where it was first: tests and callers
from reviewbot.pipeline.incoming import Incoming, batches, oversize_note
from reviewbot.pipeline.link import link_dirty_series
from reviewbot.pipeline.parsing import Parsed, Parser, Prepared, prepare
from reviewbot.pipeline.placement import Assembler, Placement
from reviewbot.pipeline.rebuild import rebuild_dirty_series
from reviewbot.pipeline.workers import Workers
from reviewbot.series.classify import Kind

Progress = Callable[[int], None]


@dataclass
class ImportReport:
    """What an import did; `errors` name each input that could not be read fully."""

    messages_new: int = 0
    messages_duplicate: int = 0
    messages_failed: int = 0
    messages_reconstructed: int = 0
    series_new: int = 0
    series_updated: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """The JSON shape `import-mbox --json` prints."""
        return {
            "messages_new": self.messages_new,
            "messages_duplicate": self.messages_duplicate,
            "messages_failed": self.messages_failed,
            "messages_reconstructed": self.messages_reconstructed,
            "series_new": self.series_new,
            "series_updated": self.series_updated,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def import_paths(
    engine: Engine,
    paths: Iterable[Path],
    progress: Progress | None = None,
    limits: Limits | None = None,
    *,
    jobs: int | None = None,
) -> ImportReport:
    """Import every message of every path; bad inputs are reported, not fatal.

    `jobs` worker processes parse (default: one per CPU; 1: this process
    alone); this process stores their batches in order, so the result does not
    depend on `jobs`.
    """
    importer = Importer(engine)
    with Parser(jobs) as parser:
        for path in paths:
            try:
                for parsed in parser.parse(batches(read_path(path, limits or Limits()))):
                    importer.add_parsed(parsed)
                    if progress:
                        progress(len(parsed))
            except InputError as exc:
                importer.report.errors.append(str(exc))
        return importer.finish(parser.workers)


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
        # (reply, parent) pairs of this run whose parent the database lacked when the
        # reply was stored: those whose parent never arrives are the ones whose quotes
        # may rebuild it (reconstruct). Only those are kept, so memory stays flat
        self.parents: list[tuple[str, str]] = []

    def add_parsed(self, batch: list[Parsed]) -> list[str]:
        """Store one batch a Parser gave; return the Message-IDs that were new."""
        prepared = {p.incoming.msgid: p.prepared for p in batch}
        return self.add([p.incoming for p in batch], prepared)

    def add(self, batch: list[Incoming], prepared: dict[str, Prepared] | None = None) -> list[str]:
        """Store one batch in one transaction; return the Message-IDs that were new.

        `prepared`: what a Parser already worked out for these mails; without
        it the new ones are classified and split here.
        """
        if prepared is None:
            prepared = self._prepare(batch)
        saved = self._checkpoint()
        stored, waiting = store.locked_write(
            self.engine,
            lambda s: self._add_locked(batch, prepared, s),
            on_retry=lambda: self._restore(saved),
        )
        self.parents.extend(waiting)
        # said for every read, not only the first: a re-import of a damaged file is still damaged
        self.report.errors.extend(
            f"{p.source}: truncated, the last message is incomplete" for p in batch if p.truncated
        )
        self.report.warnings.extend(oversize_note(p) for p in batch if p.oversize)
        return stored

    def _prepare(self, batch: list[Incoming]) -> dict[str, Prepared]:
        """Classify and take apart the diffs of the batch's new mail before taking the lock.

        This is most of an import's CPU; done here, concurrent importers overlap
        it. Mail stored meanwhile by someone else is simply not used.
        """
        with Session(self.engine) as session:
            seen = store.existing_msgids(session=session, msgids=[p.msgid for p in batch])
        return {p.msgid: prepare(p) for p in batch if p.msgid not in seen}

    def _add_locked(
        self, batch: list[Incoming], prepared: dict[str, Prepared], session: Session
    ) -> tuple[list[str], list[tuple[str, str]]]:
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
        stand_ins = store.reconstructed_among(session=session, msgids=sorted(seen))
        replaced = [
            self._replace_reconstruction(row_id, _first_with(batch, msgid), session=session)
            for msgid, row_id in stand_ins.items()
        ]
        known_urls = [(p.msgid, p.archive_url) for p in batch if p.msgid in seen]
        store.set_archive_urls(session=session, pairs=[(m, u) for m, u in known_urls if u])
        stored = self._store_fresh(list(fresh.values()), prepared, session=session)
        again = [x for x in replaced if x is not None]
        if again:  # the real mail of a rebuilt cover or patch: placed as new mail is
            self.assembler.place_all(again, session=session)
        self.newest_seen = store.newest_message_id(session=session)
        return stored, _waiting_for_parents([fresh[m] for m in stored], session=session)

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
        self, fresh: list[Incoming], prepared: dict[str, Prepared], *, session: Session
    ) -> list[str]:
        fresh = _inherit_references(fresh, session=session)
        now = datetime.now(UTC)
        # stored by someone else between _prepare and the lock, then deleted: rare enough
        prepared = {p.msgid: prepared.get(p.msgid) or prepare(p) for p in fresh}
        kinds = {m: prep.kind for m, prep in prepared.items()}
        ids = store.save_messages(
            session=session, messages=[_new_message(p, kinds[p.msgid], now) for p in fresh]
        )
        # stored meanwhile by a concurrent importer: a duplicate after all
        self.report.messages_duplicate += sum(1 for p in fresh if p.msgid not in ids)
        fresh = [p for p in fresh if p.msgid in ids]
        store.save_refs(session=session, chains=_reference_chains(fresh, ids))
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

    def _replace_reconstruction(
        self, row_id: int, p: Incoming, *, session: Session
    ) -> Placement | None:
        """The real mail of a message we had rebuilt from quotes: it takes the row over
        and leaves the series it was put in; a cover or patch is returned to be placed."""
        self.report.messages_duplicate -= 1  # counted as seen by the caller; it is news
        self.report.messages_new += 1
        self.report.warnings.append(f"{p.msgid}: the real message replaces its reconstruction")
        prepared = prepare(p)
        was_in = store.unplace_message(session=session, message_id=row_id)
        message = _new_message(p, prepared.kind, datetime.now(UTC))
        store.replace_message(session=session, message_id=row_id, message=message)
        refs = p.message.references if p.message else ()
        store.replace_refs(session=session, chain=store.ReferenceChain(row_id, refs))
        touched = _touch_threads([p], session=session) | ({was_in} if was_in else set())
        store.mark_dirty(session=session, series_ids=touched)
        self.touched.update(touched)
        if p.message is None or prepared.kind not in (Kind.COVER, Kind.PATCH):
            return None
        return _placement(row_id, p.message, prepared)

    def reconstruct(self) -> int:
        """Rebuild the messages this run's replies quote but nobody sent; return how many."""
        with Session(self.engine) as session:
            seeds = reconstruction.orphans(self.parents, session=session)
            found = reconstruction.recover(seeds, session=session)
        added = 0
        for item in found:
            added += len(
                self.add([reconstruction.as_incoming(m, item.seed_msgid) for m in item.mails])
            )

            def rethread(session: Session, item: reconstruction.Recovered = item) -> None:
                chain = store.ReferenceChain(item.seed_id, item.seed_refs)
                store.replace_refs(session=session, chain=chain)
                self.touched.update(_touch_refs(set(item.seed_refs), session=session))

            store.locked_write(self.engine, rethread)
        return added

    def finish(self, workers: Workers | None = None) -> ImportReport:
        """Rebuild quoted messages nobody sent, then every series this run touched,
        index the new mail for search, and link the review of every changed series
        (`workers`: the pool that parsed, to review threads in too)."""
        self.reconstruct()
        catch_up(self.engine, workers)
        created = self.assembler.created
        self.report.series_new = len(created)
        self.report.series_updated = len((self.assembler.touched | self.touched) - created)
        return self.report


def catch_up(engine: Engine, workers: Workers | None = None) -> int:
    """Finish what imports leave: dirty series rebuilt, new mail indexed, review linked.

    Also what `reviewbot link` runs: after an interrupted import it completes
    the work without importing anything. Returns how many series were linked.
    """
    rebuild_dirty_series(engine)
    store.locked_write(engine, lambda s: store.index_messages(session=s))  # see 0006
    return link_dirty_series(engine, workers)


def _waiting_for_parents(stored: list[Incoming], *, session: Session) -> list[tuple[str, str]]:
    """(reply, parent) of the stored replies whose parent the database lacks so far."""
    pairs = [(p.msgid, m.in_reply_to) for p in stored if (m := p.message) and m.in_reply_to]
    present = store.existing_msgids(session=session, msgids=sorted({m for _r, m in pairs}))
    return [(reply, parent) for reply, parent in pairs if parent not in present]


def _first_with(batch: list[Incoming], msgid: str) -> Incoming:
    """The first incoming mail of a batch with this Message-ID."""
    return next(p for p in batch if p.msgid == msgid)


def _copy_report(report: ImportReport) -> ImportReport:
    return replace(report, errors=list(report.errors), warnings=list(report.warnings))


def _inherit_references(fresh: list[Incoming], *, session: Session) -> list[Incoming]:
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


def _new_message(p: Incoming, kind: Kind, now: datetime) -> store.NewMessage:
    """How an incoming mail is stored; one that could not be parsed keeps only its bytes."""
    m = p.message
    warnings = list(m.warnings) if m else []
    if p.truncated:
        warnings.append(f"{p.source}: file ends in the middle of this message (truncated)")
    if p.oversize:
        warnings.append(oversize_note(p))
    return store.NewMessage(
        msgid=p.msgid,
        raw=p.raw,
        source=p.source,
        position=p.position,
        kind=kind.value,
        parse_error=p.error,
        warnings="\n".join(warnings),
        imported_at=now,
        archive_url=p.archive_url,
        reconstructed_from=p.reconstructed_from,
        msgid_synthetic=m.msgid_synthetic if m else True,
        subject=m.subject if m else "",
        norm_subject=thread_subject(m.subject)[:998] if m else "",
        from_name=m.from_name if m else "",
        from_email=m.from_email if m else "",
        date=m.date if m else None,
        in_reply_to=m.in_reply_to if m else None,
        body=m.body if m else "",
    )


def _reference_chains(items: Iterable[Incoming], ids: dict[str, int]) -> list[store.ReferenceChain]:
    return [
        store.ReferenceChain(ids[p.msgid], p.message.references)
        for p in items
        if p.message and p.message.references
    ]


def _placement(message_id: int, message: Message | None, prepared: Prepared) -> Placement:
    assert message is not None
    subject = parse_subject(message.subject)
    return Placement(message_id, message, subject, prepared.kind, prepared.body)


def _touch_threads(items: Iterable[Incoming], *, session: Session) -> set[int]:
    """A new reply changes the series it answers: mark that series dirty."""
    return _touch_refs(
        {r for p in items if p.message for r in p.message.references}, session=session
    )


def _touch_refs(refs: set[str], *, session: Session) -> set[int]:
    """Mark dirty the series whose covers or patches these Message-IDs are."""
    placed = store.find_placed(session=session, msgids=sorted(refs))
    ids = {sid for _mid, sid, _k in placed.values()}
    store.mark_dirty(session=session, series_ids=ids)
    return ids


def _account(p: Incoming, report: ImportReport) -> None:
    if p.reconstructed_from:
        report.messages_reconstructed += 1
    elif p.error:
        report.messages_failed += 1
        report.warnings.append(f"{p.source} message {p.position}: {p.error}")
    else:
        report.messages_new += 1
