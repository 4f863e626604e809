"""Where patches are in a tree's history: commit_ref, the carrying commit of apply, upstream

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 09:00:00

`reviewbot upstream` (issue 16) finds the commit of a tree that carries each
patch: `patch.commit_ref` (patchwork's field) once it is confirmed,
`patchupstream` the newest check of each patch, and `patchapply.commit` the
commit an `already-applied` patch was found in.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    # plain ADD COLUMN: batch mode would recreate `patch` and trip foreign keys
    op.add_column("patch", sa.Column("commit_ref", sa.String(length=64), nullable=True))
    op.add_column("patchapply", sa.Column("commit", sa.String(length=64), nullable=True))
    op.create_table(
        "patchupstream",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("patch_id", sa.Integer(), sa.ForeignKey("patch.id"), nullable=False, unique=True),
        sa.Column("series_id", sa.Integer(), sa.ForeignKey("series.id"), nullable=False),
        sa.Column("tree", sa.String(), nullable=False),
        sa.Column("tree_head", sa.String(length=64), nullable=False),
        sa.Column("rev_range", sa.Text(), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.Column("commit", sa.String(length=64), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("tag", sa.String(), nullable=True),
        sa.Column("author_date", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("commit_date", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("checked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_patchupstream_series_id", "patchupstream", ["series_id"])


def downgrade() -> None:
    """Undo this migration."""
    op.drop_table("patchupstream")
    with op.batch_alter_table("patchapply", schema=None) as batch_op:
        batch_op.drop_column("commit")
    with op.batch_alter_table("patch", schema=None) as batch_op:
        batch_op.drop_column("commit_ref")
