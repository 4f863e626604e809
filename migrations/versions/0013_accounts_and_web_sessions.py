"""Accounts and web sessions: signing in to the web UI, my queue

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 09:00:00

Issue 17: the web UI signs people in (an API token, or a password stored as an
argon2 hash) to a server-side session of which only the sha256 of the cookie's
secret is kept; a person's addresses and watched paths (JSON lists) make their
queue.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, unique=True),
        sa.Column("emails", sa.Text(), nullable=False),
        sa.Column("watches", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_table(
        "websession",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("secret_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("read_only", sa.Boolean(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    )
    op.create_index("ix_websession_expires_at", "websession", ["expires_at"])


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table("websession")
    op.drop_table("account")
