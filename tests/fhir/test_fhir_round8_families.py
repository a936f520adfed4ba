"""FHIR shapes the eighth held-out set (tests/heldout/fhir8) showed misread, each as a family of generated bundles.

- A Condition with an ``abatement[x]`` and no ``clinicalStatus`` (r8-g11): R4 con-4 says an abated condition's
  clinicalStatus is inactive, resolved or remission, so a current state (hypertension, type 2 diabetes, ...) is not
  current; a past event (a prior MI) is still a history of it. A hypertension abated in 2024 made Wegovy 'meet'.
- A Condition coded as a pregnancy (r8-g15): SNOMED CT 77386006 'Pregnant' (the IPS pregnancy-status value set, the
  answer the pregnancy-status Observation already reads) or ICD-10-CM Z33.1 'Pregnant state, incidental' was not
  read, so an active pregnancy on the problem list or as an encounter diagnosis left Wegovy 'meets'. An active one
  is pregnancy; one recorded more than 300 days ago (a pregnancy lasts at most about 43 weeks, the pregnancy-status
  Observation's rule) cannot still be the same pregnancy and is only the warning sign (asked).
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import SNOMED
from tests.fhir.family_intake import AS_OF, case_facts, determination, intake

from mednec.runtime import Runtime

SUBJECT = {"reference": "Patient/p"}
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
UCUM = "http://unitsofmeasure.org"


def _bundle(*resources: dict[str, Any], sex: str = "female") -> dict[str, Any]:
    p = {"resourceType": "Patient", "id": "p", "birthDate": "1970-04-18", "gender": sex}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": p}] + [{"resource": dict(r, id=r.get("id", f"r{i}"))} for i, r in enumerate(resources)]}


def _condition(system: str, code: str, *, clinical: str | None = "active", category: str = "problem-list-item",
               **extra: Any) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Condition", "subject": SUBJECT, "recordedDate": "2026-06-01",
                         "category": [{"coding": [{"system": CAT, "code": category}]}],
                         "code": {"coding": [{"system": system, "code": code}]}, **extra}
    if clinical is not None:
        r["clinicalStatus"] = {"coding": [{"system": CLIN, "code": clinical}]}
    return r


def _bmi(value: float) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-11-20",
            "code": {"coding": [{"system": "http://loinc.org", "code": "39156-5"}]},
            "valueQuantity": {"value": value, "unit": "kg/m2", "system": UCUM, "code": "kg/m2"}}


# --- abated, no clinicalStatus ----------------------------------------------------------------------------------

_AGE = {"value": 50, "unit": "years", "system": UCUM, "code": "a"}
ABATEMENTS = [{"abatementDateTime": "2024-02-01"}, {"abatementDateTime": "2024"},
              {"abatementAge": _AGE}, {"abatementPeriod": {"start": "2023-05-01", "end": "2023-06-01"}},
              {"abatementRange": {"low": _AGE, "high": {**_AGE, "value": 52}}}, {"abatementString": "resolved after weight loss"}]
CURRENT_STATES = [("hypertension", ICD, "I10"), ("hypertension", SNOMED, "38341003"), ("dyslipidemia", ICD, "E78.5"),
                  ("prediabetes", ICD, "R73.03"), ("obstructive_sleep_apnea", ICD, "G47.33"), ("type2_diabetes", ICD, "E11.9")]
CATEGORIES = ["problem-list-item", "encounter-diagnosis"]


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize("abatement", ABATEMENTS, ids=lambda a: next(iter(a)))
@pytest.mark.parametrize(("fact", "system", "code"), CURRENT_STATES)
def test_abated_current_state_without_clinical_status_is_not_current(
        runtime: Runtime, fact: str, system: str, code: str, abatement: dict[str, Any], category: str) -> None:
    got = case_facts(intake(runtime, _bundle(_condition(system, code, clinical=None, category=category, **abatement))))
    assert got.get(fact) is not True
    assert got.get("diagnosis") is None or not str(got["diagnosis"]).startswith("E11")


@pytest.mark.parametrize("abatement", ABATEMENTS[:2], ids=lambda a: next(iter(a)))
def test_abated_past_event_without_clinical_status_is_history(runtime: Runtime, abatement: dict[str, Any]) -> None:
    got = case_facts(intake(runtime, _bundle(_condition(ICD, "I25.2", clinical=None, **abatement))))
    assert got.get("prior_mi") is True or got.get("diagnosis") == "I25.2"


@pytest.mark.parametrize(("fact", "system", "code"), CURRENT_STATES)
def test_no_clinical_status_no_abatement_stays_current(runtime: Runtime, fact: str, system: str, code: str) -> None:
    got = case_facts(intake(runtime, _bundle(_condition(system, code, clinical=None, category="encounter-diagnosis"))))
    assert got.get(fact) is True or str(got.get("diagnosis", "")).startswith("E11")


def test_wegovy_bmi28_abated_hypertension_is_asked(runtime: Runtime) -> None:
    b = _bundle(_bmi(28.0), _condition(ICD, "I10", clinical=None, abatementDateTime="2024-02-01"))
    assert determination(runtime, intake(runtime, b, drug="Wegovy"), "Wegovy") != "meets_criteria"


# --- a Condition coded as a pregnancy ---------------------------------------------------------------------------

PREGNANCY_CODES = [(SNOMED, "77386006"), (ICD, "Z33.1")]


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.parametrize(("system", "code"), PREGNANCY_CODES)
@pytest.mark.parametrize("recorded", ["2026-11-20", "2026-06-01", "2026-02-10"])
def test_active_pregnancy_condition_is_pregnant(runtime: Runtime, system: str, code: str, category: str,
                                                recorded: str) -> None:
    b = _bundle(_bmi(34.0), _condition(system, code, category=category, recordedDate=recorded))
    result = intake(runtime, b, drug="Wegovy")
    assert case_facts(result).get("pregnant") is True
    assert determination(runtime, result, "Wegovy") == "does_not_meet_criteria"


@pytest.mark.parametrize(("system", "code"), PREGNANCY_CODES)
@pytest.mark.parametrize("recorded", ["2025-12-01", "2024-03-01"])
def test_pregnancy_condition_older_than_a_pregnancy_is_asked(runtime: Runtime, system: str, code: str,
                                                             recorded: str) -> None:
    b = _bundle(_bmi(34.0), _condition(system, code, recordedDate=recorded))
    result = intake(runtime, b, drug="Wegovy")
    got = case_facts(result)
    assert got.get("pregnant") is not True
    assert got.get("pregnancy_possible") is True


@pytest.mark.parametrize(("system", "code"), PREGNANCY_CODES)
@pytest.mark.parametrize("clinical", ["resolved", "inactive"])
def test_past_pregnancy_condition_is_not_pregnant(runtime: Runtime, system: str, code: str, clinical: str) -> None:
    got = case_facts(intake(runtime, _bundle(_condition(system, code, clinical=clinical))))
    assert got.get("pregnant") is not True


# --- a statin dose given as a doseRange (r8-l12, r7-l10) ---------------------------------------------------------
# (drug, low, high, the intensity both ends share or None): the ACC/AHA 2018 table the statin calculator ships

RXN = "http://www.nlm.nih.gov/research/umls/rxnorm"
DOSE_RANGES = [("atorvastatin", "83367", 40, 80, "high"), ("rosuvastatin", "301542", 20, 40, "high"),
               ("atorvastatin", "83367", 10, 20, "moderate"), ("rosuvastatin", "301542", 5, 10, "moderate"),
               ("simvastatin", "36567", 20, 40, "moderate"), ("pravastatin", "42463", 40, 80, "moderate"),
               ("atorvastatin", "83367", 20, 40, None), ("rosuvastatin", "301542", 10, 20, None)]


def _ranged_order(rxcui: str, drug: str, low: float, high: float, **extra: Any) -> dict[str, Any]:
    mg = {"unit": "mg", "system": UCUM, "code": "mg"}
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": SUBJECT,
            "authoredOn": "2025-08-01", "medicationCodeableConcept": {"coding": [{"system": RXN, "code": rxcui,
                                                                                 "display": drug}], "text": drug},
            "dosageInstruction": [{"text": f"Take {low:g}-{high:g} mg daily",
                                   "doseAndRate": [{"doseRange": {"low": {"value": low, **mg},
                                                                  "high": {"value": high, **mg}}}]}], **extra}


def _ldl(value: float, when: str = "2026-11-15") -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": when,
            "code": {"coding": [{"system": "http://loinc.org", "code": "18262-6"}]},
            "valueQuantity": {"value": value, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"}}


@pytest.mark.parametrize(("drug", "rxcui", "low", "high", "intensity"), DOSE_RANGES)
def test_statin_dose_range_gives_the_intensity_both_ends_share(runtime: Runtime, drug: str, rxcui: str, low: float,
                                                               high: float, intensity: str | None) -> None:
    b = _bundle(_condition(ICD, "I25.2"), _ldl(112), _ranged_order(rxcui, drug, low, high), sex="male")
    result = intake(runtime, b, drug="Repatha")
    entry = next(e for e in case_facts(result)["medication_history"] if e["drug"] == drug)
    assert entry.get("intensity") == intensity
    assert "dose" not in entry  # a range is no one dose (a maximum-dose rule must not read either end)
    want = {"high": "meets_criteria"}.get(str(intensity), "insufficient_information")
    assert determination(runtime, result, "Repatha") == want


# --- a statin stopped for rhabdomyolysis (r8-l11) ----------------------------------------------------------------

RHABDO_REASONS = [{"coding": [{"system": SNOMED, "code": "240131006", "display": "Rhabdomyolysis"}]},
                  {"coding": [{"system": SNOMED, "code": "240131006"}], "text": "CK 14,200, hospitalised"},
                  {"text": "Rhabdomyolysis on atorvastatin"}, {"text": "statin-induced rhabdo"}]


@pytest.mark.parametrize("kind", ["MedicationStatement", "MedicationRequest"])
@pytest.mark.parametrize("reason", RHABDO_REASONS)
def test_statin_stopped_for_rhabdomyolysis_is_contraindicated(runtime: Runtime, kind: str,
                                                               reason: dict[str, Any]) -> None:
    atorva = {"coding": [{"system": RXN, "code": "259255", "display": "atorvastatin 80 MG Oral Tablet"}]}
    if kind == "MedicationStatement":
        r = {"resourceType": kind, "status": "stopped", "subject": SUBJECT, "medicationCodeableConcept": atorva,
             "effectivePeriod": {"start": "2024-01-10", "end": "2024-03-02"}, "statusReason": [reason]}
    else:
        r = {"resourceType": kind, "status": "stopped", "intent": "order", "subject": SUBJECT,
             "authoredOn": "2024-01-10", "medicationCodeableConcept": atorva, "statusReason": reason}
    result = intake(runtime, _bundle(_condition(ICD, "I25.2"), _ldl(150), r, sex="male"), drug="Repatha")
    assert case_facts(result).get("statin_contraindicated") is True
    assert determination(runtime, result, "Repatha") == "meets_criteria"


@pytest.mark.parametrize("reason", [{"text": "myalgia"}, {"coding": [{"system": SNOMED, "code": "68962001"}]}])
def test_statin_stopped_for_myalgia_is_not_contraindicated(runtime: Runtime, reason: dict[str, Any]) -> None:
    atorva = {"coding": [{"system": RXN, "code": "259255", "display": "atorvastatin 80 MG Oral Tablet"}]}
    r = {"resourceType": "MedicationStatement", "status": "stopped", "subject": SUBJECT,
         "medicationCodeableConcept": atorva, "effectivePeriod": {"start": "2024-01-10", "end": "2024-03-02"},
         "statusReason": [reason]}
    result = intake(runtime, _bundle(_condition(ICD, "I25.2"), _ldl(150), r, sex="male"), drug="Repatha")
    assert case_facts(result).get("statin_contraindicated") is not True


# --- an ESA course stopped for no response, its length said only in the reason (r8-m14, r7-m09) -------------------

EPOETIN = {"coding": [{"system": RXN, "code": "205913", "display": "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"}],
           "text": "Procrit 40,000 units/mL"}
# (reason text, the esa_status expected: failed when the trial said lasted >= 8 weeks, too short below 8 weeks
# (the policy's adequate trial), asked when no length is said)
ESA_REASONS = [("No response after 12 weeks at 60,000 units weekly", "failed"),
               ("No response after 10 weeks", "failed"), ("no erythroid response after 3 months", "failed"),
               ("Inadequate response after 16 wks of therapy", "failed"), ("No response after 8 weeks", "failed"),
               ("No response after 4 weeks", "too_short"), ("No response", None),
               ("Stopped after 12 weeks", None)]


def _mds(*extra: dict[str, Any]) -> dict[str, Any]:
    def obs(code: str | None, text: str, value: dict[str, Any], when: str) -> dict[str, Any]:
        c: dict[str, Any] = {"text": text}
        if code:
            c["coding"] = [{"system": "http://loinc.org", "code": code}]
        return {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": when,
                "code": c, **value}
    tx = [{"resourceType": "Procedure", "status": "completed", "subject": SUBJECT, "performedDateTime": d,
           "code": {"coding": [{"system": SNOMED, "code": "71493000"}]}}
          for d in ("2026-10-20", "2026-11-08", "2026-11-27")]
    return _bundle(_condition(ICD, "D46.1"),
                   obs("718-7", "Hemoglobin", {"valueQuantity": {"value": 8.0, "unit": "g/dL", "system": UCUM,
                                                                  "code": "g/dL"}}, "2026-11-30"),
                   obs(None, "Ring sideroblasts, % of erythroid precursors",
                       {"valueQuantity": {"value": 20, "unit": "%", "system": UCUM, "code": "%"}}, "2026-09-15"),
                   obs(None, "IPSS-R risk category", {"valueString": "Low"}, "2026-09-20"),
                   obs("15061-5", "EPO", {"valueQuantity": {"value": 240, "unit": "mIU/mL", "system": UCUM,
                                                            "code": "m[IU]/mL"}}, "2026-10-01"),
                   obs(None, "del(5q) by FISH", {"valueCodeableConcept": {"coding": [
                       {"system": SNOMED, "code": "260415000", "display": "Not detected"}]}}, "2026-09-15"),
                   *tx, *extra, sex="male")


@pytest.mark.parametrize("kind", ["MedicationRequest", "MedicationStatement"])
@pytest.mark.parametrize(("reason", "status"), ESA_REASONS)
def test_esa_stopped_with_its_length_in_the_reason(runtime: Runtime, kind: str, reason: str,
                                                   status: str | None) -> None:
    if kind == "MedicationRequest":
        r = {"resourceType": kind, "status": "stopped", "intent": "order", "subject": SUBJECT,
             "authoredOn": "2026-03-01", "medicationCodeableConcept": EPOETIN, "statusReason": {"text": reason}}
    else:
        r = {"resourceType": kind, "status": "stopped", "subject": SUBJECT, "medicationCodeableConcept": EPOETIN,
             "effectivePeriod": {"start": "2026-03-01"}, "statusReason": [{"text": reason}]}
    result = intake(runtime, _mds(r), drug="Reblozyl")
    facts = runtime.parse_case(result.case, as_of=AS_OF).facts
    from mednec.engine.evaluate import prepare

    got = prepare(facts, runtime.dictionary, runtime.catalog.calculators)
    assert (got["esa_status"].value if "esa_status" in got else None) == status
    want = {"failed": "meets_criteria", "too_short": "does_not_meet_criteria"}.get(str(status), "insufficient_information")
    assert determination(runtime, result, "Reblozyl") == want

