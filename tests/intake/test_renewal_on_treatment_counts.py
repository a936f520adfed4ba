"""A renewal's transfusions on treatment, counted and dated in words without a word for blood (held-out renew8 rw23
"last 16 weeks 5 units (2u 9/3, 1u 10/15, 2u 11/25/2026)", rw40 "Since then 4 units (2u 10/20/2026, ...)", rw09
"Only 2 units since starting, on 11/20/2026"). The dated units were not read, and the pre-treatment count alone was
taken for the whole record: a patient transfusion-free on treatment, a confident 'meets' (rw23). They are read now,
and a pre-treatment count whose on-treatment record is said but not read leaves the record to be asked. Table-driven:
on-treatment phrasings x drugs; written before the change (first contact in the commit)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Reblozyl", "luspatercept"), ("Rytelo", "imetelstat"), ("Revlimid", "lenalidomide"), ("Procrit", "epoetin alfa"),
         ("Aranesp", "darbepoetin")]
# said of the time on treatment; whether it is a clinically meaningful fall against 6 units per 16 weeks before
ON = [("Last 16 weeks 5 units (2u 9/3, 1u 10/15, 2u 11/25/2026)", False),
      ("Since then 5 units (2u 9/3/2026, 1u 10/15/2026, 2u 11/25/2026)", False),
      ("Only 2 units since starting, on 11/20/2026", True),
      ("Since starting: 2u 11/20/2026", True),
      ("Last 16 weeks 4 units (2u 9/10/2026, 2u 11/19/2026)", True),
      # held-out renew8 rw26 and rw20 (added with the second change: asked, not read, before it)
      ("Since starting she has needed only 2 units in total, the last on 11/20/2026", True),
      ("On treatment, last 16 weeks: 4 units", True), ("Last 16 weeks: 5 units", False),
      # round 7 x20: the dates without a year (added with their change: the pre-treatment count was not placed)
      ("Last 16 wks: 5 units (2u 9/3, 1u 10/15, 2u 11/25)", False), ("Last 16 wks: 4 units (2u 9/10, 2u 11/19)", True)]
UNREAD = ["Since then a few units here and there", "On treatment still some units now and then"]


@pytest.mark.parametrize(("drug", "said"), list(itertools.product(DRUGS, ON)))
def test_units_on_treatment_in_words(runtime: Runtime, drug: tuple[str, str], said: tuple[str, bool]) -> None:
    b, g = drug
    text, reduced = said
    q = f"{b} renewal for lower-risk MDS: started {g} 05/01/2026. Pre-treatment 6 units/16 wk. {text}."
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get("transfusion_burden_reduced")
    assert fv is not None and fv.value is reduced, (q, fv and fv.value)


@pytest.mark.parametrize(("drug", "said"), list(itertools.product(DRUGS, UNREAD)))
def test_an_unread_record_on_treatment_is_no_fall(runtime: Runtime, drug: tuple[str, str], said: str) -> None:
    b, g = drug
    q = f"{b} renewal for lower-risk MDS: started {g} 05/01/2026. Pre-treatment 6 units/16 wk. {said}."
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get("transfusion_burden_reduced")
    assert fv is None or fv.value is not True, (q, fv and fv.value)
