"""The database file: migrations, WAL, upgrade of an older database, a failed migration.

SQLite mostly: these test the SQLite file itself (WAL mode, an old file upgraded in
place, the copy restored after a failed migration). PostgreSQL's migrations run for
every test session (the template database is migrated from empty) and in
tests/store/test_copydb.py; that a current database is opened without migrating is
checked on both backends.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, make_url, text

import reviewbot.db
from reviewbot.db import _restorable, alembic_config, head_revision, open_engine
from reviewbot.errors import DatabaseError
from reviewbot.packed import unpack
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, PgServer, run_cli


def test_fresh_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'x.db'}")
    tables = set(inspect(engine).get_table_names())
    assert {
        "message",
        "messageref",
        "series",
        "patch",
        "patchfile",
        "hunk",
        "trailer",
        "alembic_version",
    } <= tables
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"


def test_empty_old_database_upgrades_itself(tmp_path: Path) -> None:
    """A database stamped at no revision (an older reviewbot) is brought to head."""
    path = tmp_path / "old.db"
    engine = open_engine(f"sqlite:///{path}", migrate=False)
    command.stamp(alembic_config(engine), "base")
    engine.dispose()
    engine = open_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one()
    assert "series" in inspect(engine).get_table_names()


def test_reopening_keeps_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'y.db'}"
    import_paths(open_engine(url), [LIST / "2023-July.txt.gz"])
    with sqlite3.connect(tmp_path / "y.db") as conn:
        assert conn.execute("select count(*) from message").fetchone()[0] == 16


def test_bad_database_url_is_a_clear_error() -> None:
    with pytest.raises(DatabaseError, match="bad database URL"):
        open_engine("nosuchdialect://x/y")


def test_database_of_an_older_version_upgrades_and_keeps_its_data(tmp_path: Path) -> None:
    """A file made by the first release (schema 0001) gains the later tables on open."""
    path = tmp_path / "v1.db"
    old = open_engine(f"sqlite:///{path}", migrate=False)
    command.upgrade(alembic_config(old), "0001")
    head = ScriptDirectory.from_config(alembic_config(old)).get_current_head()
    old.dispose()
    with sqlite3.connect(path) as conn:  # a message as release 0001 stored it
        conn.execute(
            "insert into message (msgid, msgid_synthetic, subject, norm_subject, from_name,"
            " from_email, body, raw, source, position, kind, warnings, imported_at)"
            " values ('old@x', 0, 's', 's', 'n', 'n@x', 'b', x'0102', 'f', 0, 'other', '',"
            " '2023-01-01 00:00:00')"
        )
        # and a series with a patch: later migrations alter "series", which others reference
        conn.execute(
            "insert into series (id, title, norm_title, version, version_label, total,"
            " submitter_name, submitter_email, state, state_reason, missing, rfc, dirty)"
            " values (1, 't', 't', 1, 'v1', 1, 'n', 'n@x', 'new', '', '[]', 0, 0)"
        )
        conn.execute(
            "insert into patch (series_id, message_id, number, subject, title, author_name,"
            " author_email, commit_message, diffstat, diff, added, removed, state,"
            " state_reason) values (1, 1, 1, 's', 't', 'n', 'n@x', '', '', '', 0, 0, 'new', '')"
        )
        assert "scrapemonth" not in {r[0] for r in conn.execute("select name from sqlite_master")}
    open_engine(f"sqlite:///{path}").dispose()
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        assert {"scrapemonth", "scrapeerror", "applyrun", "concern", "racescenario"} <= tables
        # 0015 compressed the bytes: they read back as they were
        ((msgid, packed),) = conn.execute("select msgid, raw_zstd from message").fetchall()
        assert (msgid, unpack(packed)) == ("old@x", b"\x01\x02")
        assert conn.execute("select version_num from alembic_version").fetchone()[0] == head
        assert conn.execute("select title, review_dirty from series").fetchall() == [("t", 1)]
        assert conn.execute("select count(*) from patch").fetchone()[0] == 1
        # 0006 indexed the messages it found for full-text search
        found = conn.execute("select rowid from message_fts where message_fts match 'b'")
        assert found.fetchall() == [(1,)]


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """SQLite runs DDL outside the transaction: the file is restored from a copy."""
    path = tmp_path / "m.db"
    engine = open_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("create table keep (x int)"))
        conn.execute(text("insert into keep values (1)"))
    with pytest.raises(RuntimeError), _restorable(engine):
        with engine.begin() as conn:
            conn.execute(text("create table half_done (y int)"))  # DDL: commits at once
        raise RuntimeError("a migration step failed")
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        assert "half_done" not in tables
        assert conn.execute("select x from keep").fetchall() == [(1,)]


def test_a_current_database_is_opened_without_migrating(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What every fixture relies on: a copy of the session's migrated template is at the
    newest revision before it is opened, and open_engine then runs no migration."""
    if db_url.startswith("sqlite"):
        assert Path(make_url(db_url).database or "").stat().st_size > 0  # the copy, not a new file
    plain = create_engine(db_url)
    with plain.connect() as conn:
        assert conn.execute(text("select version_num from alembic_version")).scalar_one() == (
            head_revision()
        )
    plain.dispose()

    def refuse(*_args: object) -> None:
        raise AssertionError("a current database was migrated again")

    monkeypatch.setattr(reviewbot.db, "_migrate", refuse)
    engine = open_engine(db_url)
    assert "series" in inspect(engine).get_table_names()
    engine.dispose()


