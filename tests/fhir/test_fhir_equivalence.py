"""A FHIR bundle and the equivalent case file give the same determination for the same reasons.

The input hashes differ on purpose (a bundle dates every fact; a case file may not), so the
comparison is of the determination, the pathway and every criterion's status.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mednec.intake.fhir import bundle_to_case
from mednec.intake.loader import load_any
from mednec.runtime import Runtime

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

PAIRS = {
    "bundle-first-line": ("luspatercept-first-line", "meets_criteria", "esa_naive_first_line"),
    "bundle-after-esa-failure": ("luspatercept-after-esa-failure", "meets_criteria", "after_esa_ring_sideroblasts"),
    "bundle-del5q": ("luspatercept-del5q", "does_not_meet_criteria", None),
    "bundle-missing-epo": ("luspatercept-missing-epo", "insufficient_information", None),
}


def _summary(det: Any) -> tuple[str, str | None, dict[str, str]]:
    return det.determination, det.pathway.id if det.pathway else None, {c.id: c.status.value for c in det.criteria}


@pytest.mark.parametrize("bundle_name", sorted(PAIRS))
def test_bundle_and_case_file_agree(runtime: Runtime, fixture: Callable[[str], Any], bundle_name: str) -> None:
    example, determination, pathway = PAIRS[bundle_name]
    from_bundle = runtime.parse_case(bundle_to_case(fixture(bundle_name), runtime.dictionary).case)
    from_file = runtime.read_case(EXAMPLES / f"{example}.yaml")
    a = runtime.evaluate(from_bundle.facts, "luspatercept")
    b = runtime.evaluate(from_file.facts, "luspatercept")
    assert _summary(a) == _summary(b)
    assert (a.determination, a.pathway.id if a.pathway else None) == (determination, pathway)
    assert [m.facts for m in a.missing_documentation] == [m.facts for m in b.missing_documentation]
    assert from_bundle.facts.as_of == from_file.facts.as_of


def test_esa_ineligible_bundle_takes_the_after_esa_pathway(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    case = runtime.parse_case(bundle_to_case(fixture("bundle-esa-ineligible"), runtime.dictionary).case)
    det = runtime.evaluate(case.facts, "luspatercept")
    assert (det.determination, det.pathway.id if det.pathway else None) == (
        "meets_criteria", "after_esa_ring_sideroblasts")
    statuses = {c.id: c.status.value for c in det.criteria}
    assert statuses["esa_ineligible"] == "met" and statuses["esa_naive"] == "unknown"


def test_load_any_reads_case_files_and_bundles(runtime: Runtime) -> None:
    yaml_case = load_any(EXAMPLES / "luspatercept-first-line.yaml", runtime.dictionary)
    assert yaml_case["facts"]["diagnosis"] == "D46.1"
    bundle_case = load_any(FIXTURES / "bundle-first-line.json", runtime.dictionary)
    assert bundle_case["facts"]["diagnosis"]["source"] == "FHIR Condition/mds"
    # the change proposed for Runtime.read_case: parse whatever load_any returns
    parsed = runtime.parse_case(bundle_case, source="FHIR Bundle bundle-first-line.json")
    assert runtime.evaluate(parsed.facts, "Reblozyl").determination == "meets_criteria"


def test_load_any_refuses_a_lone_resource(tmp_path: Path, runtime: Runtime) -> None:
    path = tmp_path / "patient.json"
    path.write_text('{"resourceType": "Patient", "id": "p"}')
    from mednec.errors import CaseFormatError

    with pytest.raises(CaseFormatError, match="must be a Bundle"):
        load_any(path, runtime.dictionary)
