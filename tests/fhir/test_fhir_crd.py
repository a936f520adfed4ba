"""CRD over CDS Hooks 2.0: discovery, prefetch and fetch, cards, coverage-information."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mednec.errors import CaseFormatError
from mednec.fhir.crd import (
    COVERAGE_INFORMATION,
    PrefetchUnavailableError,
    assess,
    coverage_information,
    discovery,
    handle_hook,
    prefetch_templates,
)
from mednec.intake.fhir.validate import validate_resource
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)


def _sub(ext: dict[str, Any]) -> dict[str, Any]:
    """Sub-extensions of a complex extension by url (the value of each)."""
    out: dict[str, Any] = {}
    for e in ext["extension"]:
        value = next(v for k, v in e.items() if k.startswith("value"))
        out.setdefault(e["url"], []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in out.items()}


def _check_invariants(ext: dict[str, Any]) -> None:
    """The CRD coverage-information invariants crd-ci-q1 .. q3."""
    sub = _sub(ext)
    assert {"coverage", "covered", "date", "coverage-assertion-id"} <= set(sub)
    if "questionnaire" in sub:
        assert sub.get("doc-needed") not in (None, "no-doc")  # q1
    if sub["covered"] != "not-covered":
        assert "pa-needed" in sub  # q2
    conditional = "conditional" in (sub.get("covered"), sub.get("pa-needed"), sub.get("doc-needed"))
    assert ("info-needed" in sub) == conditional  # q3 (STU 2.1: if and only if)


def _validate_extension(ext: dict[str, Any]) -> None:
    """The extension on a minimal order parses with fhir.resources R4B and serialises back unchanged."""
    order = {"resourceType": "MedicationRequest", "id": "x", "extension": [ext], "status": "draft",
             "intent": "order", "medicationCodeableConcept": {"text": "x"}, "subject": {"reference": "Patient/p"}}
    assert json.loads(validate_resource(order).model_dump_json(exclude_none=True)) == order


@pytest.fixture
def no_fetch() -> Iterator[Callable[[str, str | None], Any]]:
    """A fetch that must not be called (every key is prefetched, or no order matched)."""
    calls: list[str] = []

    def fetch(url: str, token: str | None) -> Any:
        calls.append(url)
        raise ConnectionError("no network in the tests")

    yield fetch
    assert calls == [], f"unexpected fetches: {calls}"


def _request_with(fixture: Callable[[str], Any], bundle_name: str) -> dict[str, Any]:
    """The order-sign request fixture with its prefetch replaced by another patient's record."""
    req = fixture("cds-order-sign-request")
    bundle = fixture(bundle_name)
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    req["context"]["patientId"] = patient["id"]
    for e in req["context"]["draftOrders"]["entry"]:  # the orders are that patient's too (one patient per request)
        e["resource"]["subject"] = {"reference": f"Patient/{patient['id']}"}
    req["prefetch"] = {"patient": patient, "coverage": req["prefetch"]["coverage"],
                       "conditions": {"resourceType": "Bundle", "type": "searchset",
                                      "entry": [e for e in bundle["entry"]
                                                if e["resource"]["resourceType"] != "Patient"]}}
    for key in ("observations", "medicationRequests", "medicationStatements", "medicationAdministrations",
                "procedures", "questionnaireResponses", "allergyIntolerances", "familyMemberHistories"):
        req["prefetch"][key] = None  # all of the record came in under "conditions"
    return req


# --- discovery ----------------------------------------------------------------------------------


def test_discovery_lists_both_hooks_with_prefetch(runtime: Runtime) -> None:
    doc = discovery(runtime.dictionary)
    assert [s["hook"] for s in doc["services"]] == ["order-select", "order-sign"]
    assert len({s["id"] for s in doc["services"]}) == 2
    prefetch = doc["services"][1]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    for key in ("conditions", "observations", "medicationRequests", "medicationStatements", "procedures"):
        assert "patient={{context.patientId}}" in prefetch[key]
    assert "http://loinc.org|718-7" in prefetch["observations"]
    assert "http://loinc.org|69548-6" in prefetch["observations"]
    assert json.loads(json.dumps(doc)) == doc


