"""A re-authorisation's own facts from the words: the pre-treatment hemoglobin and the start of the
requested drug's course (family from the held-out MDS set: "Renewal of epoetin alfa: started
09/01/2026, Hb 8.1 before starting, Hb 10.0 now" read neither the baseline nor the start, so the
continuation criterion "hemoglobin rose >= 1.5 g/dL" stayed unknown).

Metamorphic: every wording of the baseline and of the start gives the same facts and the same
determination; a hemoglobin said to be from before a transfusion, or a plain "from 8.1 to 10.0",
is no baseline (not every earlier value is the pre-treatment one)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
BASELINE = ["Hb 8.1 before starting", "Hb 8.1 before treatment", "baseline Hb 8.1", "pre-treatment Hgb 8.1",
            "hemoglobin 8.1 g/dL prior to starting therapy", "pretreatment hemoglobin 8.1 g/dL", "Hb 8.1 at baseline"]
NOW = ["Hb {v} now", "Hgb today {v}", "current hemoglobin {v} g/dL"]
DRUGS = [("epoetin alfa", "epoetin-alfa-mds"), ("Procrit", "epoetin-alfa-mds"), ("Aranesp", "darbepoetin-alfa-mds"),
         ("darbepoetin alfa", "darbepoetin-alfa-mds")]
STARTS = ["{drug}: started 09/01/2026", "{drug} started on 2026-09-01", "{drug} started 09/01/2026"]


def _facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {k: fv.value for k, fv in runtime.parse_case(u.case, as_of=AS_OF).facts.items()}


@pytest.mark.parametrize(("base", "now"), list(itertools.product(BASELINE, NOW)))
def test_a_pre_treatment_hemoglobin_is_the_baseline(runtime: Runtime, base: str, now: str) -> None:
    f = _facts(f"Renewal of Procrit: {base}, {now.format(v='10.0')}", runtime)
    assert f.get("hemoglobin_baseline") == 8.1 and f.get("hemoglobin") == 10.0, (base, now, f)


@pytest.mark.parametrize("text", ["Hgb went from 8.1 before treatment to 10.0 now",
                                  "Hb 8.1 before starting epoetin to 10.0 g/dL now", "Hb 8.1 (pre-treatment) -> 10.0"])
def test_two_values_around_the_start(runtime: Runtime, text: str) -> None:
    f = _facts(f"Procrit renewal. {text}", runtime)
    assert (f.get("hemoglobin_baseline"), f.get("hemoglobin")) == (8.1, 10.0), f


@pytest.mark.parametrize("text", ["Hb 8.1 before transfusion, 10.0 after", "Hb rose from 8.1 to 10.0",
                                  "Hb 8.1 before the transfusion"])
def test_not_every_earlier_value_is_the_baseline(runtime: Runtime, text: str) -> None:
    assert "hemoglobin_baseline" not in _facts(f"Procrit renewal. {text}", runtime), text


@pytest.mark.parametrize(("drug", "policy"), DRUGS)
@pytest.mark.parametrize("start", STARTS)
@pytest.mark.parametrize(("now", "want"), [(10.0, "meets_criteria"), (9.8, "insufficient_information")])
def test_the_renewal_is_judged_on_its_own_course(runtime: Runtime, drug: str, policy: str, start: str,
                                                 now: float, want: str) -> None:
    """8.1 -> 10.0 (rise 1.9) meets 'hemoglobin rose >= 1.5'; 8.5 -> 9.8 (rise 1.3) does not, and with
    no transfusion record the other response criterion is asked."""
    base = 8.1 if want == "meets_criteria" else 8.5
    q = f"Renewal of {drug}. {start.format(drug=drug)}, Hb {base} before starting, Hb {now} now"
    a = answer(q, runtime, as_of=AS_OF)
    assert a.policy is not None and a.policy.id == policy, q
    assert a.determination is not None and a.determination.determination == want, (q, a.determination.determination)
    facts = a.determination.fact_set
    assert facts["treatment_start"].value == dt.date(2026, 9, 1), q
