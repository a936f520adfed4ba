"""FHIR shapes the second held-out set (tests/heldout/fhir_ehr, real EHR and payer exports) showed unread or
misread, each as a family: a lab's local name with its qualifiers ("del(5q) by FISH", "Ring sideroblasts
(iron stain), % of ..."); a status reason saying the response was too little ("Inadequate response"); a
resolved or inactive Condition of a past event (a myocardial infarction, a stroke) against one of a current
state (hypertension, pregnancy); a Condition coded outside the dictionary whose text is a fact's name
("Pregnant"); and the diagnoses of a Da Vinci PAS Claim."""

from __future__ import annotations

from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import RXNORM, SNOMED
from tests.fhir.new_pack_resources import AS_OF, SUBJECT

from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir.medication import response_of
from mednec.runtime import Runtime

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


#: a recordedDate within the 300 days a recorded pregnancy can still be the current one (older: pregnancy_possible,
#: tests/fhir/test_fhir_round8_families.py)
RECENT = "2026-03-01"


def _cond(system: str, code: str, display: str, *, clinical: str | None = "active", verification: str = "confirmed",
          text: str | None = None, recorded: str = "2025-03-01") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Condition", "id": "c", "subject": SUBJECT, "recordedDate": recorded,
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
])
def test_condition_coded_outside_the_dictionary_read_by_its_exact_name(runtime: Runtime, text: str | None,
                                                                     display: str, fact: str) -> None:
    assert _facts(runtime, _cond(SNOMED, "1234567", display, text=text, recorded=RECENT)).get(fact) is True


@pytest.mark.parametrize(("text", "fact"), [("Hypertension", "hypertension"), ("Heart attack", "prior_mi"),
                                            ("Pregnant", "pregnant"), ("Type 2 diabetes", "type2_diabetes")])
def test_condition_in_text_only_read_by_its_exact_name(runtime: Runtime, text: str, fact: str) -> None:
    cond = _cond(SNOMED, "1234567", "x", text=text, recorded=RECENT)
    del cond["code"]["coding"]
    assert _facts(runtime, cond).get(fact) is True


@pytest.mark.parametrize(("system", "code", "text", "fact"), [
    (ICD, "Z33.1", "Pregnant", "pregnant"), (SNOMED, "77386006", "Pregnant", "pregnant"),
    (SNOMED, "230690007", "CVA", None), (SNOMED, "230690007", "Stroke", None), (ICD, "I61.9", "Stroke", None),
    (ICD, "I10", "Hypertension", "hypertension"),
])
def test_a_coded_condition_read_by_its_name_only_where_codes_cannot_decide(
        runtime: Runtime, system: str, code: str, text: str, fact: str | None) -> None:
    """A fact the dictionary codes (ischemic stroke: I63, SNOMED CT 422504002) is decided by a coded Condition's
    codes, not its text (a CVA of unstated kind, a haemorrhage); a fact without codes (pregnant) by the text."""
    facts = _facts(runtime, _cond(system, code, text, text=text, recorded=RECENT))
    if fact is None:
        assert "prior_ischemic_stroke" not in facts
    else:
        assert facts.get(fact) is True


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


# --- AllergyIntolerance, administrations of other drugs, FamilyMemberHistory ---------------------------------
AI = "http://terminology.hl7.org/CodeSystem/allergyintolerance-"


def _allergy(text: str, *, code: str | None = None, verification: str = "confirmed",
             clinical: str | None = "active") -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if code:
        concept["coding"] = [{"system": RXNORM, "code": code, "display": text}]
    r: dict[str, Any] = {"resourceType": "AllergyIntolerance", "id": "a", "patient": SUBJECT, "type": "intolerance",
                         "category": ["medication"], "code": concept,
                         "verificationStatus": {"coding": [{"system": AI + "verification", "code": verification}]},
                         "reaction": [{"manifestation": [{"text": "Myalgia"}]}]}
    if clinical:
        r["clinicalStatus"] = {"coding": [{"system": AI + "clinical", "code": clinical}]}
    return r


