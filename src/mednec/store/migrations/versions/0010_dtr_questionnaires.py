"""DTR Questionnaires handed out (content-addressed), so their canonical URLs resolve, and which
Questionnaire each CRD coverage-assertion-id asked for.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "dtr_questionnaires",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("url", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("body", JSON, nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_dtr_questionnaires_url", "dtr_questionnaires", ["url"])
    op.create_table(
        "dtr_assertions",
        sa.Column("assertion_id", sa.String(length=120), nullable=False),
        sa.Column("questionnaire_id", sa.String(length=64), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("assertion_id"),
    )


def downgrade() -> None:
    op.drop_table("dtr_assertions")
    op.drop_index("ix_dtr_questionnaires_url", table_name="dtr_questionnaires")
    op.drop_table("dtr_questionnaires")
