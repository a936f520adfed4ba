"""The typed intake events keep the case file's shape: a history statement with no dates is an entry
without ``start`` (it used to crash the intake reading ``str(None)`` as a date), and transfusion
events are ``{"date", "units"}`` in date order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.fhir.test_fhir_history import AS_OF, intake

from mednec.runtime import default_runtime


def _undated(sid: str, text: str, status: str, reason: str | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "MedicationStatement", "id": sid, "status": status,
                         "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": {"text": text}}
    if reason:
        r["statusReason"] = [{"text": reason}]
    return r


def test_an_undated_history_statement_is_an_entry_without_a_start() -> None:
    got = intake(_undated("s1", "Lipitor 80 mg tablet", "active"),
                 _undated("s2", "ezetimibe 10 mg", "stopped", reason="muscle pain - intolerance"))
    assert got.case["facts"]["medication_history"] == [
        {"drug": "atorvastatin", "response": "ongoing", "scope": "named_only"},
        {"drug": "ezetimibe", "response": "intolerant", "reason_stopped": "intolerance", "scope": "named_only"},
    ]
    case = default_runtime().parse_case(got.case, as_of=AS_OF)
    assert len(case.facts.value("medication_history")) == 2


def test_a_dated_history_statement_after_the_evaluation_date_is_listed() -> None:
    late = _undated("s1", "Lipitor 80 mg tablet", "active")
    late["effectivePeriod"] = {"start": (AS_OF + dt.timedelta(days=3)).isoformat()}
    got = intake(late)
    assert "medication_history" not in got.case["facts"]
    assert any("after the evaluation date" in u.reason for u in got.unmapped)


def _transfusion(pid: str, day: str) -> dict[str, Any]:
    return {"resourceType": "Procedure", "id": pid, "status": "completed", "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "71493000"}]},
            "performedDateTime": day}


def test_transfusions_are_date_and_units_in_date_order() -> None:
    got = intake(_transfusion("t2", "2026-10-01"), _transfusion("t1", "2026-09-01"))
    assert got.case["facts"]["rbc_transfusions"] == [{"date": "2026-09-01", "units": 1},
                                                     {"date": "2026-10-01", "units": 1}]
