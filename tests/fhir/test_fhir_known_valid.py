"""The fast R4B check (intake/fhir/known_valid.py) is one-sided, and intake gives the same answer with it.

``known_valid`` may only say ``True`` for a resource fhir.resources accepts; everything else goes to
the full R4B validation, which words the error. Generated resources -- the synthetic Bulk patients'
and every resource of the FHIR fixtures, valid, and with one field broken in each way the mappers
read (codings, quantities, dates and periods, references, status codes, choice types, ids,
required fields, unknown keys, nulls, primitive extensions, arbitrary text) -- are checked both
ways: at the resource (``known_valid`` => R4B accepts) and at the bundle (``bundle_to_case`` gives
the same case, provenance and unmapped list, reasons included, with the check and with every
resource sent to R4B).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mednec.errors import CaseFormatError, ImplausibleValueError
from mednec.intake.fhir import bundle_to_case
from mednec.intake.fhir import validate as fhir_validate
from mednec.intake.fhir.bundle import MAPPERS
from mednec.intake.fhir.known_valid import known_valid
from mednec.intake.fhir.validate import validate_resource
from mednec.population.synthetic import AS_OF, patient_resources, synthetic_cases
from mednec.runtime import default_runtime

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "fhir"


def _resources_in(node: Any) -> Iterator[dict[str, Any]]:
    """Every resource of a type intake reads, anywhere in a fixture (bundle entries, CDS Hooks prefetch, PAS)."""
    if isinstance(node, dict):
        if node.get("resourceType") in MAPPERS:
            yield node
        for value in node.values():
            yield from _resources_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from _resources_in(value)


def _fixture_resources() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(FIXTURES.glob("*.json")):
        if path.name != "bundle-invalid.json":
            out += _resources_in(json.loads(path.read_text("utf-8")))
    return out


def _synthetic_bundles(n: int) -> list[dict[str, Any]]:
    return [{"resourceType": "Bundle", "type": "collection", "id": f"b{pid}",
             "entry": [{"resource": r} for r in patient_resources(pid, case)]}
            for pid, case in synthetic_cases(n, seed=7)]


SYNTHETIC = _synthetic_bundles(40)
RESOURCES = _fixture_resources() + [e["resource"] for b in SYNTHETIC for e in b["entry"]]


def _strict_accepts(resource: Any) -> bool:
    try:
        validate_resource(resource)
    except CaseFormatError:
        return False
    return True


def test_every_valid_resource_of_the_fixtures_and_the_synthetic_patients_is_known_valid() -> None:
    """Otherwise the fast path would save nothing (and the one-sided tests below could pass vacuously)."""
    types = {r["resourceType"] for r in RESOURCES}
    assert set(MAPPERS) - {"QuestionnaireResponse"} <= types
    valid = [r for r in RESOURCES if _strict_accepts(r)]
    assert len(valid) > 0.95 * len(RESOURCES)
    for resource in valid:
        assert known_valid(resource), resource


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every key and list position under ``node`` (the resource's own ``resourceType`` excluded)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not (at == () and key == "resourceType"):
                yield (*at, key)
                yield from _paths(value, (*at, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield (*at, i)
            yield from _paths(value, (*at, i))


_ODD_VALUES: list[Any] = [
    None, "", " ", " x", "x ", "x  y", "a\tb", "é", "\u00a0", "x\u2028y", "\x00", "x\x1fy", 0, -1, 12, 2**31, 1.5,
    1e-07, 1e300, True, False, [], [None], {}, {"x": 1}, "Patient/p1", {"reference": 5}, {"reference": ""},
    "2026", "2026-1", "2026-13", "2026-02", "2026-02-29", "2024-02-29", "2026-04-31", "0000-01-01", "2026-01-01T",
    "2026-01-01T10:00:00", "2026-01-01T10:00Z", "2026-01-01T10:00:00Z", "2026-01-01T24:00:00Z",
    "2026-01-01T10:00:60Z", "2026-01-01T10:00:00.1234567+01:00", "2026-01-01T10:00:00.5-14:00",
    "2026-01-01T10:00:00+14:30", "2026-01-01 10:00:00Z", "10:00:00", "final", "FINAL", "entered-in-error", "9.1",
    "1e400", "http://loinc.org", "urn:uuid:1", "a b", "a" * 300, "Zm9v", {"coding": {"code": "x"}},
    {"coding": [{"code": "x y"}]}, {"value": "9"}, {"value": True}, {"start": "2026-02-30"},
    {"extension": [{"url": "http://x"}]}, {"extension": [{"valueString": "x"}]},
]
_NEW_KEYS = ["foo", "status__ext", "_status", "_effectiveDateTime", "fhir_comments", "resourceType", "valueString",
             "valueBoolean", "effectivePeriod", "medicationReference", "contained", "text", "extension",
             "modifierExtension", "meta", "implicitRules", "language", "performedPeriod", "onsetDateTime"]

#: Well-formed values of choice-type (``[x]``) elements the read types have: valid alone, not beside a sibling.
_CHOICES: dict[str, Any] = {
    "valueString": "x", "valueBoolean": True, "valueInteger": 1, "valueQuantity": {"value": 1},
    "valueCodeableConcept": {"text": "x"}, "valueDateTime": "2026-01-01", "effectiveDateTime": "2026-01-01",
    "effectivePeriod": {"start": "2026-01-01"}, "effectiveInstant": "2026-01-01T10:00:00Z",
    "medicationCodeableConcept": {"text": "x"}, "medicationReference": {"reference": "Medication/m"},
    "performedDateTime": "2026-01-01", "performedPeriod": {"start": "2026-01-01"}, "performedString": "x",
    "onsetDateTime": "2026-01-01", "onsetString": "x", "abatementBoolean": True, "deceasedBoolean": False,
    "deceasedDateTime": "2026-01-01", "multipleBirthBoolean": False, "reportedBoolean": True,
    "reportedReference": {"reference": "Patient/p"}, "doNotPerform": True, "occurrenceDateTime": "2026-01-01",
}


def _get(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


@st.composite
def _broken(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` with one field broken (or one key added or removed)."""
    res = copy.deepcopy(base)
    paths = list(_paths(res))
    how = draw(st.sampled_from(["replace", "text", "remove", "add", "choice", "wrap", "unwrap"]))
    if how == "choice":  # a second (or first) value of a choice type, or a well-formed key the type lacks
        key = draw(st.sampled_from(sorted(_CHOICES)))
        res[key] = copy.deepcopy(_CHOICES[key])
        return res
    if how == "add" or not paths:
        parents = [p for p in [(), *paths] if isinstance(_get(res, p), dict)]
        parent = _get(res, draw(st.sampled_from(parents)))
        key = draw(st.sampled_from(_NEW_KEYS))
        parent[key] = draw(st.one_of(st.sampled_from(_ODD_VALUES), st.just(copy.deepcopy(parent.get(key, "x")))))
        return res
    path = draw(st.sampled_from(paths))
    parent, last = _get(res, path[:-1]), path[-1]
    if how == "replace":
        parent[last] = copy.deepcopy(draw(st.sampled_from(_ODD_VALUES)))
    elif how == "text":
        parent[last] = draw(st.text(max_size=8) | st.from_regex(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9:.]{5,12}"
                                                                    r"(Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?", fullmatch=True))
    elif how == "remove":
        del parent[last]
    elif how == "wrap":
        parent[last] = [parent[last]]
    elif isinstance(parent[last], list) and parent[last]:
        parent[last] = parent[last][0]
    else:
        parent[last] = {"value": parent[last]}
    return res


