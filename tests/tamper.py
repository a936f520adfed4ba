"""What the audit tests' simulated attacker does first: remove the database's append-only guard on ``audit_log``
(migration 0021's triggers), as a database owner can. The tests then check that the hash chain and the anchor
still detect the edit or deletion; the guard itself is tested in ``tests/api/test_attack_round8.py``."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa


def drop_audit_guard(conn: Any) -> None:
    """Drop the append-only triggers on ``audit_log`` over ``conn`` (a SQLAlchemy connection or a sqlite3 one)."""
    if isinstance(conn, sa.Connection):
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            return
        for name in ("audit_log_no_update", "audit_log_no_delete"):
            conn.execute(sa.text(f"DROP TRIGGER IF EXISTS {name}"))
        return
    for name in ("audit_log_no_update", "audit_log_no_delete"):
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
