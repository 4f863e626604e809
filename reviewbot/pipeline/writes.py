"""Short write transactions that take turns and are retried when the database says so.

Every transaction that places or rebuilds series holds the writers' lock
(store.lock_writers) from its first statement, so importers never interleave
inside one and cannot deadlock with each other. A deadlock or serialization
failure with some other writer (PostgreSQL aborts one of the two), or SQLite
still busy after its timeout, rolls the transaction back; it is then simply
run again after a short random pause.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from reviewbot import store
from reviewbot.db import session_scope
from reviewbot.pipeline.rebuild import rebuild_next

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
                store.lock_writers(session=session)
                return work(session)
        except DBAPIError as exc:
            if attempt + 1 == ATTEMPTS or not is_transient(exc):
                raise
            if on_retry:
                on_retry()
            time.sleep(random.uniform(0.01, 0.05 * 2**attempt))
    raise AssertionError("unreachable")  # the loop returns or raises


def rebuild_dirty_series(engine: Engine) -> int:
    """Rebuild every dirty series, one chunk per locked transaction; return how many.

    Short transactions let a concurrent importer's batches in between chunks.
    The budget only guards against a bug re-dirtying series forever.
    """
    with Session(engine) as session:
        budget = 4 * store.count_dirty(session=session) + 1000
    done = 0
    while done < budget and (step := locked_write(engine, lambda s: rebuild_next(session=s))):
        done += step
    return done
