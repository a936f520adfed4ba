"""HbA1c in IFCC units (mmol/mol) converts to NGSP % by the NGSP/IFCC master equation
NGSP = 0.09148 x IFCC + 2.152 (references: ngsp-ifcc-master-equation, hoelzel-2004-ifcc-hba1c): an affine
unit, ``value * factor + offset`` (held-out round 2, family "ifcc"; h08, hf04)."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.intake.fhir import bundle_to_case
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


def _ngsp(ifcc: float) -> float:
    return 0.09148 * ifcc + 2.152


@pytest.mark.parametrize(("ifcc", "unit"), [(48, "mmol/mol"), (53, "mmol/mol"), (64, "mmol/mol"), (97, "mmol/mol"),
                                            (7.5, "%")])
def test_dictionary_converts_an_affine_unit(runtime: Runtime, ifcc: float, unit: str) -> None:
    fd = runtime.dictionary.facts["hba1c"]
    want = ifcc if unit == "%" else _ngsp(ifcc)
    assert fd.convert(ifcc, unit, path="hba1c") == pytest.approx(want)


@pytest.mark.parametrize("text", [
    "Ozempic for T2DM, HbA1c 65 mmol/mol, on metformin",
    "Mounjaro - type 2 diabetes, A1c 65 mmol/mol despite metformin",
    "Trulicity for DM2, glycated haemoglobin 65 mmol/mol, taking metformin",
    "Victoza: T2DM, Hb A1c 65 mmol/mol, metformin 500 mg BID",
])
def test_text_reads_mmol_per_mol(runtime: Runtime, text: str) -> None:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    facts = runtime.parse_case(u.case, as_of=AS_OF).facts
    assert facts["hba1c"].value == pytest.approx(_ngsp(65), abs=1e-4)
    assert "hemoglobin" not in facts  # "glycated haemoglobin" is not the hemoglobin


def test_fhir_ifcc_loinc_in_mmol_per_mol(runtime: Runtime) -> None:
    obs = {"resourceType": "Observation", "id": "a1c", "status": "final", "subject": {"reference": "Patient/p"},
           "code": {"coding": [{"system": "http://loinc.org", "code": "59261-8",
                                "display": "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol"}]},
           "effectiveDateTime": "2026-11-25",
           "valueQuantity": {"value": 70, "unit": "mmol/mol", "system": "http://unitsofmeasure.org", "code": "mmol/mol"}}
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1966-02-11"}}, {"resource": obs}]}
    intake = bundle_to_case(bundle, runtime.dictionary, AS_OF)
    facts = runtime.parse_case(intake.case, as_of=AS_OF).facts
    assert facts["hba1c"].value == pytest.approx(_ngsp(70), abs=1e-4)


@pytest.mark.parametrize(("text", "want"), [("Mounjaro, T2DM, HbA1c 10.1", 10.1), ("Ozempic, T2DM, A1c 9.3", 9.3),
                                            ("Ozempic, T2DM, A1c 65", None)])
def test_a_bare_number_is_never_read_in_the_affine_unit(runtime: Runtime, text: str, want: float | None) -> None:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    facts = runtime.parse_case(u.case, as_of=AS_OF).facts
    assert (facts["hba1c"].value if "hba1c" in facts else None) == want