def test_prefetch_templates_use_only_the_patient_token(runtime: Runtime) -> None:
    for template in prefetch_templates(runtime.dictionary).values():
        assert template.count("{{") == 1 and "{{context.patientId}}" in template
        assert "_include" not in template  # outside the CDS Hooks recommended subset
        params = dict(p.split("=", 1) for p in template.partition("?")[2].split("&") if p)
        assert set(params) <= {"patient", "code", "status"}, template  # plain token searches only
        assert "mednec" not in template  # no local code an EHR would not have


def test_prefetch_asks_for_the_standard_codes_of_the_code_tables(runtime: Runtime) -> None:
    prefetch = prefetch_templates(runtime.dictionary)
    for code in ("26499-4", "751-8", "26515-7", "777-3", "718-7", "15061-5"):
        assert f"http://loinc.org|{code}," in prefetch["observations"] + ","
    assert "http://snomed.info/sct|71493000" in prefetch["procedures"]
    assert "http://www.ama-assn.org/go/cpt|36430" in prefetch["procedures"]
    assert "180208003" not in prefetch["procedures"]  # a platelet transfusion is not asked for
    assert "753-4" not in prefetch["observations"]  # unverified codes are not used


# --- the order-sign request from the fixture (spec shapes, documentation needed) ----------------


def test_documentation_needed_card(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    resp = handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch)
    (card,) = resp["cards"]
    assert card["indicator"] == "warning"
    assert len(card["summary"]) < 140
    assert card["summary"].startswith("Reblozyl: documentation needed")
    # CRD resp-5: Card.source.topic is required (CDS Hooks Card Type coverage-info)
    assert card["source"] == {"label": "mednec medical-necessity review",
                              "url": "https://mednec.example/policies/luspatercept-mds",
                              "topic": {"system": "http://terminology.hl7.org/CodeSystem/cdshooks-card-type",
                                        "code": "coverage-info", "display": "Coverage Information"}}
    assert "**Not documented:**" in card["detail"] and "Serum erythropoietin level" in card["detail"]
    smart = next(link for link in card["links"] if link["type"] == "smart")
    context = json.loads(smart["appContext"])
    assert context["order"] == "MedicationRequest/reblozyl-draft"
    (action,) = resp["systemActions"]
    assert action["type"] == "update" and action["resource"]["id"] == "reblozyl-draft"
    ext = action["resource"]["extension"][-1]
    assert ext["url"] == COVERAGE_INFORMATION
    sub = _sub(ext)
    assert (sub["covered"], sub["pa-needed"], sub["doc-needed"], sub["doc-purpose"]) == (
        "covered", "auth-needed", "clinical", "withpa")
    assert sub["questionnaire"] == context["questionnaire"][0]
    assert sub["coverage-assertion-id"] == context["coverageAssertionId"]
    assert sub["coverage"] == {"reference": "Coverage/cov-1"}
    assert sub["date"] == "2026-11-20"
    _check_invariants(ext)
    _validate_extension(ext)


def test_assertion_id_is_the_input_hash(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    (a,) = assess(req, runtime, as_of=AS_OF, fetch=no_fetch).orders
    ext = handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch)["systemActions"][0]["resource"]["extension"][-1]
    assert _sub(ext)["coverage-assertion-id"] == a.determination.input_hash
    assert a.determination.determination == "insufficient_information"


def test_response_is_deterministic(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    assert handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch) == handle_hook(
        req, runtime, as_of=AS_OF, fetch=no_fetch)


# --- each determination -------------------------------------------------------------------------


def test_meets_criteria_card(runtime: Runtime, fixture: Callable[[str], Any], no_fetch: Callable[..., Any]) -> None:
    resp = handle_hook(_request_with(fixture, "bundle-first-line"), runtime, as_of=AS_OF, fetch=no_fetch)
    (card,) = resp["cards"]
    assert card["indicator"] == "info"
    assert card["summary"] == ("Reblozyl: meets criteria (First-line in ESA-naive lower-risk MDS (COMMANDS)); "
                               "submit prior authorization")
    assert not any(link["type"] == "smart" for link in card["links"])
    ext = resp["systemActions"][0]["resource"]["extension"][-1]
    sub = _sub(ext)
    assert (sub["covered"], sub["pa-needed"]) == ("covered", "auth-needed")
    assert "doc-needed" not in sub and "questionnaire" not in sub
    _check_invariants(ext)
    _validate_extension(ext)


