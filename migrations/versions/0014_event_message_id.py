"""Events name the mail that caused them

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 06:00:00

An event inferred from mail (a state moved by a reply, a version superseded by
a newer one) is dated by that mail and names it by Message-ID, so the web UI
can link the thread and a reviewer can read what moved it. Events written by
the API or the CLI have none.

Every series is marked dirty: the next import, scrape or `reviewbot link`
rebuilds them, which replaces the events inferred from mail (dated by the
import until now) with their history, dated by the mail. Until then those
events read as before, without a Message-ID.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.add_column("event", sa.Column("msgid", sa.String(length=998), nullable=True))
    op.execute(sa.text("UPDATE series SET dirty = :yes").bindparams(yes=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("event") as batch:
        batch.drop_column("msgid")
