"""``medication_history``: every prior treatment, read by any drug name or class.

An ESA entry there means the same as the same entry in ``esa_history`` (checked over generated
histories for every policy), drugs are recognised by the pack's names and classes, and
entries of other drugs leave the ESA status alone.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from typing import Any

import pytest

from mednec.errors import CaseFormatError
from mednec.facts.drugs import DrugEntry, DrugVocabulary
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
BASE: dict[str, Any] = {
    "patient": {"birth_date": "1950-03-01", "sex": "female"},
    "facts": {
        "diagnosis": "D46.1", "ipss_r_category": "low", "del5q": False, "hemoglobin": 8.2,
        "serum_epo": 320, "ring_sideroblasts_pct": 20, "immediate_correction_needed": False,
        "anemia_symptomatic": True, "concurrent_esa": False,
        "rbc_transfusions": [{"date": "2026-10-01", "units": 2}, {"date": "2026-11-01", "units": 2}],
    },
}
ESA_NAMES = ["epoetin alfa", "Procrit", "Retacrit", "EPOGEN", "darbepoetin alfa", "Aranesp",
             "epoetin alfa-epbx", "Procrit 40,000 units weekly"]


@pytest.fixture(scope="module")
def rt() -> Runtime:
    return Runtime.load()


def _mds(rt: Runtime) -> Any:
    return next(p for p in rt.catalog.packs if p.id == "mds_anemia")


def _course(rng: random.Random) -> dict[str, Any]:
    start = AS_OF - dt.timedelta(days=rng.randint(20, 400))
    course: dict[str, Any] = {"drug": rng.choice(ESA_NAMES), "start": start.isoformat(),
                              "response": rng.choice(["none", "partial", "response", "lost_response",
                                                      "intolerant", "ongoing"])}
    if rng.random() < 0.7:
        course["end"] = min(AS_OF, start + dt.timedelta(days=rng.randint(14, 120))).isoformat()
    return course


def _evaluate(rt: Runtime, facts: dict[str, Any]) -> dict[str, tuple[str, dict[str, str]]]:
    case = copy.deepcopy(BASE)
    case["facts"].update(facts)
    parsed = rt.parse_case(case, as_of=AS_OF)
    out = {}
    for policy in _mds(rt).policies:  # the ESA equivalence is about the MDS pack's policies
        det = rt.evaluate(parsed.facts, policy)
        # the del(5q) exception reads the whole treatment history ('tried' lenalidomide): a
        # medication_history of ESA courses says lenalidomide was not given (not met), an
        # esa_history says nothing about it (unknown); it is not an ESA criterion
        out[policy.id] = (det.determination, {c.id: c.status.value for c in det.criteria
                                              if c.id != "del5q_after_lenalidomide"})
    return out


@pytest.mark.parametrize("seed", range(3))
def test_esa_entries_mean_the_same_in_either_history(rt: Runtime, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(25):
        courses = [_course(rng) for _ in range(rng.choice([0, 1, 1, 2]))]
        # spec change (issue 13): lenalidomide in the history now means something (the del(5q)
        # exception), so the non-ESA entry is a drug no MDS criterion reads
        other = [{"drug": "azacitidine", "start": "2025-01-01", "end": "2025-06-01", "response": "none"}]
        as_esa = _evaluate(rt, {"esa_history": courses})
        as_meds = _evaluate(rt, {"medication_history": courses + (other if rng.random() < 0.5 else [])})
        split = _evaluate(rt, {"esa_history": courses[:1], "medication_history": courses[1:]})
        assert as_meds == as_esa, courses
        assert split == as_esa, courses


def test_a_history_without_esa_is_esa_naive_and_no_history_is_unknown(rt: Runtime) -> None:
    case = copy.deepcopy(BASE)
    case["facts"]["medication_history"] = [
        {"drug": "Revlimid", "start": "2025-01-01", "end": "2025-05-01", "response": "intolerant"}]
    facts = rt.evaluate(rt.parse_case(case, as_of=AS_OF).facts, "luspatercept").fact_set
    assert facts.value("esa_status") == "naive"
    del case["facts"]["medication_history"]
    assert "esa_status" not in rt.evaluate(rt.parse_case(case, as_of=AS_OF).facts, "luspatercept").fact_set


def test_medication_history_entries_take_the_esa_history_fields_and_more(rt: Runtime) -> None:
    case = copy.deepcopy(BASE)
    case["facts"]["medication_history"] = [
        {"drug": "lenalidomide", "response": "contraindicated"},
        {"drug": "atorvastatin", "start": "2024-01-01", "response": "ongoing", "dose": 80, "dose_unit": "mg",
         "intensity": "high"},
        {"drug": "epoetin alfa", "start": "2026-01-01", "end": "2026-04-01", "response": "none",
         "reason_stopped": "inadequate_response", "dose": 40000, "dose_unit": "IU/week"},
    ]
    facts = rt.parse_case(case, as_of=AS_OF).facts
    assert len(facts["medication_history"].value) == 3
    case["facts"]["medication_history"][0]["reason"] = "x"
    with pytest.raises(CaseFormatError, match="unknown field"):
        rt.parse_case(case, as_of=AS_OF)


def test_the_pack_knows_its_drugs_by_every_name_and_class(rt: Runtime) -> None:
    vocab = _mds(rt).drugs
    for name in ESA_NAMES:
        assert vocab.matches(name, "esa"), name
    assert vocab.generic("REVLIMID") == "lenalidomide"
    assert vocab.matches("Retacrit", "epoetin alfa") and not vocab.matches("Aranesp", "epoetin alfa")
    assert not vocab.matches("lenalidomide", "esa") and vocab.entry("aspirin") is None
    assert set(vocab.members("esa")) == {"epoetin alfa", "darbepoetin alfa"}


def test_vocabulary_merges_entries_and_finds_names_inside_text() -> None:
    v = DrugVocabulary.of([DrugEntry("atorvastatin", ("Lipitor",), ("statin",)),
                           DrugEntry("atorvastatin", ("atorva",), ("high_intensity_capable",)),
                           DrugEntry("ezetimibe", ("Zetia",))])
    assert v.matches("Lipitor 80 mg daily", "statin") and v.matches("atorva", "statin")
    assert v.matches("atorvastatin", "high_intensity_capable") and not v.matches("Zetia", "statin")
    assert v.knows("statin") and not v.knows("fibrate")
    assert v.entry("lipitorx") is None  # a name inside a word is not that name
