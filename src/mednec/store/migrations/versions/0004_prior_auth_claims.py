"""PAS prior-authorization requests, linked to the evaluation reviewers act on.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "prior_auth_claims",
        sa.Column("pre_auth_ref", sa.String(length=120), nullable=False),
        sa.Column("claim_system", sa.String(length=300), nullable=False),
        sa.Column("claim_value", sa.String(length=200), nullable=False),
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response", JSON, nullable=False),
        sa.Column("determinations", JSON, nullable=False),
        sa.Column("evaluation_id", sa.String(length=64), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pre_auth_ref"),
        sa.UniqueConstraint("claim_system", "claim_value", name="uq_prior_auth_claim_identifier"),
    )
    op.create_index("ix_prior_auth_claims_org_id", "prior_auth_claims", ["org_id"])


def downgrade() -> None:
    op.drop_index("ix_prior_auth_claims_org_id", table_name="prior_auth_claims")
    op.drop_table("prior_auth_claims")
