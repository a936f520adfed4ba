"""Every organisation sees only its own data, whatever the role (found by the attack tests: an
admin of a provider organisation read every organisation's cases, and could make a physician
reviewer of its own who did the same).

Only users of a reviewing organisation (the plan: ``organizations.reviews_all``, set when the
operator places a physician reviewer, auditor or system administrator there) read across
organisations. Every reading route is tried by each role of a provider organisation against
another organisation's case and evaluation."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from mednec.store.models import Organization
from tests.api.conftest import World, example


def _case(w: World, who: str) -> tuple[str, str]:
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    r = w.client.post("/cases", json=body, headers=w.h(who))
    assert r.status_code == 201, r.text
    case = str(r.json()["id"])
    r = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h(who))
    assert r.status_code == 201, r.text
    return case, str(r.json()["id"])


def _provider_staff(w: World) -> dict[str, str]:
    """clinic-b's admin (the operator made it) and the reviewer and auditor that admin makes."""
    admin = w.service.accounts.add_user("clinic-b", "B admin", "admin")
    keys = {"b_admin": w.service.accounts.create_key(admin.id)}
    for role in ("physician_reviewer", "auditor"):
        r = w.client.post("/users", json={"org": "clinic-b", "name": f"B {role}", "role": role},
                          headers={"Authorization": f"Bearer {keys['b_admin']}"})
        assert r.status_code == 201, r.text
        keys[f"b_{role}"] = w.service.accounts.create_key(r.json()["id"])
    w.keys.update(keys)
    return keys


@pytest.mark.parametrize("who", ["b_admin", "b_physician_reviewer", "b_auditor"])
def test_a_provider_organisations_staff_read_only_their_own(world: World, who: str) -> None:
    w = world
    _provider_staff(w)
    a_case, a_ev = _case(w, "req")  # clinic-a's
    b_case, b_ev = _case(w, "req_b")  # clinic-b's
    for path in (f"/cases/{a_case}", f"/evaluations/{a_ev}", f"/evaluations/{a_ev}/history"):
        r = w.client.get(path, headers=w.h(who))
        assert r.status_code == 404, (path, r.status_code, r.text)
        assert r.json()["code"] == "not_found" and "hemoglobin" not in r.text.lower()
    listed = w.client.get("/cases", headers=w.h(who)).json()["items"]
    assert {c["id"] for c in listed} == {b_case}
    queue = w.client.get("/evaluations", headers=w.h(who)).json()["items"]
    assert {e["id"] for e in queue} == {b_ev}
    assert w.client.get(f"/cases/{b_case}", headers=w.h(who)).status_code == 200
    if who != "b_admin":  # the reviewer and auditor read their own organisation's figures only
        figures = w.client.get("/metrics/prior-auth", headers=w.h(who)).json()["groups"]
        assert figures["all"]["requests"] == 1
    if who in ("b_admin", "b_auditor"):
        assert w.client.get("/audit", headers=w.h(who)).status_code == 403
        assert w.client.get("/audit/verify", headers=w.h(who)).status_code == 403


def test_a_provider_reviewer_cannot_act_on_another_organisations_request(world: World) -> None:
    w = world
    _provider_staff(w)
    _, a_ev = _case(w, "req")
    r = w.client.post(f"/evaluations/{a_ev}/review", json={"action": "claim"}, headers=w.h("b_physician_reviewer"))
    assert r.status_code == 404, r.text


def test_the_plans_staff_still_read_every_organisation(world: World) -> None:
    w = world
    _provider_staff(w)
    a_case, a_ev = _case(w, "req")
    b_case, _ = _case(w, "req_b")
    for who in ("doc", "auditor", "admin"):
        assert w.client.get(f"/cases/{a_case}", headers=w.h(who)).status_code == 200, who
        assert {c["id"] for c in w.client.get("/cases", headers=w.h(who)).json()["items"]} >= {a_case, b_case}
    assert w.client.get("/audit", headers=w.h("auditor")).status_code == 200
    assert w.client.get("/audit/verify", headers=w.h("auditor")).status_code == 200
    assert w.client.post(f"/evaluations/{a_ev}/review", json={"action": "claim"}, headers=w.h("doc")).status_code == 200


def test_only_the_operator_makes_an_organisation_reviewing(world: World) -> None:
    w = world
    _provider_staff(w)
    with w.service.accounts.db.reading() as s:
        flags = {r[0]: r[1] for r in s.execute(sa.select(Organization.id, Organization.reviews_all)).all()}
    assert flags["plan"] is True and flags["clinic-b"] is False and flags["clinic-a"] is False
