"""PostgreSQL's bulk path (store/bulk.py): COPY gives the database the INSERTs give.

The same mail imported with COPY and with the plain statements (an engine with
`reviewbot_copy=False`) must leave every table identical, row ids included, but
for the clock columns; and a second import of the same mail stores nothing new.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlmodel import SQLModel

from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from reviewbot.pipeline.link import link_dirty_series
from tests.conftest import LIST, PgServer, need_pg

BENCH = Path(__file__).resolve().parents[2] / "bench"
CLOCKS = {"imported_at", "created_at"}  # when it ran, not what it stored


def tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in id order, without the clock columns."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            cols = [c for c in table.c if c.name not in CLOCKS]
            order = table.primary_key.columns
            out[table.name] = [tuple(r) for r in conn.execute(select(*cols).order_by(*order))]
    return out


@pytest.fixture
def server(pg_server: PgServer | None) -> PgServer:
    return need_pg(pg_server)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    generated = tmp_path_factory.mktemp("bulk") / "generated.mbox"
    subprocess.run(
        [sys.executable, str(BENCH / "gen_corpus.py"), "--messages", "300", "--out", generated],
        check=True,
        capture_output=True,
    )
    return [LIST / "2023-July.txt.gz", LIST / "backports-2023.mbox", generated]


def imported(url: str, paths: list[Path], *, copy: bool) -> Engine:
    engine = open_engine(url).execution_options(reviewbot_copy=copy)
    import_paths(engine, paths)
    link_dirty_series(engine)
    return engine


def test_copy_stores_what_the_inserts_store(server: PgServer, corpus: list[Path]) -> None:
    plain_url, copy_url = server.create(), server.create()
    try:
        plain = tables(imported(plain_url, corpus, copy=False))
        copied_engine = imported(copy_url, corpus, copy=True)
        copied = tables(copied_engine)
        assert len(plain["message"]) > 300 and len(plain["hunk"]) > 150
        assert len(plain["concern"]) > 10 and len(plain["event"]) > 0
        assert copied == plain
        again = import_paths(copied_engine, corpus)
        assert again.messages_new == 0 and again.messages_duplicate >= len(plain["message"])
        assert tables(copied_engine) == plain
        copied_engine.dispose()
    finally:
        server.drop(plain_url)
        server.drop(copy_url)
