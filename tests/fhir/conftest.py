"""Fixtures for the FHIR tests: the bundles in tests/fixtures/fhir, loaded as JSON."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"


@pytest.fixture(scope="session")
def _fixture_cache() -> dict[str, Any]:
    return {}


@pytest.fixture
def fixture(_fixture_cache: dict[str, Any]) -> Callable[[str], Any]:
    """``fixture("bundle-first-line")`` -> a fresh copy of the parsed JSON (safe to mutate)."""

    def load(name: str) -> Any:
        if name not in _fixture_cache:
            _fixture_cache[name] = json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))
        return copy.deepcopy(_fixture_cache[name])

    return load


def _fill(items: list[dict[str, Any]], answers: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        link, kind = item["linkId"], item["type"]
        if kind == "display":
            continue
        if kind == "group":
            if item.get("repeats"):  # one group per event in answers[link]
                for event in answers.get(link, []):
                    out.append({"linkId": link, "item": _fill(item["item"], event)})
            else:
                children = _fill(item.get("item", []), answers)
                if children:
                    out.append({"linkId": link, "item": children})
            continue
        if link not in answers:
            continue
        value = answers[link]
        key = {"boolean": "valueBoolean", "decimal": "valueDecimal", "integer": "valueInteger",
               "date": "valueDate", "string": "valueString", "quantity": "valueQuantity",
               "choice": "valueCoding", "open-choice": "valueString"}[kind]
        if kind == "choice":
            value = next(o["valueCoding"] for o in item["answerOption"] if o["valueCoding"]["code"] == value)
        out.append({"linkId": link, "answer": [{key: value}]})
    return out


@pytest.fixture
def answer_questionnaire() -> Callable[..., dict[str, Any]]:
    """Fill a Questionnaire as a clinician would: ``answer(q, {"serum_epo": {...}}, rid="qr1")``."""

    def answer(questionnaire: dict[str, Any], answers: dict[str, Any], *, rid: str = "qr-1",
               authored: str = "2026-11-20T10:00:00-05:00") -> dict[str, Any]:
        return {
            "resourceType": "QuestionnaireResponse", "id": rid,
            "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
            "status": "completed", "authored": authored,
            "subject": {"reference": "Patient/p"},
            "item": _fill(questionnaire["item"], answers),
        }

    return answer


@pytest.fixture
def roundtrip() -> Callable[[dict[str, Any]], None]:
    """Assert a produced resource parses with fhir.resources R4B and serialises back unchanged."""
    from mednec.intake.fhir.validate import validate_resource

    def check(resource: dict[str, Any]) -> None:
        model = validate_resource(resource)
        assert json.loads(model.model_dump_json(exclude_none=True)) == resource

    return check
