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
                        if sub["url"].endswith("/extension-reviewActionCode"):
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
    w.client.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": "doc"}, headers=w.h("doc"))
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


def _with_claim_identifier(bundle: dict[str, Any], identifier: dict[str, str], family: str) -> dict[str, Any]:
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Claim":
            r["identifier"] = [dict(identifier)]
        if r["resourceType"] == "Patient":
            r["name"] = [{"family": family, "given": ["Other"]}]
    return bundle


def _patient_names(bundle: dict[str, Any]) -> list[str]:
    return [r["name"][0]["family"] for e in bundle["entry"] if (r := e["resource"])["resourceType"] == "Patient"]


def test_another_organisations_identical_claim_identifier_neither_reads_nor_changes_the_request(
    world: World,
) -> None:
    """Issue 12 item 2: PAS requests are scoped by organisation (reference, storage key, look-up).

    Clinic B submits a request that would be certified, under exactly the Claim.identifier of
    clinic A's pended request, with another patient: A's request stays pended with A's patient,
    B gets its own preAuthRef, each sees only its own request in the review queue, a reviewer's
    decision on B's request does not reach A's, and B cannot inquire with A's preAuthRef."""
    w = world
    req_a = _fix("pas-request-del5q.json")
    ident = next(e["resource"]["identifier"][0] for e in req_a["entry"] if e["resource"]["resourceType"] == "Claim")
    a = w.client.post("/fhir/Claim/$submit", json=req_a, headers=w.h("req"))
    assert a.status_code == 200, a.text
    ref_a = a.json()["entry"][0]["resource"]["preAuthRef"]
    assert _review_code(a.json()) == "A4" and _patient_names(a.json()) == ["Moreau"]

    req_b = _with_claim_identifier(_fix("pas-request-first-line.json"), ident, "Intruder")
    b = w.client.post("/fhir/Claim/$submit", json=req_b, headers=w.h("req_b"))
    assert b.status_code == 200, b.text
    ref_b = b.json()["entry"][0]["resource"]["preAuthRef"]
    assert ref_b != ref_a and _review_code(b.json()) == "A1"

    # A's request is unchanged: still pended, still A's patient
    inq_a = w.client.post("/fhir/Claim/$inquire", json=req_a, headers=w.h("req"))
    assert inq_a.status_code == 200, inq_a.text
    cr_a = inq_a.json()["entry"][0]["resource"]
    assert cr_a["preAuthRef"] == ref_a and _review_code(inq_a.json()) == "A4"
    assert _patient_names(inq_a.json()) == ["Moreau"]
    # B's inquiry by the same identifier finds B's own request only
    inq_b = w.client.post("/fhir/Claim/$inquire", json=req_b, headers=w.h("req_b"))
    assert inq_b.json()["entry"][0]["resource"]["preAuthRef"] == ref_b and _patient_names(inq_b.json()) == ["Intruder"]

    # the review queue: each organisation sees its own request; the payer's reviewer sees both
    mine = w.client.get("/evaluations", headers=w.h("req")).json()["items"]
    theirs = w.client.get("/evaluations", headers=w.h("req_b")).json()["items"]
    assert len(mine) == len(theirs) == 1 and mine[0]["id"] != theirs[0]["id"]
    assert len(w.client.get("/evaluations", headers=w.h("doc")).json()["items"]) == 2
    assert w.client.get(f"/evaluations/{mine[0]['id']}", headers=w.h("req_b")).status_code == 404

    # a physician's decision on B's request does not reach A's
    ev_b = theirs[0]["id"]
    assert w.client.post(f"/evaluations/{ev_b}/review", json={"action": "claim"},
                         headers=w.h("doc")).status_code == 200
    r = w.client.post(f"/evaluations/{ev_b}/review", json={"action": "overturn", "decision": "denied",
                                                             "reason": "not indicated", "signature": "doc"},
                      headers=w.h("doc"))
    assert r.status_code == 200, r.text
    assert _review_code(w.client.post("/fhir/Claim/$inquire", json=req_b, headers=w.h("req_b")).json()) == "A3"
    again = w.client.post("/fhir/Claim/$inquire", json=req_a, headers=w.h("req"))
    assert _review_code(again.json()) == "A4" and again.json()["entry"][0]["resource"]["preAuthRef"] == ref_a

    # B cannot inquire with A's preAuthRef, even under an identifier of its own
    probe = _with_claim_identifier(_fix("pas-request-del5q.json"), {"system": "urn:x", "value": "probe"}, "X")
    claim = next(e["resource"] for e in probe["entry"] if e["resource"]["resourceType"] == "Claim")
    claim["insurance"][0]["preAuthRef"] = [ref_a]
    assert w.client.post("/fhir/Claim/$inquire", json=probe, headers=w.h("req_b")).status_code == 422
    # ... and resubmitting A's identifier from B leaves A's stored request as it was
    w.client.post("/fhir/Claim/$submit", json=_with_claim_identifier(_fix("pas-request-del5q.json"), ident, "Again"),
                  headers=w.h("req_b"))
    final = w.client.post("/fhir/Claim/$inquire", json=req_a, headers=w.h("req"))
    assert final.json()["entry"][0]["resource"] == cr_a
    assert _patient_names(final.json()) == ["Moreau"]


