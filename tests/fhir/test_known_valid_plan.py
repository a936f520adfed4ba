"""The shipped plan of the R4B models (intake/fhir/r4b_plan.json) is what fhir.resources says, and checks the same.

``known_valid`` builds its checks from a plan of each model (each field's JSON key, primitive type,
cardinality, required flag, choice group). Reading that plan from fhir.resources builds the R4B model
classes (about 0.2 CPU-s for the six types a Bulk run verifies), so the plan of the types the intake
validates is shipped and used when the installed fhir.resources and fhir-core are the versions it was read
from. These tests fail when the two disagree (an upgrade: write the plan again with ``write_plan``), and
check that checks built from the shipped plan answer exactly as checks built from the model classes.
"""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.fhir.test_fhir_known_valid import RESOURCES, _broken

from mednec.intake.fhir import known_valid as kv


def _reset() -> None:
    for fn in (kv._shipped, kv._patterns, kv._plan, kv._primitive, kv._resource_check):
        fn.cache_clear()
    kv._ELEMENTS.clear()


@pytest.fixture
def from_models(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Checks built from the R4B model classes, as when the installed versions differ from the plan's."""
    _reset()
    monkeypatch.setattr(kv, "_installed", lambda: {"fhir-core": "0", "fhir.resources": "0"})
    yield
    monkeypatch.undo()
    _reset()


def test_the_shipped_plan_is_what_the_installed_fhir_resources_says() -> None:
    shipped = json.loads(kv.PLAN_FILE.read_text("utf-8"))
    fresh = json.loads(json.dumps(kv.read_plan()))  # as written: lists, not tuples
    assert shipped == fresh, ("intake/fhir/r4b_plan.json is stale: python -c \"from mednec.intake.fhir.known_valid "
                              "import write_plan; write_plan()\"")


def test_the_shipped_plan_is_used_and_holds_every_element_it_names() -> None:
    _reset()
    plan = kv._shipped()
    assert plan is not None, "the installed fhir.resources / fhir-core are not the plan's versions"
    assert set(plan["resources"]) == set(kv.PLANNED_TYPES)
    named = {n for m in plan["models"].values() for n in kv._elements_named(m["fields"].values())}
    assert named <= set(plan["models"])
    # and the intake's resource types are all planned
    from mednec.intake.fhir.bundle import MAPPERS

    assert set(MAPPERS) | {"Bundle"} <= set(kv.PLANNED_TYPES)


def test_a_process_checking_the_bulk_types_builds_no_r4b_model() -> None:
    """What the plan is for: a fresh process checks resources without importing the R4B model modules."""
    code = ("import sys, json\n"
            "from mednec.intake.fhir.known_valid import known_valid\n"
            "res = {'resourceType': 'Observation', 'id': 'o1', 'status': 'final',"
            " 'code': {'coding': [{'system': 'http://loinc.org', 'code': '718-7'}]},"
            " 'subject': {'reference': 'Patient/p1'}, 'effectiveDateTime': '2026-11-20',"
            " 'valueQuantity': {'value': 8.1, 'unit': 'g/dL', 'system': 'http://unitsofmeasure.org', 'code': 'g/dL'}}\n"
            "ok = known_valid(res)\n"
            "print(json.dumps([ok, sorted(m for m in sys.modules if m.startswith('fhir.resources.R4B.'))]))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    ok, modules = json.loads(out.stdout)
    assert ok is True
    assert modules == []


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    read: list[str] = []
    real = kv._model_plan

    def spy(model: type) -> dict[str, Any]:
        read.append(model.__name__)
        return real(model)

    monkeypatch.setattr(kv, "_model_plan", spy)
    return read


def test_a_different_version_reads_the_models(from_models: None, monkeypatch: pytest.MonkeyPatch) -> None:
    read = _counting(monkeypatch)
    assert kv._shipped() is None
    kv.known_valid(copy.deepcopy(RESOURCES[0]))
    assert RESOURCES[0]["resourceType"] in read


def test_the_installed_version_reads_no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    _reset()
    read = _counting(monkeypatch)
    assert _answers(RESOURCES[:50])
    assert read == []


def _answers(resources: list[dict[str, Any]]) -> list[bool]:
    return [kv.known_valid(copy.deepcopy(r)) for r in resources]


_SAMPLE = st.lists(st.sampled_from(RESOURCES).flatmap(_broken), min_size=1, max_size=8)


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(_SAMPLE)
def test_checks_from_the_plan_answer_as_checks_from_the_models(monkeypatch: pytest.MonkeyPatch,
                                                               resources: list[dict[str, Any]]) -> None:
    _reset()
    planned = _answers(RESOURCES[:5] + resources)
    _reset()
    with monkeypatch.context() as mp:
        mp.setattr(kv, "_installed", lambda: {"fhir-core": "0", "fhir.resources": "0"})
        modelled = _answers(RESOURCES[:5] + resources)
    _reset()
    assert planned == modelled


def test_every_fixture_resource_gets_the_same_answer_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    _reset()
    planned = _answers(RESOURCES)
    _reset()
    monkeypatch.setattr(kv, "_installed", lambda: {"fhir-core": "0", "fhir.resources": "0"})
    modelled = _answers(RESOURCES)
    monkeypatch.undo()
    _reset()
    assert planned == modelled
    assert sum(planned) > 0.95 * len(planned)
