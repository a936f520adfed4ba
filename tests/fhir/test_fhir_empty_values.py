"""An empty value in a FHIR element documents nothing (as ``""`` and ``null`` in a case file, b38c7d6):
the Observation is listed as not used, the rest of the Bundle stands, and nothing raises. Found by the
fast-check property test after case files began reading an empty value as undocumented."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mednec.intake.fhir import bundle_to_case
from mednec.population.synthetic import AS_OF
from mednec.runtime import default_runtime

BUNDLE = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "fhir" / "bundle-first-line.json")
                    .read_text("utf-8"))


def _with_cytorisk(value: dict[str, Any]) -> dict[str, Any]:
    bundle = copy.deepcopy(BUNDLE)
    for entry in bundle["entry"]:
        res = entry["resource"]
        if res["resourceType"] == "Observation" and "valueCodeableConcept" in res:
            del res["valueCodeableConcept"]
            res.update(value)
            return bundle
    raise AssertionError("the fixture has a coded Observation")


@pytest.mark.parametrize("value", [{"valueCodeableConcept": {"text": ""}},
                                   {"valueCodeableConcept": {"coding": [{"code": ""}], "text": " "}},
                                   {"valueString": " "}],
                         ids=["empty-text", "blank-code-and-text", "blank-string"])
def test_an_empty_coded_value_is_no_value(value: dict[str, Any]) -> None:
    rt = default_runtime()
    out = bundle_to_case(_with_cytorisk(value), rt.dictionary, AS_OF, drug="luspatercept",
                         drugs=rt.catalog.calculators.drugs).to_dict()
    # listed as not used (R4B refuses an empty string; a blank one passes R4B and is no value)
    assert any(u["resource"] == "Observation/cytorisk-2026-06-10" for u in out["unmapped"]), out["unmapped"]
    assert "hemoglobin" in out["case"]["facts"]  # the rest of the Bundle is read
