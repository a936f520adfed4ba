"""Store each evaluation's determination compressed (one serialisation, no JSONB parsing).

Storing the full determination as JSONB cost about 8 ms of CPU per evaluation (serialising a
27 kB nested document and adapting it for the database). New rows keep it zlib-compressed in
`result_z`; older rows keep their JSON in `result`, which becomes nullable.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("result_z", sa.LargeBinary(), nullable=True))
        batch.alter_column("result", existing_type=JSON, nullable=True)


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, result_z FROM evaluations WHERE result_z IS NOT NULL")).fetchall()
    if rows:
        import json
        import zlib

        table = sa.table("evaluations", sa.column("id", sa.String), sa.column("result", JSON))
        for rid, blob in rows:
            bind.execute(table.update().where(table.c.id == rid).values(result=json.loads(zlib.decompress(blob))))
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("result_z")
        batch.alter_column("result", existing_type=JSON, nullable=False)
