"""Check what a scrape stored against the messages the pages were rendered from.

Used by bench_scrape.py. Two comparisons:

- per message (``check_messages``): every rendered page's message must be in the
  database once, with the subject, sender, date and body it was rendered from
  (bodies as the page carries them: addresses obscured) and with the parent
  thread.html shows (the real one, or for a reply deeper than level 3 the
  ancestor it is drawn under);
- per series (``compare_series``): the series, patches, states and trailers the
  scrape built, against an ``import-mbox`` of the same messages.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from pipermail_month import THREADLEVELS, Article, obscure
from sqlalchemy import select

from reviewbot.db import open_engine
from reviewbot.ingest.mbox import read_path
from reviewbot.models import MESSAGE
from reviewbot.pipeline.importer import Importer
from reviewbot.pipeline.incoming import BATCH, incoming_from_raw
from reviewbot.texts import message_body

SAMPLES = 5  # examples kept per kind of difference


def visible_parent(article: Article, by_msgid: dict[str, Article]) -> str | None:
    """The Message-ID of the entry thread.html draws this article under."""
    if article.parent is None:
        return None
    target = min(article.true_depth, THREADLEVELS) - 1  # depth of the drawn parent
    parent = by_msgid[article.parent]
    while parent.true_depth > target and parent.parent is not None:
        parent = by_msgid[parent.parent]
    return parent.message.msgid


def _rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _stored_messages(db: Path) -> list[tuple[Any, ...]]:
    """Each message's fields; the body as reviewbot reads it (a body equal to the one
    derived from the raw mail is not stored twice: texts.message_body)."""
    m = MESSAGE.c
    query = select(
        m.msgid,
        m.subject,
        m.from_name,
        m.from_email,
        m.date,
        m.in_reply_to,
        message_body(),
        m.archive_url,
        m.warnings,
        m.kind,
    )
    engine = open_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]
    finally:
        engine.dispose()


def _utc(value: datetime | str | None) -> datetime | None:
    if not value:
        return None
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _first_difference(a: str, b: str) -> str:
    """Where two texts part, as a short "expected | got" excerpt."""
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    start = max(0, i - 20)
    return f"at {i}: {a[start : i + 30]!r} | {b[start : i + 30]!r}"


def check_messages(db: Path, articles: list[Article], month_url: str) -> dict[str, Any]:
    """Compare the stored messages with the rendered articles; counts and samples."""
    by_msgid = {a.message.msgid: a for a in articles}
    stored = {row[0]: row for row in _stored_messages(db)}
    refs: dict[str, list[str]] = {}
    for msgid, ref in _rows(
        db,
        "SELECT m.msgid, r.ref_msgid FROM messageref r JOIN message m ON m.id = r.message_id"
        " ORDER BY m.id, r.position",
    ):
        refs.setdefault(msgid, []).append(ref)
    problems: dict[str, list[str]] = {}
    warnings: Counter[str] = Counter()

    def note(kind: str, text: str) -> None:
        problems.setdefault(kind, []).append(text)

    for msgid, a in by_msgid.items():
        row = stored.get(msgid)
        if row is None:
            note("missing", f"{a.page} <{msgid}>")
            continue
        _, subject, name, email, date, in_reply_to, body, url, warns, _kind = row
        m = a.message
        tag = f"{a.page} <{msgid}>"
        if url != month_url + a.page:
            note("archive_url", f"{tag}: {url!r}")
        if subject != m.subject:
            note("subject", f"{tag}: {m.subject!r} -> {subject!r}")
        if email != m.from_email.lower():
            note("from_email", f"{tag}: {m.from_email!r} -> {email!r}")
        if name != (m.from_name or m.from_email):
            note("from_name", f"{tag}: {m.from_name!r} -> {name!r}")
        if m.date and _utc(date) != m.date.astimezone(UTC):
            note("date", f"{tag}: {m.date.isoformat()} -> {date}")
        sent = m.body if m.body.endswith("\n") or not m.body else m.body + "\n"
        if body != sent:
            # the page shows every address as "user at host"; the scraper may
            # restore some: a difference in addresses only is the format's
            if obscure(body) == obscure(sent):
                warnings["body keeps some addresses as 'user at host' (page format)"] += 1
            else:
                kind = "body_missing_leading_newline" if "\n" + body == sent else "body"
                note(kind, f"{tag}: {_first_difference(sent, body)}")
        shown = visible_parent(a, by_msgid)
        if in_reply_to != shown:
            note("parent", f"{tag}: thread.html parent {shown} -> stored {in_reply_to}")
        elif shown != a.parent:
            warnings["reply deeper than level 3 stored under its drawn ancestor (expected)"] += 1
        if a.parent is not None and refs.get(msgid, [])[-1:] != [shown]:
            note("references", f"{tag}: {refs.get(msgid)}")
        for w in filter(None, (warns or "").split("\n")):
            warnings["stored warning: " + w.split(":")[0][:80]] += 1
    extra = [m for m in stored if m not in by_msgid]
    if extra:
        problems["extra"] = [f"<{m}>" for m in extra]
    return {
        "rendered": len(articles),
        "stored": len(stored),
        "problems": {k: len(v) for k, v in problems.items()},
        "samples": {k: v[:SAMPLES] for k, v in problems.items()},
        "notes": dict(warnings),
    }


def import_baseline(mbox: Path, count: int, db: Path) -> None:
    """Import the first ``count`` messages of mbox into db, as ``import-mbox`` would."""
    engine = open_engine(f"sqlite:///{db}")
    importer = Importer(engine)
    batch = []
    for mail in islice(read_path(mbox), count):
        batch.append(incoming_from_raw(mail))
        if len(batch) >= BATCH:
            importer.add(batch)
            batch = []
    importer.add(batch)
    importer.finish()
    engine.dispose()


def _series(db: Path) -> dict[frozenset[str], dict[str, Any]]:
    """Series keyed by the Message-IDs of their patches, with state and trailers."""
    patches: dict[int, set[str]] = {}
    for series_id, msgid in _rows(
        db, "SELECT p.series_id, m.msgid FROM patch p JOIN message m ON m.id = p.message_id"
    ):
        patches.setdefault(series_id, set()).add(msgid)
    trailers: dict[int, Counter[str]] = {}
    for series_id, name, email, source, mismatch, patch, given_in in _rows(
        db,
        "SELECT t.series_id, t.name, t.person_email, t.source, t.mismatch, pm.msgid, gm.msgid"
        " FROM trailer t LEFT JOIN patch p ON p.id = t.patch_id"
        " LEFT JOIN message pm ON pm.id = p.message_id JOIN message gm ON gm.id = t.message_id",
    ):
        # which patch it applies to and which message gave it, so a trailer
        # moved to another patch of the same series counts as a difference
        trailer = f"{name}:{email}:{source}:on {patch}:in {given_in}"
        trailers.setdefault(series_id, Counter())[trailer + (":mismatch" if mismatch else "")] += 1
    replies = dict(
        _rows(db, "SELECT series_id, COUNT(*) FROM message WHERE kind = 'reply' GROUP BY 1")
    )
    out: dict[frozenset[str], dict[str, Any]] = {}
    for series_id, title, state, version, missing, prev in _rows(
        db, "SELECT id, title, state, version, missing, previous_id FROM series"
    ):
        key = frozenset(patches.get(series_id, set()))
        out[key] = {
            "title": title,
            "state": state,
            "version": version,
            "missing": missing,
            "has_previous": prev is not None,
            "replies": replies.get(series_id, 0),
            "trailers": trailers.get(series_id, Counter()),
        }
    return out


def _count(items: Iterable[dict[str, Any]], field: str) -> dict[str, int]:
    return dict(Counter(str(item[field]) for item in items))


def compare_series(baseline: Path, scraped: Path) -> dict[str, Any]:
    """Series built from the pages vs series built from the mbox of the same messages."""
    want, got = _series(baseline), _series(scraped)
    differences: dict[str, list[str]] = {}

    def note(kind: str, text: str) -> None:
        differences.setdefault(kind, []).append(text)

    for key, w in want.items():
        g = got.get(key)
        if g is None:
            note("series_grouped_differently", f"{w['title']!r} ({len(key)} patches)")
            continue
        for field in ("state", "version", "missing", "has_previous", "replies"):
            if w[field] != g[field]:
                note(field, f"{w['title']!r}: {w[field]!r} -> {g[field]!r}")
        if w["trailers"] != g["trailers"]:
            lost = w["trailers"] - g["trailers"]
            new = g["trailers"] - w["trailers"]
            note("trailers", f"{w['title']!r}: lost {dict(lost)} new {dict(new)}")
    for key, g in got.items():
        if key not in want:
            note("series_only_in_scrape", f"{g['title']!r} ({len(key)} patches)")
    tw = sum(sum(s["trailers"].values()) for s in want.values())
    tg = sum(sum(s["trailers"].values()) for s in got.values())
    return {
        "series_mbox": len(want),
        "series_scrape": len(got),
        "states_mbox": _count(want.values(), "state"),
        "states_scrape": _count(got.values(), "state"),
        "trailers_mbox": tw,
        "trailers_scrape": tg,
        "differences": {k: len(v) for k, v in differences.items()},
        "samples": {k: v[:SAMPLES] for k, v in differences.items()},
    }
