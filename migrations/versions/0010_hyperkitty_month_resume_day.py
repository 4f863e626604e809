"""HyperKitty months: the day the next read starts from

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 06:00:00

A HyperKitty month is read through the mbox export, filtered by day. While the
month is still open, the next read asks only from the day of the newest mail
stored from it (`resume_from`, YYYY-MM-DD in UTC); overlap is harmless, as the
import is idempotent by Message-ID. Once the month was read whole after it was
over, `resume_from` is its end: nothing is left to read, it is finished.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.add_column("scrapemonth", sa.Column("resume_from", sa.String(length=10), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("scrapemonth") as batch:
        batch.drop_column("resume_from")
