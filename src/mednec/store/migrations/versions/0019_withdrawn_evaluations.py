"""Withdrawn evaluations: a prior-authorization request its organisation cancelled (PAS, Claim.status
cancelled) or replaced by an update (the same Claim again, or Claim.related) leaves the review queue in the
state ``withdrawn`` (neither open nor decided; no review action applies to it).

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

_BEFORE = ("submitted", "under_review", "approved", "overturned", "changes_requested", "info_requested", "appealed")
_AFTER = (*_BEFORE, "withdrawn")


def _constraint(states: tuple[str, ...]) -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_constraint("ck_evaluations_state", type_="check")
        batch.create_check_constraint("ck_evaluations_state", f"state in {states}")


def upgrade() -> None:
    _constraint(_AFTER)


def downgrade() -> None:
    # a withdrawn request is back with its requester (no reviewer works it), the nearest earlier state
    op.execute(sa.text("UPDATE evaluations SET state = 'changes_requested' WHERE state = 'withdrawn'"))
    _constraint(_BEFORE)