def test_not_met_card_is_a_recommendation(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    resp = handle_hook(_request_with(fixture, "bundle-del5q"), runtime, as_of=AS_OF, fetch=no_fetch)
    (card,) = resp["cards"]
    assert card["indicator"] == "critical"
    assert len(card["summary"]) < 140 and "physician review" in card["summary"]
    assert "**Not met:**" in card["detail"] and "del(5q)" in card["detail"]
    assert "physician reviewer" in card["detail"]
    sub = _sub(resp["systemActions"][0]["resource"]["extension"][-1])
    assert sub["covered"] == "covered"  # never not-covered on mednec's own say
    _check_invariants(resp["systemActions"][0]["resource"]["extension"][-1])


def test_conditional_needs_info_needed() -> None:
    class _Det:
        determination = "meets_criteria"
        policy = {"id": "p", "version": "1"}
        as_of = AS_OF
        input_hash = "sha256:0"
        missing_documentation = ()

    ext = coverage_information(_Det(), coverage={"reference": "Coverage/c"},  # type: ignore[arg-type]
                               covered="conditional", info_needed=["detail-code"])
    _check_invariants(ext)
    with pytest.raises(ValueError, match="info-needed"):
        coverage_information(_Det(), coverage={"reference": "Coverage/c"},  # type: ignore[arg-type]
                             info_needed=["performer"])


# --- request shapes, order-select, fetching -------------------------------------------------------


def test_order_select_evaluates_only_the_selected_orders(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    req["hook"] = "order-select"
    # as in the specification's example: a diet order and a medication order in one session
    req["context"]["draftOrders"]["entry"].insert(0, {"resource": {
        "resourceType": "NutritionOrder", "id": "diet-1", "status": "draft", "intent": "order",
        "patient": {"reference": "Patient/p-crd"}, "dateTime": "2026-11-20",
        "oralDiet": {"type": [{"text": "Iron-rich diet"}]}}})
    req["context"]["selections"] = ["NutritionOrder/diet-1"]
    assert handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch) == {"cards": []}
    req["context"]["selections"] = ["MedicationRequest/reblozyl-draft"]
    assert len(handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch)["cards"]) == 1


def test_an_order_no_policy_covers_gets_no_card_andno_fetch(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    draft = req["context"]["draftOrders"]["entry"][0]["resource"]
    draft["medicationCodeableConcept"] = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                      "code": "617993", "display": "Amoxicillin 120 MG/ML"}],
                                          "text": "Amoxicillin 120 MG/ML Oral Suspension"}
    req["prefetch"] = {}
    assert handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch) == {"cards": []}


def test_order_matched_by_name_only(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    req["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"] = {
        "text": "luspatercept-aamt 75 mg vial"}
    assert handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch)["cards"][0]["summary"].startswith("Reblozyl")


