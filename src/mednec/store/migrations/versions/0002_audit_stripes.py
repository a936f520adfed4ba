"""Audit log in stripes: several independent hash chains, so writers do not queue on one row.

One chain meant every transaction held the single head row through its commit, so commits
could not be grouped and throughput was bounded by one fsync per write. Entries now go to
one of several chains (by entity), each with its own head row; every entry is still in a
hash chain that detects edits, deletions and reordering. Existing entries become stripe 0
with their sequence numbers unchanged, so their hashes stay valid.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("stripe", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("stripe_seq", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_log SET stripe_seq = seq")
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column("stripe_seq", nullable=False)
        batch.create_unique_constraint("uq_audit_log_stripe_seq", ["stripe", "stripe_seq"])
    op.execute("UPDATE audit_head SET id = 0 WHERE id = 1")
    if bind.dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE IF NOT EXISTS audit_log_seq_seq")
        op.execute("SELECT setval('audit_log_seq_seq', COALESCE((SELECT max(seq) FROM audit_log), 0) + 1, false)")
        op.execute("ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq_seq')")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS audit_log_seq_seq")
    # a single chain cannot represent several: keep stripe 0 as the chain, drop the others' heads
    op.execute("DELETE FROM audit_head WHERE id <> 0")
    op.execute("UPDATE audit_head SET id = 1 WHERE id = 0")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_constraint("uq_audit_log_stripe_seq", type_="unique")
        batch.drop_column("stripe_seq")
        batch.drop_column("stripe")
