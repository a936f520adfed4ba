"""Migrations upgrade an empty database and every earlier revision, on both backends."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from mednec.store.db import Database

VERSIONS = Path(__file__).resolve().parents[2] / "src" / "mednec" / "store" / "migrations" / "versions"


def _revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    from mednec.store.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def test_upgrade_from_empty_and_from_every_revision(db_url: str) -> None:
    db = Database(db_url)
    revs = _revisions()
    assert revs and revs[0] == "0001"
    db.upgrade()
    assert db.current_revision() == revs[-1]
    tables = set(sa.inspect(db.engine).get_table_names())
    assert {"cases", "evaluations", "audit_log", "users", "api_keys"} <= tables
    for rev in ["base", *revs[:-1]]:
        db.downgrade(rev)
        db.upgrade()
        assert db.current_revision() == revs[-1]
    db.dispose()


def test_the_migrated_schema_matches_the_models(db_url: str) -> None:
    """What the migrations build is what the models declare (tables, columns, indexes), so a
    model change without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from mednec.store.models import Base

    db = Database(db_url)
    db.upgrade()
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(ctx, Base.metadata)
    db.dispose()
    assert diff == [], diff
