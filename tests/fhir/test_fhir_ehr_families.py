"""FHIR shapes the second held-out set (tests/heldout/fhir_ehr, real EHR and payer exports) showed unread or
misread, each as a family: a lab's local name with its qualifiers ("del(5q) by FISH", "Ring sideroblasts
(iron stain), % of ..."); a status reason saying the response was too little ("Inadequate response"); a
resolved or inactive Condition of a past event (a myocardial infarction, a stroke) against one of a current
state (hypertension, pregnancy); a Condition coded outside the dictionary whose text is a fact's name
("Pregnant"); and the diagnoses of a Da Vinci PAS Claim."""

from __future__ import annotations

from typing import Any

import pytest
from tests.fhir.new_pack_resources import AS_OF, SUBJECT

from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir.medication import response_of
from mednec.runtime import Runtime

SNOMED = "http://snomed.info/sct"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
LOCAL = "urn:oid:1.2.840.114350.1.13.0.1.7.2.768282"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1960-04-18", "gender": "female"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": patient}] + [{"resource": r} for r in resources]}


def _facts(runtime: Runtime, *resources: dict[str, Any]) -> dict[str, Any]:
    case = bundle_to_case(_bundle(*resources), runtime.dictionary, AS_OF).case
    return {k: v["value"] if isinstance(v, dict) else v for k, v in case["facts"].items()}


def _text_obs(text: str, value: dict[str, Any], *, local: bool = False) -> dict[str, Any]:
    code: dict[str, Any] = {"text": text}
    if local:
        code["coding"] = [{"system": LOCAL, "code": "X1", "display": text}]
    return {"resourceType": "Observation", "id": "o", "status": "final", "subject": SUBJECT, "code": code,
            "effectiveDateTime": "2026-11-20", **value}


_PCT = {"valueQuantity": {"value": 18, "unit": "%"}}
_DETECTED = {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "260373001", "display": "Detected"}]}}
_EPO = {"valueQuantity": {"value": 640, "unit": "mIU/mL"}}


@pytest.mark.parametrize(("text", "value", "fact", "want"), [
    ("Ring sideroblasts (Prussian blue iron stain), % of erythroid precursors", _PCT, "ring_sideroblasts_pct", 18),
    ("Ring sideroblasts, bone marrow", _PCT, "ring_sideroblasts_pct", 18),
    ("Ring sideroblasts - iron stain", _PCT, "ring_sideroblasts_pct", 18),
    ("Ring sideroblasts: marrow aspirate", _PCT, "ring_sideroblasts_pct", 18),
    ("del(5q) by FISH", _DETECTED, "del5q", True),
    ("del(5q) [FISH, EGR1 5q31]", _DETECTED, "del5q", True),
    ("Erythropoietin, serum", _EPO, "serum_epo", 640),
    ("Erythropoietin (EPO) by immunoassay", _EPO, "serum_epo", 640),
])
@pytest.mark.parametrize("local", [False, True])
def test_local_lab_name_with_qualifiers(runtime: Runtime, text: str, value: dict[str, Any], fact: str, want: Any,
                                        local: bool) -> None:
    assert _facts(runtime, _text_obs(text, value, local=local)).get(fact) == want


@pytest.mark.parametrize("text", ["Blasts, peripheral blood", "Ring", "del(7q) by FISH", "Sideroblasts (iron stain)"])
def test_a_qualified_name_of_something_else_is_not_read(runtime: Runtime, text: str) -> None:
    facts = _facts(runtime, _text_obs(text, _PCT))
    assert not {"ring_sideroblasts_pct", "marrow_blasts_pct", "del5q"} & set(facts)


@pytest.mark.parametrize(("reason", "want"), [
    ("Inadequate response - no hemoglobin rise, still transfusion dependent", "none"),
    ("insufficient response", "none"), ("suboptimal erythroid response", "none"), ("poor response", "none"),
    ("No hematologic response at 12 weeks", "none"), ("completed without response", "none"),
    ("did not respond", "none"), ("unresponsive to therapy", "none"),
    ("responded", "response"), ("good response", "response"), ("partial response", "partial"),
    ("lost response after 6 months", "lost_response"), ("poor response, intolerance", "intolerant"),
])
def test_status_reason_response(reason: str, want: str) -> None:
    assert response_of([reason]) == want


def _cond(system: str, code: str, display: str, *, clinical: str | None = "active", verification: str = "confirmed",
          text: str | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Condition", "id": "c", "subject": SUBJECT, "recordedDate": "2025-03-01",
                         "verificationStatus": {"coding": [{"system": VER, "code": verification}]},
                         "code": {"coding": [{"system": system, "code": code, "display": display}]}}
    if clinical:
        r["clinicalStatus"] = {"coding": [{"system": CLIN, "code": clinical}]}
    if text:
        r["code"]["text"] = text
    return r


