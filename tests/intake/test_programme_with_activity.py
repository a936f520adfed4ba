"""A diet programme with its activity said between it and its start (held-out round 9 t9-gn01): "dietitian-supervised
reduced-calorie diet + walking 30 min 5x/wk since 04/2026" was not read (the activity stood between the diet and
"since"), so the programme was asked. Written before the change (helper text9): 3 diets x 6 activities x 2 starts."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DIETS = ["dietitian-supervised reduced-calorie diet", "low calorie diet", "reduced-calorie diet"]
ACTIVITIES = [" + walking 30 min 5x/wk", " and daily walking", ", gym 3x/wk", " & swimming twice weekly",
              " + exercise 150 min/wk", " / strength training"]
STARTS = [("04/2026", 8.18), ("January 2026", 11.14)]


@pytest.mark.parametrize(("diet", "activity", "start"), list(itertools.product(DIETS, ACTIVITIES, STARTS)))
def test_the_programme_start(runtime: Runtime, diet: str, activity: str, start: tuple) -> None:
    text = f"Wegovy, BMI 37, HTN. Lifestyle: {diet}{activity} since {start[0]}."
    got = understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"].get("lifestyle_program_months")
    assert got is not None and abs(got["value"] - start[1]) < 0.1


def test_a_negated_programme_stays_unread(runtime: Runtime) -> None:
    text = "Wegovy, BMI 37, HTN. No reduced-calorie diet + walking since 04/2026."
    assert understand(text, runtime.catalog, runtime.dictionary, AS_OF).case["facts"].get("lifestyle_program_months") is None
