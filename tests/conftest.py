"""Shared fixtures: fresh databases on each backend, the CLI in-process, mbox writers.

Every test that takes `engine` (or `db_url`, `new_db`) runs twice: on a real SQLite
file in tmp_path and on a fresh PostgreSQL database. Neither runs the migrations per
test: the session migrates one template of each (an SQLite file, a PostgreSQL
database) and every test gets a copy (shutil.copy, CREATE DATABASE ... TEMPLATE),
which open_engine finds current. Modules whose tests only read what one import
stored take `module_db_url` (or `module_new_db`) instead: one database per backend
for the whole module. `run_cli` runs a command in-process; tests start the program
itself only where the process matters (a kill, a signal, a real exit status).

The PostgreSQL server is $REVIEWBOT_TEST_PG (an SQLAlchemy URL of a database we may
CREATE DATABASE from), else a throw-away cluster started for the session
(tests/pgcluster.py). Without a server the PostgreSQL cases are skipped, unless
$REVIEWBOT_REQUIRE_PG is set (make test sets it) and they fail instead.
"""

from __future__ import annotations

import atexit
import functools
import gc
import hashlib
import itertools
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlmodel import Session
from typer.testing import CliRunner, Result

from reviewbot import store
from reviewbot.cli import GC_THRESHOLDS
from reviewbot.cli import app as cli_app
from reviewbot.db import open_engine, session_scope
from reviewbot.pipeline.importer import ImportReport, import_paths
from tests.pgcluster import PgCluster, find_bindir

DATA = Path(__file__).parent / "data"
LIST = DATA / "libvir-list"
BACKENDS = ["sqlite", "postgresql"]
TEMPLATE = "reviewbot_template"


