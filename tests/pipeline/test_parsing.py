"""Parsing on every core: worker processes give what one process gives, in order.

An import with `--jobs 4` stores exactly the rows (ids included) of one with
`--jobs 1`; a mail that breaks the parser is kept with the reason; a worker that
dies stops the import with an error instead of hanging it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reviewbot.db import open_engine
from reviewbot.errors import CorruptSource, ParseWorkerError
from reviewbot.ingest.mbox import RawMail, read_path
from reviewbot.pipeline import importer, parsing
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.parsing import Parser, parse_batch, parse_mail
from reviewbot.series.classify import Kind
from tests.conftest import LIST, NewDatabases, diff_body, mail, run_cli, write_mbox
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
    monkeypatch.setattr(importer, "BATCH", 40)
    dumps = []
    for jobs in (1, 4):
        url = new_db(f"jobs{jobs}")
        report = import_paths(open_engine(url), SOURCES, jobs=jobs)
        dumps.append((report.as_dict(), full_dump(url)))
    assert dumps[0][1]["message"], "nothing was imported"
    assert dumps[0] == dumps[1]


def test_import_mbox_takes_jobs(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
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


def test_a_mail_that_breaks_the_parser_is_kept_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    raw = mail("ok@x", "[PATCH 1/1] util: fix", diff_body()).encode()

    def broken(_mail: RawMail) -> Any:
        raise RecursionError("too deep")

    monkeypatch.setattr(parsing, "incoming_from_raw", broken)
    parsed = parse_mail(RawMail(raw, "x.mbox", 3))
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
    assert isinstance(outcome[0], ParseWorkerError)
    assert "run the import again" in str(outcome[0])


def test_one_batch_is_parsed_without_starting_workers() -> None:
    mails = _raw_mails()[:5]
    with Parser(4) as parser:
        assert list(parser.parse(iter([mails]))) == [parse_batch(mails)]
        assert parser._pool is None  # noqa: SLF001  (the point of the test)
