"""The writers' lock: importers, scrapers and rebuilds take turns per transaction.

Placing mail into series reads the series a batch could join and then writes;
two importers doing that at once could each open a series for the same patch
set. So every transaction that places or rebuilds series first takes one lock,
held until it commits: a transaction-level advisory lock on PostgreSQL, the
database write lock on SQLite (which serialises writers anyway, but only from
the first write on: taking it first makes the reads before it current too).
Parsing happens outside these transactions, so importers still overlap there.
"""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlmodel import Session

from reviewbot.models import Message
from reviewbot.store._base import _t

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
    m = _t(Message)
    return int(session.connection().execute(select(func.max(m.c.id))).scalar() or 0)
