"""Reads never write: every page and every API list and detail answers from a database
on which any write would fail (SQLite opened with mode=ro; a PostgreSQL role that may
only SELECT)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from reviewbot.app import create_app
from reviewbot.cli import app
from reviewbot.db import open_engine
from reviewbot.pipeline.importer import import_paths
from tests.conftest import LIST, PgServer, migrated_sqlite, need_pg

MONTHS = [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz", LIST / "2016-October.txt.gz"]
READER = "reviewbot_reader"
API = "/api/v1"


def _sqlite_read_only(tmp_path: Path) -> str:
    """The corpus in an SQLite file whose directory and file nobody may write."""
    db = tmp_path / "ro" / "corpus.db"
    db.parent.mkdir()
    engine = open_engine(migrated_sqlite(db))
    import_paths(engine, MONTHS)
    with engine.connect() as conn:  # fold the WAL in: a read-only reader cannot
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    engine.dispose()
    db.chmod(stat.S_IRUSR | stat.S_IRGRP)
    db.parent.chmod(stat.S_IRUSR | stat.S_IXUSR)
    return f"sqlite:///file:{db}?mode=ro&uri=true"


def _postgres_read_only(server: PgServer) -> tuple[str, str]:
    """The corpus in a new database, and a URL for a role that may only SELECT there."""
    url = server.create()
    engine = open_engine(url)
    import_paths(engine, MONTHS)
    engine.dispose()
    database = make_url(url).database
    server.execute(f"DROP ROLE IF EXISTS {READER}")
    server.execute(f"CREATE ROLE {READER} LOGIN")
    owner = create_engine(url, isolation_level="AUTOCOMMIT")
    with owner.connect() as conn:
        conn.execute(text(f"REVOKE ALL ON DATABASE {database} FROM PUBLIC"))
        conn.execute(text(f"GRANT CONNECT ON DATABASE {database} TO {READER}"))
        conn.execute(text(f"REVOKE CREATE ON SCHEMA public FROM PUBLIC, {READER}"))
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {READER}"))
        conn.execute(text(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {READER}"))
    owner.dispose()
    reader = make_url(url).set(username=READER, password=None)
    return url, reader.render_as_string(hide_password=False)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def read_only_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of a corpus database every write to which fails (one per module: no
    test can change it)."""
    if request.param == "sqlite":
        tmp_path = tmp_path_factory.mktemp("read-only")
        url = _sqlite_read_only(tmp_path)
        yield url
        (tmp_path / "ro").chmod(stat.S_IRWXU)  # let pytest clean it up
        return
    server = need_pg(request.getfixturevalue("pg_server"))
    owner_url, url = _postgres_read_only(server)
    yield url
    server.drop(owner_url)
    server.execute(f"DROP ROLE IF EXISTS {READER}")


def test_writes_really_fail_there(read_only_url: str) -> None:
    """The premise: this database refuses writes."""
    engine = open_engine(read_only_url)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE series SET review_dirty = review_dirty"))
    engine.dispose()


def _paths(client: TestClient) -> list[str]:
    """Every page and every API list, detail and mbox of the corpus."""
    lists = ["series", "patches", "covers", "messages", "concerns", "races", "people", "events"]
    paths = ["/", "/?q=agent", "/?open=1", "/?state=accepted&month=2023-08"]
    paths += [f"{API}/{name}?per_page=250" for name in lists]
    paths += [f"{API}/series?open_concerns=true", f"{API}/patches?open_concerns=false"]
    paths += [f"{API}/series?q=file:qemu_process.c", f"{API}/messages?q=VIR_LOCK_GUARD"]
    items = {name: client.get(f"{API}/{name}?per_page=250").json() for name in lists}
    # real mail: a series rebuilt from quotes has no mbox (a 404 that says why)
    real = {p["series_id"] for p in items["patches"] if p["msgid"].startswith(("v1p", "v2p"))}
    for s in items["series"]:
        paths += [f"/series/{s['id']}", f"{API}/series/{s['id']}"]
        paths.append(f"{API}/series/{s['id']}/coverage")
        if s["id"] in real:
            paths += [f"{API}/series/{s['id']}/mbox", f"/mbox/series/{s['id']}"]
    for p in items["patches"]:
        paths += [
            f"/patch/{p['id']}",
            f"{API}/patches/{p['id']}",
            f"{API}/patches/{p['id']}/coverage",
        ]
        if p["msgid"].startswith("v2p"):
            paths.append(f"{API}/patches/{p['id']}/mbox")
    for m in items["messages"]:
        msgid = quote(m["msgid"], safe="@")
        paths += [f"/thread/{msgid}", f"/message/{msgid}", f"/raw/{msgid}"]
        paths.append(f"{API}/messages/{msgid}")
    for name in ("covers", "concerns", "races", "events"):
        paths += [f"{API}/{name}/{x['id']}" for x in items[name]]
    paths += [f"{API}/people/{p['email']}" for p in items["people"]]
    # search hits with snippets, path globs, and the feeds
    paths += ["/?q=VIR_LOCK_GUARD", "/?q=file:virstorageobj.c", "/?path=src/*/virstorageobj.c"]
    paths += ["/feeds/series.atom", "/feeds/series.atom?q=agent&path=src/qemu/**"]
    paths += ["/feeds/path.atom?path=src/**", "/feeds/person.atom?email=backports@example.org"]
    paths += [f"/feeds/series/{s['id']}.atom" for s in items["series"]]
    return paths


def test_every_page_and_api_read_answers_from_a_read_only_database(read_only_url: str) -> None:
    engine = open_engine(read_only_url)
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        paths = _paths(client)
        failed = {p: r.status_code for p in paths if (r := client.get(p)).status_code != 200}
    engine.dispose()
    assert len(paths) > 150  # every kind of page and list, on a real corpus
    assert failed == {}


def test_the_cli_reads_from_a_read_only_database(read_only_url: str) -> None:
    """`series list`, `series show`, `concerns` and `races` need no write either."""
    runner = CliRunner(env={"REVIEWBOT_DB": read_only_url, "COLUMNS": "200"})
    for args in (["series", "list"], ["series", "show", "1"], ["concerns", "1"], ["races", "1"]):
        for extra in ([], ["--json"]):
            result = runner.invoke(app, [*args, *extra])
            assert result.exit_code == 0, (args, result.output, result.exception)
    assert os.environ.get("REVIEWBOT_DB") != read_only_url  # CliRunner restored it
