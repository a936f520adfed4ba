"""R4B validation is spent only on the resource types FHIR intake reads (issue 20 item 3): an
entry of another type is listed as not read whether or not it is valid, and the rest of the
bundle is read as before; an invalid entry of a type intake reads still degrades to that entry."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir import validate as fhir_validate
from mednec.runtime import default_runtime

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fhir"


def _bundle() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "bundle-first-line.json").read_text("utf-8"))
    return data


def _reasons(bundle: dict[str, Any]) -> dict[str, str]:
    out = bundle_to_case(bundle, default_runtime().dictionary)
    return {u.resource: u.reason for u in out.unmapped}


def test_an_unread_type_is_not_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = _bundle()
    # not valid R4: Practitioner.name must be a list of HumanName
    bundle["entry"].append({"resource": {"resourceType": "Practitioner", "id": "dr1", "name": "Dr Who"}})
    checked: list[str] = []
    real = fhir_validate.check_resource

    def spy(data: Any, *, prefix: str = "") -> None:
        checked.append(str(data.get("resourceType")))
        real(data, prefix=prefix)

    monkeypatch.setattr(fhir_validate, "check_resource", spy)
    reasons = _reasons(bundle)
    assert reasons["Practitioner/dr1"] == "Practitioner is not read by mednec"
    assert "Practitioner" not in checked and "Encounter" not in checked
    assert "Observation" in checked and "Patient" in checked
    plain = _bundle()
    assert bundle_to_case(plain, default_runtime().dictionary).case == \
        bundle_to_case(bundle, default_runtime().dictionary).case


def test_an_invalid_entry_of_a_read_type_still_degrades_to_that_entry() -> None:
    bundle = _bundle()
    obs = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation")
    bad = copy.deepcopy(obs)
    bad["resource"]["id"] = "broken"
    bad["resource"]["status"] = 12  # not a code
    bad.pop("fullUrl", None)
    bundle["entry"].append(bad)
    reasons = _reasons(bundle)
    assert reasons["Observation/broken"].startswith("not valid FHIR R4 at ")
