"""Concerns as conversations: replies, what set the status, places in later versions

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 06:00:00

A concern keeps the replies it got (JSON) and what set its status (a message, a
version or a user). Where it stands in each later version moves from the
concern's single `ported_*` columns to `concernplace`, one row per version, so
a concern is carried through v2 to v3. Every series is marked for relinking:
the next import, scrape or `reviewbot link` fills the new columns.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_PORTED = ("ported_patch_id", "ported_file", "ported_hunk", "ported_line")


def upgrade() -> None:
    """Apply this migration."""
    op.add_column("concern", sa.Column("status_source_kind", sa.String(16), nullable=True))
    op.add_column("concern", sa.Column("status_source_ref", sa.String(), nullable=True))
    op.add_column("concern", sa.Column("replies", sa.Text(), nullable=False, server_default="[]"))
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index("ix_concern_ported_patch_id")
        for column in _PORTED:
            batch_op.drop_column(column)
    op.create_table(
        "concernplace",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("series.id"), nullable=False),
        sa.Column("patch_id", sa.Integer(), nullable=True),
        sa.Column("file", sa.String(), nullable=True),
        sa.Column("hunk", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("linked_by", sa.Integer(), nullable=False),
    )
    for column in ("concern_id", "series_id", "patch_id", "linked_by"):
        op.create_index(f"ix_concernplace_{column}", "concernplace", [column])
    op.execute("UPDATE series SET review_dirty = true")


def downgrade() -> None:
    """Undo this migration."""
    op.drop_table("concernplace")
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_column("replies")
        batch_op.drop_column("status_source_ref")
        batch_op.drop_column("status_source_kind")
        batch_op.add_column(sa.Column("ported_patch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ported_file", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("ported_hunk", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ported_line", sa.Integer(), nullable=True))
        batch_op.create_index("ix_concern_ported_patch_id", ["ported_patch_id"])
    op.execute("UPDATE series SET review_dirty = true")
