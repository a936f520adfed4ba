"""An active medication course whose start is a partial date (held-out fhir8 r8-g07, r8-l15, r8-l13, r8-l14;
fhir7 r7-g06, r7-l09), one family of generated bundles.

The record says the course is active (taken now); its start (``effectivePeriod.start`` or ``authoredOn``) is a
year or a month, a valid R4 dateTime. It was not read at all, so current use (Ozempic's metformin within 90 days)
was asked. It is now read as taken now with no start: how long is known only as an interval of days, so the start
is left out (never a guessed day). Since helper dates9 the interval is kept (``start_earliest`` / ``start_latest``)
and a rule on the course's length (8 weeks of a high-intensity statin) is decided when every day of it agrees
(started in 2025 or September 2026: met on 2026-12-06) and asked otherwise (2026, October 2026; November 2026 is
short on every day, but statins contraindicated is undocumented, so the statin step still asks).
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.fhir.family_intake import case_facts, determination, intake
from tests.fhir.test_fhir_round8_families import RXN, SUBJECT, UCUM, _bundle, _condition, _ldl

from mednec.runtime import Runtime

# --- an active course whose start is a partial date (r8-g07, r8-l15, r7-g06; r8-l13, r8-l14, r7-l09 asked) ----------
# The course is taken now (the record says so); how long is known only as an interval of days, which the
# treatment history has no field for: the start is left out (never a guessed day), so a rule on the course's
# length asks and a rule on current use is met.

ATORVA = {"coding": [{"system": RXN, "code": "259255", "display": "atorvastatin 80 MG Oral Tablet"}]}
METFORMIN = {"coding": [{"system": RXN, "code": "861007", "display": "metformin hydrochloride 500 MG Oral Tablet"}]}
PARTIAL_STARTS = ["2025", "2026", "2026-09", "2026-10", "2026-11"]


def _active(kind: str, med: dict[str, Any], start: str) -> dict[str, Any]:
    if kind == "MedicationStatement":
        return {"resourceType": kind, "status": "active", "subject": SUBJECT, "medicationCodeableConcept": med,
                "effectivePeriod": {"start": start}}
    return {"resourceType": kind, "status": "active", "intent": "order", "subject": SUBJECT, "authoredOn": start,
            "medicationCodeableConcept": med}


def _hba1c() -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-11-10",
            "code": {"coding": [{"system": "http://loinc.org", "code": "4548-4"}]},
            "valueQuantity": {"value": 8.2, "unit": "%", "system": UCUM, "code": "%"}}


@pytest.mark.parametrize("kind", ["MedicationStatement", "MedicationRequest"])
@pytest.mark.parametrize("start", PARTIAL_STARTS)
def test_active_metformin_with_a_partial_start_is_taken_now(runtime: Runtime, kind: str, start: str) -> None:
    b = _bundle(_condition(ICD, "E11.9"), _hba1c(), _active(kind, METFORMIN, start))
    result = intake(runtime, b, drug="Ozempic")
    entry = next(e for e in case_facts(result)["medication_history"] if e["drug"] == "metformin")
    assert entry["response"] == "ongoing" and "start" not in entry
    assert determination(runtime, result, "Ozempic") == "meets_criteria"


#: the answer on 2026-12-06 for each partial start of an active atorvastatin 80 (8 weeks: started by 2026-10-11)
STATIN_ANSWER = {"2025": "meets_criteria", "2026": "insufficient_information", "2026-09": "meets_criteria",
                 "2026-10": "insufficient_information", "2026-11": "insufficient_information"}


@pytest.mark.parametrize("kind", ["MedicationStatement", "MedicationRequest"])
@pytest.mark.parametrize("start", PARTIAL_STARTS)
def test_active_statin_with_a_partial_start_decides_by_every_day(runtime: Runtime, kind: str, start: str) -> None:
    r = _active(kind, ATORVA, start)
    if kind == "MedicationStatement":
        r["dosage"] = [{"doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg", "system": UCUM, "code": "mg"}}]}]
    else:
        r["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg", "system": UCUM,
                                                                     "code": "mg"}}]}]
    result = intake(runtime, _bundle(_condition(ICD, "I25.2"), _ldl(112), r, sex="male"), drug="Repatha")
    entry = next(e for e in case_facts(result)["medication_history"] if e["drug"] == "atorvastatin")
    assert entry["response"] == "ongoing" and "start" not in entry and entry["start_earliest"] <= entry["start_latest"]
    assert determination(runtime, result, "Repatha") == STATIN_ANSWER[start]


@pytest.mark.parametrize("start", ["2026-10-15", "2025-03-01"])
def test_active_statin_with_a_full_start_still_dated(runtime: Runtime, start: str) -> None:
    r = _active("MedicationRequest", ATORVA, start)
    r["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}]}]
    result = intake(runtime, _bundle(_condition(ICD, "I25.2"), _ldl(112), r, sex="male"), drug="Repatha")
    entry = next(e for e in case_facts(result)["medication_history"] if e["drug"] == "atorvastatin")
    assert str(entry["start"]) == start
