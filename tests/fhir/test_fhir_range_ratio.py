"""Observation values as a range or a ratio (held-out fhir5: r5-g15 AHI as valueRange 18-24, r5-m05 ring
sideroblasts as valueRatio 8/100 cells), generated. A valueRange is read as the bound it proves ("18-24" -> >= 18;
high only -> <= high): an interval that contains the value, so a threshold the whole range clears is decided and
any other stays unknown, never guessed; a valueRatio of like quantities gives a percentage fact n / d x 100; a
ratio with a zero or missing denominator, unlike units, or for a fact not in percent is listed, unused."""

from __future__ import annotations

from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import LOINC, SNOMED
from tests.fhir.family_intake import case_facts, determination, intake

from mednec.runtime import Runtime

SUBJECT = {"reference": "Patient/p"}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    p = {"resourceType": "Patient", "id": "p", "birthDate": "1950-04-18", "gender": "male"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": p}] + [{"resource": dict(r, id=f"r{i}")} for i, r in enumerate(resources)]}


def _obs(code: dict[str, Any], value: dict[str, Any], when: str = "2026-11-20") -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": when,
            "code": code, **value}


def _cond(code: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "subject": SUBJECT, "recordedDate": "2026-06-01",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": ICD, "code": code}]}}


def _q(value: float | None, unit: str = "events/h") -> dict[str, Any]:
    return {"unit": unit} if value is None else {"value": value, "unit": unit}


AHI = {"text": "Apnea-hypopnea index (AHI)"}
OSA = [_obs({"coding": [{"system": LOINC, "code": "39156-5"}]}, {"valueQuantity": {"value": 36.0, "unit": "kg/m2"}}),
       _cond("G47.33")]

#: (low, high) -> the bound read (value, comparator) and the Zepbound answer (OSA pathway; weight pathway asks)
RANGES = [((18, 24), (18, ">="), "meets_criteria"), ((15, 20), (15, ">="), "meets_criteria"),
          ((10, 20), (10, ">="), "insufficient_information"), ((None, 12), (12, "<="), "insufficient_information"),
          ((30, None), (30, ">="), "meets_criteria"), ((None, None), None, "insufficient_information")]


@pytest.mark.parametrize(("bounds", "read", "answer"), RANGES)
def test_a_range_is_read_as_the_bound_it_proves(runtime: Runtime, bounds: tuple[float | None, float | None],
                                                read: tuple[float, str] | None, answer: str) -> None:
    rng = {k: _q(v) for k, v in zip(("low", "high"), bounds, strict=True) if v is not None}
    result = intake(runtime, _bundle(*OSA, _obs(AHI, {"valueRange": rng}, "2026-10-20")), drug="Zepbound")
    given = result.case["facts"].get("ahi")
    if read is None:
        assert given is None
    else:
        assert isinstance(given, dict) and given["value"] == read[0] and given.get("comparator") == read[1]
    assert determination(runtime, result, "Zepbound") == answer


RS = {"text": "Ring sideroblasts (iron stain), erythroid precursors counted"}
CELLS = "{cells}"
RATIOS = [((8, CELLS), (100, CELLS), 8.0), ((20, CELLS), (100, CELLS), 20.0), ((1, CELLS), (5, CELLS), 20.0),
          ((15, "%"), (100, "%"), 15.0), ((8, CELLS), (0, CELLS), None), ((8, CELLS), (None, CELLS), None),
          ((8, "mg"), (100, CELLS), None)]


def _reblozyl(rs: dict[str, Any]) -> list[dict[str, Any]]:
    med_list = {"resourceType": "List", "status": "current", "mode": "snapshot", "subject": SUBJECT,
                "date": "2026-12-05", "code": {"coding": [{"system": LOINC, "code": "10160-0"}]},
                "emptyReason": {"coding": [{"code": "nilknown"}]}}
    labs = [_obs({"coding": [{"system": LOINC, "code": "718-7"}]}, {"valueQuantity": {"value": 8.2, "unit": "g/dL"}}),
            _obs({"coding": [{"system": LOINC, "code": "15061-5"}]}, {"valueQuantity": {"value": 620, "unit": "mU/mL"}}),
            _obs({"coding": [{"system": LOINC, "code": "81257-2"}], "text": "SF3B1 mutation"},
                 {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "260373001", "display": "Detected"}]}}),
            _obs({"text": "del(5q) by FISH"},
                 {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "260415000", "display": "Not detected"}]}}),
            _obs({"text": "IPSS-R risk category"}, {"valueString": "Low"})]
    transfusions = [{"resourceType": "Procedure", "status": "completed", "subject": SUBJECT, "performedDateTime": d,
                     "code": {"coding": [{"system": SNOMED, "code": "71493000",
                                          "display": "Transfusion of packed red blood cells"}]}}
                    for d in ("2026-10-20", "2026-11-08", "2026-11-27")]
    return [_cond("D46.1"), *labs, *transfusions, med_list, rs]


@pytest.mark.parametrize(("numerator", "denominator", "pct"), RATIOS)
def test_a_ratio_of_like_quantities_is_a_percentage(runtime: Runtime, numerator: tuple[float, str],
                                                    denominator: tuple[float | None, str], pct: float | None) -> None:
    ratio = {"numerator": _q(*numerator), "denominator": _q(*denominator)}
    result = intake(runtime, _bundle(*_reblozyl(_obs(RS, {"valueRatio": ratio}, "2026-09-15"))), drug="Reblozyl")
    assert case_facts(result).get("ring_sideroblasts_pct") == pct
    # EPO 620 > 500: the first-line pathway needs RS+ (>= 15 %, or >= 5 % with SF3B1, which is detected)
    assert determination(runtime, result, "Reblozyl") == ("insufficient_information" if pct is None else "meets_criteria")


def test_a_ratio_for_a_fact_not_in_percent_is_not_read(runtime: Runtime) -> None:
    ratio = {"numerator": _q(8.2, "g/dL"), "denominator": _q(1, "g/dL")}
    result = intake(runtime, _bundle(_obs({"coding": [{"system": LOINC, "code": "718-7"}]}, {"valueRatio": ratio})))
    assert "hemoglobin" not in case_facts(result)
