"""MDS renewal words of held-out renew9 (helper renew9), each unread at first contact: a rate "every ~4 weeks" (round
7 x21's family), a rate "both before and since" (the same before the start and on treatment), a hemoglobin "at
start" beside the one now. Generated over the ESAs; the fall or its absence and the rise must follow."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.ask import answer
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()
ESAS = ["Procrit", "Aranesp", "Retacrit"]


def _det(text: str) -> object:
    det = answer(text, RT, as_of=AS_OF).determination
    assert det is not None
    return det


@pytest.mark.parametrize("drug", ESAS)
@pytest.mark.parametrize(("before", "now", "reduced"), [("2 units every ~4 weeks", "1 unit every ~8 weeks", True),
                                                         ("2 units every about 3 weeks", "2 units every about 3 weeks", False),
                                                         ("2 units q ~4 weeks", "none", True)])
def test_an_approximate_rate(drug: str, before: str, now: str, reduced: bool) -> None:
    tail = "no transfusions since starting" if now == "none" else f"now {now}"
    det = _det(f"{drug} re-auth. Started 07/06/2026. Before: {before}; {tail}. Hb 8.5 -> 8.9.")
    got = det.fact_set.get("transfusion_burden_reduced")  # type: ignore[attr-defined]
    assert got is not None and got.value is reduced


@pytest.mark.parametrize("drug", ESAS)
def test_the_same_rate_both_before_and_since(drug: str) -> None:
    det = _det(f"{drug} renewal - started 10/05/2026; 2 units every 3 weeks both before and since. Hb 7.9 at start, 8.0 now.")
    assert det.fact_set.get("transfusion_burden_reduced").value is False  # type: ignore[attr-defined]
    assert det.fact_set.get("hemoglobin_rise").value == pytest.approx(0.1)  # type: ignore[attr-defined]
    assert det.determination == "does_not_meet_criteria"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("said", "rise"), [("Hb 7.9 at start, 9.6 now", 1.7), ("Hgb 8.2 at the start of treatment, 9.0 today", 0.8)])
def test_a_hemoglobin_at_the_start(said: str, rise: float) -> None:
    det = _det(f"Procrit renewal: epoetin started 08/03/2026. {said}.")
    assert det.fact_set.get("hemoglobin_rise").value == pytest.approx(rise)  # type: ignore[attr-defined]