_PAST = [(ICD, "I21.09", "STEMI", "prior_mi"), (SNOMED, "22298006", "Myocardial infarction", "prior_mi"),
         (ICD, "I63.9", "Cerebral infarction, unspecified", "prior_ischemic_stroke")]
_CURRENT = [(ICD, "I10", "Essential (primary) hypertension", "hypertension"),
            (ICD, "E11.9", "Type 2 diabetes mellitus without complications", "type2_diabetes"),
            (ICD, "G47.33", "Obstructive sleep apnea", "obstructive_sleep_apnea")]


@pytest.mark.parametrize("clinical", ["resolved", "inactive", "remission", "active", None])
@pytest.mark.parametrize(("system", "code", "display", "fact"), _PAST)
def test_a_past_event_is_documented_whatever_its_clinical_status(runtime: Runtime, system: str, code: str,
                                                                  display: str, fact: str, clinical: str | None) -> None:
    assert _facts(runtime, _cond(system, code, display, clinical=clinical)).get(fact) is True


@pytest.mark.parametrize("clinical", ["resolved", "inactive", "remission"])
@pytest.mark.parametrize(("system", "code", "display", "fact"), _CURRENT)
def test_a_current_condition_counts_only_while_active(runtime: Runtime, system: str, code: str, display: str,
                                                      fact: str, clinical: str) -> None:
    assert fact not in _facts(runtime, _cond(system, code, display, clinical=clinical))


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error"])
@pytest.mark.parametrize("clinical", ["resolved", "active"])
@pytest.mark.parametrize(("system", "code", "display", "fact"), _PAST + _CURRENT)
def test_refuted_or_erroneous_conditions_say_nothing(runtime: Runtime, system: str, code: str, display: str,
                                                     fact: str, verification: str, clinical: str) -> None:
    assert fact not in _facts(runtime, _cond(system, code, display, clinical=clinical, verification=verification))


def test_resolved_mds_is_not_the_diagnosis(runtime: Runtime) -> None:
    assert "diagnosis" not in _facts(runtime, _cond(ICD, "D46.1", "Refractory anemia with ring sideroblasts",
                                                    clinical="resolved"))


@pytest.mark.parametrize(("text", "display", "fact"), [
    ("Pregnant", "Pregnancy", "pregnant"), (None, "Pregnant", "pregnant"), ("TIA", "Transient cerebral ischemia", "tia"),
    ("Hypertension", "Raised blood pressure", "hypertension"), ("Heart attack", "Cardiac event", "prior_mi"),
])
def test_condition_coded_outside_the_dictionary_read_by_its_exact_name(runtime: Runtime, text: str | None,
                                                                     display: str, fact: str) -> None:
    assert _facts(runtime, _cond(SNOMED, "1234567", display, text=text)).get(fact) is True


@pytest.mark.parametrize("text", ["Pregnancy test negative", "Not pregnant", "Family history of MI", "Hypertension screening"])
def test_condition_text_that_only_contains_a_name_is_not_read(runtime: Runtime, text: str) -> None:
    facts = _facts(runtime, _cond(SNOMED, "1234567", "Finding", text=text))
    assert not {"pregnant", "prior_mi", "hypertension"} & set(facts)


def _claim(*codes: str) -> dict[str, Any]:
    return {"resourceType": "Claim", "id": "pas", "status": "active", "use": "preauthorization",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/claim-type", "code": "pharmacy"}]},
            "patient": SUBJECT, "created": "2026-11-30T08:00:00Z", "provider": {"reference": "Practitioner/x"},
            "priority": {"coding": [{"code": "normal"}]},
            "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/c"}}],
            "diagnosis": [{"sequence": n + 1, "diagnosisCodeableConcept": {"coding": [{"system": ICD, "code": c}]}}
                          for n, c in enumerate(codes)]}


@pytest.mark.parametrize(("codes", "want"), [
    (("D46.1",), {"diagnosis": "D46.1"}), (("G47.33", "E66.9"), {"obstructive_sleep_apnea": True}),
    (("E11.65",), {"type2_diabetes": True}), (("I25.2",), {"prior_mi": True}),
])
def test_pas_claim_diagnoses(runtime: Runtime, codes: tuple[str, ...], want: dict[str, Any]) -> None:
    facts = _facts(runtime, _claim(*codes))
    assert {k: facts.get(k) for k in want} == want


def test_a_condition_wins_over_the_claim(runtime: Runtime) -> None:
    """The chart's Condition, not the request's statement, gives the diagnosis and its date."""
    case = bundle_to_case(_bundle(_claim("D46.1"), _cond(ICD, "D46.9", "MDS, unspecified")), runtime.dictionary,
                          AS_OF).case
    assert case["facts"]["diagnosis"]["value"] == "D46.9"
    assert case["facts"]["diagnosis"]["date"] == "2025-03-01"
