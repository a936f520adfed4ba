"""A renewal that says the patient has been transfusion-free since a date, without the transfusions before the
treatment (held-out round 6 w04: "Began Revlimid 10 mg in March 2026. Transfusion-independent since May"): the
empty record was read as a patient never transfused, so there was no fall from a dependent burden -- a confident
wrong 'does not meet' for the lenalidomide renewal. A transfusion-free window says nothing of the 16 weeks before
the treatment: the fall is asked (or, with the pre-treatment count said, computed), never denied for want of it.
Table-driven: the drug x the way the free window is said x the treatment's start. Held out: written before the
change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Revlimid", "lenalidomide", "del(5q) MDS, IPSS low"), ("Reblozyl", "luspatercept", "MDS-RS, IPSS-R low"),
         ("Rytelo", "imetelstat", "MDS, IPSS-R low, no del(5q)")]
FREE = ["transfusion-independent since May", "no transfusions since 5/2/2026", "has not needed blood since May 2026",
        "no PRBC since 05/02/2026", "none in the past 6 months", "transfusion free since the beginning of May"]
STARTS = ["started {g} in March 2026", "on {b} since 03/2026", "first dose of {b} 3/10/2026"]
ITEMS = list(itertools.product(DRUGS, FREE, STARTS))


@pytest.mark.parametrize(("drug", "free", "start"), ITEMS)
def test_a_free_window_without_the_earlier_burden_is_never_a_denial(runtime: Runtime, drug: tuple[str, str, str],
                                                                     free: str, start: str) -> None:
    brand, generic, dx = drug
    q = f"{brand} renewal for {dx}: {start.format(g=generic, b=brand)}; {free}. Hb 10.9."
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    assert a.determination.determination != "does_not_meet_criteria", (q, a.determination.determination)
    fv = a.determination.fact_set.get("transfusion_burden_reduced")
    assert fv is None or fv.value is not False, (q, fv.value)
