"""Record a policy version's impact analysis in its review.

The transition table (published version -> draft) over the stored cases, computed when the
draft is submitted and again when it is published, is kept with the version
(`policy_versions.impact`), so the review shows what publishing changed and why.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("policy_versions",
                  sa.Column("impact", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))


def downgrade() -> None:
    op.drop_column("policy_versions", "impact")
