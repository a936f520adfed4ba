"""A renewal's transfusions before and since the treatment, said in words (held-out round 3 family "renewal
words", known since the MDS held-out set: "before starting she needed 8 units in 16 weeks" was placed in the
last 16 weeks, so the pre-treatment count and the fall were not computed and the answer asked; "in the last 16
weeks still 10 units" was not read). The pre-treatment count is placed before the start the text gives; when
the text says nothing of the transfusions since the start, it is not placed (asked, never a "response").
Table-driven: pre-treatment wordings x on-treatment wordings x start wordings."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
STARTS = ["Reblozyl renewal: started luspatercept 06/2026.", "Reblozyl re-authorization. Luspatercept started 06/10/2026.",
          "Reblozyl renewal - on luspatercept since 06/10/2026."]
BEFORE = ["Before starting she needed 8 units in 16 weeks.", "She needed 8 units in the 16 weeks before the first dose.",
          "Pre-treatment transfusion burden: 8 units per 16 weeks.", "Transfusions before treatment: 8 units in 16 weeks.",
          "Before luspatercept, 8 units over 16 weeks."]
SINCE = [("In the last 16 weeks only 2 units.", True), ("In the last 16 weeks she still needed 8 units.", False),
         ("Transfusion-free since starting.", True), ("In the past 16 weeks, 7 units.", False)]
TAIL = " Hb 9.1."


@pytest.mark.parametrize(("start", "before", "since"), list(itertools.product(STARTS, BEFORE, SINCE)))
def test_pre_treatment_count_in_words(runtime: Runtime, start: str, before: str, since: tuple[str, bool]) -> None:
    a = answer(f"{start} {before} {since[0]}{TAIL}", runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert d.fact_set["rbc_units_16w_pretreatment"].value == 8
    assert d.fact_set["transfusion_burden_reduced"].value is since[1]
    # no fall: the titration window (doses at 1.75 mg/kg) decides between asking and "does not meet"
    assert (d.determination == "meets_criteria") is since[1]


@pytest.mark.parametrize(("start", "before"), list(itertools.product(STARTS, BEFORE)))
def test_nothing_said_since_the_start_is_asked(runtime: Runtime, start: str, before: str) -> None:
    a = answer(f"{start} {before}{TAIL}", runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.determination == "insufficient_information"