_SETTINGS = settings(max_examples=600, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@_SETTINGS
@given(st.sampled_from(RESOURCES).flatmap(_broken))
def test_known_valid_only_says_yes_when_r4b_accepts(resource: dict[str, Any]) -> None:
    if known_valid(resource):
        assert _strict_accepts(resource), resource


@st.composite
def _bundles(draw: st.DrawFn) -> dict[str, Any]:
    """A synthetic patient's bundle (or a fixture bundle) with one entry, or the Bundle itself, broken."""
    if draw(st.booleans()):
        bundle = copy.deepcopy(draw(st.sampled_from(SYNTHETIC)))
    else:
        name = draw(st.sampled_from(sorted(p.stem for p in FIXTURES.glob("bundle-*.json"))))
        bundle = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
    if draw(st.integers(0, 9)) == 0:
        shape = {k: v for k, v in bundle.items() if k != "entry"}
        broken = draw(_broken(shape))
        if broken.get("resourceType") == "Bundle" and broken.get("type") in ("collection", "searchset", "transaction"):
            return {**broken, "entry": bundle["entry"]}
    i = draw(st.integers(0, len(bundle["entry"]) - 1))
    bundle["entry"][i]["resource"] = draw(_broken(bundle["entry"][i]["resource"]))
    return bundle


def _intake(bundle: dict[str, Any]) -> dict[str, Any] | tuple[str, str, str | None]:
    rt = default_runtime()
    try:
        out = bundle_to_case(copy.deepcopy(bundle), rt.dictionary, AS_OF, drug="luspatercept",
                             drugs=rt.catalog.calculators.drugs)
    except (CaseFormatError, ImplausibleValueError) as exc:  # the Bundle's own shape, or dates that contradict the
        # birth date (a broken date drawn before Patient.birthDate): fatal, with its message and field, in both paths
        return type(exc).__name__, exc.message, exc.field
    return out.to_dict()


@_SETTINGS
@given(_bundles())
def test_intake_gives_the_same_answer_with_and_without_the_fast_check(bundle: dict[str, Any]) -> None:
    fast = _intake(bundle)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(fhir_validate, "known_valid", lambda data: False)  # every resource built as its R4B model
        strict = _intake(bundle)
    assert fast == strict


def test_the_strict_path_is_really_taken_when_the_check_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """The metamorphic test above compares two different paths: with the check off, R4B models are built."""
    built: list[str] = []
    real = fhir_validate.validate_resource

    def spy(data: Any, *, prefix: str = "") -> Any:
        built.append(str(data.get("resourceType")))
        return real(data, prefix=prefix)

    monkeypatch.setattr(fhir_validate, "validate_resource", spy)
    bundle = copy.deepcopy(SYNTHETIC[0])
    bundle["id"] = "strict-path-probe"  # a Bundle shape not seen before
    for e in bundle["entry"]:
        e["resource"]["id"] = e["resource"]["id"] + "-probe"  # resources not remembered from earlier tests
    _intake(bundle)
    assert built == []
    monkeypatch.setattr(fhir_validate, "known_valid", lambda data: False)
    _intake(bundle)
    assert "Bundle" in built and "Observation" in built
