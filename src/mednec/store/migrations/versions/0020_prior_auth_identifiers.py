"""Every Claim.identifier a prior-authorization request was sent under: an update sent under its own identifier
(Da Vinci PAS: Claim.related names the prior Claim) becomes the request's current identifier, and the identifiers
it replaced keep finding the request (PAS spec-55/56: an inquiry by a replaced number gives the current response).
Unique per organisation, so one identifier never names two requests. Filled from each stored request's identifier.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prior_auth_identifiers",
        sa.Column("org_id", sa.String(length=64), nullable=False),
        sa.Column("claim_system", sa.String(length=300), nullable=False),
        sa.Column("claim_value", sa.String(length=200), nullable=False),
        sa.Column("pre_auth_ref", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("org_id", "claim_system", "claim_value", name="pk_prior_auth_identifiers"),
    )
    op.create_index("ix_prior_auth_identifiers_ref", "prior_auth_identifiers", ["org_id", "pre_auth_ref"])
    op.execute(sa.text("INSERT INTO prior_auth_identifiers (org_id, claim_system, claim_value, pre_auth_ref) "
                       "SELECT org_id, claim_system, claim_value, pre_auth_ref FROM prior_auth_claims"))


def downgrade() -> None:
    op.drop_index("ix_prior_auth_identifiers_ref", table_name="prior_auth_identifiers")
    op.drop_table("prior_auth_identifiers")
