"""API tokens, the event log, and the maintainers' delegate/archived fields

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 20:10:00

The REST API (issue 7) writes state, delegate and archived with a token and
records every change as an event.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    # plain ADD COLUMN: batch mode would recreate `series`/`patch` and trip foreign keys
    for table in ("series", "patch"):
        op.add_column(table, sa.Column("delegate", sa.String(), nullable=True))
        op.add_column(
            table,
            sa.Column("archived", sa.Boolean(), nullable=False, server_default=sa.false()),
        )
        op.add_column(table, sa.Column("state_by", sa.String(), nullable=True))
    # the API's patch lists filter on these
    op.create_index("ix_patch_author_state", "patch", ["author_email", "state"])
    op.create_index("ix_patch_state", "patch", ["state"])
    op.create_table(
        "apitoken",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
    )
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("via", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=True),
        sa.Column("patch_id", sa.Integer(), nullable=True),
        sa.Column("concern_key", sa.String(length=64), nullable=True),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.String(), nullable=True),
        sa.Column("new_value", sa.String(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
    )
    for column in ("created_at", "category", "series_id", "patch_id", "concern_key"):
        op.create_index(f"ix_event_{column}", "event", [column])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("event")
    op.drop_table("apitoken")
    op.drop_index("ix_patch_state", "patch")
    op.drop_index("ix_patch_author_state", "patch")
    for table in ("patch", "series"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("state_by")
            batch.drop_column("archived")
            batch.drop_column("delegate")
