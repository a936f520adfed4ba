"""FHIR resources the GLP-1 and LDL-lowering pack tests build (intake and hooks): one patient,
LOINC-coded Observations with UCUM units, active ICD-10-CM Conditions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.code_systems import ICD10 as ICD
from tests.code_systems import LOINC, UCUM

AS_OF = dt.date(2026, 12, 1)
SUBJECT = {"reference": "Patient/p"}


def obs(rid: str, code: str, value: float, unit: str, when: str = "2026-11-20") -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final", "subject": SUBJECT,
            "code": {"coding": [{"system": LOINC, "code": code}]}, "effectiveDateTime": when,
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def cond(rid: str, code: str, recorded: str = "2025-01-10") -> dict[str, Any]:
    return {"resourceType": "Condition", "id": rid, "subject": SUBJECT, "recordedDate": recorded,
            "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": {"coding": [{"system": ICD, "code": code}]}}
