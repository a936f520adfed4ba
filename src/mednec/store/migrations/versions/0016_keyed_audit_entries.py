"""Keyed audit entries: each entry records the scheme its hash was made with, "sha256" (plain, every
existing entry) or "hmac-sha256:<key id>" (HMAC-SHA256 under a key derived from MEDNEC_AUDIT_KEY).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("hash_scheme", sa.String(length=32), nullable=False, server_default="sha256"))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash_scheme")
