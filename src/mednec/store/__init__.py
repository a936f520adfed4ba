"""Persistence: SQLAlchemy models, Alembic migrations, the audit chain and repositories.

SQLite by default (a file in the user data directory), PostgreSQL when
``MEDNEC_DATABASE_URL`` points at one; the same models and migrations serve both.
"""
