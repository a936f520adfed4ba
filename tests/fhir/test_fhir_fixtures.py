"""The committed FHIR fixtures are exactly what tests/fixtures/fhir/build.py writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"

_spec = importlib.util.spec_from_file_location("fhir_fixture_build", FIXTURES / "build.py")
assert _spec is not None and _spec.loader is not None
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)


@pytest.mark.parametrize("name", sorted(build.FIXTURES))
def test_fixture_is_up_to_date(name: str) -> None:
    assert (FIXTURES / name).read_text("utf-8") == build.render(name), (
        f"{name} differs from build.py; run: python tests/fixtures/fhir/build.py"
    )