def test_cds_hooks_malformed_requests_are_400_naming_the_json_path(world: World) -> None:
    """CDS Hooks 2.0: a malformed request is 400 (not 422), a problem document whose field is a
    JSON path, never a character offset."""
    w = world
    sid = "mednec-order-sign"
    h = w.h("req", **{"Content-Type": "application/json"})
    r = w.client.post(f"/cds-services/{sid}", content=b'{"hook": "order-sign", "context": {', headers=h)
    assert r.status_code == 400 and r.json()["field"] == "$" and "malformed JSON at character" in r.json()["detail"]
    assert r.headers["content-type"].startswith("application/problem+json")
    r = w.client.post(f"/cds-services/{sid}", json=[1, 2], headers=w.h("req"))
    assert r.status_code == 400 and r.json()["field"] == "$"
    wrong = _fix("cds-order-sign-request.json") | {"hook": "order-select"}
    r = w.client.post(f"/cds-services/{sid}", json=wrong, headers=w.h("req"))
    assert r.status_code == 400 and r.json()["field"] == "hook"
    unknown = _fix("cds-order-sign-request.json") | {"hook": "patient-view"}
    assert w.client.post(f"/cds-services/{sid}", json=unknown, headers=w.h("req")).status_code == 400
    bad = _fix("cds-order-sign-request.json")
    bad["context"]["draftOrders"] = {"resourceType": "List"}
    r = w.client.post(f"/cds-services/{sid}", json=bad, headers=w.h("req"))
    assert r.status_code == 400 and r.json()["field"] == "context.draftOrders"
    r = w.client.post("/fhir/Claim/$submit", content=b"{not json", headers=h)
    assert r.status_code == 400 and r.json()["field"] == "$"


def _order(req: dict[str, Any]) -> dict[str, Any]:
    return next(e["resource"] for e in req["context"]["draftOrders"]["entry"]
                if e["resource"]["resourceType"] == "MedicationRequest")


def test_dtr_canonical_from_a_crd_card_resolves_and_the_package_returns_it(world: World) -> None:
    """Issue 15: the Questionnaire canonical a CRD card points to resolves (GET by url, and by
    id), and $questionnaire-package returns it for the card's coverage assertion and for the
    canonical; with an order and the patient's record it asks only for what is missing, with the
    order alone everything the policy needs."""
    w = world
    req = _fix("cds-order-sign-request.json")
    r = w.client.post("/cds-services/mednec-order-sign", json=req, headers=w.h("req"))
    assert r.status_code == 200, r.text
    link = next(lk for c in r.json()["cards"] for lk in c.get("links", ()) if lk["type"] == "smart")
    context = json.loads(link["appContext"])
    canonical = context["questionnaire"][0]
    url, version = canonical.split("|")
    found = w.client.get("/fhir/Questionnaire", params={"url": url, "version": version}, headers=w.h("req_b"))
    assert found.status_code == 200 and found.json()["total"] == 1
    q = found.json()["entry"][0]["resource"]
    assert (q["url"], q["version"]) == (url, version) and q["resourceType"] == "Questionnaire"
    assert w.client.get(f"/fhir/Questionnaire/{q['id']}", headers=w.h("req")).json() == q
    assert w.client.get("/fhir/Questionnaire/nope", headers=w.h("req")).status_code == 404

    def package(*params: dict[str, Any]) -> dict[str, Any]:
        resp = w.client.post("/fhir/Questionnaire/$questionnaire-package", headers=w.h("req"),
                             json={"resourceType": "Parameters", "parameter": list(params)})
        assert resp.status_code == 200, resp.text
        return resp.json()  # type: ignore[no-any-return]

    def questionnaires(out: dict[str, Any]) -> list[dict[str, Any]]:
        bundles = [p["resource"] for p in out["parameter"] if p["name"] == "PackageBundle"]
        for b in bundles:
            assert b["type"] == "collection" and b["entry"][0]["resource"]["resourceType"] == "Questionnaire"
            assert b["entry"][0]["fullUrl"] == b["entry"][0]["resource"]["url"]
        return [b["entry"][0]["resource"] for b in bundles]

    assert questionnaires(package({"name": "context", "valueString": context["coverageAssertionId"]})) == [q]
    assert questionnaires(package({"name": "questionnaire", "valueCanonical": canonical})) == [q]
    record = {"resourceType": "Bundle", "type": "collection",
              "entry": [e for k, v in req["prefetch"].items() if isinstance(v, dict) and v.get("entry")
                        for e in v["entry"]] + [{"resource": req["prefetch"]["patient"]}]}
    coverage = {"name": "coverage", "resource": {"resourceType": "Coverage", "id": "c", "status": "active",
                                                 "beneficiary": {"reference": "Patient/p"},
                                                 "payor": [{"display": "Plan"}]}}
    (adaptive,) = questionnaires(package(coverage, {"name": "order", "resource": _order(req)},
                                         {"name": "bundle", "resource": record}))
    assert adaptive == q  # the record's missing facts: the same content-addressed Questionnaire
    (everything,) = questionnaires(package(coverage, {"name": "order", "resource": _order(req)}))
    asked = {i["linkId"] for g in everything["item"] for i in g["item"]}
    assert {i["linkId"] for g in q["item"] for i in g["item"]} < asked
    assert w.client.get("/fhir/Questionnaire", params={"url": everything["url"]},
                        headers=w.h("req")).json()["total"] == 1
    missing = package({"name": "questionnaire", "valueCanonical": "https://x.example/Questionnaire/none|1"})
    outcome = next(p["resource"] for p in missing["parameter"] if p["name"] == "operationOutcome")
    assert "no Questionnaire" in outcome["issue"][0]["diagnostics"]
    bad = w.client.post("/fhir/Questionnaire/$questionnaire-package", headers=w.h("req"),
                        json={"resourceType": "Parameters", "parameter": [coverage]})
    assert bad.status_code == 400 and "dtr-1" in bad.json()["detail"]
