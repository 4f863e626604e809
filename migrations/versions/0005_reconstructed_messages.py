"""reconstructed messages

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:55:00

A message rebuilt from the quotes of a later reply (its own mail is missing from
the archive) is stored like any other, flagged, naming the reply it came from.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    # plain ADD COLUMN: batch mode would recreate `message` and trip foreign keys
    op.add_column(
        "message",
        sa.Column("reconstructed_from", sa.String(length=998), nullable=True),
    )


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table("message") as batch:
        batch.drop_column("reconstructed_from")