def test_missing_prefetch_is_fetched_from_the_fhir_server(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    observations = req["prefetch"].pop("observations")
    del req["prefetch"]["conditions"]
    pages = [
        {"resourceType": "Bundle", "type": "searchset", "entry": observations["entry"][:5],
         "link": [{"relation": "next", "url": "https://ehr.example.org/fhir/Observation?page=2"}]},
        {"resourceType": "Bundle", "type": "searchset", "entry": observations["entry"][5:]},
    ]
    calls: list[tuple[str, str | None]] = []

    def fetch(url: str, token: str | None) -> Any:
        calls.append((url, token))
        if url.startswith("https://ehr.example.org/fhir/Condition?patient=p-crd"):
            return None  # the server has no conditions
        return pages.pop(0)

    prefetched = assess(fixture("cds-order-sign-request"), runtime, as_of=AS_OF, fetch=no_fetch)
    fetched = assess(req, runtime, as_of=AS_OF, fetch=fetch)
    assert calls[0][0].startswith("https://ehr.example.org/fhir/Condition?patient=p-crd")
    # spec change (issue 15): a plain token search by standard codes, not combo-code with local codes
    assert calls[1][0].startswith("https://ehr.example.org/fhir/Observation?patient=p-crd&code=http://loinc.org|")
    assert calls[2] == ("https://ehr.example.org/fhir/Observation?page=2", "opaque-token-for-tests")
    assert fetched.case is not None and prefetched.case is not None
    assert "diagnosis" not in fetched.case["facts"] and "diagnosis" in prefetched.case["facts"]
    assert fetched.case["facts"]["hemoglobin"] == prefetched.case["facts"]["hemoglobin"]


def test_required_prefetch_without_a_server_is_412(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    req = fixture("cds-order-sign-request")
    del req["prefetch"]["observations"]
    del req["fhirServer"]
    with pytest.raises(PrefetchUnavailableError) as exc:
        handle_hook(req, runtime, as_of=AS_OF)
    assert exc.value.field == "prefetch.observations" and exc.value.code == "prefetch_unavailable"


def test_fetch_failure_on_required_data_is_412(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    req = fixture("cds-order-sign-request")
    del req["prefetch"]["patient"]

    def fetch(url: str, token: str | None) -> Any:
        raise TimeoutError("timed out")

    with pytest.raises(PrefetchUnavailableError, match="timed out"):
        handle_hook(req, runtime, as_of=AS_OF, fetch=fetch)


def test_unreadable_record_gives_a_warning_card(runtime: Runtime, fixture: Callable[[str], Any],
    no_fetch: Callable[..., Any],
) -> None:
    req = fixture("cds-order-sign-request")
    obs = req["prefetch"]["observations"]["entry"][0]["resource"]
    obs["valueQuantity"] = {"value": 81, "unit": "g/dL", "system": "http://unitsofmeasure.org", "code": "mg/mL"}
    (card,) = handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch)["cards"]
    # Spec change (issue 15): the unreadable resource is left out and named on the card, the rest
    # of the record is evaluated (it gave an error card for the whole record)
    assert "could not read" not in card["summary"]
    assert f"Observation/{obs['id']} could not be read" in card["detail"] and "mg/mL" in card["detail"]


@pytest.mark.parametrize(("path", "value", "field"), [
    (("hook",), "patient-view", "hook"),
    (("context", "patientId"), None, "context.patientId"),
    (("context", "draftOrders"), {"resourceType": "List"}, "context.draftOrders"),
])
def test_malformed_requests(runtime: Runtime, fixture: Callable[[str], Any], path: tuple[str, ...], value: Any,
                            field: str) -> None:
    req = fixture("cds-order-sign-request")
    node = req
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(CaseFormatError) as exc:
        handle_hook(req, runtime, as_of=AS_OF)
    assert exc.value.field == field


def _without_coverage(req: dict[str, Any]) -> dict[str, Any]:
    for order in (e["resource"] for e in req["context"]["draftOrders"]["entry"]):
        order.pop("insurance", None)
    for key, value in list(req["prefetch"].items()):
        if isinstance(value, dict) and value.get("resourceType") == "Bundle":
            value["entry"] = [e for e in value.get("entry") or () if e["resource"]["resourceType"] != "Coverage"]
        elif isinstance(value, dict) and value.get("resourceType") == "Coverage":
            del req["prefetch"][key]
    return req


@pytest.mark.parametrize("bundle_name", ["bundle-first-line", "bundle-missing-epo", "bundle-del5q"])
def test_without_coverage_the_card_is_the_clinical_answer_and_asserts_nothing(
    runtime: Runtime, fixture: Callable[[str], Any], no_fetch: Callable[..., Any], bundle_name: str,
) -> None:
    """Issue 15: no Coverage resource and no insurance on the order -> no coverage-information
    (so no 'covered', no 'pa-needed'), and the card says it states the clinical answer only."""
    with_coverage = handle_hook(_request_with(fixture, bundle_name), runtime, as_of=AS_OF, fetch=no_fetch)
    assert with_coverage["systemActions"]
    resp = handle_hook(_without_coverage(_request_with(fixture, bundle_name)), runtime, as_of=AS_OF, fetch=no_fetch)
    assert "systemActions" not in resp and "covered" not in json.dumps(resp).replace("No Coverage", "")
    (card,) = resp["cards"]
    assert card["indicator"] == with_coverage["cards"][0]["indicator"]  # the same clinical answer
    assert "asserts nothing about coverage" in card["detail"] and "prior authorization" not in card["summary"]


def test_a_payer_run_service_may_assume_its_coverage(runtime: Runtime, fixture: Callable[[str], Any],
                                                     no_fetch: Callable[..., Any]) -> None:
    from mednec.fhir.crd import HookConfig

    config = HookConfig(assumed_coverage={"reference": "Coverage/member-plan"})
    resp = handle_hook(_without_coverage(_request_with(fixture, "bundle-first-line")), runtime, as_of=AS_OF,
                       fetch=no_fetch, config=config)
    (action,) = resp["systemActions"]
    ext = next(e for e in action["resource"]["extension"] if e["url"] == COVERAGE_INFORMATION)
    assert _sub(ext)["coverage"] == {"reference": "Coverage/member-plan"}
    _check_invariants(ext)


@pytest.mark.parametrize("how", ["relative", "absolute", "urn", "contained"])
def test_an_order_whose_medication_is_referenced_anywhere_is_matched(
    runtime: Runtime, fixture: Callable[[str], Any], no_fetch: Callable[..., Any], how: str,
) -> None:
    """Issue 15: medicationReference to a Medication with only an RxNorm product code (no name),
    wherever it is -- elsewhere in draftOrders (relative, absolute or urn:uuid reference) or contained."""
    req = fixture("cds-order-sign-request")
    entry = req["context"]["draftOrders"]["entry"][0]
    order = entry["resource"]
    med = {"resourceType": "Medication", "id": "med-rblz",
           "code": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "2262911"}]}}
    del order["medicationCodeableConcept"]
    if how == "contained":
        order["contained"] = [med]
        order["medicationReference"] = {"reference": "#med-rblz"}
    else:
        full = {"relative": "https://ehr.example.org/fhir/Medication/med-rblz",
                "absolute": "https://ehr.example.org/fhir/Medication/med-rblz",
                "urn": "urn:uuid:3f1b0c2e-0000-4000-8000-00000000aa01"}[how]
        ref = {"relative": "Medication/med-rblz", "absolute": full, "urn": full}[how]
        req["context"]["draftOrders"]["entry"].append({"fullUrl": full, "resource": med})
        order["medicationReference"] = {"reference": ref}
    resp = handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch)
    assert len(resp["cards"]) == 1 and "Reblozyl" in resp["cards"][0]["summary"]


