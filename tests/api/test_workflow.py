"""The review workflow end to end through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.api.conftest import World, example


def _json(data: Any) -> Any:
    return json.loads(json.dumps(data, default=str))


def _case(w: World, name: str = "luspatercept-first-line.yaml", who: str = "req") -> dict[str, Any]:
    r = w.client.post("/cases", json={"case": _json(example(name))}, headers=w.h(who))
    assert r.status_code == 201, r.text
    assert r.headers["ETag"] == '"v1"'
    return r.json()  # type: ignore[no-any-return]


def _evaluate(w: World, case_id: str, drug: str = "Reblozyl", **kw: Any) -> dict[str, Any]:
    r = w.client.post(f"/cases/{case_id}/evaluations", json={"drug": drug, **kw}, headers=w.h("req"))
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


def _act(w: World, ev: str, who: str, action: str, **body: Any) -> Any:
    return w.client.post(f"/evaluations/{ev}/review", json={"action": action, **body}, headers=w.h(who))


def test_meets_criteria_claimed_and_approved_requester_sees_approved(world: World) -> None:
    w = world
    case = _case(w)
    ev = _evaluate(w, case["id"])
    assert ev["determination"] == "meets_criteria"
    assert ev["review"]["state"] == "submitted"
    assert ev["result"]["pathway"]["id"] == "esa_naive_first_line"
    assert _act(w, ev["id"], "doc", "claim").json()["review"]["state"] == "under_review"
    r = _act(w, ev["id"], "doc", "approve")
    assert r.status_code == 200, r.text
    assert r.json()["review"]["decision"] == "approved"
    seen = w.client.get(f"/evaluations/{ev['id']}", headers=w.h("req")).json()
    assert seen["review"]["state"] == "approved"
    hist = w.client.get(f"/evaluations/{ev['id']}/history", headers=w.h("req")).json()["items"]
    assert [h["action"] for h in hist] == ["claim", "approve"]


def test_adverse_decision_needs_a_physician_signature(world: World) -> None:
    w = world
    ev = _evaluate(w, _case(w, "luspatercept-del5q.yaml")["id"])
    assert ev["determination"] == "does_not_meet_criteria"
    _act(w, ev["id"], "doc", "claim")
    r = _act(w, ev["id"], "doc", "approve")
    assert r.status_code == 422 and r.json()["field"] == "signature"
    r = _act(w, ev["id"], "doc", "approve", signature="Dr doc, MD")  # the reviewer's registered name (issue 12: the signature is bound to the signer)
    assert r.status_code == 200 and r.json()["review"]["decision"] == "denied"
    assert r.json()["review"]["signed"] is True


def test_requester_cannot_review_and_other_reviewer_cannot_act_on_a_claimed_case(world: World) -> None:
    w = world
    ev = _evaluate(w, _case(w)["id"])
    assert _act(w, ev["id"], "req", "claim").status_code == 403
    _act(w, ev["id"], "doc", "claim")
    r = _act(w, ev["id"], "doc2", "approve")
    assert r.status_code == 409


def test_insufficient_information_cannot_be_approved_only_requested_or_overturned(world: World) -> None:
    w = world
    ev = _evaluate(w, _case(w, "luspatercept-missing-epo.yaml")["id"])
    assert ev["determination"] == "insufficient_information"
    _act(w, ev["id"], "doc", "claim")
    assert _act(w, ev["id"], "doc", "approve").status_code == 409
    assert _act(w, ev["id"], "doc", "request_info").status_code == 422  # needs a reason
    r = _act(w, ev["id"], "doc", "request_info", reason="Send the serum EPO and iron stain.")
    assert r.json()["review"]["state"] == "info_requested"


def test_overturn_denial_on_appeal_counts_as_approved_after_appeal(world: World) -> None:
    w = world
    ev = _evaluate(w, _case(w, "luspatercept-del5q.yaml")["id"], urgency="expedited")
    _act(w, ev["id"], "doc", "claim")
    _act(w, ev["id"], "doc", "approve", signature="doc")
    assert _act(w, ev["id"], "req", "appeal").status_code == 422  # reason required
    assert _act(w, ev["id"], "req", "appeal", reason="Cytogenetics were re-read: no del(5q).").status_code == 200
    _act(w, ev["id"], "doc2", "claim")
    r = _act(w, ev["id"], "doc2", "overturn", decision="approved", reason="Corrected karyotype reviewed.")
    assert r.status_code == 200, r.text
    m = w.client.get("/metrics/prior-auth", headers=w.h("auditor")).json()["groups"]
    assert m["all"]["approved_after_appeal"] == 1
    assert m["urgency:expedited"]["approved"] == 1


def test_overdue_items_are_flagged_against_cms_limits(world: World) -> None:
    w = world
    fast = _evaluate(w, _case(w)["id"], urgency="expedited")
    slow = _evaluate(w, _case(w)["id"], urgency="standard")
    w.clock.t += dt.timedelta(hours=73)
    q = w.client.get("/evaluations?overdue=true", headers=w.h("doc")).json()
    assert [e["id"] for e in q["items"]] == [fast["id"]]
    assert slow["review"]["due_at"].startswith("2026-11-27")
    m = w.client.get("/metrics/prior-auth", headers=w.h("auditor")).json()["groups"]["all"]
    assert m["overdue"] == 1 and m["pending"] == 2


def test_metrics_decision_times(world: World) -> None:
    w = world
    ev = _evaluate(w, _case(w)["id"])
    w.clock.t += dt.timedelta(hours=10)
    _act(w, ev["id"], "doc", "claim")
    _act(w, ev["id"], "doc", "approve")
    m = w.client.get("/metrics/prior-auth", headers=w.h("auditor")).json()["groups"]
    assert m["all"]["median_decision_hours"] == 10.0
    assert m["drug:luspatercept-aamt"]["approved"] == 1


def test_case_etag_if_match_and_if_none_match(world: World) -> None:
    w = world
    case = _case(w)
    r = w.client.get(f"/cases/{case['id']}", headers=w.h("req", **{"If-None-Match": '"v1"'}))
    assert r.status_code == 304
    r = w.client.patch(f"/cases/{case['id']}", json={"facts": {"serum_epo": 700}}, headers=w.h("req"))
    assert r.status_code == 412
    r = w.client.patch(f"/cases/{case['id']}", json={"facts": {"serum_epo": 700}},
                       headers=w.h("req", **{"If-Match": '"v1"'}))
    assert r.status_code == 200 and r.headers["ETag"] == '"v2"'
    assert r.json()["case"]["facts"]["serum_epo"] == 700
    r = w.client.patch(f"/cases/{case['id']}", json={"facts": {"serum_epo": 800}},
                       headers=w.h("req", **{"If-Match": '"v1"'}))
    assert r.status_code == 412
    assert r.headers["content-type"].startswith("application/problem+json")


def test_idempotency_key_replays_and_refuses_a_different_body(world: World) -> None:
    w = world
    body = {"case": _json(example("luspatercept-first-line.yaml"))}
    h = w.h("req", **{"Idempotency-Key": "abc-123"})
    a = w.client.post("/cases", json=body, headers=h)
    b = w.client.post("/cases", json=body, headers=h)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] == b.json()["id"]
    assert b.headers.get("Idempotent-Replayed") == "true"
    assert w.client.get("/cases", headers=w.h("req")).json()["total"] == 1
    body2 = {"case": _json(example("luspatercept-del5q.yaml"))}
    assert w.client.post("/cases", json=body2, headers=h).status_code == 422


def test_an_evaluation_post_with_an_idempotency_key_replays_the_same_determination(world: World) -> None:
    """The determination is embedded in the response as stored JSON text; the replay (from the
    idempotency record) gives the same body, and only one evaluation exists."""
    w = world
    case = w.client.post("/cases", json={"case": _json(example("luspatercept-first-line.yaml"))},
                         headers=w.h("req")).json()["id"]
    h = w.h("req", **{"Idempotency-Key": "ev-1"})
    a = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=h)
    b = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=h)
    assert a.status_code == b.status_code == 201 and b.headers.get("Idempotent-Replayed") == "true"
    assert a.json() == b.json() and a.json()["result"]["determination"] == "meets_criteria"
    assert w.client.get(f"/evaluations?case={case}", headers=w.h("req")).json()["total"] == 1


def test_bad_case_is_a_problem_document_naming_the_field(world: World) -> None:
    w = world
    r = w.client.post("/cases", json={"case": {"facts": {"hemoglobin": 150}}}, headers=w.h("req"))
    assert r.status_code == 422
    body = r.json()
    assert body["field"] == "facts.hemoglobin" and body["status"] == 422 and "plausible" in body["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    r = w.client.post("/cases/none/evaluations", json={"drug": "aspirin"}, headers=w.h("req"))
    assert r.status_code in (404, 422)


def test_pagination(world: World) -> None:
    w = world
    for _ in range(3):
        _case(w)
    page = w.client.get("/cases?limit=2", headers=w.h("req")).json()
    assert page["total"] == 3 and len(page["items"]) == 2 and page["next"] == "/cases?limit=2&offset=2"
    last = w.client.get(page["next"], headers=w.h("req")).json()
    assert len(last["items"]) == 1 and last["next"] is None


def test_a_case_from_a_question(world: World) -> None:
    """POST /cases with a question: the case is what was understood (shown in the response),
    and evaluates like any other case."""
    w = world
    q = ("Is Reblozyl medically necessary for a 70-year-old man with MDS with ring sideroblasts, IPSS-R low, "
         "Hb 8.1 g/dL, serum EPO 210, SF3B1 mutated, no del(5q), ESA-naive, 4 units of RBCs in the last 8 weeks?")
    r = w.client.post("/cases", json={"question": q}, headers=w.h("req"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["source"] == "question" and body["title"] == q[:300]
    assert body["understood"]["drug"]["policy"] == "luspatercept-mds"
    assert body["case"]["facts"]["hemoglobin"]["value"] == 8.1
    ev = w.client.post(f"/cases/{body['id']}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req"))
    assert ev.status_code == 201 and ev.json()["determination"] in ("meets_criteria", "insufficient_information")
    r = w.client.post("/cases", json={"question": "   "}, headers=w.h("req"))
    assert r.status_code == 422 and r.json()["field"] == "question"


def test_a_case_from_a_fhir_bundle_reports_unused_resources(world: World) -> None:
    from pathlib import Path

    bundle = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "bundle-first-line.json").read_text())
    r = world.client.post("/cases", json={"fhir_bundle": bundle}, headers=world.h("req"))
    assert r.status_code == 201 and r.json()["source"] == "fhir"
    assert {"provenance", "unmapped"} <= set(r.json()["intake"])
    assert any(p["fact"] == "hemoglobin" for p in r.json()["intake"]["provenance"])
