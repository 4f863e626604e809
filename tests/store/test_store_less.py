"""Store less, lose nothing (migrations 0015, 0017): raw bytes compressed, each text
stored once, a concern's quote and evidence packed together.

A database of schema 0014 (every text in full, raw bytes as they came, PostgreSQL's
stored tsvector column) is made from an imported one by writing each row back in
the old form; opened, it upgrades itself and must then answer every read exactly
as the database imported by this version does: the same raw bytes for every
message (hostile ones included), the same JSON and API answers, the same search
hits. On both backends.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, MetaData, Table, literal, select, text
from sqlmodel import Session

from reviewbot.db import alembic_config, open_engine
from reviewbot.models import CONCERN, HUNK, MESSAGE, PATCH
from reviewbot.packed import derived_section, unpack, unpack_texts
from reviewbot.pipeline.importer import import_paths
from reviewbot.read.messages import message_source
from reviewbot.read.search import message_ids
from reviewbot.texts import header_section, hunk_columns, message_body, patch_columns
from tests.conftest import LIST, NewDatabases, PgServer, diff_body, mail, need_pg
from tests.store.test_copydb import answers
from tests.test_packed import SECTIONS

_PATCH_TEXTS = ("commit_message", "diffstat", "diff")
WORDS = [("virDomainObj",), ("qemu", "agent"), ("Reviewed",), ("NUL",), ("virstorageobj.c",)]


def hostile_mbox(path: Path) -> Path:
    """Mail whose bytes are no text: NUL, Latin-1 in headers and body, CRLF, base64."""
    good = mail("plain@x", "[PATCH] plain", diff_body(message="Fix NUL handling."))
    nul = mail("nul@x", "[PATCH] a\x00b", "text with a NUL: \x00 here\n")
    latin = mail("latin@x", "Re: [PATCH] plain", "caf\xe9 ok\n", refs=("plain@x",))
    crlf = mail("crlf@x", "crlf", "one\ntwo\n").replace("\n", "\r\n")
    raw = [m.encode("utf-8", "surrogateescape") for m in (good, nul, crlf)]
    raw.append(latin.encode("latin-1"))
    path.write_bytes(b"".join(b"From x@y Thu Jan  1 00:00:00 1970\n" + r + b"\n" for r in raw))
    return path


def imported(url: str, tmp_path: Path) -> Engine:
    engine = open_engine(url)
    sources = [LIST / "2023-July.txt.gz", LIST / "backports-2023.mbox"]
    import_paths(engine, [*sources, hostile_mbox(tmp_path / "hostile.mbox")])
    return engine


def old_rows(engine: Engine, table: Table) -> list[dict[str, Any]]:
    """A table's rows as schema 0014 stored them: bytes uncompressed, every text in full
    (a hunk's section and a concern's quote and evidence too)."""
    if table is MESSAGE:
        cols = [message_body().label("body"), *(c for c in MESSAGE.c if c.name != "body")]
        stmt = select(*cols)
    elif table is PATCH:
        stmt = select(*patch_columns()).join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
    elif table is HUNK:
        stmt = (
            select(*hunk_columns())
            .join(PATCH, PATCH.c.id == HUNK.c.patch_id)
            .join(MESSAGE, MESSAGE.c.id == PATCH.c.message_id)
        )
    else:
        stmt = select(table)
    with engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(stmt)]
    for row in found:
        if "raw_zstd" in row:
            row["raw"] = unpack(row.pop("raw_zstd"))
        if "context_zstd" in row:
            row["quoted"], row["evidence"] = unpack_texts(row.pop("context_zstd"))
    return found


def write_old(source: Engine, url: str) -> None:
    """Fill a database of schema 0014 with `source`'s rows, written the old way."""
    target = open_engine(url, migrate=False)
    command.upgrade(alembic_config(target), "0014")
    old = MetaData()
    old.reflect(target)
    sqlite = target.dialect.name == "sqlite"
    with target.begin() as conn:
        # rows go in table by table; the foreign keys hold once all are in
        conn.execute(
            text("PRAGMA foreign_keys=OFF" if sqlite else "SET session_replication_role = replica")
        )
        for name, table in old.tables.items():
            model = MESSAGE.metadata.tables.get(name)
            if model is None:
                continue
            rows = old_rows(source, model)
            if rows:
                columns = [c.name for c in table.c]
                conn.execute(table.insert(), [{k: r[k] for k in columns if k in r} for r in rows])
        if sqlite:  # what 0014's importer did at the end of an import
            index = "INSERT INTO message_fts (rowid, subject, body) SELECT id, subject, body"
            conn.execute(text(index + " FROM message"))
            conn.execute(
                text("UPDATE message_fts_state SET last_id = (SELECT max(id) FROM message)")
            )
        else:
            for name in old.tables:
                if "id" in old.tables[name].c:
                    conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                            f" coalesce((SELECT max(id) FROM {name}), 0) + 1, false)"
                        )
                    )
    target.dispose()


