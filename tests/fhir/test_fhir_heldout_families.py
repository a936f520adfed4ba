"""FHIR shapes the held-out bundles (tests/heldout/fhir) showed unread, each as a family: body weight and
height in UCUM US units ([lb_av], [in_i], [ft_i]); conditions coded in SNOMED CT or under an ICD-10-CM
category the fact did not list (I63.x cerebral infarction, I21.x acute MI); an Observation coded only by
the text "Name (ABBR)"; a status reason naming only the adverse effect; and `fhir to-case --format json`
with a dated treatment history (it raised "date is not JSON serializable")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import SNOMED, UCUM
from tests.fhir.new_pack_resources import AS_OF, LOINC, SUBJECT
from typer.testing import CliRunner

from mednec.cli import app
from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1964-04-18", "gender": "female"}
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": patient}] + [{"resource": r} for r in resources]}


def _qty(rid: str, code: str, value: float, ucum: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": LOINC, "code": code}]} if code else {"text": text}
    return {"resourceType": "Observation", "id": rid, "status": "final", "subject": SUBJECT, "code": concept,
            "effectiveDateTime": "2026-11-20", "valueQuantity": {"value": value, "unit": ucum, "system": UCUM, "code": ucum}}


def _cond(system: str, code: str) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "c", "subject": SUBJECT, "clinicalStatus": {"coding": [{"code": "active"}]},
            "code": {"coding": [{"system": system, "code": code}]}}


def _facts(runtime: Runtime, *resources: dict[str, Any]) -> dict[str, Any]:
    case = bundle_to_case(_bundle(*resources), runtime.dictionary, AS_OF).case
    return {k: v["value"] if isinstance(v, dict) else v for k, v in case["facts"].items()}


@pytest.mark.parametrize(("code", "value", "ucum", "fact", "want"), [
    ("29463-7", 245, "[lb_av]", "weight", 111.130), ("29463-7", 111.1, "kg", "weight", 111.1),
    ("29463-7", 98000, "g", "weight", 98), ("8302-2", 68, "[in_i]", "height", 172.72),
    ("8302-2", 5.5, "[ft_i]", "height", 167.64), ("8302-2", 1.73, "m", "height", 173), ("8302-2", 173, "cm", "height", 173),
])
def test_weight_and_height_in_every_ucum_unit(runtime: Runtime, code: str, value: float, ucum: str, fact: str,
                                               want: float) -> None:
    assert _facts(runtime, _qty("o", code, value, ucum)).get(fact) == pytest.approx(want, abs=0.01)  # kg, cm


def test_bmi_from_pounds_and_inches_decides_wegovy(runtime: Runtime) -> None:
    b = _bundle(_qty("w", "29463-7", 245, "[lb_av]"), _qty("h", "8302-2", 68, "[in_i]"), _cond(SNOMED, "38341003"))
    det = runtime.evaluate(runtime.parse_case(bundle_to_case(b, runtime.dictionary, AS_OF).case, as_of=AS_OF).facts, "Wegovy")
    assert det.criterion("obesity").status.value == "met"  # 245 lb / 68 in = BMI 37.3


@pytest.mark.parametrize(("system", "code", "fact"), [
    (SNOMED, "22298006", "prior_mi"), (SNOMED, "1755008", "prior_mi"), (ICD, "I21.4", "prior_mi"), (ICD, "I22.0", "prior_mi"),
    (SNOMED, "44054006", "type2_diabetes"), (SNOMED, "46635009", "type1_diabetes"), (SNOMED, "38341003", "hypertension"),
    (SNOMED, "422504002", "prior_ischemic_stroke"), (ICD, "I63.9", "prior_ischemic_stroke"), (ICD, "I63.512", "prior_ischemic_stroke"),
    (SNOMED, "1101000119103", "obstructive_sleep_apnea"),
])
def test_condition_codes(runtime: Runtime, system: str, code: str, fact: str) -> None:
    assert _facts(runtime, _cond(system, code)).get(fact) is True


@pytest.mark.parametrize(("system", "code"), [(SNOMED, "230690007"), (ICD, "G45.9"), (SNOMED, "1234")])
def test_codes_not_listed_stay_unread(runtime: Runtime, system: str, code: str) -> None:
    """A stroke of unstated kind (230690007 CVA) or a TIA code is not an ischemic stroke."""
    assert "prior_ischemic_stroke" not in _facts(runtime, _cond(system, code))


@pytest.mark.parametrize("text", ["Apnea-hypopnea index (AHI)", "AHI", "Apnea hypopnea index", "apnea-hypopnea index (AHI) "])
def test_observation_named_with_its_abbreviation(runtime: Runtime, text: str) -> None:
    assert _facts(runtime, _qty("o", "", 31, "/h", text=text)).get("ahi") == 31


def test_to_case_json_with_a_dated_history() -> None:
    path = Path(__file__).resolve().parents[1] / "heldout" / "fhir" / "hf09-repatha-panel-only.json"
    r = CliRunner().invoke(app, ["fhir", "to-case", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    hist = json.loads(r.output)["case"]["facts"]["medication_history"]
    assert hist[0]["start"] == "2024-01-01"
