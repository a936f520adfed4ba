"""A lifestyle programme's length as payer forms and quick notes write it (held-out round 6 w39, w42, w47, wn16):
"WW program for 4 months", "diet program 5 months", "Lifestyle: 6 mo (PCP-supervised)", "Lifestyle: enrolled in WW
07/2026 - present" were not read, so the programme was asked (and Aetna's 6 months never weighed). Table-driven:
the programme's name x the way the length is attached. A length said as "ago" is no length.
Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
NAMES = ["WW program", "Noom program", "Weight Watchers plan", "diet program", "lifestyle program", "Lifestyle",
         "Lifestyle modification", "Diet/exercise program"]
FORMS = ["{p} for {n} months", "{p} {n} months", "{p}: {n} mo", "{p} x {n} months", "{p}: {n} months (PCP-supervised)"]
MONTHS = [4, 6]
ITEMS = list(itertools.product(NAMES, FORMS, MONTHS))


@pytest.mark.parametrize(("name", "form", "n"), ITEMS)
def test_the_programme_length(runtime: Runtime, name: str, form: str, n: int) -> None:
    q = f"Wegovy PA | 47F | BMI 35 | {form.format(p=name, n=n)} | no MTC"
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get("lifestyle_program_months")
    assert fv is not None and abs(float(fv.value) - n) < 0.01, (q, fv and fv.value)


@pytest.mark.parametrize("q", ["Wegovy PA | BMI 35 | Lifestyle: enrolled in WW 06/2026 - present",
                               "Wegovy for BMI 35: WW program from 06/2026 to present"])
def test_a_programme_from_a_date_to_present(runtime: Runtime, q: str) -> None:
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get("lifestyle_program_months")
    assert fv is not None and 5.0 <= float(fv.value) <= 6.5, (q, fv and fv.value)


@pytest.mark.parametrize("q", ["Wegovy PA | BMI 35 | diet program 6 months ago, stopped"])
def test_ago_is_no_length(runtime: Runtime, q: str) -> None:
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None
    fv = a.determination.fact_set.get("lifestyle_program_months")
    assert fv is None or float(fv.value) != 6.0, fv.value
