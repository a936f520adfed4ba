"""Observation components: a CBC panel, or any Observation with coded components.

Each component whose code names a fact is mapped as a top-level Observation of that code
would be: the same units, the same refusals, the parent's date, and provenance pointing at
the component.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.code_systems import LOINC, UCUM

from mednec.errors import ImplausibleValueError, UnitError
from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
CBC = {"coding": [{"system": LOINC, "code": "58410-2", "display": "CBC panel - Blood by Automated count"}]}


def comp(code: str, value: float | None, ucum: str, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"code": {"coding": [{"system": LOINC, "code": code}]}, **extra}
    if value is not None:
        out["valueQuantity"] = {"value": value, "unit": ucum, "system": UCUM, "code": ucum}
    return out


def panel(*components: dict[str, Any], rid: str = "cbc1", status: str = "final", code: dict[str, Any] = CBC,
          when: str = "2026-11-10T08:05:00-05:00", **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": status, "code": code,
            "subject": {"reference": "Patient/p"}, "effectiveDateTime": when, "component": list(components), **value}


def intake_of(runtime: Runtime, *resources: dict[str, Any]) -> Any:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1956-02-14", "gender": "male"}
    b = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in (patient, *resources)]}
    return bundle_to_case(b, runtime.dictionary, AS_OF)


FULL_CBC = (comp("6690-2", 4.2, "10*3/uL"), comp("718-7", 81, "g/L"), comp("777-3", 180000, "/uL"),
            comp("751-8", 2.1, "10*9/L"))


def test_cbc_panel_gives_each_component_with_its_provenance(runtime: Runtime) -> None:
    intake = intake_of(runtime, panel(*FULL_CBC))
    facts = intake.case["facts"]
    assert facts["hemoglobin"] == {"value": 8.1, "unit": "g/dL", "date": "2026-11-10",
                                   "source": "FHIR Observation/cbc1.component[1]"}  # 81 g/L converted
    assert (facts["platelets"]["value"], facts["platelets"]["unit"]) == (180, "10^9/L")
    assert facts["platelets"]["source"] == "FHIR Observation/cbc1.component[2]"
    assert facts["anc"]["value"] == 2.1 and facts["anc"]["date"] == "2026-11-10"
    where = {p.fact: p.resources for p in intake.provenance}
    assert where["hemoglobin"] == ("Observation/cbc1.component[1]",)
    assert where["anc"] == ("Observation/cbc1.component[3]",)
    assert intake.unmapped == ()  # the WBC component names no fact and is not listed on its own
    runtime.parse_case(intake.case)


def test_a_later_single_result_supersedes_the_panel_component(runtime: Runtime) -> None:
    later = {"resourceType": "Observation", "id": "hb2", "status": "final", "code": {"coding": [
        {"system": LOINC, "code": "718-7"}]}, "subject": {"reference": "Patient/p"},
        "effectiveDateTime": "2026-11-18", "valueQuantity": {"value": 8.4, "unit": "g/dL", "system": UCUM,
                                                              "code": "g/dL"}}
    intake = intake_of(runtime, panel(*FULL_CBC), later)
    assert intake.case["facts"]["hemoglobin"]["value"] == 8.4
    hb = next(p for p in intake.provenance if p.fact == "hemoglobin")
    assert hb.superseded == ("Observation/cbc1.component[1]",)


def test_an_observation_with_its_own_value_and_components(runtime: Runtime) -> None:
    hb = panel(comp("751-8", 2.1, "10*9/L"), code={"coding": [{"system": LOINC, "code": "718-7"}]},
               valueQuantity={"value": 8.1, "unit": "g/dL", "system": UCUM, "code": "g/dL"})
    facts = intake_of(runtime, hb).case["facts"]
    assert facts["hemoglobin"]["source"] == "FHIR Observation/cbc1"
    assert facts["anc"]["source"] == "FHIR Observation/cbc1.component[0]"


@pytest.mark.parametrize(
    ("component", "error", "message"),
    [
        (comp("718-7", 810, "mg/dL"), UnitError, "g/dL"),
        (comp("718-7", 81, "g/dL"), ImplausibleValueError, ""),
        (comp("777-3", -5, "10*9/L"), ImplausibleValueError, ""),
    ],
)
def test_a_bad_component_is_refused_like_a_top_level_observation(
    runtime: Runtime, component: dict[str, Any], error: type[Exception], message: str
) -> None:
    """Spec change (issue 15): the bad component is listed as not used, naming the field and the
    reason (it raised for the whole bundle); the panel's other components are still read."""
    intake = intake_of(runtime, panel(comp("751-8", 2.1, "10*3/uL"), component))
    assert intake.case["facts"]["anc"]["value"] == 2.1
    reasons = {u.resource: u.reason for u in intake.unmapped}
    why = reasons["Observation/cbc1.component[1]"]
    assert "entry[1].resource(Observation/cbc1).component[1].valueQuantity" in why and message in why


def test_a_component_without_a_value_is_listed(runtime: Runtime) -> None:
    absent = comp("751-8", None, "", dataAbsentReason={"text": "Specimen clotted"})
    inexact = comp("777-3", None, "")
    inexact["valueQuantity"] = {"value": 20, "comparator": "<", "unit": "10*9/L", "system": UCUM, "code": "10*9/L"}
    intake = intake_of(runtime, panel(comp("718-7", 8.1, "g/dL"), absent, inexact))
    assert intake.case["facts"]["hemoglobin"]["value"] == 8.1
    assert "anc" not in intake.case["facts"]
    # spec change (issue 15): '<20' is kept as a bound (it was listed as not exact)
    assert (intake.case["facts"]["platelets"]["value"], intake.case["facts"]["platelets"]["comparator"]) == (20, "<")
    reasons = {u.resource: u.reason for u in intake.unmapped}
    assert reasons == {"Observation/cbc1.component[1]": "anc: no numeric value (Specimen clotted)"}


def test_a_panel_nothing_can_be_read_from_is_listed(runtime: Runtime) -> None:
    intake = intake_of(runtime, panel(comp("6690-2", 4.2, "10*3/uL"), rid="wbc-only"),
                       panel(comp("751-8", None, "", dataAbsentReason={"text": "Not performed"}), rid="no-anc"),
                       panel(*FULL_CBC, rid="prelim", status="preliminary"))
    reasons = {u.resource: u.reason for u in intake.unmapped}
    assert reasons["Observation/wbc-only"] == (
        "code not in the fact dictionary (loinc.org 58410-2 CBC panel - Blood by Automated count) "
        "and no component's code is")
    assert reasons["Observation/no-anc"] == "component[0]: anc: no numeric value (Not performed)"
    assert reasons["Observation/prelim"] == "status is preliminary"
    assert intake.case["facts"] == {}