def test_two_programs_opening_a_new_database_at_once_both_succeed(
    tmp_path: Path, pg_server: PgServer | None
) -> None:
    """The second waits for the first's migration (it used to fail: table exists)."""
    (tmp_path / "new.db").touch()  # an empty file: a database with no schema yet
    targets = [f"sqlite:///{tmp_path / 'new.db'}"]
    made = None
    if pg_server is not None:
        made = pg_server.create(template=None)  # an empty database: nothing migrated
        targets.append(made)
    try:
        for url in targets:
            procs = [
                subprocess.Popen(
                    [sys.executable, "-m", "reviewbot", "series", "list", "--json", "--db", url],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for _ in range(2)
            ]
            outs = [p.communicate(timeout=120) for p in procs]
            assert [p.returncode for p in procs] == [0, 0], [err for _o, err in outs]
            assert [out.strip() for out, _e in outs] == ["[]", "[]"]
    finally:
        if made and pg_server is not None:
            pg_server.drop(made)


def test_events_of_an_older_database_gain_the_mail_that_caused_them(tmp_path: Path) -> None:
    """0011: events get a `msgid`; the inferred ones of a database made before it (dated
    by the import, naming no mail) are replaced by the thread's history at the next
    rebuild (`reviewbot link`, or any import)."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = open_engine(url)
    import_paths(engine, [LIST / "2023-July.txt.gz"])
    command.downgrade(alembic_config(engine), "0010")
    with engine.begin() as conn:  # the log as 0010's import wrote it
        conn.execute(text("delete from event"))
        conn.execute(
            text(
                "insert into event (created_at, category, actor, via, target, target_id,"
                " series_id, patch_id, field, old_value, new_value, note) select"
                " '2026-01-01 00:00:00', 'patch-state-changed', 'reviewbot', 'mail', 'patch',"
                " id, series_id, id, 'state', 'new', state, 'inferred from the thread'"
                " from patch"
            )
        )
    engine.dispose()
    engine = open_engine(url)  # upgraded
    with engine.connect() as conn:
        assert conn.execute(text("select count(*) from event where msgid is null")).scalar() == 10
        assert conn.execute(text("select count(*) from series where not dirty")).scalar() == 0
    assert run_cli("link", "--db", tmp_path / "old.db").exit_code == 0
    with engine.connect() as conn:
        rows = conn.execute(text("select created_at, msgid, note from event")).all()
    assert rows and all(r.msgid for r in rows)
    assert all(str(r.created_at).startswith("2023-07") for r in rows)
    assert "inferred from the thread" not in {r.note for r in rows}
    engine.dispose()
