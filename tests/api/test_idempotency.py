"""Atomic idempotency (issue 12, item 5): of 16 concurrent POSTs with one Idempotency-Key exactly
one creates an evaluation; the others replay its response or get 409, creating nothing. On
PostgreSQL (MEDNEC_TEST_POSTGRES_URL) the requests really run in parallel."""

from __future__ import annotations

import json
import threading
from typing import Any

import sqlalchemy as sa

from mednec.store.models import Evaluation, IdempotencyRecord
from tests.api.conftest import World, example


def _case(w: World) -> str:
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    return str(w.client.post("/cases", json=body, headers=w.h("req")).json()["id"])


def _evaluations(w: World, case: str) -> int:
    with w.service.db.reading() as s:
        q = sa.select(sa.func.count()).select_from(Evaluation).where(Evaluation.case_id == case)
        return int(s.execute(q).scalar_one())


def test_sixteen_concurrent_posts_with_one_key_create_one_evaluation(world: World) -> None:
    w = world
    case = _case(w)
    start = threading.Barrier(16)
    results: list[Any] = []
    lock = threading.Lock()

    def post() -> None:
        start.wait()
        r = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"},
                          headers=w.h("req", **{"Idempotency-Key": "same-key"}))
        with lock:
            results.append(r)

    threads = [threading.Thread(target=post) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert len(results) == 16
    assert {r.status_code for r in results} <= {201, 409}, [r.text for r in results if r.status_code not in (201, 409)]
    created = {r.json()["id"] for r in results if r.status_code == 201}
    assert len(created) == 1
    assert _evaluations(w, case) == 1
    # afterwards every repeat replays the one response
    again = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"},
                          headers=w.h("req", **{"Idempotency-Key": "same-key"}))
    assert again.status_code == 201 and again.json()["id"] in created
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _evaluations(w, case) == 1


def test_a_failed_request_releases_its_key(world: World) -> None:
    w = world
    case = _case(w)
    h = w.h("req", **{"Idempotency-Key": "retry-me"})
    bad = w.client.post(f"/cases/{case}/evaluations", json={"drug": "no-such-drug"}, headers=h)
    assert bad.status_code == 422
    with w.service.db.reading() as s:
        assert s.execute(sa.select(IdempotencyRecord)).first() is None
    ok = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"},
                       headers=w.h("req", **{"Idempotency-Key": "retry-me"}))
    assert ok.status_code == 201


def test_a_claim_in_progress_answers_409_and_a_stale_one_is_retaken(world: World) -> None:
    from mednec.api.deps import PENDING, STALE_CLAIM

    w = world
    case = _case(w)
    url, h = f"/cases/{case}/evaluations", w.h("req", **{"Idempotency-Key": "busy"})
    assert w.client.post(url, json={"drug": "reblozyl"}, headers=h).status_code == 201
    with w.service.db.session() as s:  # as if that request were still running
        s.execute(sa.update(IdempotencyRecord).values(status_code=PENDING, response={}, created_at=w.clock()))
    r = w.client.post(url, json={"drug": "reblozyl"}, headers=h)
    assert r.status_code == 409 and _evaluations(w, case) == 1
    w.clock.t += STALE_CLAIM * 2  # the claimant crashed long ago: the key may be claimed again
    r = w.client.post(url, json={"drug": "reblozyl"}, headers=h)
    assert r.status_code == 201 and _evaluations(w, case) == 2
    assert w.client.post(url, json={"drug": "reblozyl"}, headers=h).headers["Idempotent-Replayed"] == "true"
