"""Reviewing organisations: only users of an organisation that reviews others' requests (the plan)
read other organisations' cases. Existing organisations with a physician reviewer, an auditor or a
system administrator are marked reviewing, so a deployment keeps working as before; an
organisation of requesters and its own admins is not.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("reviews_all", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute(sa.text(
        "UPDATE organizations SET reviews_all = :yes WHERE id IN (SELECT org_id FROM users WHERE "
        "role IN ('physician_reviewer', 'auditor') OR system_admin = :yes)").bindparams(yes=True))


def downgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("reviews_all")
