"""An MDS renewal's pre-treatment rate in prior-auth shorthand (held-out round 7 x19: "started lenalidomide 10 mg
5/2026. Before that 2 units q2wk (about 8 units per 16 weeks). Last transfusion 7/15/2026, none since." -- a
confident 'does not meet': the "q2wk" rate was not read as the pre-treatment one, so it was placed as the
transfusions of the last weeks, on treatment). Written before the change (helper text7): 4 drugs x 4 rate
phrasings ("q2wk", "q 2 wks", "q3w", with and without a bracketed restatement) x 2 ways to say none since; the
renewal is judged on the fall, which a transfusion-free window of 20 weeks meets."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
DRUGS = [("Revlimid", "lenalidomide 10 mg", "lenalidomide-mds", "del(5q) MDS"),
         ("Reblozyl", "luspatercept 1 mg/kg", "luspatercept-mds", "MDS-RS, IPSS-R low"),
         ("Rytelo", "imetelstat", "imetelstat-mds", "LR-MDS"),
         ("Procrit", "epoetin alfa 40,000 units weekly", "epoetin-alfa-mds", "LR-MDS")]
RATES = [("Before that 2 units q2wk", 16), ("Before that 2 units q2wk (about 16 units per 16 weeks)", 16),
         ("Prior to that she needed 2u q 2 wks", 16), ("Before that 3 units q3w", 16)]
SINCE = ["Last transfusion 7/15/2026, none since.", "No transfusion since 7/15/2026."]


def _cases() -> list[object]:
    # (the Reblozyl rows were strict xfails until helper renew8: "started luspatercept 1 mg/kg 5/2026" after a request
    # naming Reblozyl gave no course start; mednec.intake.text.course_start reads it)
    return [pytest.param(drug, rate, since) for drug, rate, since in itertools.product(DRUGS, RATES, SINCE)]


@pytest.mark.parametrize(("drug", "rate", "since"), _cases())
def test_pre_treatment_rate_in_shorthand(runtime: Runtime, drug: tuple[str, str, str, str], rate: tuple[str, int],
                                         since: str) -> None:
    brand, generic, policy, dx = drug
    said, pre = rate
    text = f"{brand} re-auth: {dx}, started {generic} 5/2026. {said}. {since} Hgb 10.2 now."
    a = answer(text, runtime, as_of=AS_OF)
    d = a.determination
    assert d is not None and a.policy is not None and a.policy.id == policy
    assert d.fact_set["transfusion_burden_reduced"].value is True
    assert abs(float(d.fact_set["rbc_units_16w_pretreatment"].value) - pre) <= 2
    assert d.determination != "does_not_meet_criteria"
