"""A renewal's course start said in words, for the five MDS drugs (held-out renew8: w02 "on it since June", w03 "C1D1
06/12/2026", w04 "First dose 04/20/2026", w10 "Luspatercept started 5/2026", w11 "luspatercept x 20 wks", w14 "first
infusion 03/02/2026", w19/w39 "3 months in", w32 "started 12 weeks ago"; round 7 x20 "started 6/2026" after a request
naming Reblozyl). The continuation criteria count the transfusions before and after the first dose, so the start is
the requested drug's ``treatment_start``; a start the words do not give ("started a while ago") or that is another
drug's is asked, never guessed. Table-driven: start phrasings x drugs; written before the change (first contact in
the commit)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
# brand, generic, a dose as a renewal states it, the policy
DRUGS = [("Reblozyl", "luspatercept", "1 mg/kg", "luspatercept-mds"), ("Rytelo", "imetelstat", "7.1 mg/kg", "imetelstat-mds"),
         ("Revlimid", "lenalidomide", "10 mg", "lenalidomide-mds"), ("Procrit", "epoetin alfa", "40,000 units weekly", "epoetin-alfa-mds"),
         ("Aranesp", "darbepoetin", "300 mcg q2w", "darbepoetin-alfa-mds")]
# the phrase, the start it gives (a month alone is its first day; a duration counts back from the evaluation date)
STARTS = [
    ("{b} started in June 2026", dt.date(2026, 6, 1)),
    ("started {g} {dose} 5/2026", dt.date(2026, 5, 1)),
    ("started 6/2026 at {dose}", dt.date(2026, 6, 1)),
    ("C1D1 06/12/2026", dt.date(2026, 6, 12)),
    ("first dose 04/20/2026", dt.date(2026, 4, 20)),
    ("first infusion 03/02/2026", dt.date(2026, 3, 2)),
    ("on it since June", dt.date(2026, 6, 1)),
    ("on {b} since September", dt.date(2026, 9, 1)),
    ("{g} x 20 wks", AS_OF - dt.timedelta(weeks=20)),
    ("about 3 months in", AS_OF - dt.timedelta(days=91)),
    ("began {g} 6 months ago", AS_OF - dt.timedelta(days=183)),
    ("started 12 weeks ago", AS_OF - dt.timedelta(weeks=12)),
]
UNKNOWN = ["started a while ago", "start date not in this chart", "on it for a while"]


@pytest.mark.parametrize(("drug", "start"), list(itertools.product(DRUGS, STARTS)))
def test_a_stated_start_is_the_course_start(runtime: Runtime, drug: tuple[str, str, str, str], start: tuple[str, dt.date]) -> None:
    b, g, dose, policy = drug
    said, want = start
    q = f"{b} renewal for lower-risk MDS: {said.format(b=b, g=g, dose=dose)}. Hb 9.4 now."
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None and a.policy is not None and a.policy.id == policy, a.message
    fv = a.determination.fact_set.get("treatment_start")
    assert fv is not None, q
    assert abs((fv.value - want).days) <= 3, (q, fv.value)


@pytest.mark.parametrize(("drug", "said"), list(itertools.product(DRUGS, UNKNOWN)))
def test_an_unstated_start_is_asked(runtime: Runtime, drug: tuple[str, str, str, str], said: str) -> None:
    b, _g, _dose, _policy = drug
    q = f"{b} renewal for lower-risk MDS: {said}. Before starting she needed 2 units every 2 weeks; none in the last 12 weeks."
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None
    assert "treatment_start" not in a.determination.fact_set, q
    assert a.determination.determination == "insufficient_information", q


# another drug's start is not the requested drug's ("Rytelo renewal ... Procrit started 06/2026, stopped 09/2026")
OTHERS = [("Rytelo", "imetelstat-mds", "Procrit started 06/01/2026, stopped 09/01/2026 for no response"),
          ("Reblozyl", "luspatercept-mds", "started Aranesp 03/02/2026, lost response in 07/2026"),
          ("Revlimid", "lenalidomide-mds", "C1D1 of azacitidine 04/06/2026")]


@pytest.mark.parametrize(("brand", "policy", "said"), OTHERS)
def test_another_drugs_start_is_not_the_course_start(runtime: Runtime, brand: str, policy: str, said: str) -> None:
    q = f"{brand} renewal for lower-risk MDS: {said}. Hb 9.4 now."
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None and a.policy is not None and a.policy.id == policy
    assert "treatment_start" not in a.determination.fact_set, (q, a.determination.fact_set.get("treatment_start"))
