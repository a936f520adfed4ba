"""LOINC codes the FHIR code tables list as unverified although an NLM VSAC expansion carries them.

Written before the table changed (held out): the VSAC expansions packaged with the eCQM QI-Core 2024
content (github cqframework/ecqm-content-qicore-2024, commit 9ebd48ff) list 778-1 'Platelets [#/volume]
in Blood by Manual count' in Platelet Count Lab Test (2.16.840.1.113762.1.4.1045.127) and 20509-6
'Hemoglobin [Mass/volume] in Blood by calculation' in Hemoglobin lab test (2.16.840.1.113762.1.4.1248.219).
A lab sending either code must give its fact, at the value and unit it sends, and an unverified code that
no primary source carries (753-4) still gives nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.code_systems import LOINC

from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir.code_tables import entries, loinc_alternatives
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)


def _bundle(code: str, value: float, unit: str) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1950-03-02", "gender": "female"}
    ob = {"resourceType": "Observation", "id": "o", "status": "final", "subject": {"reference": "Patient/p"},
          "code": {"coding": [{"system": LOINC, "code": code}]}, "effectiveDateTime": "2026-11-10",
          "valueQuantity": {"value": value, "unit": unit}}
    return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": patient}, {"resource": ob}]}


@pytest.mark.parametrize(("fact", "code", "value", "unit"), [
    ("platelets", "778-1", 38, "10*3/uL"),
    ("platelets", "778-1", 151, "K/uL"),
    ("hemoglobin", "20509-6", 7.9, "g/dL"),
    ("hemoglobin", "20509-6", 95, "g/L"),
])
def test_a_vsac_listed_code_gives_its_fact(runtime: Runtime, fact: str, code: str, value: float, unit: str) -> None:
    got = bundle_to_case(_bundle(code, value, unit), runtime.dictionary, AS_OF).case["facts"]
    expected = value / 10 if unit == "g/L" else value
    assert got[fact]["value"] == pytest.approx(expected)


@pytest.mark.parametrize("code", ["778-1", "20509-6", "26515-7", "777-3", "718-7", "30350-3", "59260-0",
                                  "4548-4", "17856-6", "4549-2", "17855-8"])
def test_the_table_names_the_vsac_expansion_for_each_code_it_carries(code: str) -> None:
    (entry,) = [e for e in entries() if e.table == "loinc" and e.code == code]
    assert entry.status == "verified" and "VSAC" in entry.source, entry
    assert code in {c for codes in loinc_alternatives().values() for c in codes}


def test_a_code_no_primary_source_carries_still_gives_nothing(runtime: Runtime) -> None:
    got = bundle_to_case(_bundle("753-4", 2.0, "10*3/uL"), runtime.dictionary, AS_OF).case["facts"]
    assert "anc" not in got
