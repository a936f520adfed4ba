"""A contraindication (or a presumed exclusion) stated with doubt is asked, never answered: the family of
tests/intake/test_doubtful_pregnancy.py beyond pregnancy (mednec's editorial decision of 2026-12-07, "unknown
is not false" and "a presumption is always shown").

The policies presume their exclusions absent when a request is silent -- no MTC or MEN 2, no other GLP-1 or
PCSK9-directed drug taken with the requested one, no ESA with imetelstat, no need for immediate correction of
anemia with luspatercept, no type 1 diabetes with a type 2 drug, sleep apnea not predominantly central --
and show each presumption as a statement the request attests. A stated exclusion does not meet. A DOUBTED
one ("possible MEN 2", "?MTC", "r/o medullary thyroid carcinoma", "family history of thyroid cancer, type
unknown", "may also be on Leqvio", "possibly on a concurrent ESA") is neither: presumed away it is a silent
yes, read as stated it is a confident no. It must leave the criterion unknown and asked, and then it is not
among the presumptions. A doubted step (statin, metformin) or a doubted statin contraindication is no
documentation of it: its criterion stays unknown, never met. Pancreatitis is in no policy (the labels' "not
studied in pancreatitis" is no criterion): doubted or stated, it changes nothing.

Held out: the phrasings are generated (doubt cue x term) and the expected outcomes reasoned from the policy
YAMLs and the facts dictionary, before any rule change; the first contact is in the commit that adds it.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

# doubt cues, each with the place of the term ("{t}")
CUES = ["possible {t}", "? {t}", "?{t}", "suspected {t}", "query {t}", "r/o {t}", "rule out {t}", "cannot rule out {t}",
        "{t} not excluded", "{t} (not confirmed)", "questionable {t}", "may have {t}"]

WEIGHT = "{drug} for chronic weight management: 34F, BMI 36, 6 months of diet and exercise; {s}"
T2D = "{drug} for type 2 diabetes: 58M, on metformin 1000 mg twice daily for 6 months, A1c 8.2%; {s}"
T2D_NO_STEP = "{drug} for type 2 diabetes: 58M, A1c 8.2%; {s}"
# no lifestyle programme: the weight-management pathway is not met, so the sleep apnea pathway decides
OSA = ("Zepbound for obstructive sleep apnea: 50M, BMI 38, AHI 32 on polysomnography, has not started any lifestyle "
       "program; {s}")
ASCVD = "{drug} for ASCVD (prior MI in 2023): on atorvastatin 80 mg daily for 6 months, LDL-C 110 mg/dL last week; {s}"
ASCVD_NO_STEP = "{drug} for ASCVD (prior MI in 2023): LDL-C 110 mg/dL last week; {s}"
RYTELO = ("Rytelo for MDS, IPSS-R low, no del(5q), failed epoetin alfa (8 months, no response, stopped 2026-03), "
          "needs 4 units PRBC every 8 weeks, Hb 7.9, age 70. {s}")
REBLOZYL = ("Reblozyl for MDS, IPSS-R low, no del(5q), ring sideroblasts 20%, failed epoetin alfa (8 months, no "
            "response, stopped 2026-03), needs 2 units PRBC every 8 weeks, Hb 8.1, age 70. {s}")

GLP1_WEIGHT = ["Wegovy", "Zepbound", "Saxenda"]
GLP1_T2D = ["Ozempic", "Mounjaro", "Victoza", "Trulicity"]
# another GLP-1 or GLP-1/GIP agonist than the one requested (another molecule)
OTHER_GLP1 = {"Wegovy": "Mounjaro", "Zepbound": "Ozempic", "Saxenda": "Trulicity", "Ozempic": "Trulicity",
              "Mounjaro": "Victoza", "Victoza": "Ozempic", "Trulicity": "Mounjaro"}
OTHER_PCSK9 = {"Repatha": "Leqvio", "Praluent": "Repatha", "Leqvio": "Praluent"}


def _gen(terms: list[str], cues: list[str] = CUES) -> list[str]:
    return [c.format(t=t) for c, t in itertools.product(cues, terms)]


class Family(NamedTuple):
    name: str
    bases: list[tuple[str, str]]  # (drug, template)
    criterion: str  # the criterion the doubt is about
    doubted: list[str]  # each phrasing, formatted with {other} (another drug of the class)
    stated: list[str]  # stated: the criterion is not met
    presumed: bool  # silent: met on a presumption, shown among the assumptions


def _bases(drugs: list[str], template: str) -> list[tuple[str, str]]:
    return [(d, template) for d in drugs]


MTC_DOUBTED = _gen(["MEN 2", "MTC", "medullary thyroid carcinoma", "MEN2A"]) + [
    "family history of thyroid cancer, type unknown", "mother had thyroid cancer of unknown type",
    "father with thyroid cancer, type not known", "family history of MTC not confirmed",
    "possible family history of MEN 2", "sister with suspected medullary thyroid cancer"]

FAMILIES = [
    Family("mtc_men2", _bases(GLP1_WEIGHT, WEIGHT) + _bases(GLP1_T2D, T2D), "no_mtc_men2", MTC_DOUBTED,
           ["MEN 2", "history of medullary thyroid carcinoma", "mother had MTC"], True),
    Family("concurrent_glp1", _bases(GLP1_WEIGHT, WEIGHT) + _bases(GLP1_T2D, T2D), "no_concurrent_glp1",
           ["may also be on {other}", "possibly also taking {other}", "? also on {other}",
            "unsure whether the patient still takes {other}", "possibly on {other} already"],
           ["to be added on top of {other}"], True),
    Family("type1", _bases(GLP1_T2D, T2D), "not_type1",
           _gen(["type 1 diabetes", "T1DM"], ["possible {t}", "? {t}", "suspected {t}", "cannot rule out {t}",
                                              "{t} not excluded", "query {t}"]),
           [], True),
    Family("central_apnea", [("Zepbound", OSA)], "not_central_apnea",
           _gen(["central sleep apnea", "predominantly central apnea"]), ["predominantly central sleep apnea"], True),
    Family("concurrent_pcsk9", _bases(["Repatha", "Praluent", "Leqvio"], ASCVD), "no_concurrent_pcsk9",
           ["may also be on {other}", "possibly also on {other}", "? also on {other}",
            "unsure whether the patient still takes {other}", "possibly receiving {other} already"],
           ["to be combined with {other}"], True),
    Family("concurrent_esa", [("Rytelo", RYTELO)], "no_concurrent_esa",
           ["Possibly on a concurrent ESA.", "? concurrent ESA.", "Concurrent ESA not excluded.",
            "May continue Aranesp alongside.", "Concurrent epoetin possible.", "Unsure whether an ESA will be given concurrently."],
           ["Concurrent ESA planned."], True),
    Family("immediate_correction", [("Reblozyl", REBLOZYL)], "not_immediate_correction",
           ["May need immediate correction of anemia.", "Possible need for immediate correction of anemia.",
            "? acute bleeding.", "Suspected acute GI bleed.", "Possible active bleeding.", "Acute bleeding not excluded."],
           ["Needs immediate correction of anemia."], True),
    Family("metformin_step", _bases(GLP1_T2D, T2D_NO_STEP), "oral_drug_step",
           ["unsure whether she took metformin", "may have tried metformin", "possibly took metformin in the past",
            "? metformin trial", "metformin trial not confirmed"], [], False),
    Family("statin_step", _bases(["Repatha", "Praluent", "Leqvio"], ASCVD_NO_STEP), "statin_step",
           ["may be on a statin", "unsure whether he takes a statin", "possibly on atorvastatin", "? statin",
            "statin use not confirmed"], [], False),
    Family("statin_contraindicated", [("Nexletol", ASCVD_NO_STEP)], "statin_step",
           ["possible statin contraindication", "statins may be contraindicated", "? statin contraindication",
            "statin contraindication not confirmed"], [], False),
]

# no policy has a pancreatitis criterion: doubted or stated, the answer is the silent one
PANCREATITIS = ["query pancreatitis", "possible pancreatitis", "? pancreatitis", "history of pancreatitis"]


def _answer(runtime: Runtime, text: str) -> tuple[str, dict[str, str], set[str]]:
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    d = a.determination
    return d.determination.value, {c.id: c.status.value for c in d.criteria}, {x.criterion for x in d.assumptions}


def _cases(kind: str) -> list[tuple[str, str, str, str]]:
    """(criterion, drug, the phrasing as the family lists it, the request's text)."""
    out = []
    for f in FAMILIES:
        for (drug, base), s in itertools.product(f.bases, getattr(f, kind)):
            other = OTHER_GLP1.get(drug) or OTHER_PCSK9.get(drug, "")
            out.append((f.criterion, drug, s, base.format(drug=drug, s=s.format(other=other))))
    return out


# still failing, per test kind and criterion: the phrasings as the families list them ("*": all); strict, so a
# fix turns an entry into a failure until it is removed. First contact on 85cea51: 481 of 637 cases; 74 strict
# xfails left before the warning signs of 2026-12-07 (doubt2), none after.
ALL = {"*"}
OPEN: dict[str, dict[str, set[str]]] = {
    # another GLP-1 / PCSK9-directed drug doubted, a doubted type 1 diabetes and a stated PCSK9 combination pass
    # since doubt_drug_to, the type1_diabetes_possible / concurrent_*_possible warning signs and LDL_PCSK9_COMBINED;
    # the three concurrent-ESA phrasings since a cue opening the finding ("may continue"), "possible" closing a
    # clause after it, and "an ESA will be given concurrently" (2026-12-07, tests/intake/test_doubtful_presumptions_heldout.py)
}


def _params(kind: str) -> list[object]:
    out = []
    for c, d, s, t in _cases(kind):
        still = OPEN.get(kind, {}).get(c, set())
        marks = [pytest.mark.xfail(strict=True, reason="open")] if still == ALL or s in still else []
        out.append(pytest.param(c, d, t, marks=marks, id=f"{c}-{d}-{s}"))
    return out


@pytest.mark.parametrize(("criterion", "drug", "text"), _params("doubted"))
def test_a_doubted_exclusion_is_asked(runtime: Runtime, criterion: str, drug: str, text: str) -> None:
    det, statuses, presumed = _answer(runtime, text)
    assert (det, statuses.get(criterion, "absent"), criterion in presumed) == ("insufficient_information", "unknown", False)


@pytest.mark.parametrize(("criterion", "drug", "text"), _params("stated"))
def test_a_stated_exclusion_does_not_meet(runtime: Runtime, criterion: str, drug: str, text: str) -> None:
    det, statuses, _ = _answer(runtime, text)
    assert (det, statuses.get(criterion, "absent")) == ("does_not_meet_criteria", "not_met")


@pytest.mark.parametrize(("criterion", "drug", "text"),
                         [(f.criterion, d, b.format(drug=d, s="no other medical history")) for f in FAMILIES if f.presumed
                          for d, b in f.bases])
def test_a_silent_exclusion_is_presumed_and_shown(runtime: Runtime, criterion: str, drug: str, text: str) -> None:
    det, statuses, presumed = _answer(runtime, text)
    assert (det, statuses.get(criterion, "absent"), criterion in presumed) == ("meets_criteria", "met", True)


@pytest.mark.parametrize(("drug", "s"), list(itertools.product(GLP1_WEIGHT + GLP1_T2D, PANCREATITIS)))
def test_pancreatitis_is_no_criterion(runtime: Runtime, drug: str, s: str) -> None:
    base = WEIGHT if drug in GLP1_WEIGHT else T2D
    assert _answer(runtime, base.format(drug=drug, s=s))[0] == "meets_criteria"