def _history(runtime: Runtime, *resources: dict[str, Any]) -> list[dict[str, Any]] | None:
    case = bundle_to_case(_bundle(*resources), runtime.dictionary, AS_OF, drug="Repatha",
                          drugs=runtime.catalog.calculators.drugs).case
    got = case["facts"].get("medication_history")
    return None if got is None else list(got)


@pytest.mark.parametrize(("text", "code", "drugs"), [
    ("Atorvastatin", "83367", {"atorvastatin"}), ("atorvastatin", None, {"atorvastatin"}),
    ("LIPITOR", None, {"atorvastatin"}), ("Ezetimibe", None, {"ezetimibe"}),
    ("HMG-CoA reductase inhibitors (statins)", None,
     {"atorvastatin", "rosuvastatin", "simvastatin", "pravastatin", "lovastatin", "fluvastatin", "pitavastatin"}),
])
def test_allergy_to_a_known_drug_is_intolerance(runtime: Runtime, text: str, code: str | None, drugs: set[str]) -> None:
    history = _history(runtime, _allergy(text, code=code))
    assert history is not None
    assert {e["drug"] for e in history} == drugs
    assert {e["response"] for e in history} == {"intolerant"}


@pytest.mark.parametrize(("verification", "clinical"), [("refuted", "inactive"), ("entered-in-error", None),
                                                        ("confirmed", "resolved"), ("confirmed", "inactive")])
def test_refuted_erroneous_or_resolved_allergy_says_nothing(runtime: Runtime, verification: str,
                                                            clinical: str | None) -> None:
    assert _history(runtime, _allergy("Atorvastatin", verification=verification, clinical=clinical)) is None


@pytest.mark.parametrize("text", ["Penicillin", "Nystatin", "Sulfa drugs"])
def test_allergy_to_another_substance_says_nothing(runtime: Runtime, text: str) -> None:
    assert _history(runtime, _allergy(text)) is None


def test_statin_allergy_with_a_lowest_dose_statin_is_nla_intolerance(runtime: Runtime) -> None:
    stopped = {"resourceType": "MedicationStatement", "id": "s", "status": "stopped", "subject": SUBJECT,
               "medicationCodeableConcept": {"text": "rosuvastatin 5 mg"},
               "effectivePeriod": {"start": "2024-03-01", "end": "2024-05-10"}, "statusReason": [{"text": "myalgia"}],
               "dosage": [{"doseAndRate": [{"doseQuantity": {"value": 5, "unit": "mg"}}]}]}
    case = bundle_to_case(_bundle(_allergy("Atorvastatin"), stopped), runtime.dictionary, AS_OF, drug="Repatha",
                          drugs=runtime.catalog.calculators.drugs).case
    det = runtime.evaluate(runtime.parse_case(case, as_of=AS_OF).facts, "Repatha")
    assert det.criterion("statin_intolerant").status.value == "met"


@pytest.mark.parametrize("status", ["completed", "in-progress"])
@pytest.mark.parametrize("med", ["PRALUENT 150 MG/ML SC SOAJ", "alirocumab", "ezetimibe 10 mg"])
def test_administration_of_another_known_drug_leaves_the_history_asked(runtime: Runtime, med: str, status: str) -> None:
    statement = {"resourceType": "MedicationStatement", "id": "s", "status": "active", "subject": SUBJECT,
                 "medicationCodeableConcept": {"text": "atorvastatin 80 mg"}, "effectivePeriod": {"start": "2025-01-01"}}
    given = {"resourceType": "MedicationAdministration", "id": "ma", "status": status, "subject": SUBJECT,
             "medicationCodeableConcept": {"text": med}, "effectiveDateTime": "2026-11-20T10:00:00Z"}
    assert _history(runtime, statement) is not None
    assert _history(runtime, statement, given) is None


