"""CDS clients' JWT ids, kept until the token expires, so a replayed token is refused.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cds_token_ids",
        sa.Column("iss", sa.String(length=300), nullable=False),
        sa.Column("jti", sa.String(length=200), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("iss", "jti"),
    )
    op.create_index("ix_cds_token_ids_expires", "cds_token_ids", ["expires"])


def downgrade() -> None:
    op.drop_index("ix_cds_token_ids_expires", table_name="cds_token_ids")
    op.drop_table("cds_token_ids")