class PgServer:
    """Makes and drops databases on a PostgreSQL server (CREATE DATABASE ... TEMPLATE)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.names = itertools.count()
        with self.admin.connect() as conn:
            self.version = int(conn.exec_driver_sql("SHOW server_version_num").scalar_one())

    def url(self, database: str) -> str:
        """URL of another database on this server."""
        url = make_url(self.admin_url).set(database=database)
        return url.render_as_string(hide_password=False)

    def execute(self, sql: str) -> None:
        """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create(self, template: str | None = TEMPLATE) -> str:
        """A new database (a copy of the migrated template by default); its URL."""
        name = f"test_{os.getpid()}_{next(self.names)}"
        self.execute(f"DROP DATABASE IF EXISTS {name}")
        # FILE_COPY (PostgreSQL 15+): a test database is made in ~45 ms, against ~155 ms
        # through the WAL (the default since 15), measured over the series-assembly tests
        strategy = " STRATEGY FILE_COPY" if self.version >= 150000 else ""
        copy = f" TEMPLATE {template}{strategy}" if template else ""
        self.execute(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def drop(self, url: str) -> None:
        """Drop a database made by `create`, whoever is still connected."""
        self.execute(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer | None]:
    """The PostgreSQL server of this test session, with a migrated template database."""
    cluster = None
    if given := os.environ.get("REVIEWBOT_TEST_PG"):
        server = PgServer(given)
    elif bindir := find_bindir():
        cluster = PgCluster(bindir)
        cluster.start()
        server = PgServer(cluster.url())
    else:
        yield None
        return
    try:
        server.execute(f"DROP DATABASE IF EXISTS {TEMPLATE}")
        server.execute(f"CREATE DATABASE {TEMPLATE}")
        open_engine(server.url(TEMPLATE)).dispose()
        yield server
    finally:
        server.admin.dispose()
        if cluster:
            cluster.stop()


def pytest_configure(config: pytest.Config) -> None:
    """Register the markers of this suite."""
    config.addinivalue_line(
        "markers",
        "sqlite_only(why, keep=()): the module's subject lies outside the database; its "
        "PostgreSQL cases are deselected (the reason says where that backend is covered), "
        "but for those with a parameter in `keep`",
    )


def pytest_collection_finish(session: pytest.Session) -> None:
    """Set the collected suite's objects aside from the garbage collector, and let it run
    less often: it traversed the modules, fixtures and test items again at every
    collection (back to back on tests/pipeline, read and api: 75 s wall and 98 s of CPU
    without this, 68-70 s and 87-89 s with it)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)  # the command's own (cli.main)


def _sqlite_only_drops(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("sqlite_only")
    params = getattr(getattr(item, "callspec", None), "params", {}).values()
    if marker is None or "postgresql" not in params:
        return False
    return not any(value in marker.kwargs.get("keep", ()) for value in params)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the PostgreSQL cases of modules marked sqlite_only: what they test is
    the same on both backends, and the writes they make are tested on both elsewhere."""
    dropped = [item for item in items if _sqlite_only_drops(item)]
    if dropped:
        ids = {id(item) for item in dropped}
        items[:] = [item for item in items if id(item) not in ids]
        config.hook.pytest_deselected(items=dropped)


def need_pg(server: PgServer | None) -> PgServer:
    """The server, or skip (fail under $REVIEWBOT_REQUIRE_PG) when there is none."""
    if server is None:
        if os.environ.get("REVIEWBOT_REQUIRE_PG"):
            pytest.fail("no PostgreSQL: set REVIEWBOT_TEST_PG or install postgresql")
        pytest.skip("no PostgreSQL server (set REVIEWBOT_TEST_PG or install postgresql)")
    return server


def close_sqlite(engine: Engine) -> Path:
    """Write an SQLite engine's WAL into its file and close it: the file can be copied."""
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()  # the last connection gone: the file alone holds the database
    path = Path(engine.url.database or "")
    assert not Path(f"{path}-wal").exists()
    return path


@functools.cache
def _template_file() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="reviewbot-template-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return close_sqlite(open_engine(f"sqlite:///{directory / 'template.db'}"))


@pytest.fixture(scope="session")
def sqlite_template() -> Path:
    """An SQLite file migrated to the newest schema, once per test process: tests get copies."""
    return _template_file()


def copy_sqlite(template: Path, path: Path) -> str:
    """A copy of the migrated template at `path`; its URL."""
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def migrated_sqlite(path: Path) -> str:
    """A new SQLite database at `path`, as open_engine would make it (a copy of the
    migrated template: the 17 migrations cost about 0.3 s per new file); its URL.
    Tests of making a database (the migrations, the CLI on a new path) do not use it."""
    return copy_sqlite(_template_file(), path)


class NewDatabases:
    """Fresh, migrated databases on one backend: `new(name)` -> URL.

    SQLite: a copy of the session's template, DIRECTORY/NAME.db. PostgreSQL: a
    database made from the migrated template, dropped by `drop_all`.
    """

    def __init__(self, request: pytest.FixtureRequest, directory: Path) -> None:
        self.directory = directory
        self.made: list[str] = []
        if request.param == "sqlite":
            self.template: Path | None = request.getfixturevalue("sqlite_template")
            self.server: PgServer | None = None
        else:
            self.template = None
            self.server = need_pg(request.getfixturevalue("pg_server"))

    def __call__(self, name: str) -> str:
        if self.server is None:
            assert self.template is not None
            return copy_sqlite(self.template, self.directory / f"{name}.db")
        self.made.append(self.server.create())
        return self.made[-1]

    def drop_all(self) -> None:
        """Drop the PostgreSQL databases made (whoever is still connected)."""
        for url in self.made:
            assert self.server is not None
            self.server.drop(url)


@pytest.fixture(params=BACKENDS)
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[NewDatabases]:
    """Makes fresh, migrated databases on one backend: new_db(name) -> URL."""
    databases = NewDatabases(request, tmp_path)
    yield databases
    databases.drop_all()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database on each backend (SQLite: tmp_path/test.db)."""
    databases = NewDatabases(request, tmp_path)
    yield databases("test")
    databases.drop_all()


@pytest.fixture(scope="module", params=BACKENDS)
def module_new_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[NewDatabases]:
    """Like new_db, but for all the tests of a module: the databases live as long as it.

    For modules whose tests only read what an import stored: each imports it once
    (per backend) instead of once per test. A test that writes takes `engine`.
    """
    databases = NewDatabases(request, tmp_path_factory.mktemp("module"))
    yield databases
    databases.drop_all()


@pytest.fixture(scope="module")
def module_db_url(module_new_db: NewDatabases) -> str:
    """Like db_url, but one database for all the tests of a module that take it."""
    return module_new_db("module")


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A fresh, migrated database (each test runs on SQLite and on PostgreSQL)."""
    engine = open_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine):  # type: ignore[no-untyped-def]
    with Session(engine) as s:
        yield s