@pytest.mark.parametrize("status", ["not-done", "entered-in-error"])
def test_an_administration_not_given_says_nothing(runtime: Runtime, status: str) -> None:
    statement = {"resourceType": "MedicationStatement", "id": "s", "status": "active", "subject": SUBJECT,
                 "medicationCodeableConcept": {"text": "atorvastatin 80 mg"}, "effectivePeriod": {"start": "2025-01-01"}}
    given = {"resourceType": "MedicationAdministration", "id": "ma", "status": status, "subject": SUBJECT,
             "medicationCodeableConcept": {"text": "alirocumab"}, "effectiveDateTime": "2026-11-20T10:00:00Z"}
    assert _history(runtime, statement, given) is not None


def _relative(text: str, *, status: str = "completed", code: tuple[str, str] | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"text": text}
    if code:
        concept["coding"] = [{"system": code[0], "code": code[1], "display": text}]
    return {"resourceType": "FamilyMemberHistory", "id": "f", "status": status, "patient": SUBJECT,
            "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": "MTH"}]},
            "condition": [{"code": concept}]}


@pytest.mark.parametrize("text", ["Medullary thyroid carcinoma", "Medullary thyroid cancer", "MTC", "MEN 2A",
                                  "Multiple endocrine neoplasia type 2B"])
def test_a_relatives_mtc_or_men2_is_family_history(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, _relative(text)).get("mtc_men2_history") is True
    assert _facts(runtime, _cond(SNOMED, "1234567", "Finding", text=text, clinical="resolved")).get("mtc_men2_history") is True


@pytest.mark.parametrize(("text", "code"), [("Myocardial infarction", (SNOMED, "22298006")), ("Hypertension", None),
                                            ("Type 2 diabetes", (ICD, "E11.9")), ("Papillary thyroid carcinoma", None)])
def test_a_relatives_other_condition_is_not_the_patients(runtime: Runtime, text: str, code: tuple[str, str] | None) -> None:
    facts = _facts(runtime, _relative(text, code=code))
    assert not {"prior_mi", "hypertension", "type2_diabetes", "mtc_men2_history"} & set(facts)


@pytest.mark.parametrize("status", ["entered-in-error", "health-unknown"])
def test_an_erroneous_family_history_says_nothing(runtime: Runtime, status: str) -> None:
    assert "mtc_men2_history" not in _facts(runtime, _relative("Medullary thyroid carcinoma", status=status))


def test_the_allergy_and_family_fixture(runtime: Runtime, fixture: Any) -> None:
    """tests/fixtures/fhir/bundle-ldl-allergy-family.json: the statin allergy and a 5 mg rosuvastatin stopped
    for myalgia make NLA statin intolerance (Repatha meets); the mother's MTC rules Wegovy out."""
    bundle = fixture("bundle-ldl-allergy-family")
    drugs = runtime.catalog.calculators.drugs
    repatha = bundle_to_case(bundle, runtime.dictionary, AS_OF, drug="Repatha", drugs=drugs).case
    assert runtime.evaluate(runtime.parse_case(repatha, as_of=AS_OF).facts, "Repatha").determination == "meets_criteria"
    wegovy = bundle_to_case(bundle, runtime.dictionary, AS_OF, drug="Wegovy", drugs=drugs).case
    assert wegovy["facts"]["mtc_men2_history"]["value"] is True
    det = runtime.evaluate(runtime.parse_case(wegovy, as_of=AS_OF).facts, "Wegovy")
    assert det.criterion("no_mtc_men2").status.value == "not_met"


def test_an_allergy_to_the_requested_drug_is_listed_for_the_reviewer(runtime: Runtime) -> None:
    intake = bundle_to_case(_bundle(_allergy("Repatha")), runtime.dictionary, AS_OF, drug="Repatha",
                            drugs=runtime.catalog.calculators.drugs)
    (why,) = [u.reason for u in intake.unmapped if u.resource == "AllergyIntolerance/a"]
    assert "requested drug" in why
