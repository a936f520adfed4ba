"""Rate limits shared by every worker: counts per client key and time bucket.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_counts",
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("bucket", sa.BigInteger(), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "bucket"),
    )
    op.create_index("ix_rate_counts_scope_bucket", "rate_counts", ["scope", "bucket"])


def downgrade() -> None:
    op.drop_index("ix_rate_counts_scope_bucket", table_name="rate_counts")
    op.drop_table("rate_counts")