def everything(url: str) -> dict[str, Any]:
    """The raw bytes of every message, what each search finds, and the reads' answers."""
    engine = open_engine(url)
    try:
        with Session(engine) as session:
            msgids = session.connection().execute(select(MESSAGE.c.msgid)).scalars().all()
            raw = {m: message_source(session, m) for m in msgids}
            hits = {w: sorted(session.execute(message_ids(session, w)).scalars()) for w in WORDS}
    finally:
        engine.dispose()
    return {"raw": raw, "hits": hits, "answers": answers(url)}


@pytest.fixture
def old_url(new_db: NewDatabases, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Where the old database goes: an SQLite file, or an empty PostgreSQL database."""
    if new_db.server is None:
        return f"sqlite:///{tmp_path / 'old.db'}"
    server: PgServer = need_pg(request.getfixturevalue("pg_server"))
    url = server.create(template=None)
    new_db.made.append(url)
    return url


def test_an_older_database_upgrades_itself_and_loses_nothing(
    new_db: NewDatabases, old_url: str, tmp_path: Path
) -> None:
    head = new_db("head")
    engine = imported(head, tmp_path)
    write_old(engine, old_url)
    engine.dispose()
    want = everything(head)
    got = everything(old_url)  # opening it migrates it
    assert got["raw"] == want["raw"]
    assert want["raw"]["nul@x"].count(b"\x00") == 2  # subject and body
    assert b"caf\xe9" in want["raw"]["latin@x"]
    assert got["hits"] == want["hits"] and all(want["hits"].values())
    assert got["answers"] == want["answers"]


def test_texts_are_stored_once(new_db: NewDatabases, tmp_path: Path) -> None:
    engine = imported(new_db("x"), tmp_path)
    with engine.connect() as conn:
        patches = conn.execute(
            text("SELECT count(*), count(diff), count(diff_at), count(subject) FROM patch")
        ).one()
        hunks = conn.execute(
            text("SELECT count(*), count(text), count(text_at), count(section) FROM hunk")
        ).one()
        bodies = conn.execute(text("SELECT count(*), count(body) FROM message")).one()
    engine.dispose()
    assert patches[0] > 10 and patches[1:] == (0, patches[0], 0)  # the message's subject
    assert hunks[0] > 10 and hunks[1:] == (0, hunks[0], 0)  # every header gives its section
    if engine.dialect.name == "sqlite":  # the hostile ones keep theirs
        assert 0 < bodies[1] < bodies[0] / 4
    else:  # PostgreSQL's full-text index is built over the body column
        assert bodies[1] == bodies[0]


def test_going_back_stores_every_byte_and_text_in_full_again(
    new_db: NewDatabases, tmp_path: Path
) -> None:
    """Downgraded to 0014, the database holds the same bytes and texts, in full; opened
    again, it upgrades itself and answers as before."""
    url = new_db("x")
    engine = imported(url, tmp_path)
    texts = {
        "message": ("raw", "body"),
        "patch": (*_PATCH_TEXTS, "subject"),
        "hunk": ("text", "section"),
        "concern": ("quoted", "evidence"),
    }
    want = {t.name: old_rows(engine, t) for t in (MESSAGE, PATCH, HUNK, CONCERN)}
    assert len(want["concern"]) > 3 and any(r["quoted"] for r in want["concern"])
    answered = everything(url)
    command.downgrade(alembic_config(engine), "0014")
    old = MetaData()
    old.reflect(engine)
    with engine.connect() as conn:
        for name, rows in want.items():
            table = old.tables[name]
            got = {r.id: r for r in conn.execute(select(table))}
            for row in rows:
                stored = got[row["id"]]
                for column in texts[name]:
                    assert stored._mapping[column] == row[column], (name, row["id"], column)
    engine.dispose()
    assert everything(url) == answered


def test_the_search_index_holds_no_copy_of_the_text(new_db: NewDatabases, tmp_path: Path) -> None:
    """SQLite: FTS5 over the view that derives the bodies (external content, no
    `message_fts_content` table); PostgreSQL: a GIN index on an expression, no stored
    tsvector column. Either way the words are found."""
    engine = imported(new_db("x"), tmp_path)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            names = set(conn.execute(text("SELECT name FROM sqlite_master")).scalars())
            assert {"message_fts", "message_text"} <= names
            assert "message_fts_content" not in names
            sql = conn.execute(text("SELECT sql FROM sqlite_master WHERE name = 'message_fts'"))
            assert "content='message_text'" in sql.scalar_one()
        else:
            columns = conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns"
                    " WHERE table_name = 'message'"
                )
            ).scalars()
            assert "search" not in set(columns)
            index = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_message_search'")
            ).scalar_one()
            assert "gin" in index and "to_tsvector" in index
    with Session(engine) as session:
        assert session.execute(message_ids(session, ("virDomainObj",))).all()
    engine.dispose()


def test_sql_reads_a_section_from_its_header_as_python_does(db_url: str) -> None:
    """texts.header_section is what a hunk stored without its section reads back."""
    engine = open_engine(db_url)
    with engine.connect() as conn:
        for header, section in SECTIONS:
            if section is not None:
                got = conn.execute(select(header_section(literal(header)))).scalar_one()
                assert got == section == derived_section(header), header
    engine.dispose()