def mail(
    msgid: str,
    subject: str,
    body: str = "text\n",
    *,
    sender: str = "Alice Author <alice@example.org>",
    date: str = "Tue, 18 Jul 2023 09:30:00 +0200",
    reply_to: str | None = None,
    refs: tuple[str, ...] = (),
) -> str:
    """One RFC 5322 message as text."""
    head = [f"From: {sender}", f"Date: {date}", f"Subject: {subject}", f"Message-ID: <{msgid}>"]
    if reply_to:
        head.append(f"In-Reply-To: <{reply_to}>")
    if refs or reply_to:
        chain = list(refs) or [reply_to]
        head.append("References: " + " ".join(f"<{r}>" for r in chain))
    return "\n".join(head) + "\n\n" + body


def write_mbox(path: Path, messages: list[str]) -> Path:
    """Write messages as an mbox file."""
    chunks = [f"From mboxrd@z Thu Jan  1 00:00:00 1970\n{m.rstrip()}\n\n" for m in messages]
    path.write_text("".join(chunks), encoding="utf-8")
    return path


def diff_body(path: str = "src/util/virfile.c", line: int = 10, message: str = "Fix it.") -> str:
    """A patch body with a commit message and a one-hunk diff."""
    return (
        f"{message}\n\nSigned-off-by: Alice Author <alice@example.org>\n---\n"
        f" {path} | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
        f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n"
        f"--- a/{path}\n+++ b/{path}\n"
        f"@@ -{line},3 +{line},3 @@ virFileDoThing(void)\n"
        " context one\n-old line\n+new line\n context two\n-- \n2.39.2\n"
    )


