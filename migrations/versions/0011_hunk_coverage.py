"""Review coverage: which reviewer quoted or commented on which hunk

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 07:00:00

Linking now records, for each reply under a patch, the hunks it quoted or
commented on (`hunkcover`). Every series is marked for relinking so the next
import (or `reviewbot link`) fills the table for mail already stored.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "hunkcover",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("series.id"), nullable=False),
        sa.Column("patch_id", sa.Integer(), sa.ForeignKey("patch.id"), nullable=False),
        sa.Column("file", sa.String(), nullable=False),
        sa.Column("hunk", sa.Integer(), nullable=False),
        sa.Column("reviewer_name", sa.String(), nullable=False),
        sa.Column("reviewer_email", sa.String(), nullable=False),
        sa.Column("how", sa.String(16), nullable=False),
        sa.Column("reply_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=False),
    )
    for column in ("series_id", "patch_id"):
        op.create_index(f"ix_hunkcover_{column}", "hunkcover", [column])
    op.execute("UPDATE series SET review_dirty = true")


def downgrade() -> None:
    """Undo this migration."""
    op.drop_table("hunkcover")
