"""PAS requests scoped by organisation: key (org_id, pre_auth_ref), identifier unique per organisation.

Before, the Claim.identifier was unique across organisations and the preAuthRef alone was the key,
so a second organisation submitting the same identifier reached the first one's record. The table
is rebuilt (the same on SQLite and PostgreSQL) with the organisation in the primary key and in the
identifier's unique constraint; rows are copied unchanged.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_COLUMNS = ("org_id, pre_auth_ref, claim_system, claim_value, status, response, determinations, "
            "evaluation_id, updated")


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("pre_auth_ref", sa.String(length=120), nullable=False),
        sa.Column("claim_system", sa.String(length=300), nullable=False),
        sa.Column("claim_value", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("response", JSON, nullable=False),
        sa.Column("determinations", JSON, nullable=False),
        sa.Column("evaluation_id", sa.String(length=64), nullable=True),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.drop_index("ix_prior_auth_claims_org_id", table_name="prior_auth_claims")
    op.rename_table("prior_auth_claims", "prior_auth_claims_0008")
    op.create_table(
        "prior_auth_claims",
        *_columns(),
        sa.PrimaryKeyConstraint("org_id", "pre_auth_ref", name="pk_prior_auth_claims_org_ref"),
        sa.UniqueConstraint("org_id", "claim_system", "claim_value", name="uq_prior_auth_claims_org_identifier"),
    )
    op.execute(f"INSERT INTO prior_auth_claims ({_COLUMNS}) SELECT {_COLUMNS} FROM prior_auth_claims_0008")
    op.drop_table("prior_auth_claims_0008")


def downgrade() -> None:
    """Back to one record per identifier across organisations (fails if two organisations share one)."""
    op.rename_table("prior_auth_claims", "prior_auth_claims_0009")
    op.create_table(
        "prior_auth_claims",
        *_columns(),
        sa.PrimaryKeyConstraint("pre_auth_ref"),
        sa.UniqueConstraint("claim_system", "claim_value", name="uq_prior_auth_claim_identifier"),
    )
    op.execute(f"INSERT INTO prior_auth_claims ({_COLUMNS}) SELECT {_COLUMNS} FROM prior_auth_claims_0009")
    op.drop_table("prior_auth_claims_0009")
    op.create_index("ix_prior_auth_claims_org_id", "prior_auth_claims", ["org_id"])
