"""Database connection and migrations.

``MEDNEC_DATABASE_URL`` selects the database; without it mednec uses a SQLite file in the
user data directory (``platformdirs``). Engines never log or quote SQL parameters
(``hide_parameters``): a database error's message may reach a log, and parameters are patient
data; nor result rows (SQLAlchemy logs each row at DEBUG: :class:`NoRows`). SQLite runs in WAL mode with ``synchronous=FULL`` so
every acknowledged commit survives a crash; PostgreSQL is used through psycopg 3.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from mednec.settings import current


class NoRows(logging.Filter):
    """Drops SQLAlchemy's log records of result rows ("Row %r", at DEBUG, e.g. under a root logger set to DEBUG):
    rows hold case titles and case files, patient data. Statements stay (their parameters are hidden)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.msg != "Row %r"


if not any(isinstance(f, NoRows) for f in logging.getLogger("sqlalchemy.engine.Engine").filters):
    logging.getLogger("sqlalchemy.engine.Engine").addFilter(NoRows())

__all__ = ["Database", "default_url", "normalize_url"]


def default_url() -> str:
    """The database URL: ``MEDNEC_DATABASE_URL`` or a SQLite file in the user data directory."""
    env = current().database_url
    if env:
        return normalize_url(env)
    from platformdirs import user_data_dir

    folder = Path(user_data_dir("mednec"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'mednec.db'}"


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.removeprefix("postgres://")
    return url


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN IMMEDIATE itself
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def _json_text(value: Any) -> str:
    """JSON columns written by orjson (non-string keys become strings, as with ``json``)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _pg_json(dbapi_conn: Any, _record: Any) -> None:
    """JSON columns read by orjson (several times faster than ``json`` on case data)."""
    from psycopg.types.json import set_json_loads

    set_json_loads(orjson.loads, dbapi_conn)


class Database:
    """An engine, a session factory, and the migration runner for one database URL."""

    def __init__(self, url: str | None = None, *, pool_size: int = 10) -> None:
        self.url = normalize_url(url) if url else default_url()
        if self.url.startswith("sqlite"):
            args = {"check_same_thread": False, "timeout": 10}
            self.engine = sa.create_engine(self.url, connect_args=args, pool_pre_ping=True, hide_parameters=True)
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            # writers take the write lock at BEGIN, so they queue instead of failing late
            sa.event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
            # readers use a deferred BEGIN: in WAL mode they never wait for writers
            self.read_engine = sa.create_engine(self.url, connect_args=args, pool_pre_ping=True,
                                                hide_parameters=True)
            sa.event.listen(self.read_engine, "connect", _sqlite_pragmas)
            sa.event.listen(self.read_engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        else:
            # no pre-ping (a round trip per checkout); connections are recycled instead
            self.engine = sa.create_engine(self.url, pool_size=pool_size, max_overflow=20, pool_recycle=1800,
                                           connect_args={"prepare_threshold": None}, json_serializer=_json_text,
                                           hide_parameters=True)
            sa.event.listen(self.engine, "connect", _pg_json)
            self.read_engine = self.engine
        self._writer: AbstractContextManager[Any] = threading.Lock() if self.is_sqlite else nullcontext()
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-write session in one transaction: committed on success, rolled back on error.

        On SQLite the threads of one process queue for the write lock in order (a
        ``threading.Lock``) instead of in SQLite's busy handler, which sleeps and retries
        unfairly: under load some writers waited seconds while others went first."""
        with self._writer, self.sessions() as s, s.begin():
            yield s

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (on SQLite it does not take the write lock)."""
        with self.read_sessions() as s, s.begin():
            yield s

    def upgrade(self, revision: str = "head") -> None:
        """Run the Alembic migrations up to ``revision``."""
        from alembic import command

        with self.engine.begin() as conn:
            cfg = alembic_config(conn)
            command.upgrade(cfg, revision)

    def downgrade(self, revision: str) -> None:
        from alembic import command

        with self.engine.begin() as conn:
            command.downgrade(alembic_config(conn), revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()
        self.read_engine.dispose()


def alembic_config(connection: sa.Connection | None = None) -> Any:
    """An Alembic config pointing at the migrations shipped in the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg
