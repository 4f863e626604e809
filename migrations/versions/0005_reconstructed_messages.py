"""reconstructed messages, ported concerns

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 19:55:00

A message rebuilt from the quotes of a later reply (its own mail is missing from
the archive) is stored like any other, flagged, naming the reply it came from.
An open concern is carried to the matching hunk of the next version (Gerrit's
ported comments): where it lands is kept with it.
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
    op.add_column("concern", sa.Column("ported_patch_id", sa.Integer(), nullable=True))
    op.add_column("concern", sa.Column("ported_file", sa.String(), nullable=True))
    op.add_column("concern", sa.Column("ported_hunk", sa.Integer(), nullable=True))
    op.add_column("concern", sa.Column("ported_line", sa.Integer(), nullable=True))
    op.create_index("ix_concern_ported_patch_id", "concern", ["ported_patch_id"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index("ix_concern_ported_patch_id", table_name="concern")
    with op.batch_alter_table("concern") as batch:
        for column in ("ported_patch_id", "ported_file", "ported_hunk", "ported_line"):
            batch.drop_column(column)
    with op.batch_alter_table("message") as batch:
        batch.drop_column("reconstructed_from")
