"""The writers' lock: importers, scrapers and rebuilds take turns per transaction.

Placing mail into series reads the series a batch could join and then writes;
two importers doing that at once could each open a series for the same patch
set. So every transaction that places or rebuilds series first takes one lock,
held until it commits: a transaction-level advisory lock on PostgreSQL, the
database write lock on SQLite (which serialises writers anyway, but only from
the first write on: taking it first makes the reads before it current too).
Parsing happens outside these transactions, so importers still overlap there.

`locked_write` runs such a transaction and runs it again when the database
says so: a deadlock or serialization failure with some other writer
(PostgreSQL aborts one of the two), or SQLite still busy after its timeout,
rolls it back; it is retried after a short random pause.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from reviewbot.db import session_scope
from reviewbot.models import MESSAGE

# an arbitrary 64-bit key of our own; other applications sharing the database
# would have to pick the same number to collide
WRITERS_LOCK = 0x7265766965770001


def lock_writers(*, session: Session) -> None:
    """Wait for, then hold until commit, the lock every series writer takes."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITERS_LOCK})
    elif conn.dialect.name == "sqlite":
        # a write as the first statement makes pysqlite BEGIN and take the write lock now
        conn.execute(text("UPDATE alembic_version SET version_num = version_num"))


def newest_message_id(*, session: Session) -> int:
    """The highest message row id (0 when empty): tells whether anyone else wrote."""
    return int(session.connection().execute(select(func.max(MESSAGE.c.id))).scalar() or 0)


T = TypeVar("T")
ATTEMPTS = 6
# SQLSTATEs PostgreSQL asks a client to retry on: serialization_failure, deadlock_detected
_RETRY_STATES = {"40001", "40P01"}


def is_transient(exc: BaseException) -> bool:
    """Whether a database error goes away when the transaction is simply run again."""
    if not isinstance(exc, DBAPIError):
        return False
    if getattr(exc.orig, "sqlstate", None) in _RETRY_STATES:
        return True
    return "database is locked" in str(exc.orig)  # SQLite, after busy_timeout


def locked_write(
    engine: Engine,
    work: Callable[[Session], T],
    *,
    on_retry: Callable[[], None] | None = None,
) -> T:
    """Run `work` in one transaction holding the writers' lock; retry transient failures.

    `on_retry` undoes whatever in-memory state `work` changed before it failed.
    """
    for attempt in range(ATTEMPTS):
        try:
            with session_scope(engine) as session:
                lock_writers(session=session)
                return work(session)
        except DBAPIError as exc:
            if attempt + 1 == ATTEMPTS or not is_transient(exc):
                raise
            if on_retry:
                on_retry()
            time.sleep(random.uniform(0.01, 0.05 * 2**attempt))
    raise AssertionError("unreachable")  # the loop returns or raises
