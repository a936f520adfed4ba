"""Rate limits shared by every worker (issue 18, items 6 and 7): two application instances on one
database (as ``mednec serve --workers 2`` runs them) share one count of failed sign-ins and of public
requests, on SQLite and on PostgreSQL (``MEDNEC_TEST_POSTGRES_URL``); the table holds no address and
stays bounded; the lockout and the throttling are audited."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from mednec.api import Settings, create_app
from mednec.runtime import default_runtime
from mednec.store import passwords
from mednec.store.db import Database
from mednec.store.models import AuditEntry, RateCount
from mednec.store.ratelimit import SharedLimit, wait_for
from mednec.web.routes_auth import FAILED_SIGN_INS
from mednec.web.routes_public import LIMITS
from tests.web.conftest import Clock, csrf_of

PASSWORD = "correct horse battery staple"


@pytest.fixture
def two_apps(db_url: str) -> Iterator[tuple[Any, Any]]:
    """Two instances of the application (two workers) on one database."""
    rt = default_runtime()
    apps = [create_app(Settings(database_url=db_url, runtime=rt, now=Clock())) for _ in range(2)]
    yield apps[0], apps[1]
    for app in apps:
        app.state.db.dispose()


def _sign_in(c: TestClient, **data: str) -> int:
    token = csrf_of(c.get("/sign-in").text)
    return c.post("/sign-in", data={"csrf": token, "next": "/", **data}, follow_redirects=False).status_code


def _audit(app: Any, action: str) -> list[AuditEntry]:
    with app.state.db.reading() as s:
        return list(s.execute(sa.select(AuditEntry).where(AuditEntry.action == action)).scalars())


def test_failed_sign_ins_are_counted_once_across_two_workers(two_apps: tuple[Any, Any]) -> None:
    a, b = (TestClient(app) for app in two_apps)
    limit = FAILED_SIGN_INS[0]
    codes = [_sign_in((a, b)[i % 2], username=f"guess{i}", password="x" * 12) for i in range(limit + 2)]
    assert codes[:limit] == [401] * limit and codes[limit:] == [429, 429]  # per process each allowed 20: 40
    assert _sign_in(a, username="guess", password="x" * 12) == 429 and _sign_in(b, username="g", password="y" * 12) == 429
    throttled = _audit(two_apps[0], "auth.throttled")
    assert len(throttled) == 1 and throttled[0].detail == {"failures": limit, "seconds": int(FAILED_SIGN_INS[1])}
    assert "testclient" not in throttled[0].entity_id


def test_the_username_lockout_holds_across_workers_and_is_audited(two_apps: tuple[Any, Any]) -> None:
    service = two_apps[0].state.service
    user = service.accounts.add_user("plan", "Dr Maria Chen", "physician_reviewer")
    service.accounts.set_password(user.id, "m.chen", PASSWORD)
    a, b = (TestClient(app) for app in two_apps)
    codes = [_sign_in((a, b)[i % 2], username="m.chen", password="not the password")
             for i in range(passwords.LOCK_AFTER)]
    assert codes == [401] * passwords.LOCK_AFTER
    assert _sign_in(b, username="m.chen", password=PASSWORD) == 401  # locked, on the other worker too
    assert [e.entity_id for e in _audit(two_apps[1], "auth.lockout")] == [user.id]


def test_public_questions_are_counted_once_across_two_workers(two_apps: tuple[Any, Any]) -> None:
    a, b = (TestClient(app) for app in two_apps)
    tokens = {id(c): csrf_of(c.get("/public/ask").text) for c in (a, b)}
    limit = LIMITS["asks"]
    responses = [c.post("/public/ask", data={"csrf": tokens[id(c)], "question": ""})
                 for c in [(a, b)[i % 2] for i in range(limit + 2)]]
    assert [r.status_code for r in responses] == [422] * limit + [429, 429]
    assert 1 <= int(responses[-1].headers["retry-after"]) <= 120
    with two_apps[0].state.db.reading() as s:
        rows = list(s.execute(sa.select(RateCount)).scalars())
    assert {r.scope for r in rows} == {"pages", "asks"}
    assert all(len(r.key) == 40 and "testclient" not in r.key for r in rows)  # a keyed hash, not the address
    assert sum(r.hits for r in rows if r.scope == "asks") == limit  # refused requests are not counted


class _Clock:
    def __init__(self, t: float = 6_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    d = Database(db_url)
    d.upgrade()
    yield d
    d.engine.dispose()


def test_the_sliding_window(db: Database) -> None:
    clock = _Clock(6_000.0)  # the start of a 60-second bucket
    rl = SharedLimit(db, "asks", 3, 60.0, clock=clock)
    assert [rl.allow("a") for _ in range(3)] == [0, 0, 0]
    clock.t += 3
    assert rl.allow("a") == 77.0 and rl.allow("b") == 0  # "a" waits until 2 of its 3 count (t = 6080)
    clock.t = 6_079.0
    assert rl.allow("a") == pytest.approx(1.0)
    clock.t = 6_080.5
    assert rl.allow("a") == 0
    assert rl.estimate("a") == pytest.approx(3 * (1 - 20.5 / 60) + 1)
    assert [rl.hit("c") for _ in range(3)] == [1, 2, 3] and rl.blocked("c") and not rl.blocked("d")


@pytest.mark.parametrize("limit", [1, 3, 10])
def test_waiting_as_told_is_enough_and_no_more(limit: int) -> None:
    window = 60.0
    for prev in range(0, 2 * limit + 2):
        for curr in range(0, limit + 1):
            for elapsed in (0.0, 0.5, 17.0, 45.0, 59.9):
                wait = wait_for(prev, curr, elapsed, limit, window)

                def fits(t: float, prev: int = prev, curr: int = curr, elapsed: float = elapsed) -> bool:
                    e = elapsed + t
                    if e < window:
                        return prev * (1 - e / window) + curr + 1 <= limit + 1e-9
                    return curr * (1 - (e - window) / window) + 1 <= limit + 1e-9

                assert fits(wait), (prev, curr, elapsed, wait)
                assert wait == 0 or not fits(max(0.0, wait - 0.01)), (prev, curr, elapsed, wait)


def test_the_table_stays_bounded(db: Database) -> None:
    clock = _Clock(6_000.0)
    rl = SharedLimit(db, "pages", 100, 60.0, rows=5, clock=clock)

    def rows() -> int:
        with db.reading() as s:
            return int(s.execute(sa.select(sa.func.count()).select_from(RateCount)).scalar_one())

    for i in range(10):
        rl.allow(f"10.0.0.{i}")
    assert rows() == 10
    clock.t += 61  # the next bucket: a prune is due; 11 clients are more than 5, so all are forgotten
    rl.allow("10.0.0.99")
    assert rows() == 0
    big = SharedLimit(db, "pages", 100, 60.0, clock=clock)
    big.allow("10.0.0.1")
    clock.t += 121  # two buckets later the old one has left the window
    big.allow("10.0.0.2")
    assert rows() == 1


def test_two_workers_counting_at_once_allow_exactly_the_limit(db: Database, db_url: str) -> None:
    other = Database(db_url)
    limits = [SharedLimit(d, "asks", 15, 3600.0, clock=_Clock(7_200.0)) for d in (db, other, db, other)]
    allowed: list[int] = []

    def run(rl: SharedLimit) -> None:
        allowed.extend(1 for _ in range(10) if rl.allow("203.0.113.7") == 0)

    threads = [threading.Thread(target=run, args=(rl,)) for rl in limits]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    other.engine.dispose()
    assert len(allowed) == 15
