"""A FHIR date-time is dated by the calendar day its own offset gives (the day the lab report prints), and a Bundle's
timestamp gives the evaluation date the same way: mednec's editorial decision of 7 December 2026 (was: instants moved to
UTC, so an LDL-C drawn 2026-08-07T23:30-07:00 counted as 8 August and the evaluation day of a Bundle stamped
2026-12-06T20:00-05:00 as 7 December). Held out, written before the change.

The boundary family: draws near midnight (00:00, 00:30, 23:30, 23:59 local) in offsets from -10:00 to +14:00, the
Bundle stamped near midnight in the same or another offset, the draw 120 or 121 local days before the stamp's local
day -- the LDL-C's age is the difference of the two local days, so the 120-day recency is met at 120 and not at 121.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from tests.code_systems import LOINC

from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime

EVAL_DAY = dt.date(2026, 12, 6)
OFFSETS = ["-10:00", "-07:00", "-05:00", "Z", "+00:00", "+05:30", "+09:00", "+14:00"]
DRAW_TIMES = ["00:00:00", "00:30:00", "23:30:00", "23:59:00"]
STAMP_TIMES = ["00:15:00", "12:00:00", "23:45:00"]


def _instant(day: dt.date, time: str, offset: str) -> str:
    return f"{day.isoformat()}T{time}{offset}"


def _bundle(stamp: str, draw: str) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1955-03-02", "gender": "male"}
    ldl = {"resourceType": "Observation", "id": "ldl", "status": "final", "subject": {"reference": "Patient/p"},
           "code": {"coding": [{"system": LOINC, "code": "18262-6"}]}, "effectiveDateTime": draw,
           "valueQuantity": {"value": 112, "unit": "mg/dL"}}
    return {"resourceType": "Bundle", "type": "collection", "timestamp": stamp,
            "entry": [{"resource": patient}, {"resource": ldl}]}


def _case(runtime: Runtime, stamp: str, draw: str) -> dict[str, Any]:
    return bundle_to_case(_bundle(stamp, draw), runtime.dictionary).case


@pytest.mark.parametrize(("offset", "draw_time"), list(itertools.product(OFFSETS, DRAW_TIMES)))
@pytest.mark.parametrize("stamp_time", STAMP_TIMES)
@pytest.mark.parametrize("days", [120, 121])
def test_the_local_days_give_the_ldl_age(runtime: Runtime, offset: str, draw_time: str, stamp_time: str,
                                         days: int) -> None:
    drawn = EVAL_DAY - dt.timedelta(days=days)
    case = _case(runtime, _instant(EVAL_DAY, stamp_time, offset), _instant(drawn, draw_time, offset))
    assert case["as_of"] == EVAL_DAY.isoformat()
    assert case["facts"]["ldl_c"]["date"] == drawn.isoformat(), case["facts"]["ldl_c"]


@pytest.mark.parametrize(("draw_offset", "stamp_offset"), [(a, b) for a, b in itertools.permutations(OFFSETS, 2)
                                                           if {a, b} != {"Z", "+00:00"}])
def test_each_instant_keeps_its_own_offsets_day(runtime: Runtime, draw_offset: str, stamp_offset: str) -> None:
    drawn = EVAL_DAY - dt.timedelta(days=120)
    case = _case(runtime, _instant(EVAL_DAY, "23:45:00", stamp_offset), _instant(drawn, "00:30:00", draw_offset))
    assert (case["as_of"], case["facts"]["ldl_c"]["date"]) == (EVAL_DAY.isoformat(), drawn.isoformat())


@pytest.mark.parametrize("offset", OFFSETS)
@pytest.mark.parametrize(("days", "want"), [(120, "meets_criteria"), (121, "does_not_meet_criteria")])
def test_the_recency_boundary_decides_on_local_days(runtime: Runtime, offset: str, days: int, want: str) -> None:
    drawn = EVAL_DAY - dt.timedelta(days=days)
    case = _case(runtime, _instant(EVAL_DAY, "23:45:00", offset), _instant(drawn, "23:30:00", offset))
    case["facts"] |= {"prior_mi": True, "medication_history": [
        {"drug": "atorvastatin", "dose": "80 mg", "start": "2025-01-01", "response": "ongoing"}]}
    facts = runtime.parse_case(case).facts
    det = runtime.evaluate(facts, runtime.catalog.find_drug("Repatha"))
    assert str(det.determination) == want, (offset, days)


@pytest.mark.parametrize("offset", OFFSETS)
def test_a_draw_late_on_the_evaluation_day_is_not_after_it(runtime: Runtime, offset: str) -> None:
    case = _case(runtime, _instant(EVAL_DAY, "23:59:00", offset), _instant(EVAL_DAY, "23:30:00", offset))
    assert case["facts"]["ldl_c"]["date"] == EVAL_DAY.isoformat()
