"""A hemoglobin said with its own date ("Hb 9.1 g/dL on 11/30/2026", "hemoglobin 8.8 (10/15/2026)", "Hgb 9.0 drawn
03/01/2026") carries that date, as the other lab values of a question already did (LDL-C, HbA1c); before, every
such Hb was shown as dated the evaluation day, "from your question" (found by helper sec9's probes, 2026-12-07).
A date after the evaluation date is not taken."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
BASE = "Procrit for a 70 year old man with MDS IPSS-R low, EPO 120, {said}, fatigue, never had an ESA"


@pytest.mark.parametrize(("said", "day"), [
    ("Hb 9.1 g/dL on 11/30/2026", dt.date(2026, 11, 30)),
    ("hemoglobin 9.1 on 2026-03-01", dt.date(2026, 3, 1)),
    ("Hgb 9.1 g/dL drawn 03/01/2026", dt.date(2026, 3, 1)),
    ("Hb 9.1 (10/15/2026)", dt.date(2026, 10, 15)),
    ("Hb 9.1 g/dL on 1 Mar 2026", dt.date(2026, 3, 1)),
])
def test_a_hemoglobins_own_date_is_kept(runtime: Runtime, said: str, day: dt.date) -> None:
    d = answer(BASE.format(said=said), runtime, as_of=AS_OF).determination
    assert d is not None
    hb = d.fact_set["hemoglobin"]
    assert hb.value == 9.1
    assert hb.observed == day


def test_a_date_after_the_evaluation_is_not_taken(runtime: Runtime) -> None:
    d = answer(BASE.format(said="Hb 9.1 g/dL on 12/30/2026"), runtime, as_of=AS_OF).determination
    assert d is not None
    assert d.fact_set["hemoglobin"].observed != dt.date(2026, 12, 30)
