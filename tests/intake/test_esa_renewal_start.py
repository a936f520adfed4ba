"""An ESA renewal's course start said without a treatment verb tied to the drug (held-out round 3 r05, r20,
r21: "on epoetin since 09/08/2026", "Aranesp renewal - started 08/2026"): the start of the requested ESA's
course is the start the continuation criteria read (``treatment_start``, the pack's course start), so the
hemoglobin rise over the pre-treatment value and the fall in transfusions are computed. Expected values
reasoned from the ESA policies' continuation criterion esa_response: a rise >= 1.5 g/dL, or a clinically
meaningful fall in transfusions (>= one-third fewer units per 16 weeks than in the 16 weeks before)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Procrit", "epoetin", "epoetin-alfa-mds"), ("Aranesp", "darbepoetin", "darbepoetin-alfa-mds"),
         ("Retacrit", "epoetin alfa", "epoetin-alfa-mds")]
STARTS = ["{b} re-authorization: on {g} since 09/08/2026,", "{b} renewal - started 09/2026,", "{b} renewal: on {b} since 09/08/2026.",
          "{b} renewal; {b} started 09/08/2026.", "{b} continuation: started {g} 09/08/2026.", "Renewal of {b}; {b} since 09/08/2026.", "{b} reauth - {g} since 9/8/2026."]
RISE = [(" pre-treatment Hgb 8.0, now 9.7.", 1.7, "meets_criteria"),
        (" baseline hemoglobin 8.3 g/dL, latest 9.5 g/dL; needed 4 units in the 16 weeks before starting and still 4 units "
         "in the last 16 weeks.", 1.2, "does_not_meet_criteria")]


@pytest.mark.parametrize(("drug", "start", "rise"), list(itertools.product(DRUGS, STARTS, RISE)))
def test_renewal_start_of_the_requested_esa(runtime: Runtime, drug: tuple[str, str, str], start: str,
                                             rise: tuple[str, float, str]) -> None:
    brand, generic, policy = drug
    a = answer(start.format(b=brand, g=generic) + rise[0], runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None and a.policy is not None and a.policy.id == policy
    assert d.fact_set["treatment_start"].value in (dt.date(2026, 9, 8), dt.date(2026, 9, 1))
    assert d.fact_set["hemoglobin_rise"].value == pytest.approx(rise[1])
    assert d.determination == rise[2]


@pytest.mark.parametrize("drug", DRUGS)
def test_another_esa_since_is_not_the_requested_course(runtime: Runtime, drug: tuple[str, str, str]) -> None:
    """Only the requested drug's course: "on Aranesp since ..." says nothing of a Procrit renewal's start."""
    brand, _, _ = drug
    other = "Aranesp" if brand != "Aranesp" else "Procrit"
    a = answer(f"{brand} renewal: on {other} since 09/08/2026, pre-treatment Hgb 8.0, now 9.7.", runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None
    assert "treatment_start" not in d.fact_set or d.fact_set["treatment_start"].value is None
    assert d.determination != "meets_criteria"
