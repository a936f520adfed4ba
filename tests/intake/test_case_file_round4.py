"""Case-file habits the fourth held-out set (tests/heldout/cases4) showed unread or misread, one family per test:
a key given twice in one mapping (YAML and JSON readers keep the last one silently: c03, a BMI of 31.4 and 26.2
read as 26.2), at every level; a height in feet and inches ("5 ft 9 in", c02); a bound written before a number
("> 500 mU/mL", c27); transfusion units written "2 U" (c23); an ESA course's response in words ("no response",
c31). A key given twice with the same value, like every other spelling with one meaning, is read."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from mednec.errors import InputError
from mednec.intake.case_file import parse_case, parse_case_text
from mednec.runtime import default_runtime

RT = default_runtime()
D = RT.dictionary
AS_OF = dt.date(2026, 12, 1)


def _facts(data: Any) -> Any:
    return parse_case(data, D, as_of=AS_OF).facts


# --- a key given twice -------------------------------------------------------------------------------------------

#: (a YAML mapping with a key twice, the key) at the top, in patient, in facts, in a value mapping, in an event
TWICE = [
    ("as_of: 2026-12-01\nas_of: 2026-11-01\nfacts: {bmi: 31}\n", "as_of"),
    ("patient:\n  age: 50\n  age: 60\nfacts: {bmi: 31}\n", "age"),
    ("patient: {sex: female, sex: male}\nfacts: {bmi: 31}\n", "sex"),
    ("facts:\n  bmi: 31.4\n  prior_mi: true\n  bmi: 26.2\n", "bmi"),
    ("facts:\n  ldl_c: {value: 88, unit: mg/dL, value: 55}\n", "value"),
    ("facts:\n  ldl_c: {value: 88, unit: mg/dL, unit: mmol/L}\n", "unit"),
    ("facts:\n  rbc_transfusions:\n    - {date: 2026-10-01, units: 2, units: 1}\n", "units"),
    ("facts:\n  medication_history:\n    - {drug: atorvastatin, dose: 80, dose: 10, response: ongoing}\n", "dose"),
    ("facts:\n  hypertension: yes\n  hypertension: no\n", "hypertension"),
    ("facts:\n  ldl_c: {value: 88, date: 2026-11-01}\n  ldl_c: {value: 88, date: 2026-10-01}\n", "ldl_c"),
    ("facts:\n  esa_history: []\n  esa_history: [{drug: epoetin alfa, start: 2026-01-01, response: none}]\n",
     "esa_history"),
]
#: the same key twice with the same value: one meaning
SAME = [
    ("facts:\n  bmi: 31.4\n  bmi: 31.4\n", "bmi", 31.4),
    ("facts:\n  bmi: 31.4\n  bmi: 31.40\n", "bmi", 31.4),
    ("facts:\n  ldl_c: {value: 88, unit: mg/dL}\n  ldl_c: {value: 88, unit: mg/dL}\n", "ldl_c", 88),
    ("facts:\n  hypertension: yes\n  hypertension: yes\n", "hypertension", True),
    ("patient: {sex: female, sex: female}\nfacts: {bmi: 30}\n", "sex", "female"),
]


def _yaml_to_json(text: str) -> str:
    """The same document as JSON text, its repeated keys kept (json.dumps cannot write them)."""
    import yaml

    def pairs(node: Any) -> str:
        if isinstance(node, yaml.MappingNode):
            return "{" + ", ".join(f"{json.dumps(k.value)}: {pairs(v)}" for k, v in node.value) + "}"
        if isinstance(node, yaml.SequenceNode):
            return "[" + ", ".join(pairs(v) for v in node.value) + "]"
        value = yaml.safe_load(node.value) if node.style is None else node.value
        return json.dumps(value, default=str)

    return pairs(yaml.compose(text))


@pytest.mark.parametrize("form", ["yaml", "json"])
@pytest.mark.parametrize(("text", "key"), TWICE)
def test_a_key_given_twice_with_two_values_is_refused(text: str, key: str, form: str) -> None:
    doc = text if form == "yaml" else _yaml_to_json(text)
    with pytest.raises(InputError) as err:
        _facts(parse_case_text(doc, name="case.yaml"))
    assert key in str(err.value.field) and "twice" in err.value.message


@pytest.mark.parametrize("form", ["yaml", "json"])
@pytest.mark.parametrize(("text", "key", "value"), SAME)
def test_a_key_given_twice_with_one_value_is_read(text: str, key: str, value: Any, form: str) -> None:
    doc = text if form == "yaml" else _yaml_to_json(text)
    facts = _facts(parse_case_text(doc, name="case.yaml"))
    assert facts.value(key) == value


# --- feet and inches ---------------------------------------------------------------------------------------------

HEIGHTS = [("5 ft 9 in", 175.26), ("5ft 9in", 175.26), ("5'9\"", 175.26), ("5' 9\"", 175.26), ("5 feet 9 inches", 175.26),
           ("5 foot 9", 175.26), ("6 ft 0 in", 182.88), ("5 ft 9.5 in", 176.53), ("5'9''", 175.26), ("69 in", 175.26),
           ("175 cm", 175.0), ("1.75 m", 175.0)]


@pytest.mark.parametrize(("text", "cm"), HEIGHTS)
@pytest.mark.parametrize("shape", ["bare", "mapping"])
def test_a_height_in_feet_and_inches(text: str, cm: float, shape: str) -> None:
    raw: Any = text if shape == "bare" else {"value": text, "date": "2026-11-20"}
    assert _facts({"facts": {"height": raw}}).value("height") == pytest.approx(cm, abs=0.01)


@pytest.mark.parametrize("text", ["5 ft 9 in", "5'9\""])
def test_feet_and_inches_with_a_unit_beside_or_on_another_fact_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        _facts({"facts": {"height": {"value": text, "unit": "cm"}}})
    with pytest.raises(InputError):
        _facts({"facts": {"weight": text}})


# --- a bound written before a number -----------------------------------------------------------------------------

BOUNDS = [("> 500 mU/mL", ">", 500), (">500", ">", 500), ("<50", "<", 50), ("<= 10 mU/mL", "<=", 10),
          (">=2000", ">=", 2000), ("≥ 600", ">=", 600), ("≤ 25", "<=", 25), ("> 500 IU/L", ">", 500)]


@pytest.mark.parametrize(("text", "comparator", "value"), BOUNDS)
@pytest.mark.parametrize("shape", ["bare", "mapping"])
def test_a_bound_written_in_the_value(text: str, comparator: str, value: float, shape: str) -> None:
    raw: Any = text if shape == "bare" else {"value": text, "date": "2026-10-20"}
    written = _facts({"facts": {"serum_epo": raw}}).value("serum_epo")
    stated = _facts({"facts": {"serum_epo": {"value": value, "unit": "mU/mL", "comparator": comparator}}}).value("serum_epo")
    assert written == stated


def test_a_bound_written_twice_is_refused() -> None:
    with pytest.raises(InputError) as err:
        _facts({"facts": {"serum_epo": {"value": "> 500", "comparator": ">"}}})
    assert "serum_epo" in str(err.value.field)


@pytest.mark.parametrize("text", ["> 500", "<8"])
def test_a_bound_on_a_fact_that_is_not_a_number_is_refused(text: str) -> None:
    with pytest.raises(InputError):
        _facts({"facts": {"del5q": text}})


# --- events: units "2 U", responses in words ---------------------------------------------------------------------

@pytest.mark.parametrize(("units", "n"), [("2 U", 2), ("2U", 2), ("1 u", 1), ("2 units", 2), ("2 unit", 2), ("2", 2)])
def test_transfusion_units_written_with_u(units: str, n: int) -> None:
    events = _facts({"facts": {"rbc_transfusions": [{"date": "2026-10-01", "units": units}]}}).value("rbc_transfusions")
    assert events[0]["units"] == n


@pytest.mark.parametrize("units", ["2 mg", "2 UI", "2 bags"])
def test_other_units_are_refused(units: str) -> None:
    with pytest.raises(InputError):
        _facts({"facts": {"rbc_transfusions": [{"date": "2026-10-01", "units": units}]}})


RESPONSES = [("no response", "none"), ("No Response", "none"), ("non-responder", "none"), ("nonresponder", "none"),
             ("partial response", "partial"), ("responded", "response"), ("lost response", "lost_response"),
             ("loss of response", "lost_response"), ("not tolerated", "intolerant"), ("intolerance", "intolerant"),
             ("none", "none"), ("lost_response", "lost_response"), ("maybe", None), ("worse", None)]


@pytest.mark.parametrize(("said", "response"), RESPONSES)
@pytest.mark.parametrize("fact", ["esa_history", "medication_history"])
def test_a_response_in_words(said: str, response: str | None, fact: str) -> None:
    drug = "epoetin alfa" if fact == "esa_history" else "atorvastatin"
    case = {"facts": {fact: [{"drug": drug, "start": "2026-03-01", "end": "2026-06-01", "response": said}]}}
    if response is None:
        with pytest.raises(InputError) as err:
            _facts(case)
        assert "response" in str(err.value.field)
    else:
        assert _facts(case).value(fact)[0]["response"] == response
