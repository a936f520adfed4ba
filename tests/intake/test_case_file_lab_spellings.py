"""Lab values as exports print them (held-out cases5 c08-c12), generated: an abnormal flag after the value
("7.9 g/dL (L)", "95 mg/dL (calc)", "142 H", "8.1 g/dL *") is the value; count units in the notations US and
European labs and interface engines use ("x10^3/uL", "x10(9)/L", "x 10E9/L", UCUM "10*3/uL", "× 10^9/L") are the
units they name. A bare "L" after a number stays refused (litres or low: two meanings)."""

from __future__ import annotations

import pytest

from mednec.errors import InputError
from mednec.runtime import Runtime

FLAGS = ["(L)", "(H)", "(LL)", "(HH)", "(calc)", "(calculated)", "(abnormal)", "(A)", "(critical)", "H", "HH", "LL",
         "*", "**", "(L) *"]


def _read(runtime: Runtime, fact: str, value: object) -> object:
    case = {"as_of": "2026-12-06", "patient": {"age": 70, "sex": "male"}, "facts": {fact: value}}
    return runtime.parse_case(case).facts[fact].value


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize(("fact", "written", "want"), [("hemoglobin", "7.9 g/dL", 7.9), ("ldl_c", "95 mg/dL", 95.0),
                                                       ("platelets", "85 K/uL", 85.0), ("serum_epo", "210", 210.0)])
def test_a_flag_after_the_value_is_the_value(runtime: Runtime, fact: str, written: str, want: float, flag: str) -> None:
    assert _read(runtime, fact, f"{written} {flag}") == pytest.approx(want)
    assert _read(runtime, fact, {"value": f"{written.split()[0]} {flag}", "unit": (written.split() + [None])[1]}
                 if len(written.split()) > 1 else f"{written} {flag}") == pytest.approx(want)


COUNT_UNITS = ["x10^3/uL", "x10(3)/uL", "x 10E3/uL", "10*3/uL", "× 10^3/µL", "x10E3/uL", "10^3/uL",
               "x10^9/L", "x10(9)/L", "x 10E9/L", "10*9/L", "× 10^9/L", "10E9/L"]


@pytest.mark.parametrize("unit", COUNT_UNITS)
@pytest.mark.parametrize(("fact", "value"), [("platelets", 85.0), ("anc", 1.2)])
def test_count_notations_are_their_units(runtime: Runtime, fact: str, value: float, unit: str) -> None:
    assert _read(runtime, fact, f"{value} {unit}") == pytest.approx(value)
    assert _read(runtime, fact, {"value": value, "unit": unit}) == pytest.approx(value)


@pytest.mark.parametrize(("fact", "value"), [("hemoglobin", "7.9 L"), ("hemoglobin", "7.9 g/dL (unknown)"),
                                             ("platelets", "85 x10^6/uL")])
def test_other_trailing_words_are_still_refused(runtime: Runtime, fact: str, value: str) -> None:
    with pytest.raises(InputError):
        _read(runtime, fact, value)