# --- allergies and family history in the prefetch (read by the bundle intake) -------------------------------

#: the prefetch key each resource type of a chart is sent under
_PREFETCH_KEY = {"Condition": "conditions", "Observation": "observations", "MedicationStatement": "medicationStatements",
                 "AllergyIntolerance": "allergyIntolerances", "FamilyMemberHistory": "familyMemberHistories"}


def _prefetched_by_type(fixture: Callable[[str], Any], dictionary: Any, bundle_name: str, hook: str,
                        text: str) -> dict[str, Any]:
    """A request ordering ``text`` for the patient of ``bundle_name``, each resource under the prefetch key of
    its type (as a client fills the templates), every other key null, no fhirServer."""
    bundle = fixture(bundle_name)
    resources = [e["resource"] for e in bundle["entry"]]
    patient = next(r for r in resources if r["resourceType"] == "Patient")
    rest = [r for r in resources if r["resourceType"] != "Patient"]
    assert {r["resourceType"] for r in rest} <= set(_PREFETCH_KEY)
    order = {"resourceType": "MedicationRequest", "id": "draft-1", "status": "draft", "intent": "order",
             "medicationCodeableConcept": {"text": text}, "subject": {"reference": f"Patient/{patient['id']}"},
             "authoredOn": "2026-11-20"}
    context: dict[str, Any] = {"userId": "Practitioner/dr", "patientId": patient["id"],
                               "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": order}]}}
    if hook == "order-select":
        context["selections"] = ["MedicationRequest/draft-1"]
    prefetch: dict[str, Any] = dict.fromkeys(prefetch_templates(dictionary), None)
    prefetch["patient"] = patient
    for key in set(_PREFETCH_KEY.values()):
        of_key = [r for r in rest if _PREFETCH_KEY[r["resourceType"]] == key]
        if of_key:
            prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in of_key]}
    return {"hookInstance": "6d0f6a8e-3c2b-4f0e-8a51-2b7f0c9d1e43", "hook": hook, "context": context,
            "prefetch": prefetch}


