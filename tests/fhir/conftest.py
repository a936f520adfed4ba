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
