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
from tests.fhir.family_intake import case_facts, determination, intake

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
