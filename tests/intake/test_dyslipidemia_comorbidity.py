""""dyslipidemia" said in a GLP-1 weight question is the weight-related comorbidity the Wegovy and Zepbound
policies read (fact ``dyslipidemia``, weight_related_comorbidity any_of ... {fact: dyslipidemia, is: true}), not
only the E78.5 diagnosis the LDL pack's vocabulary gives the word (held-out round 3 r29, GLP-1 notes hn12). BMI
27-29.9 with a comorbidity and a lifestyle programme meets; without any comorbidity it does not. Only the fact's
own names are read ("hyperlipidemia" is left to the diagnosis)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Wegovy", "semaglutide-wegovy"), ("Zepbound", "tirzepatide-zepbound")]
SAID = ["dyslipidemia", "dyslipidemia on atorvastatin", "Dyslipidaemia", "hx of dyslipidemia", "known dyslipidemia, on a statin",
        "PMH dyslipidemia", "has dyslipidemia"]


@pytest.mark.parametrize(("drug", "said"), list(itertools.product(DRUGS, SAID)))
def test_dyslipidemia_is_the_comorbidity(runtime: Runtime, drug: tuple[str, str], said: str) -> None:
    a = answer(f"{drug[0]} for 38M, BMI 27.5, {said}, completed a 4-month diet program", runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None and a.policy is not None and a.policy.id == drug[1]
    assert d.fact_set["dyslipidemia"].value is True
    assert d.determination == "meets_criteria"


@pytest.mark.parametrize("drug", DRUGS)
def test_denied_dyslipidemia_is_no_comorbidity(runtime: Runtime, drug: tuple[str, str]) -> None:
    a = answer(f"{drug[0]} for 38M, BMI 27.5, denies dyslipidemia. Completed a 4-month diet program", runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert "dyslipidemia" not in d.fact_set or d.fact_set["dyslipidemia"].value is not True
    assert d.determination != "meets_criteria"
