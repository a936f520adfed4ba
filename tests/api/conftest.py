"""API fixtures: a fresh database per test on SQLite and, where configured, on PostgreSQL.

PostgreSQL tests read MEDNEC_TEST_POSTGRES_URL (`.ci/run` sets it to the server on
127.0.0.1:5432); each test gets its own throw-away database on that server.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from mednec.api import Settings, create_app
from mednec.runtime import default_runtime
from mednec.store.service import Service

PG_URL = os.environ.get("MEDNEC_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mednec.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MEDNEC_TEST_POSTGRES_URL (set by .ci/run)")
    admin = sa.create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    name = f"mednec_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    base = admin.url
    yield str(base.set(database=name).render_as_string(hide_password=False))
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Clock:
    """A settable clock for turnaround tests."""

    def __init__(self) -> None:
        self.t = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.t


@dataclass
class World:
    client: TestClient
    service: Service
    clock: Clock
    keys: dict[str, str]

    def h(self, who: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[who]}", **extra}


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    clock = Clock()
    app = create_app(Settings(database_url=db_url, runtime=default_runtime(), now=clock))
    service: Service = app.state.service
    keys = {}
    for who, org, role in [
        ("req", "clinic-a", "requester"), ("req_b", "clinic-b", "requester"),
        ("doc", "plan", "physician_reviewer"), ("doc2", "plan", "physician_reviewer"),
        ("author", "plan", "policy_author"), ("auditor", "plan", "auditor"), ("admin", "plan", "admin"),
    ]:
        u = service.accounts.add_user(org, who, role)
        keys[who] = service.accounts.create_key(u.id)
    with TestClient(app) as client:
        yield World(client, service, clock, keys)
    app.state.db.dispose()


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example(name: str) -> dict[str, Any]:
    import yaml

    data = yaml.safe_load((EXAMPLES / name).read_text())
    return {k: v for k, v in data.items()}
