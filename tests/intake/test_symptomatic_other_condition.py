""""symptomatic" is read as symptomatic anemia only when it is about the anemia (or the patient as a whole): an
adjective of another condition -- "symptomatic peripheral artery disease", "symptomatic carotid stenosis",
"asymptomatic bradycardia" -- says nothing about the anemia (the ESAs' symptomatic_anemia criterion and lenalidomide
read ``anemia_symptomatic``). Found by the lead on 2026-12-07 ("symptomatic PAD" in an LDL question gave
anemia_symptomatic yes). The ESA question below is otherwise complete (lower-risk MDS, EPO <= 500, never an ESA),
so a misread turns an answer that must ask into a confident "meets"."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
BASE = ("Procrit for a 74 year old man with lower-risk MDS (IPSS-R low), no del(5q), Hb 9.2 g/dL on 11/30/2026, "
        "serum EPO 120 mU/mL, never had an ESA, no transfusions. {said}.")

OTHER = [  # another condition's adjective: nothing about the anemia
    "History of symptomatic peripheral artery disease",
    "Symptomatic carotid stenosis s/p endarterectomy",
    "PMH: symptomatic PAD with claudication",
    "He had symptomatic bradycardia requiring a pacemaker in 2020",
    "Known symptomatic gallstones",
    "Symptomatic hypotension on lisinopril, since stopped",
    "Treated for symptomatic COVID-19 in 2022",
    "Symptomatic aortic stenosis, followed by cardiology",
    "Also has asymptomatic carotid disease",
    "Asymptomatic bacteriuria last month",
]
ANEMIA = [  # about the anemia or the patient: read as before
    "He is symptomatic",
    "Symptomatic anemia",
    "Symptomatic with fatigue and dyspnea on exertion",
    "Patient remains symptomatic despite iron",
    "Symptomatic from his anemia",
    "Symptomatic, Hb as above",
    "Symptomatic patient",
    "Symptomatic w/ fatigue",
    "Anemia remains symptomatic; Hb 9.2",
]


@pytest.mark.parametrize("said", OTHER)
def test_symptomatic_other_condition_is_not_anemia(runtime: Runtime, said: str) -> None:
    d = answer(BASE.format(said=said), runtime, as_of=AS_OF).determination
    assert d is not None
    got = d.fact_set["anemia_symptomatic"].value if "anemia_symptomatic" in d.fact_set else None
    assert got is None, f"{said!r} gave anemia_symptomatic {got}"
    assert d.determination != "meets_criteria"


@pytest.mark.parametrize("said", ANEMIA)
def test_symptomatic_anemia_is_read(runtime: Runtime, said: str) -> None:
    d = answer(BASE.format(said=said), runtime, as_of=AS_OF).determination
    assert d is not None
    assert d.fact_set["anemia_symptomatic"].value is True
    assert d.determination == "meets_criteria"
