"""Renewals said in words (held-out round 6): a GLP-1 renewal's weights ("she weighed 231 lb when she started it
in March; today 209 lb", "lost 30 pounds, from 260 to 230") and an LDL-lowering renewal's LDL-C before the drug
and now ("LDL was 142 before starting Repatha last December; most recent LDL 58", "Baseline LDL-C (before
evolocumab, 10/2025): 128 mg/dL" on its own line) were not read, so the loss and the LDL-C fall were asked.
Table-driven: each phrasing family x values x drugs; the loss or the fall computed from the two values.
Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
WEIGHT_FORMS = [
    "{d} renewal: she weighed {b} {u} when she started it in March; today {w} {u}.",
    "{d} renewal. He weighed {b} {u} when he started {d} in 2025, now {w} {u}.",
    "{d} re-auth: I've lost {l} {u}, from {b} to {w}.",
    "{d} renewal - lost {l} {u} (from {b} to {w}) on treatment.",
]
WEIGHTS = [("260", "230", "lb"), ("104", "98.8", "kg"), ("231", "220", "lb")]
GLP1 = ["Wegovy", "Zepbound"]
LDL_FORMS = [
    "{d} renewal - LDL was {b} before starting {d} last December; most recent LDL {w}.",
    "{d} renewal: LDL-C {b} mg/dL before {d} in 2025, latest LDL-C {w} mg/dL.",
    "{d} re-authorization.\nBaseline LDL-C (before {d}, 10/2025): {b} mg/dL\nLDL-C 11/18/2026: {w} mg/dL",
    "{d} renewal.\nPre-treatment LDL-C: {b}\nCurrent LDL-C (11/2026): {w}",
]
LDLS = [("142", "58"), ("130", "101"), ("171", "119")]
LDL_DRUGS = ["Repatha", "Praluent", "Leqvio"]


@pytest.mark.parametrize(("form", "vals", "drug"), list(itertools.product(WEIGHT_FORMS, WEIGHTS, GLP1)))
def test_glp1_renewal_weights(runtime: Runtime, form: str, vals: tuple[str, str, str], drug: str) -> None:
    b, w, u = vals
    q = form.format(d=drug, b=b, w=w, u=u, l=f"{float(b) - float(w):g}")
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get("weight_loss_pct")
    want = (float(b) - float(w)) / float(b) * 100
    assert fv is not None and abs(float(fv.value) - want) < 0.06, (q, fv and fv.value, want)


@pytest.mark.parametrize(("form", "vals", "drug"), list(itertools.product(LDL_FORMS, LDLS, LDL_DRUGS)))
def test_ldl_renewal_fall(runtime: Runtime, form: str, vals: tuple[str, str], drug: str) -> None:
    b, w = vals
    q = form.format(d=drug, b=b, w=w)
    if "\n" in q:  # a note: the request line first
        from mednec.intake.notes import read_note

        u = read_note(q, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt")
        facts = {k: v for k, v in u.case.get("facts", {}).items()}
        got = (facts.get("ldl_c_pretreatment") or {}).get("value"), (facts.get("ldl_c") or {}).get("value")
        assert got == (float(b), float(w)), (q, got)
        return
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    fv = a.determination.fact_set.get("ldl_reduction_pct")
    want = (float(b) - float(w)) / float(b) * 100
    assert fv is not None and abs(float(fv.value) - want) < 0.06, (q, fv and fv.value, want)
