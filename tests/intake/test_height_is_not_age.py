"""A height in feet and inches said in the first person is no age (held-out round 9 t9-g13): "I'm 5'4 and weigh
210 lbs, I have high blood pressure ... Will my insurance cover wegovy?" read "I'm 5" as the writer's age -- a
5-year-old, so a confident "does not meet" for Wegovy. The height itself was read (BMI 36). Written before the change
(helper text9): 9 ways to write a height x 2 subjects x 2 weights; the control keeps a stated age beside a height."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
HEIGHTS = ["5'4", "5' 4\"", "5\u20194\u201d", "5 ft 4", "5 feet 4 inches", "5'4\"", "5\u20324\u2033", "5 ft 4 in",
           "5 foot 4"]
SUBJECTS = ["I'm", "I am"]
WEIGHTS = [" and weigh 210 lbs", ", 205 lbs"]
TAIL = (", I have high blood pressure and I've been doing weight watchers since March. "
        "Will my insurance cover wegovy?")
CASES = list(itertools.product(HEIGHTS, SUBJECTS, WEIGHTS))


def _age(runtime: Runtime, text: str) -> object:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    age = u.case.get("patient", {}).get("age")
    return age["value"] if isinstance(age, dict) else age


@pytest.mark.parametrize(("height", "subject", "weight"), CASES)
def test_a_height_is_not_the_age(runtime: Runtime, height: str, subject: str, weight: str) -> None:
    text = f"{subject} {height}{weight}{TAIL}"
    assert _age(runtime, text) is None
    d = answer(text, runtime, as_of=AS_OF).determination
    assert d is not None
    if "\u2032" in height:  # prime marks: the height itself is not read (the BMI is asked), never an age
        assert d.determination == "insufficient_information"
    else:  # BMI 35-36, hypertension, 8 months of WW at least
        assert d.determination == "meets_criteria"


@pytest.mark.parametrize("height", HEIGHTS)
def test_a_relative_height_is_not_the_age(runtime: Runtime, height: str) -> None:
    assert _age(runtime, f"My daughter is {height} and 190 lbs, she has high blood pressure. Will Wegovy be covered?") is None


@pytest.mark.parametrize("text", [
    "I'm 45, 5'4 and 210 lbs, I have high blood pressure. Will my insurance cover wegovy?",
    "I am 45 years old and 5'4. I have high blood pressure. Can I get Wegovy?",
    "My mom is 84 and has MDS, will Procrit be covered?",
])
def test_a_stated_age_stays(runtime: Runtime, text: str) -> None:
    assert _age(runtime, text) in (45.0, 84.0)
