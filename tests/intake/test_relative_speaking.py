"""A relative writing for the patient, or the patient writing about a relative (held-out round 3 family
"relative speaking": "My mom is 84 and has MDS" gave no age; "I'm 52 and my father is 77. He has MDS" gave
no age; "my 15-year-old son" no sex; "My dad had a heart attack at 50. I'm 45, my LDL is 170 ... no heart
disease myself" read the father's heart attack as the patient's -- a confident "meets" for Repatha).
Table-driven over relatives, the ways an age is said, and sentence shapes."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
RELATIVES = [("mom", "female"), ("mother", "female"), ("mum", "female"), ("dad", "male"), ("father", "male"),
             ("husband", "male"), ("wife", "female"), ("grandmother", "female"), ("grandpa", "male"), ("aunt", "female")]
AGE_SHAPES = ["My {r} is {n} and has MDS.", "My {r}, {n}, has MDS.", "My {r} ({n}) has MDS.", "I'm asking for my {r} who is {n}. She has MDS.",
              "My {n}-year-old {r} has MDS.", "My {r} is now {n} years old and has MDS."]
REST = (" Her IPSS-R risk is low, her EPO level was 95, her hemoglobin is 8.7 and she is exhausted. She has never had an EPO shot."
        " Will insurance cover Procrit?")


def _facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {f.fact: f.value for f in u.facts}


@pytest.mark.parametrize(("rel", "shape"), list(itertools.product(RELATIVES, AGE_SHAPES)))
def test_relative_is_the_patient(runtime: Runtime, rel: tuple[str, str], shape: str) -> None:
    facts = _facts(shape.format(r=rel[0], n=81) + REST, runtime)
    assert facts.get("age") == 81
    assert facts.get("sex") == rel[1]
    assert facts.get("diagnosis") is not None  # the relative's MDS is the patient's, not a family history


@pytest.mark.parametrize("writer", ["I'm 52 and my father is 77.", "I am 52. My father is 77.", "My father is 77; I'm 52."])
def test_the_writers_age_is_not_the_patients(runtime: Runtime, writer: str) -> None:
    facts = _facts(f"{writer} He has MDS, IPSS-R intermediate, EPO 180, Hb 9.2, tired all the time. Can he get Procrit?", runtime)
    assert facts.get("age") == 77 and facts.get("sex") == "male"


@pytest.mark.parametrize(("who", "age", "sex"), [("my 15-year-old son", 15, "male"), ("my 9 year old daughter", 9, "female"),
                                                 ("an 11 year old girl", 11, "female"), ("a 14-year-old boy", 14, "male")])
def test_child_said_with_age_and_relation(runtime: Runtime, who: str, age: int, sex: str) -> None:
    facts = _facts(f"Wegovy for {who}, BMI at the 97th percentile, 6 months of a family weight program", runtime)
    assert facts.get("age") == age and facts.get("sex") == sex


RELATIVE_HISTORY = ["My dad had a heart attack at 50.", "My mom had a stroke at 60.", "My father had an MI when he was 48.",
                    "My brother had a heart attack last year.", "Dad had bypass surgery at 55.", "My mother had a stent at 52."]
WRITER = ["I'm 45, my LDL is 170 on atorvastatin 40 mg for 6 months, and I have no heart disease myself.",
          "I am 45 and my LDL is 170 on atorvastatin 40 mg for 6 months. Should I get Repatha?",
          "My LDL is 170 on atorvastatin 40 mg for 6 months; I'm 45."]
ASCVD = ("prior_mi", "prior_ischemic_stroke", "arterial_revascularization", "ascvd_stated")


@pytest.mark.parametrize(("family", "writer"), list(itertools.product(RELATIVE_HISTORY, WRITER)))
def test_a_relatives_event_is_family_history(runtime: Runtime, family: str, writer: str) -> None:
    text = f"Repatha? {family} {writer}"
    facts = _facts(text, runtime)
    assert not any(facts.get(k) is True for k in ASCVD), facts
    assert facts.get("age") == 45
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination != "meets_criteria"
