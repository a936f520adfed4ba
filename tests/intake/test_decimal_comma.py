"""A decimal comma is a decimal point: "BMI 29,6", "Hb 7,9 g/dL", "LDL 2,6 mmol/L".

Written in much of Europe and in lab printouts, a value with a decimal comma was cut at the comma ("Hb 7,9"
read as 7 g/dL, "BMI 29,6" as 29): a wrong value, and near a threshold a wrong answer ("Hb 11,6" passes
"below 11.5" as 11). A comma followed by one or two digits (and no further digit) is a decimal comma; a
comma followed by three digits stays a thousands separator ("EPO 1,200"), and a list of numbers
("days 1,8,15") is not one number. Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import pytest

from mednec.ask import answer
from mednec.intake.text.numbers import number
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

CASES = [  # (question with {x}, fact, values)
    ("Wegovy for 45F, BMI {x}, hypertension, 6 months of diet and exercise", "bmi", ["29,6", "30,4", "27,1", "35,25"]),
    ("Reblozyl for 72F with MDS, RS 20%, IPSS-R low, Hb {x} g/dL, 4 units in 8 weeks, EPO 120, ESA naive",
     "hemoglobin", ["7,9", "11,6", "8,25", "9,0"]),
    ("Repatha for 60M with prior MI, LDL {x} mmol/L on atorvastatin 80 mg for 6 months", "ldl_c",
     ["2,6", "1,9", "3,15"]),
]
ITEMS = [(q, f, x) for q, f, xs in CASES for x in xs]


def _read(runtime: Runtime, question: str, fact: str) -> object:
    """The value the question gave ``fact`` (None: not read)."""
    a = answer(question, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get(fact)
    return None if fv is None else fv.value


@pytest.mark.parametrize(("question", "fact", "x"), ITEMS, ids=[f"{f}-{x}" for _, f, x in ITEMS])
def test_a_decimal_comma_is_read_as_a_decimal(runtime: Runtime, question: str, fact: str, x: str) -> None:
    value = _read(runtime, question.format(x=x), fact)
    point = _read(runtime, question.format(x=x.replace(",", ".")), fact)  # the same value written with a point
    assert point is not None and value == point, (value, point)


@pytest.mark.parametrize(("text", "want"), [("1,200", 1200.0), ("12,500", 12500.0), ("1,000.5", 1000.5),
                                            ("29,6", 29.6), ("7,95", 7.95), ("4", 4.0), ("four", 4.0)])
def test_number(text: str, want: float) -> None:
    assert number(text) == pytest.approx(want)


@pytest.mark.parametrize("q", [
    "Reblozyl for 72F with MDS, RS 20%, IPSS-R low, Hb 7.9 g/dL, 4 units in 8 weeks, EPO 1,200, ESA naive",
])
def test_a_thousands_separator_stays_one(runtime: Runtime, q: str) -> None:
    value = _read(runtime, q, "serum_epo")
    assert value is not None and float(value) == 1200.0, value

