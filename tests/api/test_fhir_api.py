"""The FHIR endpoints through the service: CDS Hooks, DTR questionnaire, PAS tied to the review workflow."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.api.conftest import World

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"


def _fix(name: str) -> Any:
    return json.loads((FIX / name).read_text())


def _review_code(bundle: dict[str, Any]) -> str:
    cr = bundle["entry"][0]["resource"]
    for item in cr["item"]:
        for adj in item.get("adjudication", ()):
            for ext in adj.get("extension", ()):
                if ext["url"].endswith("extension-reviewAction"):
                    for sub in ext.get("extension", ()):
                        if sub["url"] == "code":
                            return str(sub["valueCodeableConcept"]["coding"][0]["code"])
    raise AssertionError("no reviewAction")


def test_cds_hooks_discovery_and_order_sign(world: World) -> None:
    w = world
    disc = w.client.get("/cds-services").json()
    assert {s["hook"] for s in disc["services"]} >= {"order-select", "order-sign"}
    req = _fix("cds-order-sign-request.json")
    sid = next(s["id"] for s in disc["services"] if s["hook"] == req["hook"])
    r = w.client.post(f"/cds-services/{sid}", json=req, headers=w.h("req"))
    assert r.status_code == 200, r.text
    cards = r.json()["cards"]
    assert cards and all(len(c["summary"]) < 140 for c in cards)
    assert w.client.post("/cds-services/nope", json=req, headers=w.h("req")).status_code == 404


def test_dtr_questionnaire_asks_only_for_missing_facts(world: World) -> None:
    w = world
    body = {"bundle": _fix("bundle-missing-epo.json"), "drug": "reblozyl"}
    q = w.client.post("/fhir/questionnaire", json=body, headers=w.h("req"))
    assert q.status_code == 200, q.text
    text = json.dumps(q.json())
    assert q.json()["resourceType"] == "Questionnaire" and "serum_epo" in text and '"hemoglobin"' not in text


def test_pas_pended_then_physician_decides_and_inquire_follows(world: World) -> None:
    w = world
    req = _fix("pas-request-del5q.json")
    r = w.client.post("/fhir/Claim/$submit", json=req, headers=w.h("req"))
    assert r.status_code == 200, r.text
    assert _review_code(r.json()) == "A4"  # pended: mednec never denies on its own
    queue = w.client.get("/evaluations?state=submitted", headers=w.h("doc")).json()["items"]
    assert len(queue) == 1 and queue[0]["determination"] == "does_not_meet_criteria"
    ev = queue[0]["id"]
    w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc"))
    w.client.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": "Dr A"}, headers=w.h("doc"))
    r = w.client.post("/fhir/Claim/$inquire", json=req, headers=w.h("req"))
    assert r.status_code == 200 and _review_code(r.json()) == "A3"
    # another organisation cannot inquire about it
    assert w.client.post("/fhir/Claim/$inquire", json=req, headers=w.h("req_b")).status_code == 422


def test_pas_meets_criteria_is_certified(world: World) -> None:
    w = world
    r = w.client.post("/fhir/Claim/$submit", json=_fix("pas-request-first-line.json"), headers=w.h("req"))
    assert r.status_code == 200, r.text
    assert _review_code(r.json()) == "A1"


def test_a_case_from_a_fhir_bundle_with_the_requested_drug_has_its_treatment_course(world: World) -> None:
    """POST /cases with fhir_bundle and drug: the drug's administrations give the treatment facts
    a re-authorisation needs; without the drug they are left out (unknown), never guessed."""
    w = world
    bundle = _fix("bundle-continuation.json")
    with_drug = w.client.post("/cases", json={"fhir_bundle": bundle, "drug": "Reblozyl"}, headers=w.h("req"))
    without = w.client.post("/cases", json={"fhir_bundle": bundle}, headers=w.h("req"))
    assert with_drug.status_code == without.status_code == 201
    assert {"treatment_start", "treatment_doses"} <= set(with_drug.json()["case"]["facts"])
    assert not {"treatment_start", "treatment_doses"} & set(without.json()["case"]["facts"])
    results = {}
    for name, r in (("with", with_drug), ("without", without)):
        ev = w.client.post(f"/cases/{r.json()['id']}/evaluations", json={"drug": "reblozyl", "phase": "continuation"},
                           headers=w.h("req"))
        assert ev.status_code == 201, ev.text
        results[name] = ev.json()["determination"]
    assert results == {"with": "meets_criteria", "without": "insufficient_information"}
    r = w.client.post("/cases", json={"case": {"facts": {}}, "drug": "Reblozyl"}, headers=w.h("req"))
    assert r.status_code == 422 and r.json()["field"] == "drug"
