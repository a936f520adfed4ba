"""Alembic environment: runs on the connection mednec passes in (no alembic.ini needed)."""

from __future__ import annotations

from alembic import context

from mednec.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - mednec always passes a connection
    raise RuntimeError("run migrations through mednec.store.db.Database.upgrade()")
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
