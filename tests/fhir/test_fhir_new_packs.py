"""FHIR intake for the GLP-1 and LDL-lowering packs: LOINC-coded vitals and lipids, ICD-10-CM
conditions read as the boolean condition facts (a category code such as E11 covers its subcodes),
and an evaluation from the bundle alone."""

from __future__ import annotations

from typing import Any

import pytest
from tests.fhir.new_pack_resources import AS_OF, cond, obs

from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1964-04-18", "gender": "male"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": patient}] + [{"resource": r} for r in resources]}


@pytest.mark.parametrize(("code", "fact"), [("I10", "hypertension"), ("E11.9", "type2_diabetes"),
                                            ("E11.65", "type2_diabetes"), ("E1165", "type2_diabetes"),
                                            ("G47.33", "obstructive_sleep_apnea"), ("R73.03", "prediabetes"),
                                            ("E78.5", "dyslipidemia"), ("I25.2", "prior_mi"),
                                            ("E10.9", "type1_diabetes")])
def test_condition_codes_set_condition_facts(runtime: Runtime, code: str, fact: str) -> None:
    facts = bundle_to_case(_bundle(cond("c", code)), runtime.dictionary, AS_OF).case["facts"]
    assert facts[fact]["value"] is True


def test_an_unrelated_code_is_not_a_condition_fact(runtime: Runtime) -> None:
    intake = bundle_to_case(_bundle(cond("c", "J45.909")), runtime.dictionary, AS_OF)
    assert not {"hypertension", "type2_diabetes", "diagnosis"} & set(intake.case["facts"])
    assert "J45.909" in intake.unmapped[0].reason


def test_wegovy_from_a_bundle(runtime: Runtime) -> None:
    b = _bundle(cond("obesity", "E66.811"), cond("htn", "I10"),
                obs("w", "29463-7", 88, "kg"), obs("h", "8302-2", 165, "cm"))
    case = bundle_to_case(b, runtime.dictionary, AS_OF).case
    facts = case["facts"]
    assert facts["diagnosis"]["value"] == "E66.811" and facts["hypertension"]["value"] is True
    parsed = runtime.parse_case(case, as_of=AS_OF)
    det = runtime.evaluate(parsed.facts, "Wegovy")
    assert det.criterion("obesity").status.value == "met"  # BMI 32.3 from LOINC weight and height
    assert det.criterion("lifestyle_programme").status.value == "unknown"  # asked, not presumed


def test_repatha_from_a_bundle_with_measured_ldl(runtime: Runtime) -> None:
    b = _bundle(cond("mi", "I25.2"), obs("ldl", "18262-6", 88, "mg/dL", "2026-11-01"))
    case = bundle_to_case(b, runtime.dictionary, AS_OF).case
    assert case["facts"]["ldl_c"]["value"] == 88 and case["facts"]["prior_mi"]["value"] is True
    det = runtime.evaluate(runtime.parse_case(case, as_of=AS_OF).facts, "Repatha")
    assert det.criterion("clinical_ascvd").status.value == "met"
    assert det.criterion("ldl_above_ascvd").status.value == "met"
    assert det.criterion("ldl_recent").status.value == "met"  # 30 days old
