"""Roles, keys and signatures (issue 12, items 8 and 9): admins manage their own organisation
unless they are system administrators; nobody reviews a request they created; an adverse
signature is the signer's own name and is stored with the hash of what was signed; unpublished
policy versions are hidden from requesters and auditors; a revoked key stops at once; the
idempotency record of a key creation holds no key."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import sqlalchemy as sa

from mednec.store.models import AuditEntry, Evaluation, IdempotencyRecord
from tests.api.conftest import World, example
from tests.test_cli_errors import mednec_command


def _case(w: World, who: str = "req", name: str = "luspatercept-first-line.yaml") -> str:
    body = {"case": json.loads(json.dumps(example(name), default=str))}
    r = w.client.post("/cases", json=body, headers=w.h(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _evaluate(w: World, case: str, who: str = "req") -> dict:  # type: ignore[type-arg]
    r = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h(who))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _act(w: World, ev: str, who: str, action: str, **body: str) -> object:
    return w.client.post(f"/evaluations/{ev}/review", json={"action": action, **body}, headers=w.h(who))


def test_an_admin_manages_only_its_own_organisation(world: World) -> None:
    w = world  # the fixture's admin belongs to "plan" and is not a system administrator
    r = w.client.post("/users", json={"org": "clinic-a", "name": "Mallory", "role": "admin"}, headers=w.h("admin"))
    assert r.status_code == 403
    r = w.client.post("/users", json={"org": "plan", "name": "Sys", "role": "admin", "system_admin": True},
                      headers=w.h("admin"))
    assert r.status_code == 403
    r = w.client.post("/users", json={"org": "plan", "name": "New reviewer", "role": "physician_reviewer"},
                      headers=w.h("admin"))
    assert r.status_code == 201 and r.json()["org"] == "plan"
    req_a = next(u for u in w.service.accounts.list_users() if u.name == "req")
    assert w.client.post(f"/users/{req_a.id}/keys", headers=w.h("admin")).status_code == 404
    own = r.json()["id"]
    assert w.client.post(f"/users/{own}/keys", headers=w.h("admin")).status_code == 201

    sys_admin = w.service.accounts.add_user("plan", "Root", "admin", system_admin=True)
    h = {"Authorization": f"Bearer {w.service.accounts.create_key(sys_admin.id)}"}
    assert w.client.post("/users", json={"org": "clinic-a", "name": "A admin", "role": "admin"},
                         headers=h).status_code == 201
    assert w.client.post(f"/users/{req_a.id}/keys", headers=h).status_code == 201
    assert w.client.post("/users", json={"org": "plan", "name": "Req", "role": "requester", "system_admin": True},
                         headers=h).status_code == 422


def test_nobody_reviews_a_request_they_created(world: World) -> None:
    w = world
    ev = _evaluate(w, _case(w, "admin"), "admin")
    r = _act(w, ev["id"], "admin", "claim")
    assert r.status_code == 403  # type: ignore[attr-defined]
    assert _act(w, ev["id"], "doc", "claim").status_code == 200  # type: ignore[attr-defined]
    # an admin's evaluation of a case someone else created is still its own request
    ev2 = _evaluate(w, _case(w, "req"), "admin")
    assert _act(w, ev2["id"], "admin", "claim").status_code == 403  # type: ignore[attr-defined]


def test_an_adverse_signature_is_the_signers_own_name_bound_to_the_determination(world: World) -> None:
    w = world
    u = w.service.accounts.add_user("plan", "Maria Chen", "physician_reviewer")
    w.keys["chen"] = w.service.accounts.create_key(u.id)
    ev = _evaluate(w, _case(w, name="luspatercept-del5q.yaml"))
    assert ev["determination"] == "does_not_meet_criteria"
    assert _act(w, ev["id"], "chen", "claim").status_code == 200  # type: ignore[attr-defined]
    for bad in ("\u200b", " \u200b\u2060 ", "\ufeff", "Dr Sam Patel", "Maria", "x"):
        r = _act(w, ev["id"], "chen", "approve", signature=bad)
        assert r.status_code == 422, bad  # type: ignore[attr-defined]
        assert r.json()["field"] == "signature"  # type: ignore[attr-defined]
    r = _act(w, ev["id"], "chen", "approve", signature="Dr Ma\u200bria  CHEN, MD")
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    with w.service.db.reading() as s:
        row = s.get(Evaluation, ev["id"])
        assert row is not None
        assert row.signature == "Dr Maria CHEN, MD"
        assert row.signature_hash == hashlib.sha256(row.result_raw).hexdigest()
        entry = s.execute(sa.select(AuditEntry).where(AuditEntry.action == "review.approve")).scalar_one()
        assert entry.detail["signed"] == row.signature_hash


def test_unpublished_policy_versions_are_hidden_from_requesters_and_auditors(world: World) -> None:
    from tests.api.test_policy_versions import _new_version_yaml

    w = world
    r = w.client.post("/policies/luspatercept-mds/versions", json={"yaml": _new_version_yaml()}, headers=w.h("author"))
    assert r.status_code == 201
    url = "/policies/luspatercept-mds/versions/2026.11.2-test"
    for who in ("req", "req_b", "auditor"):
        assert w.client.get(url, headers=w.h(who)).status_code == 404, who
        versions = w.client.get("/policies/luspatercept-mds", headers=w.h(who)).json()["versions"]
        assert all(v["status"] in ("published", "retired") for v in versions), who
    assert w.client.get(url + "/impact", headers=w.h("auditor")).status_code == 404
    for who in ("author", "admin", "doc"):
        assert w.client.get(url, headers=w.h(who)).status_code == 200, who


def test_a_revoked_key_stops_at_once_and_key_creation_stores_no_secret(world: World) -> None:
    w = world
    user = w.client.post("/users", json={"org": "plan", "name": "Temp", "role": "auditor"}, headers=w.h("admin"))
    uid = user.json()["id"]
    r = w.client.post(f"/users/{uid}/keys", headers=w.h("admin", **{"Idempotency-Key": "k1"}))
    key, key_id = r.json()["key"], r.json()["id"]
    again = w.client.post(f"/users/{uid}/keys", headers=w.h("admin", **{"Idempotency-Key": "k1"}))
    assert again.json()["id"] == key_id and again.json()["key"] is None
    with w.service.db.reading() as s:
        stored = [json.dumps(rec.response) for rec in s.execute(sa.select(IdempotencyRecord)).scalars()]
    assert stored and not any(key in text or "mk_" in text for text in stored)

    h = {"Authorization": f"Bearer {key}"}
    assert w.client.get("/audit", headers=h).status_code == 200  # looked up, now "cached" if anything were
    assert w.client.delete(f"/users/{uid}/keys/{key_id}", headers=w.h("req")).status_code == 403
    assert w.client.delete(f"/users/{uid}/keys/{key_id}", headers=w.h("admin")).status_code == 204
    assert w.client.get("/audit", headers=h).status_code == 401
    assert w.client.delete(f"/users/{uid}/keys/key_nope", headers=w.h("admin")).status_code == 404


def test_mednec_keys_revoke_takes_effect_in_a_running_server(world: World) -> None:
    """The CLI revokes in the database; the server (this process) refuses the key on its next request."""
    w = world
    if not w.service.db.is_sqlite:
        url = w.service.db.engine.url.render_as_string(hide_password=False)
    else:
        url = str(w.service.db.engine.url)
    u = w.service.accounts.add_user("plan", "Temp2", "auditor")
    key_id, key = w.service.accounts.issue_key(u.id)
    h = {"Authorization": f"Bearer {key}"}
    assert w.client.get("/audit", headers=h).status_code == 200
    env = {**os.environ, "MEDNEC_DATABASE_URL": url}
    proc = subprocess.run([*mednec_command(), "keys", "revoke", key_id], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["revoked_at"]
    assert w.client.get("/audit", headers=h).status_code == 401
    proc = subprocess.run([*mednec_command(), "keys", "revoke", "key_nope"], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_keys_list_never_shows_a_key(world: World, tmp_path: Path) -> None:
    w = world
    u = w.service.accounts.add_user("plan", "Temp3", "auditor")
    key_id, key = w.service.accounts.issue_key(u.id)
    keys = w.service.accounts.user_keys(u.id)
    assert [k.id for k in keys] == [key_id] and all(key not in k.key_hash for k in keys)