def build_archive(path: Path, series_count: int) -> int:
    """An mbox of series of 3 patches, each with a cover and two replies; its message count."""
    msgs = []
    for s in range(series_count):
        day = 1 + (s // 100) % 28
        date = f"Tue, {day:02d} Aug 2023 {(s // 4) % 24:02d}:{s % 60:02d}:00 +0000"
        cover = f"c{s}@example.org"
        author = f"Dev {s % 17} <dev{s % 17}@example.org>"
        msgs.append(mail(cover, f"[PATCH 0/3] topic {s}", sender=author, date=date))
        for n in (1, 2, 3):
            msgs.append(
                mail(
                    f"p{s}.{n}@example.org",
                    f"[PATCH {n}/3] topic {s} part {n}",
                    diff_body(line=10 * n),
                    sender=author,
                    date=date,
                    reply_to=cover,
                )
            )
        msgs.append(
            mail(
                f"r{s}@example.org",
                f"Re: [PATCH 0/3] topic {s}",
                "Reviewed-by: Rev <rev@example.org>\n",
                sender="Rev <rev@example.org>",
                date=date,
                reply_to=cover,
            )
        )
        msgs.append(
            mail(
                f"q{s}@example.org",
                f"Re: [PATCH 2/3] topic {s} part 2",
                "> +new line\n\nPlease rename this.\n",
                sender="Rev <rev@example.org>",
                date=date,
                refs=(cover, f"p{s}.2@example.org"),
            )
        )
    write_mbox(path, msgs)
    return len(msgs)


def run_cli(*args: str | Path, env: dict[str, str | None] | None = None) -> Result:
    """`reviewbot ARGS` in-process, through typer's CliRunner: exit code, stdout, stderr.

    Output is as wide as a 400-column terminal (a table never wraps a long subject)
    and $REVIEWBOT_DB is not read. An exception other than the exit is raised here:
    as a program, the command would have ended in a traceback.
    """
    runner = CliRunner(env={"COLUMNS": "400", "REVIEWBOT_DB": None, **(env or {})})
    result = runner.invoke(cli_app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def run_import(engine: Engine) -> Callable[..., ImportReport]:
    """Import paths into the test database."""

    def run(*paths: Path) -> ImportReport:
        return import_paths(engine, list(paths))

    return run


# -- a git tree of the libvirt 9.0.0 files the corpus' backports touch -----------------

SUBSET = DATA / "libvirt-9.0.0-subset.tar.xz"
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Fixture",
    "GIT_AUTHOR_EMAIL": "fixture@example.org",
    "GIT_COMMITTER_NAME": "Fixture",
    "GIT_COMMITTER_EMAIL": "fixture@example.org",
    "GIT_AUTHOR_DATE": "2023-01-16T00:00:00Z",
    "GIT_COMMITTER_DATE": "2023-01-16T00:00:00Z",
}


def git(repo: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env
    ).stdout


def snapshot(repo: Path) -> dict[str, Any]:
    """Everything a user would notice changing in their checkout."""
    files = {
        str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
    return {
        "files": files,
        "status": git(repo, "status", "--porcelain", "--ignored"),
        "head": git(repo, "rev-parse", "HEAD"),
        "refs": git(repo, "for-each-ref"),
        "worktrees": git(repo, "worktree", "list", "--porcelain"),
    }


def release_tree(directory: Path, name: str = "libvirt") -> Path:
    """The nine libvirt 9.0.0 files as a git repository of one commit (the release)."""
    repo = directory / name
    with tarfile.open(SUBSET) as tar:
        tar.extractall(directory, filter="data")
    (directory / "libvirt-9.0.0").rename(repo)
    git(repo, "init", "-q", "-b", "master")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "libvirt 9.0.0 (files the backports touch)")
    return repo


@pytest.fixture
def tree(tmp_path: Path) -> Iterator[Path]:
    """A git repository of the nine libvirt 9.0.0 files; checked unchanged afterwards."""
    repo = release_tree(tmp_path)
    before = snapshot(repo)
    yield repo
    assert snapshot(repo) == before, "the user's checkout must not change"


BACKPORTS = DATA / "debian-backports"
POINT_RELEASE_AFTER = 5  # the invented tag v9.0.1 contains the first five backports


def backport_patches() -> list[Path]:
    """Debian's ten backports that touch the subset's files, in `series` order."""
    return [BACKPORTS / name for name in (BACKPORTS / "series").read_text().split()]


def history_tree(directory: Path, name: str = "libvirt-history") -> Path:
    """The 9.0.0 release (tagged v9.0.0) with the ten backports committed on top by `git am`.

    Committer dates are the author dates (deterministic commit ids); the fifth
    backport is tagged v9.0.1, an invented point release, so the first five
    have a tag containing them and the last five none.
    """
    repo = release_tree(directory, name)
    git(repo, "tag", "v9.0.0")
    for n, patch in enumerate(backport_patches(), 1):
        git(repo, "am", "-q", "--committer-date-is-author-date", str(patch))
        if n == POINT_RELEASE_AFTER:
            git(repo, "tag", "v9.0.1")
    return repo


@pytest.fixture
def backported(tmp_path: Path) -> Iterator[Path]:
    """history_tree(): 9.0.0 plus Debian's backports as commits; checked unchanged afterwards."""
    repo = history_tree(tmp_path)
    before = snapshot(repo)
    yield repo
    assert snapshot(repo) == before, "the user's checkout must not change"


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """REVIEWBOT_DATA_DIR for the session: caches (the patch-id index) never go to $HOME."""
    directory = tmp_path_factory.mktemp("data-dir")
    saved = {k: os.environ.get(k) for k in ("REVIEWBOT_DATA_DIR", "REVIEWBOT_UPSTREAM_TREE")}
    os.environ["REVIEWBOT_DATA_DIR"] = str(directory)
    os.environ.pop("REVIEWBOT_UPSTREAM_TREE", None)
    yield directory
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


# -- the REST API over the corpus ---------------------------------------------------------


def import_corpus(path: Path) -> Engine:
    """A database file with "qemu: backport fixes for 9.0.0" v1 and v2 and their review."""
    engine = open_engine(migrated_sqlite(path))
    import_paths(engine, [LIST / "2023-July.txt.gz", LIST / "2023-August.txt.gz"])
    return engine


def make_token(engine: Engine, user: str, *, read_only: bool = False) -> str:
    """A new API token's secret."""
    with session_scope(engine) as s:
        return store.create_token(session=s, user=user, read_only=read_only).token
