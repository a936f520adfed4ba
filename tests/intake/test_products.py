"""One ingredient, several products (vocabulary.yaml ``products``): the product is read from a dose only it
has, else the one product whose indication the text states; neither or several and the answer asks which
(held-out round 2, family "product"; h02)."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


@pytest.mark.parametrize(("text", "policy"), [
    ("semaglutide 2.4 mg weekly, BMI 33", "semaglutide-wegovy"),  # a dose only Wegovy has
    ("semaglutide 2 mg weekly, A1c 8", "semaglutide-ozempic"),  # a dose only Ozempic has
    ("semaglutide 1 mg weekly for type 2 diabetes", "semaglutide-ozempic"),  # 1 mg is both: the indication
    ("semaglutide for chronic weight management, BMI 38", "semaglutide-wegovy"),
    ("tirzepatide for weight loss, BMI 36", "tirzepatide-zepbound"),
    ("tirzepatide 5 mg for T2DM", "tirzepatide-mounjaro"),
    ("tirzepatide for obstructive sleep apnea, AHI 30, BMI 35", "tirzepatide-zepbound"),
    ("liraglutide 3 mg daily, BMI 31", "liraglutide-saxenda"),
    ("liraglutide 1.8 mg for type 2 diabetes", "liraglutide-victoza"),
    ("Mounjaro for a patient with T2D; can we use tirzepatide?", "tirzepatide-mounjaro"),  # the brand named
])
def test_the_product_is_read_from_dose_or_indication(runtime: Runtime, text: str, policy: str) -> None:
    a = answer(text, runtime, as_of=AS_OF)
    assert a.policy is not None and a.policy.id == policy


@pytest.mark.parametrize("text", [
    "Is semaglutide medically necessary for a 55-year-old with BMI 32?",  # neither dose nor indication
    "tirzepatide 10 mg, BMI 34",  # a dose both products have
    "liraglutide for weight loss in a patient with type 2 diabetes, BMI 33",  # both indications
])
def test_an_undecided_product_is_asked_not_guessed(runtime: Runtime, text: str) -> None:
    a = answer(text, runtime, as_of=AS_OF)
    assert a.policy is None and a.kind == "choose_drug"
    assert any(d.how == "ambiguous" for d in a.understood.drugs)
