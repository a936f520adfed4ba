"""The hash-chained audit log: every change is recorded, and tampering is detected."""

from __future__ import annotations

import json
import threading

import sqlalchemy as sa

from tests.api.conftest import World, example
from tests.tamper import drop_audit_guard


def _flow(w: World) -> str:
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    ev = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"]
    w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc"))
    w.client.post(f"/evaluations/{ev}/review", json={"action": "approve"}, headers=w.h("doc"))
    return ev


def test_every_change_is_audited_without_patient_data(world: World) -> None:
    w = world
    ev = _flow(w)
    items = w.client.get("/audit?limit=500", headers=w.h("auditor")).json()["items"]
    actions = [i["action"] for i in items]
    for a in ("user.create", "key.create", "case.create", "evaluation.create", "review.claim", "review.approve"):
        assert a in actions
    entry = next(i for i in items if i["action"] == "evaluation.create")
    assert entry["entity"] == f"evaluation/{ev}" and entry["policy_version"].startswith("luspatercept-mds@")
    assert entry["input_hash"].startswith("sha256:")
    text = json.dumps(items)
    for phi in ("1956-02-14", "8.1", "D46.1", "hemoglobin"):
        assert phi not in text
    assert w.client.get("/audit/verify", headers=w.h("auditor")).json()["ok"] is True


def _tamper(w: World, *sql: str) -> list[str]:
    with w.service.db.engine.begin() as c:
        drop_audit_guard(c)
        for stmt in sql:
            c.execute(sa.text(stmt))
    r = w.client.get("/audit/verify", headers=w.h("auditor")).json()
    assert r["ok"] is False
    return [p["problem"] for p in r["problems"]]


def test_an_edited_entry_is_detected(world: World) -> None:
    _flow(world)
    problems = _tamper(world, "UPDATE audit_log SET action = 'review.overturn' WHERE action = 'review.approve'")
    assert any("edited" in p for p in problems)


def _middle_entry(w: World) -> tuple[int, int]:
    """(stripe, stripe_seq) of an entry that has a successor in its chain."""
    with w.service.db.engine.connect() as c:
        row = c.execute(sa.text("SELECT stripe, max(stripe_seq) FROM audit_log GROUP BY stripe "
                                "HAVING max(stripe_seq) >= 3 ORDER BY stripe")).first()
    assert row is not None
    return int(row[0]), int(row[1]) - 1


def test_a_deleted_entry_is_detected(world: World) -> None:
    _flow(world)
    stripe, pos = _middle_entry(world)
    problems = _tamper(world, f"DELETE FROM audit_log WHERE stripe = {stripe} AND stripe_seq = {pos}")
    assert any("deleted" in p for p in problems)


def test_deleting_the_newest_entry_is_detected(world: World) -> None:
    _flow(world)
    problems = _tamper(world, "DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")
    assert any("newest" in p for p in problems)


def test_reordered_entries_are_detected(world: World) -> None:
    _flow(world)
    stripe, pos = _middle_entry(world)
    a, b = pos, pos + 1
    where = f"stripe = {stripe} AND stripe_seq"
    problems = _tamper(world, f"UPDATE audit_log SET stripe_seq = -1 WHERE {where} = {a}",
                       f"UPDATE audit_log SET stripe_seq = {a} WHERE {where} = {b}",
                       f"UPDATE audit_log SET stripe_seq = {b} WHERE {where} = -1")
    assert any("reordered" in p or "edited" in p for p in problems)


def test_two_reviewers_racing_cannot_both_succeed(world: World) -> None:
    w = world
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    ev = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"]
    results: list[int] = []
    barrier = threading.Barrier(2)

    def claim(who: str) -> None:
        barrier.wait()
        r = w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"},
                          headers=w.h(who, **{"If-Match": '"v1"'}))
        results.append(r.status_code)

    threads = [threading.Thread(target=claim, args=(who,)) for who in ("doc", "doc2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]
    hist = w.client.get(f"/evaluations/{ev}/history", headers=w.h("doc")).json()["items"]
    assert len(hist) == 1
    assert w.client.get("/audit/verify", headers=w.h("auditor")).json()["ok"] is True


def test_an_evaluation_is_stored_with_its_audit_entry_in_few_statements(world: World) -> None:
    """Storing an evaluation: read the case, lock the chain head, write (on PostgreSQL the
    evaluation, the entry and the head move in one statement). The POST body's determination
    is the stored one, byte for byte in content."""
    w = world
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    statements: list[str] = []
    full: list[str] = []

    def record(_conn: object, _cur: object, stmt: str, *_: object) -> None:
        statements.append(stmt.split()[0].upper())
        full.append(stmt)

    sa.event.listen(w.service.db.engine, "before_cursor_execute", record)
    try:
        posted = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()
    finally:
        sa.event.remove(w.service.db.engine, "before_cursor_execute", record)
    writes = [s for s in statements if s in ("INSERT", "UPDATE", "WITH")]
    if w.service.db.is_sqlite:
        assert writes == ["INSERT", "INSERT", "UPDATE"], statements
    else:
        assert writes == ["WITH"], statements  # one round trip for the three writes
    # not the registry's refresh, nor the API key look-up (made on every request since issue 12: a
    # revoked key stops at once)
    reads = [s for s in full if s.startswith("SELECT") and "policy_versions" not in s and "JOIN api_keys" not in s]
    assert len(reads) == 2 and "FROM cases" in reads[0] and "FROM audit_head" in reads[1], reads
    got = w.client.get(f"/evaluations/{posted['id']}", headers=w.h("req")).json()
    assert got["result"] == posted["result"] and got["result"]["determination"] == posted["determination"]
    assert w.client.get("/audit/verify", headers=w.h("auditor")).json()["ok"] is True


def test_a_failed_audit_write_stores_no_evaluation(world: World) -> None:
    """The evaluation and its audit entry commit together or not at all: the entry is written
    after the evaluation, and when it fails the evaluation is gone too."""
    w = world
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    refuse = ("CREATE TRIGGER refuse BEFORE INSERT ON audit_log WHEN NEW.action = 'evaluation.create' "
              "BEGIN SELECT RAISE(ABORT, 'refused'); END" if w.service.db.is_sqlite else
              "ALTER TABLE audit_log ADD CONSTRAINT refuse CHECK (action <> 'evaluation.create') NOT VALID")
    with w.service.db.engine.begin() as c:
        c.execute(sa.text(refuse))
    r = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req"))
    assert r.status_code == 500 and r.json()["code"] == "internal"  # the edge answers; the error is not re-raised
    with w.service.db.engine.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM evaluations")).scalar_one() == 0


def test_the_audit_log_filters_by_action_and_entity_newest_first(world: World) -> None:
    w = world
    ev = _flow(w)
    items = w.client.get("/audit?action=review&order=newest", headers=w.h("auditor")).json()["items"]
    assert [i["action"] for i in items] == ["review.approve", "review.claim"]
    one = w.client.get(f"/audit?entity=evaluation/{ev}", headers=w.h("auditor")).json()["items"]
    assert [i["action"] for i in one] == ["evaluation.create", "review.claim", "review.approve"]
    newest = one[-1]["seq"]
    older = w.client.get(f"/audit?entity={ev}&before={newest}", headers=w.h("auditor")).json()["items"]
    assert [i["seq"] for i in older] == [i["seq"] for i in one[:-1]]
    assert w.client.get("/audit?order=sideways", headers=w.h("auditor")).status_code == 422
