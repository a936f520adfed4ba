"""An MDS renewal that says the transfusion need before the treatment as a rate and the time since as
transfusion-free (held-out round 6 w03, w22, w23; round 5 v21): "Before that she needed 2 units of blood every 2
weeks. She hasn't needed a transfusion since August 1st", "Was needing about 4 units per 8 weeks before
starting", "Before epoetin (started 7/2026) she was transfused 2 units every 3 weeks; since 9/1/2026 none". The
rate was placed in the last 16 weeks (as if the patient were still transfused) or not at all, so the fall was
not seen. Table-driven: the pre-treatment rate's phrasing x the start's phrasing x the free window's phrasing x
the drug; the fall is a clinically meaningful one (transfusion-free for 8 weeks and more, against a dependent
burden before). Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Reblozyl", "MDS-RS, IPSS-R low"), ("Rytelo", "MDS, IPSS-R low, no del(5q)"), ("Revlimid", "del(5q) MDS, IPSS low"),
         ("Retacrit", "MDS, IPSS-R low")]
STARTS = ["on {d} since June 2026", "started {d} 06/01/2026", "{d} started in June 2026"]
PRES = ["Before that she needed 2 units of blood every 2 weeks", "Was needing about 4 units per 8 weeks before starting",
        "Before {d} she was transfused 2 units every 3 weeks", "Prior to treatment she required 2 units every 2 weeks"]
FREES = ["No transfusions since 8/1/2026.", "She hasn't needed a transfusion since August 1st.",
         "Transfusion-independent since 08/01/2026.", "None since 8/1/2026."]
# ("<Drug> started in June 2026" after a request naming the same drug was a strict xfail until helper renew8:
# mednec.intake.text.course_start reads it as the course's start)
ITEMS = list(itertools.product(DRUGS, STARTS, PRES, FREES))


@pytest.mark.parametrize(("drug", "start", "pre", "free"), ITEMS)
def test_a_rate_before_and_a_free_window_since(runtime: Runtime, drug: tuple[str, str], start: str, pre: str, free: str) -> None:
    d, dx = drug
    q = f"{d} renewal for {dx}: {start.format(d=d)}. {pre.format(d=d)}. {free}"
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get("transfusion_burden_reduced")
    assert fv is not None and fv.value is True, (q, fv and fv.value)
