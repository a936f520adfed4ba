"""A lifestyle programme said with its start date or as a 'weight program' (held-out round 3: "enrolled in
WeightWatchers with a registered dietitian since 01/2026" and "Did a 6-month weight program" were not read,
so the Wegovy answers asked for the programme). Table-driven: programme names x date shapes."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
PROGRAMMES = ["WeightWatchers", "Weight Watchers", "Noom", "a diet and exercise program", "a supervised weight loss program",
              "a structured lifestyle program with a dietitian"]
SINCE = [("since 06/2026", 6.18), ("since June 2026", 6.18), ("since 2026-06-01", 6.18), ("since 06/01/2026", 6.18)]
LEAD = ["Enrolled in {p} {s}.", "In {p} {s}.", "Has followed {p} {s}."]


@pytest.mark.parametrize(("p", "since", "lead"), list(itertools.product(PROGRAMMES, SINCE, LEAD)))
def test_programme_since_a_date(runtime: Runtime, p: str, since: tuple[str, float], lead: str) -> None:
    text = "Wegovy, BMI 33. " + lead.format(p=p, s=since[0])
    facts = {f.fact: f.value for f in understand(text, runtime.catalog, runtime.dictionary, AS_OF).facts}
    assert facts.get("lifestyle_program_months") == pytest.approx(since[1], abs=0.05)


@pytest.mark.parametrize("text", ["Did a 6-month weight program.", "Completed a 6 month weight program", "6 months of a weight program"])
def test_weight_program(runtime: Runtime, text: str) -> None:
    facts = {f.fact: f.value for f in understand("Wegovy, BMI 33. " + text, runtime.catalog, runtime.dictionary, AS_OF).facts}
    assert facts.get("lifestyle_program_months") == 6
