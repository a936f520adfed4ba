"""A presumed exclusion the FHIR record itself doubts is asked, never presumed away (held-out set fhir5: r5-g03,
r5-g04, r5-g05, r5-g06 answered 'meets' on the presumption). A family of generated bundles:

- a Condition naming a fact of ``context_rules.yaml`` ``uncertain.doubt_to`` (pregnant, mtc_men2_history) with
  verificationStatus unconfirmed, provisional or differential (R4 condition-ver-status: "not sufficient diagnostic
  and/or clinical evidence to treat this as a confirmed condition") gives that fact's warning sign
  (pregnancy_possible, mtc_men2_possible), as text intake reads "? pregnant" or "?MEN 2";
- a pregnancy-status Observation (LOINC 82810-3) answering SNOMED CT 152231000119106 "Pregnancy not yet confirmed"
  (US Core Pregnancy Status value set), and a Condition coded so, give pregnancy_possible;
- controls: confirmed MEN 2 / MTC and pregnancy are the facts themselves (not met), refuted and entered-in-error
  give nothing (the presumption stands, met), a doubted condition of any other fact gives nothing.

Each case is checked for the fact read and the Wegovy / Zepbound / Mounjaro answer (every other criterion met)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import LOINC, RXNORM, SNOMED
from tests.fhir.family_intake import case_facts, determination, intake

from mednec.runtime import Runtime

SUBJECT = {"reference": "Patient/p"}
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    p = {"resourceType": "Patient", "id": "p", "birthDate": "1980-04-18", "gender": "female"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": p}] + [{"resource": dict(r, id=f"r{i}")} for i, r in enumerate(resources)]}


def _cond(code: dict[str, Any], verification: str | None = "confirmed", clinical: str | None = "active") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Condition", "subject": SUBJECT, "recordedDate": "2026-11-25", "code": code}
    if clinical and verification != "entered-in-error":
        r["clinicalStatus"] = {"coding": [{"system": CLIN, "code": clinical}]}
    if verification:
        r["verificationStatus"] = {"coding": [{"system": VER, "code": verification}]}
    return r


def _obs(loinc: str, value: dict[str, Any], when: str = "2026-11-20") -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": when,
            "code": {"coding": [{"system": LOINC, "code": loinc}]}, **value}


def _qty(value: float, unit: str) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit}}


WEGOVY_CV = [_obs("39156-5", _qty(31.0, "kg/m2")), _cond({"coding": [{"system": ICD, "code": "I25.2"}]})]
ZEPBOUND_OSA = [_obs("39156-5", _qty(36.0, "kg/m2")), _cond({"coding": [{"system": ICD, "code": "G47.33"}]}),
                _obs("x", {}, "2026-10-01") | {"code": {"text": "AHI"}, "valueQuantity": {"value": 30, "unit": "events/h"}}]
MOUNJARO_T2D = [_cond({"coding": [{"system": ICD, "code": "E11.9"}]}),
                {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": SUBJECT,
                 "authoredOn": "2026-03-01",
                 "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "861007",
                                                           "display": "metformin hydrochloride 500 MG Oral Tablet"}]}}]
CHARTS = {"Wegovy": WEGOVY_CV, "Zepbound": ZEPBOUND_OSA, "Mounjaro": MOUNJARO_T2D}

#: Conditions naming each doubt_to fact: by code, by a fact name in the text, by a name inside a longer text
MEN2 = [{"coding": [{"system": ICD, "code": "E31.22", "display": "Multiple endocrine neoplasia [MEN] type IIA"}]},
        {"text": "MEN 2A"}, {"text": "? MEN 2B - RET testing sent"},
        {"coding": [{"system": ICD, "code": "C73", "display": "Malignant neoplasm of thyroid gland"}],
         "text": "?MTC - calcitonin elevated, FNA pending"},
        {"text": "Medullary thyroid carcinoma"}]
PREGNANCY = [{"coding": [{"system": SNOMED, "code": "77386006", "display": "Pregnant"}]}, {"text": "Pregnant"},
             {"text": "possibly pregnant (LMP 7 weeks ago)"}]
DOUBTED = ["unconfirmed", "provisional", "differential"]
ASKED = "insufficient_information"


@pytest.mark.parametrize("code", MEN2)
@pytest.mark.parametrize("verification", DOUBTED)
@pytest.mark.parametrize("drug", ["Wegovy", "Zepbound", "Mounjaro"])
def test_a_doubted_mtc_or_men2_condition_is_asked(runtime: Runtime, code: dict[str, Any], verification: str,
                                                   drug: str) -> None:
    _assert_asked(runtime, drug, code, verification, sign="mtc_men2_possible", stated="mtc_men2_history")


@pytest.mark.parametrize("code", PREGNANCY)
@pytest.mark.parametrize("verification", DOUBTED)
@pytest.mark.parametrize("drug", ["Wegovy", "Zepbound"])
def test_a_doubted_pregnancy_condition_is_asked(runtime: Runtime, code: dict[str, Any], verification: str,
                                                 drug: str) -> None:
    _assert_asked(runtime, drug, code, verification, sign="pregnancy_possible", stated="pregnant")


def _assert_asked(runtime: Runtime, drug: str, code: dict[str, Any], verification: str, *, sign: str,
                  stated: str) -> None:
    """The doubted Condition gives the warning sign ``sign``, never the ``stated`` fact, and the answer asks."""
    result = intake(runtime, _bundle(*CHARTS[drug], _cond(code, verification)), drug=drug)
    facts = case_facts(result)
    assert facts.get(sign) is True
    assert facts.get(stated) is None
    assert determination(runtime, result, drug) == ASKED


NOT_YET_CONFIRMED = {"system": SNOMED, "code": "152231000119106", "display": "Pregnancy not yet confirmed"}
POSSIBLE = {"system": SNOMED, "code": "146799005", "display": "Possible pregnancy"}  # IPS pregnancy-status value set


@pytest.mark.parametrize("shape", ["observation", "condition", "condition-text", "observation-possible"])
@pytest.mark.parametrize("drug", ["Wegovy", "Zepbound"])
def test_pregnancy_not_yet_confirmed_is_asked(runtime: Runtime, shape: str, drug: str) -> None:
    made = {"observation": _obs("82810-3", {"valueCodeableConcept": {"coding": [NOT_YET_CONFIRMED]}}, "2026-12-01"),
            "condition": _cond({"coding": [NOT_YET_CONFIRMED]}),
            "condition-text": _cond({"coding": [NOT_YET_CONFIRMED], "text": "Pregnancy not yet confirmed - hCG ordered"}),
            "observation-possible": _obs("82810-3", {"valueCodeableConcept": {"coding": [POSSIBLE]}}, "2026-12-01")}
    result = intake(runtime, _bundle(*CHARTS[drug], made[shape]), drug=drug)
    facts = case_facts(result)
    assert facts.get("pregnancy_possible") is True
    assert facts.get("pregnant") is None
    assert determination(runtime, result, drug) == ASKED


@pytest.mark.parametrize(("code", "fact"), [({"text": "MEN 2A"}, "mtc_men2_history"),
                                            ({"text": "Medullary thyroid carcinoma"}, "mtc_men2_history"),
                                            ({"coding": [{"system": ICD, "code": "E31.22",
                                                          "display": "Multiple endocrine neoplasia [MEN] type IIA"}]},
                                             "mtc_men2_history"),
                                            ({"coding": [{"system": ICD, "code": "E31.23",
                                                          "display": "Multiple endocrine neoplasia [MEN] type IIB"}]},
                                             "mtc_men2_history"),
                                            ({"text": "Pregnant"}, "pregnant")])
@pytest.mark.parametrize(("verification", "read", "answer"),
                         [("confirmed", True, "does_not_meet_criteria"), (None, True, "does_not_meet_criteria"),
                          ("refuted", None, "meets_criteria"), ("entered-in-error", None, "meets_criteria")])
def test_controls_established_refuted_and_erroneous(runtime: Runtime, code: dict[str, Any], fact: str,
                                                    verification: str | None, read: bool | None, answer: str) -> None:
    result = intake(runtime, _bundle(*WEGOVY_CV, _cond(code, verification)), drug="Wegovy")
    facts = case_facts(result)
    assert facts.get(fact) is read
    assert facts.get("pregnancy_possible") is None and facts.get("mtc_men2_possible") is None
    assert determination(runtime, result, "Wegovy") == answer


@pytest.mark.parametrize("code", [{"coding": [{"system": ICD, "code": "I10"}]}, {"text": "Hypertension"},
                                  {"text": "? type 2 diabetes"}])
@pytest.mark.parametrize("verification", DOUBTED)
def test_a_doubted_condition_of_another_fact_gives_nothing(runtime: Runtime, code: dict[str, Any],
                                                           verification: str) -> None:
    result = intake(runtime, _bundle(*WEGOVY_CV, _cond(code, verification)), drug="Wegovy")
    facts = case_facts(result)
    assert not {"hypertension", "type2_diabetes", "pregnancy_possible", "mtc_men2_possible"} & set(facts)
    assert determination(runtime, result, "Wegovy") == "meets_criteria"
