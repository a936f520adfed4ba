"""Roles and sessions (issue 12): system administrators, a per-user session version, signatures
bound to the determination.

- ``users.system_admin``: an admin manages users and keys of its own organisation only, unless
  it is a system administrator (set by ``mednec users add --system``).
- ``users.session_version``: browser sessions carry the version they were signed in under;
  signing out (or revoking a key) raises it, so a copied cookie stops working at once.
- ``evaluations.signature_hash``: the SHA-256 of the determination JSON the reviewer signed.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("system_admin", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("users", sa.Column("session_version", sa.Integer(), nullable=False, server_default="0"))
    op.add_column("evaluations", sa.Column("signature_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("signature_hash")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_version")
        batch.drop_column("system_admin")
