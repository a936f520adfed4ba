"""The whole Da Vinci loop for one patient.

order-sign hook -> documentation-needed card and coverage information -> DTR Questionnaire ->
QuestionnaireResponse -> meets criteria (and the re-signed order gets an info card) -> PAS
$submit with the response in the bundle -> certified -> $inquire finds it.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from tests.code_systems import UCUM

from mednec.fhir.crd import COVERAGE_INFORMATION, assess, handle_hook
from mednec.fhir.pas import REVIEW_ACTION, REVIEW_ACTION_CODE, InMemoryClaimStore, inquire, submit
from mednec.fhir.questionnaire import apply_response, build_questionnaire
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 16, 30, tzinfo=dt.UTC)


def _resources(value: Any) -> list[dict[str, Any]]:
    if not value:
        return []
    if value.get("resourceType") == "Bundle":
        return [e["resource"] for e in value.get("entry", [])]
    return [value]


def _pas_request(fixture: Callable[[str], Any], hook_request: dict[str, Any],
                 response: dict[str, Any]) -> dict[str, Any]:
    """A PAS request for the hook's patient: the record, the DTR answers and the Claim."""
    template = fixture("pas-request-first-line")
    wanted = {"Claim", "Coverage", "Organization", "Practitioner", "MedicationRequest"}
    claim_parts = [e for e in template["entry"] if e["resource"]["resourceType"] in wanted]
    text = json.dumps(claim_parts).replace("Patient/p-first-line", "Patient/p-crd")
    record = [r for v in hook_request["prefetch"].values() for r in _resources(v)]
    entries = [{"fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
               for r in record + [response]]
    return {"resourceType": "Bundle", "id": "pas-e2e", "type": "collection", "timestamp": NOW.isoformat(),
            "identifier": {"system": "https://ehr.example.org/submissions", "value": "SUB-E2E"},
            "entry": entries + json.loads(text)}


def test_order_sign_to_certified_prior_authorization(
    runtime: Runtime, fixture: Callable[[str], Any], answer_questionnaire: Callable[..., dict[str, Any]]
, roundtrip: Callable[[dict[str, Any]], None]) -> None:
    request = fixture("cds-order-sign-request")

    # 1. order-sign: documentation needed
    hook = handle_hook(request, runtime, as_of=AS_OF)
    (card,) = hook["cards"]
    assert card["indicator"] == "warning"
    launch = json.loads(next(lk for lk in card["links"] if lk["type"] == "smart")["appContext"])
    ext = hook["systemActions"][0]["resource"]["extension"][-1]
    assert ext["url"] == COVERAGE_INFORMATION
    doc_needed = {e["url"]: e for e in ext["extension"]}["doc-needed"]["valueCode"]
    assert doc_needed == "clinical"

    # 2. DTR: the questionnaire the card points to
    (order,) = assess(request, runtime, as_of=AS_OF).orders
    questionnaire = build_questionnaire(order.determination, runtime.dictionary)
    roundtrip(questionnaire)
    assert f"{questionnaire['url']}|{questionnaire['version']}" == launch["questionnaire"][0]

    # 3. the clinician answers (the record had no EPO, iron stain, SF3B1, ESA or usable transfusion record)
    response = answer_questionnaire(questionnaire, {
        "rbc_transfusions.any": True,
        "rbc_transfusions": [{"rbc_transfusions.date": d, "rbc_transfusions.units": 2}
                             for d in ("2026-09-01", "2026-09-29", "2026-10-27")],
        "esa_history.any": False,
        "serum_epo": {"value": 180, "unit": "mIU/mL", "system": UCUM, "code": "m[IU]/mL"},
        "serum_epo.date": "2026-10-30",
        "ring_sideroblasts_pct": {"value": 3, "unit": "%", "system": UCUM, "code": "%"},
        "sf3b1_mutation": False,
    }, rid="dtr-1", authored="2026-11-20T11:15:00-05:00")
    response["subject"] = {"reference": "Patient/p-crd"}
    roundtrip(response)
    assessed = assess(request, runtime, as_of=AS_OF)
    assert assessed.case is not None
    det, _ = apply_response(runtime, assessed.case, response, "Reblozyl", as_of=AS_OF)
    assert det.determination == "meets_criteria"
    assert det.pathway is not None and det.pathway.id == "esa_naive_first_line"

    # 4. the order is signed again with the answers on file: coverage information without documentation
    resigned = copy.deepcopy(request)
    resigned["prefetch"]["questionnaireResponses"] = {"resourceType": "Bundle", "type": "searchset",
                                                      "entry": [{"resource": response}]}
    again = handle_hook(resigned, runtime, as_of=AS_OF)
    assert again["cards"][0]["indicator"] == "info"
    sub = {e["url"] for e in again["systemActions"][0]["resource"]["extension"][-1]["extension"]}
    assert "doc-needed" not in sub and "questionnaire" not in sub

    # 5. PAS $submit with the record and the DTR response: certified
    store = InMemoryClaimStore()
    result = submit(_pas_request(fixture, request, response), runtime, store=store, as_of=AS_OF, now=NOW)
    roundtrip(result)
    claim_response = result["entry"][0]["resource"]
    action = next(e for e in claim_response["item"][0]["adjudication"][0]["extension"] if e["url"] == REVIEW_ACTION)
    code = {e["url"]: e for e in action["extension"]}[REVIEW_ACTION_CODE]["valueCodeableConcept"]["coding"][0]["code"]
    assert code == "A1"
    assert claim_response["preAuthPeriod"] == {"start": "2026-11-20", "end": "2027-05-06"}
    record = store.get(claim_response["preAuthRef"])
    assert record is not None and record.determinations[0]["input_hash"] == det.input_hash

    # 6. $inquire returns the stored status
    status = inquire(_pas_request(fixture, request, response), store, now=NOW)
    assert status["entry"][0]["resource"]["preAuthRef"] == claim_response["preAuthRef"]
