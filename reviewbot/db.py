"""The database engine: opened, tuned, and migrated to the newest schema on open."""

from __future__ import annotations

import fcntl
import re
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlmodel import Session

from reviewbot.errors import DatabaseError
from reviewbot.globs import glob_matches
from reviewbot.packed import body_from

_PACKAGE = Path(__file__).resolve().parent


def migrations_dir() -> Path:
    """migrations/ in a checkout, or the copy shipped inside the wheel."""
    for candidate in (_PACKAGE.parent / "migrations", _PACKAGE / "_migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise DatabaseError("the migrations directory is missing from this installation")


_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)


def head_revision() -> str | None:
    """The newest migration, read from the files without importing Alembic (start-up)."""
    revisions, parents = set(), set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        if m := _REVISION.search(source):
            revisions.add(m.group(1))
        if m := _DOWN.search(source):
            parents.add(m.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def alembic_config(engine: Engine) -> Any:
    """An Alembic Config pointing at our migrations, bound to `engine`."""
    # Alembic loads only when a schema needs migrating: most runs find it current
    from alembic.config import Config  # noqa: PLC0415

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


def sqlite_file(url: str) -> Path | None:
    """The file an SQLite URL names; None for an in-memory one or any other database."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        return None  # open_engine says what is wrong with it
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or not database or database.startswith(":"):
        return None
    if database.startswith("file:"):  # a URI filename (uri=true): file:PATH?mode=ro
        database = database.removeprefix("file:").split("?", 1)[0]
        if not database or database.startswith(":"):
            return None
    return Path(database)


def open_engine(url: str, *, migrate: bool = True) -> Engine:
    """Create an engine for `url`, make SQLite fast and safe, upgrade the schema."""
    if url.startswith("sqlite:///") and "?" not in url:  # a plain file, not a file: URI
        path = Path(url.removeprefix("sqlite:///"))
        if not path.parent.exists():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"{path.parent}: cannot create directory ({exc})") from exc
    try:
        engine = create_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise DatabaseError(f"bad database URL {url!r}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # a read-only database (mode=ro, a read-only file) refuses: its readers need no WAL
    with suppress(sqlite3.OperationalError):
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # path globs (read.filters): SQLite has no regex of its own, and Python's re
    # would backtrack exponentially on a hostile glob, so a matcher without regex
    dbapi_connection.create_function("reviewbot_glob", 2, glob_matches, deterministic=True)
    # a body stored once, in the compressed raw bytes: the full-text index and
    # every statement reading a body call this (reviewbot/texts.py)
    dbapi_connection.create_function("reviewbot_body", 1, _body, deterministic=True)


def _body(stored_raw: bytes | None) -> str | None:
    return None if stored_raw is None else body_from(bytes(stored_raw))


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is current).

    Two programs opening a new database at once take turns: the second waits
    for the first's migration, then finds the schema current.
    """
    try:
        if _current_revision(engine) == head_revision():
            return  # the common case, without loading Alembic
        with _migration_lock(engine):
            if _current_revision(engine) == head_revision():
                return  # migrated by whoever held the lock before us
            with _restorable(engine):
                _migrate(engine)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"cannot open or migrate {engine.url!r}: {exc}") from exc


# an arbitrary key of our own, beside the writers' lock (store/locks.py)
MIGRATION_LOCK = 0x7265766965770002


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Held while migrating: a session advisory lock on PostgreSQL, a lock file beside an
    SQLite file (its own DDL runs outside transactions, so the database cannot lock it)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database.startswith(("file:", ":")):
        yield
        return
    try:
        lock = open(f"{database}.migration-lock", "a+b")  # noqa: SIM115  (held across yield)
    except OSError as exc:
        raise DatabaseError(f"{database}: cannot lock it to migrate ({exc})") from exc
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _migrate(engine: Engine) -> None:
    from alembic import command  # noqa: PLC0415  (see alembic_config)

    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def _restorable(engine: Engine) -> Iterator[None]:
    """Copy an SQLite file before migrating it and put it back if the migration fails.

    pysqlite runs DDL outside the migration's transaction, so a failed step
    would otherwise leave a half-migrated file.
    """
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or not Path(database).exists():
        yield
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    backup = Path(f"{database}.pre-migration")
    shutil.copy2(database, backup)
    # closing the copy's descriptor dropped this process's POSIX locks on the file, so
    # a pooled connection would be unlocked: another process closing the database
    # would then delete the WAL under it, losing its later commits
    engine.dispose()
    try:
        yield
    except BaseException:
        engine.dispose()
        shutil.copy2(backup, database)
        Path(f"{database}-wal").unlink(missing_ok=True)
        raise
    backup.unlink(missing_ok=True)


def _current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            return connection.execute(text("select version_num from alembic_version")).scalar()
        except SQLAlchemyError:
            return None  # a new database: no alembic_version table yet


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
