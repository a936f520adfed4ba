"""Family test (held-out round 4, fn04, fn11): a patient with several diagnoses. The case keeps one
diagnosis, and the one the words named last won: "lower-risk MDS ... Other: T2DM on metformin, HTN" was judged
for Revlimid as type 2 diabetes (a confident "does not meet"), and a problem list "Type 2 diabetes (E11.9) /
Hypertension / Hyperlipidemia" kept hyperlipidemia, so Leqvio's diabetes branch was asked. Now the answer keeps
the diagnosis among the requested policy's own conditions when one was stated, and every other diagnosis
stated still gives the condition fact whose code or category it is (type2_diabetes from E11.9)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
MDS = ["MDS", "MDS-RS", "lower-risk MDS", "myelodysplastic syndrome"]
OTHER = ["T2DM on metformin", "type 2 diabetes", "hypertension", "hyperlipidemia", "obesity", "E11.9"]
DRUGS = [("Revlimid", "del(5q) isolated, 4 units in 8 weeks, ANC 1.1, plt 90"),
         ("Procrit", "Hb 8.9, EPO 120, fatigue, no prior ESA"),
         ("Reblozyl", "ESA-naive, EPO 120, 2 units in 8 weeks, Hb 8.1, no del(5q)")]


@pytest.mark.parametrize(("mds", "other", "drug", "rest", "order"),
                         [(m, o, d, r, order) for m, o, (d, r), order in itertools.product(MDS, OTHER, DRUGS, (0, 1))])
def test_the_policys_own_diagnosis_is_kept(runtime: Runtime, mds: str, other: str, drug: str, rest: str, order: int) -> None:
    parts = [f"{mds}, IPSS-R low, {rest}.", f"Other problems: {other}."]
    q = f"{drug} request. " + " ".join(parts if order == 0 else parts[::-1])
    a = answer(q, runtime, as_of=AS_OF)
    assert a.determination is not None
    assert str(a.determination.fact_set["diagnosis"].value).startswith("D46")


@pytest.mark.parametrize(("lines", "drug"), [
    (lines, drug) for lines, drug in itertools.product(
        ["Problem list:\n - Type 2 diabetes (E11.9), on metformin\n - Hypertension\n - Hyperlipidemia\n",
         "Problem list:\n  E78.5 Hyperlipidemia\n  E11.9 Type 2 diabetes mellitus\n",
         "PMH: hyperlipidemia, T2DM, HTN.\n", "Dx: mixed hyperlipidemia; type 2 diabetes\n"],
        ["Leqvio", "Nexletol"])])
def test_a_second_diagnosis_gives_its_condition_fact(runtime: Runtime, lines: str, drug: str) -> None:
    note = ("Preventive cardiology 11/12/2026\n59 y/o F\n" + lines +
            "No hx of MI, stroke, TIA or PAD. Rosuvastatin 40 mg daily since 2023; ezetimibe 10 mg daily since 05/2026.\n"
            "LDL-C 112 mg/dL (11/05/2026).\n")
    a = answer(f"Is {drug} medically necessary?", runtime, as_of=AS_OF, note=note, note_name="dx.txt")
    assert a.determination is not None
    facts = a.determination.fact_set
    t2d = facts.get("type2_diabetes")
    assert (t2d is not None and t2d.value is True) or str(facts["diagnosis"].value).startswith("E11")
    assert a.determination.determination == "meets_criteria"
