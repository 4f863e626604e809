"""Parsing on every core: worker processes give what one process gives, in order.

An import with `--jobs 4` stores exactly the rows (ids included) of one with
`--jobs 1`; a mail that breaks the parser is kept with the reason; a worker that
dies stops the import with an error instead of hanging it.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.db import open_engine
from reviewbot.errors import CorruptSource, WorkerDied
from reviewbot.ingest.mbox import RawMail, read_path
from reviewbot.packed import unpack
from reviewbot.pipeline import incoming, link, parsing
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.parsing import Parser, parse_batch, parse_mail
from reviewbot.pipeline.workers import Workers
from reviewbot.series.classify import Kind
from tests.conftest import LIST, NewDatabases, diff_body, mail, migrated_sqlite, run_cli, write_mbox
from tests.dump import full_dump

SOURCES = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz", LIST / "backports-2023.mbox"]


def _raw_mails() -> list[RawMail]:
    return [m for source in SOURCES for m in read_path(source)]


def _batches(mails: list[RawMail], size: int) -> Iterator[list[RawMail]]:
    for start in range(0, len(mails), size):
        yield mails[start : start + size]


def test_an_import_with_workers_stores_what_one_process_stores(
    new_db: NewDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    # small batches, so that the real corpus makes many and four workers all take some
    monkeypatch.setattr(incoming, "BATCH", 40)
    monkeypatch.setattr(link, "_POOLED", 2)  # the threads reviewed in the workers too
    monkeypatch.setattr(link, "_SHARE", 3)
    dumps = []
    for jobs in (1, 4):
        url = new_db(f"jobs{jobs}")
        report = import_paths(open_engine(url), SOURCES, jobs=jobs)
        dumps.append((report.as_dict(), full_dump(url)))
    assert dumps[0][1]["message"], "nothing was imported"
    assert dumps[0] == dumps[1]


def _nested(depth: int) -> bytes:
    """A mail of `depth` nested multiparts: deep enough, the stdlib parser gives up."""
    opening = "".join(
        f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n' for i in range(depth)
    )
    closing = "".join(f"--b{i}--\n" for i in reversed(range(depth)))
    head = mail("nested@x", "[PATCH] nested").split("\n\n", 1)[0]
    return f"{head}\nMIME-Version: 1.0\n{opening}Content-Type: text/plain\n\nhi\n{closing}".encode()


def _write_mbox(path: Path, raws: list[bytes]) -> Path:
    escaped = [re.sub(rb"(?m)^(>*From )", rb">\1", raw) for raw in raws]
    path.write_bytes(
        b"".join(b"From mboxrd@z Thu Jan  1 00:00:00 1970\n" + r + b"\n" for r in escaped)
    )
    return path


def test_import_mbox_jobs_4_writes_the_sqlite_file_jobs_1_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # batches of 8 and threads reviewed in shares of 3: the workers take part in both
    monkeypatch.setattr(incoming, "BATCH", 8)
    monkeypatch.setattr(link, "_POOLED", 2)
    monkeypatch.setattr(link, "_SHARE", 3)
    raws = [m.raw for m in _raw_mails()]
    raws.insert(len(raws) // 2, _nested(1200))  # fails to parse, in a worker
    mbox = _write_mbox(tmp_path / "list.mbox", raws)
    started = []
    monkeypatch.setattr(Workers, "_start", _counting(Workers._start, started))  # noqa: SLF001
    dumps = []
    for jobs in (1, 4):
        db = tmp_path / f"jobs{jobs}.db"
        migrated_sqlite(db)
        done = run_cli("import-mbox", mbox, "--db", db, "--json", "--jobs", str(jobs))
        assert done.exit_code == 0, done.stderr
        dumps.append((json.loads(done.stdout), full_dump(f"sqlite:///{db}")))
    assert started, "the import with 4 jobs started no workers"
    assert dumps[0] == dumps[1]
    report = dumps[1][0]  # the archives hold the mbox's mail again: duplicates
    kept = report["messages_new"] + report["messages_failed"]
    assert (kept + report["messages_duplicate"], report["messages_failed"]) == (len(raws), 1)
    assert len(dumps[1][1]["message"]) == kept
    with sqlite3.connect(tmp_path / "jobs4.db") as conn:
        flagged = conn.execute(
            "select raw_zstd, parse_error from message where parse_error is not null"
        )
        ((packed, reason),) = flagged.fetchall()
    assert unpack(packed) == raws[len(raws) // 2] and "RecursionError" in reason


def _counting(fn: Callable[..., Any], calls: list[None]) -> Callable[..., Any]:
    def counted(*args: Any) -> Any:
        calls.append(None)
        return fn(*args)

    return counted


def test_import_mbox_takes_jobs(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    migrated_sqlite(db)
    done = run_cli("import-mbox", *SOURCES, "--db", db, "--json", "--jobs", "2")
    assert done.exit_code == 0, done.stderr
    assert run_cli("import-mbox", SOURCES[0], "--db", db, "--jobs", "0").exit_code == 2


def test_the_pool_gives_batches_back_in_order() -> None:
    mails = _raw_mails()
    with Parser(2) as parser:
        pooled = list(parser.parse(_batches(mails, 7)))
    assert pooled == [parse_batch(b) for b in _batches(mails, 7)]
    assert [p.incoming.position for b in pooled for p in b] == [m.position for m in mails]


def test_a_damaged_input_keeps_the_batches_read_before_it() -> None:
    mails = _raw_mails()[:30]

    def reader() -> Iterator[list[RawMail]]:
        yield from _batches(mails, 10)
        raise CorruptSource("x.mbox: damaged")

    got = []
    with Parser(2) as parser, pytest.raises(CorruptSource):
        for batch in parser.parse(reader()):
            got.extend(batch)
    assert len(got) == 30


def test_a_mail_that_breaks_the_parser_is_kept_with_the_reason() -> None:
    raw = mail("ok@x", "[PATCH 1/1] util: fix", diff_body()).encode()

    def broken(_mail: RawMail) -> Any:
        raise RecursionError("too deep")

    parsed = parse_mail(RawMail(raw, "x.mbox", 3), broken)
    assert parsed.incoming.raw == raw and parsed.incoming.position == 3
    assert parsed.incoming.error == "cannot parse: RecursionError: too deep"
    assert parsed.prepared.kind == Kind.OTHER


def test_such_a_mail_is_stored_flagged(
    tmp_path: Path, new_db: NewDatabases, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_mbox(tmp_path / "x.mbox", [mail("ok@x", "[PATCH 1/1] util: fix", diff_body())])
    monkeypatch.setattr(parsing, "prepare", lambda _p: 1 / 0)
    report = import_paths(open_engine(new_db("broken")), [path], jobs=1)
    assert report.messages_failed == 1
    assert report.warnings == [
        f"{path} message 0: cannot parse: ZeroDivisionError: division by zero"
    ]


class _KillsTheWorker:
    """Unpickled in a worker, it ends that process at once, as the OOM killer would."""

    raw = b""  # weighed, as every mail going to a worker is

    def __reduce__(self) -> tuple[Any, tuple[int]]:
        return (os._exit, (9,))


def test_a_worker_that_dies_is_an_error_not_a_hang() -> None:
    mails = _raw_mails()[:20]
    outcome: list[BaseException | None] = []

    def run() -> None:
        batches = [mails[:10], [_KillsTheWorker()], mails[10:]]
        try:
            with Parser(2) as parser:
                list(parser.parse(iter(batches)))  # type: ignore[arg-type]
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001  (reported to the test below)
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(120)
    assert not worker.is_alive(), "the import hung on a dead worker"
    assert isinstance(outcome[0], WorkerDied)
    assert "run the command again" in str(outcome[0])


def test_one_batch_is_parsed_without_starting_workers() -> None:
    mails = _raw_mails()[:5]
    with Parser(4) as parser:
        assert list(parser.parse(iter([mails]))) == [parse_batch(mails)]
        assert not parser.workers.started


def _most_in_flight(weigh: Callable[[int], int] | None, most: int) -> int:
    """The most items Workers(2).map had taken from its input beyond the results it had
    handed back, for 12 items."""
    drawn: list[int] = []

    def items() -> Iterator[int]:
        for n in range(12):
            drawn.append(n)
            yield n

    ahead = 0
    with Workers(2) as workers:
        for got, result in enumerate(workers.map(abs, items(), weigh=weigh, most=most)):
            assert result == got
            ahead = max(ahead, len(drawn) - got)
    return ahead


def test_heavy_items_wait_for_the_ones_in_flight() -> None:
    """Four small batches may be in flight with two workers; batches of a mail at the
    message bound go one at a time (each is parsed, then held until it is stored)."""
    assert _most_in_flight(None, 0) >= 4
    assert _most_in_flight(lambda _n: 3, 5) <= 2  # one in flight, the next one drawn
    assert _most_in_flight(lambda _n: 3, 100) >= 4  # light: the count bounds them