def test_discovery_asks_for_allergies_and_family_history(runtime: Runtime) -> None:
    for service in discovery(runtime.dictionary)["services"]:
        assert service["prefetch"]["allergyIntolerances"] == "AllergyIntolerance?patient={{context.patientId}}"
        assert service["prefetch"]["familyMemberHistories"] == "FamilyMemberHistory?patient={{context.patientId}}"


@pytest.mark.parametrize("hook", ["order-select", "order-sign"])
def test_prefetched_family_history_of_mtc_rules_wegovy_out(runtime: Runtime, fixture: Callable[[str], Any],
                                                          no_fetch: Callable[..., Any], hook: str) -> None:
    req = _prefetched_by_type(fixture, runtime.dictionary, "bundle-ldl-allergy-family", hook, "Wegovy 2.4 mg once weekly")
    (a,) = assess(req, runtime, as_of=AS_OF, fetch=no_fetch).orders
    assert a.policy.id == "semaglutide-wegovy"
    assert a.determination.criterion("no_mtc_men2").status.value == "not_met"
    assert "no_mtc_men2" not in {p.criterion for p in a.determination.assumptions}
    assert a.determination.determination != "meets_criteria"
    (card,) = handle_hook(req, runtime, as_of=AS_OF, fetch=no_fetch)["cards"]
    assert card["indicator"] != "info"


@pytest.mark.parametrize("absent", ["null", "missing"])
def test_family_history_not_prefetched_is_unknown_not_none(runtime: Runtime, fixture: Callable[[str], Any],
                                                           no_fetch: Callable[..., Any], absent: str) -> None:
    req = _prefetched_by_type(fixture, runtime.dictionary, "bundle-ldl-allergy-family", "order-select", "Wegovy 2.4 mg once weekly")
    if absent == "null":
        req["prefetch"]["familyMemberHistories"] = None
    else:
        del req["prefetch"]["familyMemberHistories"]
    result = assess(req, runtime, as_of=AS_OF, fetch=no_fetch)
    assert result.case is not None and "mtc_men2_history" not in result.case["facts"]
    (a,) = result.orders
    # unknown, not "no family history": the criterion rests only on the policy's presumption, to be attested
    assert "no_mtc_men2" in {p.criterion for p in a.determination.assumptions}
    assert ("familyMemberHistories (not prefetched)" in result.unavailable) == (absent == "missing")


def test_prefetched_statin_allergy_is_read_as_the_bundle_intake_reads_it(
        runtime: Runtime, fixture: Callable[[str], Any], no_fetch: Callable[..., Any]) -> None:
    from mednec.intake.fhir import bundle_to_case

    req = _prefetched_by_type(fixture, runtime.dictionary, "bundle-ldl-allergy-family", "order-select", "Repatha 140 mg every 2 weeks")
    result = assess(req, runtime, as_of=AS_OF, fetch=no_fetch)
    (a,) = result.orders
    assert a.policy.id == "evolocumab-repatha"
    assert result.case is not None
    history = result.case["facts"]["medication_history"]
    assert {"drug": "atorvastatin", "response": "intolerant"}.items() <= next(
        e for e in history if e["drug"] == "atorvastatin").items()
    intake = bundle_to_case(fixture("bundle-ldl-allergy-family"), runtime.dictionary, AS_OF, drug="Repatha",
                            drugs=runtime.catalog.calculators.drugs).case
    def by_drug(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(entries, key=lambda e: str(e["drug"]))

    assert by_drug(history) == by_drug(intake["facts"]["medication_history"])
    assert a.determination.criterion("statin_intolerant").status.value == "met"
    assert a.determination.determination == runtime.evaluate(
        runtime.parse_case(intake, as_of=AS_OF).facts, "Repatha").determination
    without = _prefetched_by_type(fixture, runtime.dictionary, "bundle-ldl-allergy-family", "order-select", "Repatha 140 mg every 2 weeks")
    without["prefetch"]["allergyIntolerances"] = None
    unread = assess(without, runtime, as_of=AS_OF, fetch=no_fetch)
    assert unread.case is not None
    assert "atorvastatin" not in {e["drug"] for e in unread.case["facts"].get("medication_history") or ()}
