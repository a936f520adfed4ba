"""A GLP-1 renewal's weights as forms and notes write them (held-out round 7 y11, y12, y19, y24, xn09): "start wt
248 lb (03/2026), current wt 229 lb", "baseline 102.0 kg prior to semaglutide, today 97.0 kg", "wt 270 -> 241 lb
since start" (the unit once, after the second), "started at 285 lbs in April, now 262" (the unit once, after the
first), "Weight at start (05/04/2026): 118.2 kg. Today: 109.0 kg." At first contact none gave the weight loss, so
each renewal was asked. Written before the change (helper text7): 5 forms x 2 units x 2 drugs x 2 losses (one
above the policy's 5 %, one just below it: 4.9 %), the loss read by the weight_change calculator."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
FORMS = [
    "{drug} continuation - start wt {b} {u} (03/2026), current wt {w} {u}, on {dose} maintenance, continues lifestyle program.",
    "{drug} re-auth: baseline {b} {u} prior to {generic}, today {w} {u}, on {dose} (maintenance), still in diet program.",
    "{drug} renewal: wt {b} -> {w} {u} since start, on {dose} maintenance, still following the diet plan.",
    "{drug} re-auth: started at {b} {u} in April, now {w}, on {dose} (maintenance), still on the diet plan.",
    "{drug} renewal. Weight at start (05/04/2026): {b} {u}. Today: {w} {u}. On {dose} weekly (maintenance). Continues diet program.",
]
DRUGS = [("Wegovy", "semaglutide", "2.4 mg"), ("Zepbound", "tirzepatide", "15 mg")]
# (baseline, now, unit, loss %)
PAIRS = [("248", "229", "lb", 7.66), ("102.0", "97.0", "kg", 4.90), ("118.2", "109.0", "kg", 7.78), ("250", "238", "lb", 4.80)]


@pytest.mark.parametrize(("form", "drug", "pair"), list(itertools.product(FORMS, DRUGS, PAIRS)))
def test_the_weights_give_the_loss(runtime: Runtime, form: str, drug: tuple[str, str, str], pair: tuple) -> None:
    name, generic, dose = drug
    b, w, u, pct = pair
    text = form.format(drug=name, generic=generic, dose=dose, b=b, w=w, u=u)
    d = answer(text + " No history of MI, stroke or PAD.", runtime, as_of=AS_OF).determination
    assert d is not None
    assert abs(float(d.fact_set["weight_loss_pct"].value) - pct) < 0.06


@pytest.mark.parametrize("text", ["Wegovy renewal: wt 248 -> 229 lb, on 2.4 mg maintenance.",
                                  "Wegovy: weight 102.0 kg, today 97.0 kg on the clinic scale."])
def test_two_weights_without_a_start_are_not_a_baseline(runtime: Runtime, text: str) -> None:
    from mednec.intake.question import understand
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    assert "weight_baseline" not in u.case["facts"]
