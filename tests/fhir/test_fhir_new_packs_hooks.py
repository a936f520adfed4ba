"""CDS Hooks (CRD), DTR and PAS for the GLP-1 and LDL-lowering packs: the order's drug is recognised from
the loaded catalog's vocabulary (generic, brand) and the verified RxNorm codes of the code tables, at the
brand level where two policies share a generic (Wegovy and Ozempic are both semaglutide)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest
from tests.code_systems import RXNORM
from tests.fhir.new_pack_resources import AS_OF, SUBJECT, UCUM, cond, obs

from mednec.fhir.crd import assess, handle_hook, policy_for_order
from mednec.runtime import Runtime


def _order(concept: dict[str, Any], rid: str = "draft-1") -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": rid, "status": "draft", "intent": "order",
            "medicationCodeableConcept": concept, "subject": SUBJECT, "authoredOn": "2026-12-01"}


def _searchset(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]}


def _request(hook: str, order: dict[str, Any], conditions: list[dict[str, Any]],
             observations: list[dict[str, Any]], birth: str = "1980-03-02",
             statements: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": birth, "gender": "female"}
    ctx: dict[str, Any] = {"userId": "Practitioner/dr", "patientId": "p"}
    orders = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}
    if hook == "order-select":
        ctx |= {"selections": [f"MedicationRequest/{order['id']}"], "draftOrders": orders}
    else:
        ctx["draftOrders"] = orders
    return {"hookInstance": "0b7a7f36-1d55-4c8e-9d53-6f3a3b9e2a10", "hook": hook, "context": ctx,
            "prefetch": {"patient": patient, "conditions": _searchset(*conditions),
                         "observations": _searchset(*observations), "medicationRequests": None,
                         "medicationStatements": _searchset(*statements) if statements else None, "medicationAdministrations": None, "procedures": None,
                         "questionnaireResponses": None, "coverage": None}}


WEGOVY_TEXT = {"text": "Wegovy 2.4 mg/0.75 mL pen, inject 2.4 mg once weekly"}
# a code no table verifies, with the brand in the display only
WEGOVY_UNKNOWN_CODE = {"coding": [{"system": RXNORM, "code": "99999999", "display": "Wegovy 2.4 MG auto-injector"}]}
OZEMPIC_CODE = {"coding": [{"system": RXNORM, "code": "1991306"}]}  # verified: Ozempic (openFDA)
# 2601743 is a tirzepatide product both brands share (openFDA lists it for Zepbound NDC 0002-2457, and its 12.5 mg
# sibling 2601773 for Mounjaro NDC 50090-8022 too): the display's brand tells Zepbound
ZEPBOUND_CODE = {"coding": [{"system": RXNORM, "code": "2601743", "display": "tirzepatide 5 MG in 0.5 ML Auto-Injector [Zepbound]"}]}
MOUNJARO_CODE = {"coding": [{"system": RXNORM, "code": "2601776"}]}  # verified: Mounjaro
REPATHA_CODE = {"coding": [{"system": RXNORM, "code": "1665900"}]}  # verified: Repatha (openFDA NDC 72511-750)
REPATHA_TEXT = {"text": "Repatha SureClick 140 mg/mL every 2 weeks"}

OBESE = [obs("wt", "29463-7", 102, "kg"), obs("ht", "8302-2", 168, "cm"), obs("bmi", "39156-5", 36.1, "kg/m2")]
POST_MI_LDL = [obs("ldl", "18262-6", 88, "mg/dL")]


@pytest.mark.parametrize(("concept", "policy"), [
    (WEGOVY_TEXT, "semaglutide-wegovy"),
    (WEGOVY_UNKNOWN_CODE, "semaglutide-wegovy"),
    (OZEMPIC_CODE, "semaglutide-ozempic"),
    (ZEPBOUND_CODE, "tirzepatide-zepbound"),
    (MOUNJARO_CODE, "tirzepatide-mounjaro"),
    (REPATHA_CODE, "evolocumab-repatha"),
    (REPATHA_TEXT, "evolocumab-repatha"),
    ({"text": "Praluent 75 mg every 2 weeks"}, "alirocumab-praluent"),
    ({"text": "Leqvio 284 mg"}, "inclisiran-leqvio"),
    ({"text": "Nexletol 180 mg daily"}, "bempedoic-acid-nexletol"),
])
def test_order_finds_the_policy_of_its_product(runtime: Runtime, concept: dict[str, Any], policy: str) -> None:
    found = policy_for_order(_order(concept), runtime.catalog)
    assert found is not None and found.id == policy


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
@pytest.mark.parametrize("concept", [WEGOVY_TEXT, WEGOVY_UNKNOWN_CODE], ids=["text", "display"])
def test_wegovy_hook_card(runtime: Runtime, hook: str, concept: dict[str, Any]) -> None:
    req = _request(hook, _order(concept), [cond("ob", "E66.811"), cond("htn", "I10")], OBESE)
    (a,) = assess(req, runtime, as_of=AS_OF).orders
    assert a.policy.id == "semaglutide-wegovy"
    resp = handle_hook(req, runtime, as_of=AS_OF)
    (card,) = resp["cards"]
    assert card["source"]["url"].endswith("/semaglutide-wegovy")
    assert card["summary"].startswith("Wegovy")
    det = a.determination
    status = {c.id: c.status.value for c in det.criteria}
    # BMI 36 and hypertension from the prefetch; the diet programme is not in any FHIR resource
    assert (status["adult"], status["bmi_qualifies"], status["lifestyle_programme"]) == ("met", "met", "unknown")
    assert det.determination == "insufficient_information"
    assert "Months of a reduced-calorie diet" in card["summary"] + card["detail"]
    assert "Body mass index" not in card["summary"]


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_wegovy_hook_not_met_below_the_bmi_thresholds(runtime: Runtime, hook: str) -> None:
    lean = [obs("wt", "29463-7", 62, "kg"), obs("ht", "8302-2", 170, "cm")]  # BMI 21.5, no comorbidity
    req = _request(hook, _order(WEGOVY_TEXT), [], lean)
    (a,) = assess(req, runtime, as_of=AS_OF).orders
    assert a.policy.id == "semaglutide-wegovy"
    status = {c.id: c.status.value for c in a.determination.criteria}
    assert status["bmi_qualifies"] == "not_met"


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
@pytest.mark.parametrize("concept", [REPATHA_CODE, REPATHA_TEXT], ids=["code", "text"])
def test_repatha_hook_card(runtime: Runtime, hook: str, concept: dict[str, Any]) -> None:
    req = _request(hook, _order(concept), [cond("mi", "I25.2"), cond("cad", "I25.10")], POST_MI_LDL,
                   birth="1964-04-18")
    (a,) = assess(req, runtime, as_of=AS_OF).orders
    assert a.policy.id == "evolocumab-repatha"
    (card,) = handle_hook(req, runtime, as_of=AS_OF)["cards"]
    assert card["source"]["url"].endswith("/evolocumab-repatha")
    assert card["summary"].startswith("Repatha")
    status = {c.id: c.status.value for c in a.determination.criteria}
    assert (status["clinical_ascvd"], status["ldl_above_ascvd"], status["statin_step"]) == ("met", "met", "unknown")
    assert a.determination.determination == "insufficient_information"


ATORVASTATIN_80 = {"resourceType": "MedicationStatement", "id": "atorva", "status": "active", "subject": SUBJECT,
                   "medicationCodeableConcept": {"text": "atorvastatin 80 mg tablet"},
                   "effectivePeriod": {"start": "2025-06-01"},
                   "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg", "system": UCUM,
                                                                 "code": "mg"}}]}]}


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_repatha_after_mi_on_high_intensity_statin_meets(runtime: Runtime, hook: str) -> None:
    req = _request(hook, _order(REPATHA_CODE), [cond("mi", "I25.2")], POST_MI_LDL, birth="1964-04-18",
                   statements=[ATORVASTATIN_80])
    (a,) = assess(req, runtime, as_of=AS_OF).orders
    status = {c.id: c.status.value for c in a.determination.criteria}
    assert status["statin_step"] == "met", status
    assert a.determination.determination == "meets_criteria"
    (card,) = handle_hook(req, runtime, as_of=AS_OF)["cards"]
    assert card["indicator"] == "info"


# --- PAS $submit ------------------------------------------------------------------------------------

_CLINICAL = {"Condition", "Observation", "Procedure", "BiologicallyDerivedProduct", "MedicationStatement"}


def _pas_for(fixture: Any, concept: dict[str, Any], clinical: list[dict[str, Any]], birth: str) -> dict[str, Any]:
    """The first-line PAS request with its MDS record replaced by ``clinical`` and its order by ``concept``."""
    bundle = fixture("pas-request-first-line")
    entries = [e for e in bundle["entry"] if e["resource"]["resourceType"] not in _CLINICAL]
    for e in entries:
        r = e["resource"]
        if r["resourceType"] == "Patient":
            r["birthDate"] = birth
        if r["resourceType"] == "MedicationRequest":
            r["medicationCodeableConcept"] = concept
        if r["resourceType"] == "Claim":
            r["item"][0]["productOrService"] = concept
    patient = next(e["resource"]["id"] for e in entries if e["resource"]["resourceType"] == "Patient")
    for r in clinical:
        r = dict(r, subject={"reference": f"Patient/{patient}"})
        entries.insert(1, {"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r})
    bundle["entry"] = entries
    return bundle


@pytest.mark.parametrize("concept", [WEGOVY_TEXT, WEGOVY_UNKNOWN_CODE], ids=["text", "display"])
def test_pas_submit_for_wegovy_is_evaluated_against_the_wegovy_policy(
    runtime: Runtime, fixture: Any, concept: dict[str, Any],
) -> None:
    from mednec.fhir.pas import InMemoryClaimStore, submit

    store = InMemoryClaimStore()
    bundle = _pas_for(fixture, concept, [cond("ob", "E66.811"), cond("htn", "I10"), *OBESE], "1980-03-02")
    cr = submit(bundle, runtime, store=store, now=dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC))["entry"][0]["resource"]
    record = store.get(cr["preAuthRef"])
    assert record is not None and record.status == "pended"
    (summary,) = record.determinations
    assert (summary["policy"], summary["determination"]) == ("semaglutide-wegovy", "insufficient_information")
    notes = " ".join(n["text"] for n in cr.get("processNote", ()))
    assert "no mednec policy" not in notes


def test_pas_submit_with_an_ozempic_code_is_not_read_as_wegovy(runtime: Runtime, fixture: Any) -> None:
    from mednec.fhir.pas import InMemoryClaimStore, submit

    store = InMemoryClaimStore()
    bundle = _pas_for(fixture, OZEMPIC_CODE, [cond("t2", "E11.9"), *OBESE], "1970-03-02")
    cr = submit(bundle, runtime, store=store, now=dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC))["entry"][0]["resource"]
    record = store.get(cr["preAuthRef"])
    assert record is not None and record.determinations[0]["policy"] == "semaglutide-ozempic"


# --- DTR $questionnaire-package ---------------------------------------------------------------------


def test_dtr_package_for_a_repatha_order_asks_only_what_is_missing(runtime: Runtime) -> None:
    from mednec.fhir.dtr import questionnaire_package

    class Store:
        def __init__(self) -> None:
            self.kept: list[dict[str, Any]] = []

        def keep(self, questionnaire: Mapping[str, Any], assertion_id: str | None = None) -> None:
            self.kept.append(dict(questionnaire))

        def by_url(self, url: str, version: str | None = None) -> list[dict[str, Any]]:
            return []

        def by_assertion(self, assertion_id: str) -> dict[str, Any] | None:
            return None

    now = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    coverage = {"name": "coverage", "resource": {"resourceType": "Coverage", "id": "c", "status": "active",
                                                 "beneficiary": {"reference": "Patient/p"},
                                                 "payor": [{"display": "Plan"}]}}
    order = {"name": "order", "resource": _order(REPATHA_CODE)}
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1964-04-18", "gender": "male"}
    record = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": r} for r in (patient, cond("mi", "I25.2"), *POST_MI_LDL)]}

    def asked(*params: dict[str, Any]) -> set[str]:
        out = questionnaire_package({"resourceType": "Parameters", "parameter": list(params)}, runtime,
                                    Store(), base="https://payer.example/fhir", now=now)
        (bundle,) = [p["resource"] for p in out["parameter"] if p["name"] == "PackageBundle"]
        q = bundle["entry"][0]["resource"]
        assert "evolocumab" in q["url"] or "Repatha" in q.get("title", "") + q.get("name", ""), q["url"]
        return {i["linkId"] for g in q["item"] for i in g.get("item", [g])}

    everything = asked(coverage, order)
    adaptive = asked(coverage, order, {"name": "bundle", "resource": record})
    assert adaptive < everything
    # the record gave age, the MI and the LDL-C: none of them is asked again
    for fact in ("birth_date", "prior_mi", "ldl_c"):
        assert not any(fact in link for link in adaptive), (fact, adaptive)
        assert any(fact in link for link in everything), (fact, everything)
    assert any("statin" in link or "medication_history" in link for link in adaptive)
