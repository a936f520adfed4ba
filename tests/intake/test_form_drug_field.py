"""A payer form names the drug asked about in a field ("Drug req: REBLOZYL", "Requested drug: Leqvio", "Drug:
evolocumab"), after another pack drug named as history (held-out round 6 w07: "Prior ESA: Retacrit 12 wk, NR |
... | Drug req: REBLOZYL" was answered for epoetin alfa, a confident 'does not meet' for the wrong drug).
Table-driven: the field's label x the pair (a drug named earlier, the drug the field asks for) across the packs.
Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
LABELS = ["Drug req: {d}", "Drug requested: {d}", "Requested drug: {d}", "Medication requested: {d}", "Drug: {d}",
          "Req. medication: {d}", "Product requested - {d}"]
PAIRS = [  # (the form before the field, the drug asked for, its policy)
    ("PA form | Dx: MDS-RS | IPSS-R low | Prior ESA: Retacrit 12 wk | Hgb 7.6 | ", "REBLOZYL", "luspatercept-mds"),
    ("PA form | MDS | prior Procrit | EPO 700 | ", "Rytelo", "imetelstat-mds"),
    ("PA | ASCVD | Repatha tried 2025, stopped | LDL 90 | ", "Leqvio", "inclisiran-leqvio"),
    ("PA | T2DM | Ozempic stopped 2024 | BMI 36 | ", "Zepbound", "tirzepatide-zepbound"),
]


@pytest.mark.parametrize(("label", "pair"), list(itertools.product(LABELS, PAIRS)))
def test_the_field_names_the_drug_asked_about(runtime: Runtime, label: str, pair: tuple[str, str, str]) -> None:
    lead, drug, policy = pair
    a = answer(lead + label.format(d=drug), runtime, as_of=AS_OF)
    assert a.policy is not None and a.policy.id == policy, (lead + label.format(d=drug), a.policy and a.policy.id)
