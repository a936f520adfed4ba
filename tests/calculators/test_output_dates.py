"""The date a calculated fact carries (helper docs7, documents of new GLP-1 and LDL cases).

Seen: "BMI before any GLP-1 or GLP-1/GIP agonist: 37.35 kg/m2, observed 2026-11-28" (today's
height's date; the weight before the drug was from 20 April 2026), "Days since a non-GLP-1 oral
diabetes drug was last taken: 0 days (2025-06-01)" (metformin's start; 0 days is as of the review)
and "Statin intolerance (NLA 2022): complete (2025-03-01)" (an ezetimibe start). A calculated fact
took the latest of its inputs' dates; ``Calculator.dated_by`` now names the input that dates it, or
the evaluation date for what a treatment history shows as of the review.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.calculators.registry import Calculator
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 4)
HISTORY = [
    {"drug": "atorvastatin", "dose": 40, "dose_unit": "mg", "start": "2024-02-01", "end": "2024-04-01",
     "response": "intolerant", "reason_stopped": "intolerance"},
    {"drug": "ezetimibe", "dose": 10, "dose_unit": "mg", "start": "2025-03-01", "response": "ongoing"},
    {"drug": "metformin", "dose": 1000, "dose_unit": "mg", "start": "2025-06-01", "response": "ongoing"},
]


def _observed(facts, fact: str) -> dt.date | None:  # type: ignore[no-untyped-def]
    found = [fv for fv in facts if getattr(fv, "fact", None) == fact]
    assert found, fact
    return found[0].observed


@pytest.mark.parametrize(("drug", "fact", "want"), [
    ("Leqvio", "statin_intolerance", AS_OF),
    ("Leqvio", "statin_current", AS_OF),
    ("Leqvio", "ezetimibe_weeks", AS_OF),
    ("Ozempic", "oral_antidiabetic_days_since", AS_OF),
    ("Ozempic", "oral_antidiabetic_failed", AS_OF),
])
def test_what_a_history_shows_is_dated_by_the_review(drug: str, fact: str, want: dt.date) -> None:
    rt = default_runtime()
    case = rt.parse_case({"patient": {"birth_date": "1960-01-01", "sex": "female"},
                          "facts": {"medication_history": HISTORY, "ldl_c": {"value": 130, "unit": "mg/dL",
                                                                             "date": "2026-11-21"}}}, as_of=AS_OF)
    det = rt.evaluate(case.facts, rt.catalog.find_drug(drug))
    assert _observed(det.facts, fact) == want


def test_a_bmi_before_the_drug_is_dated_by_the_weight_before_it() -> None:
    rt = default_runtime()
    case = rt.parse_case({"patient": {"birth_date": "1975-07-07", "sex": "male"}, "facts": {
        "weight": {"value": 110, "unit": "kg", "date": "2026-11-28"},
        "height": {"value": 180, "unit": "cm", "date": "2026-11-28"},
        "weight_baseline": {"value": 121, "unit": "kg", "date": "2026-04-20"},
        "requested_drug_start": "2026-05-01"}}, as_of=AS_OF)
    det = rt.evaluate(case.facts, rt.catalog.find_drug("Wegovy"), phase="continuation")
    assert _observed(det.facts, "bmi_baseline") == dt.date(2026, 4, 20)
    assert _observed(det.facts, "bmi") == dt.date(2026, 11, 28)  # undeclared: the latest input, as before


def test_dated_by_must_name_an_input() -> None:
    with pytest.raises(ValueError, match="dated_by"):
        Calculator("x", "x", ("a",), ("b",), "c", lambda facts, as_of: ({}, ""), dated_by="weight")
