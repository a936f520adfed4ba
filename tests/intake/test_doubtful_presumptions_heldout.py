"""Held-out siblings of tests/intake/test_doubtful_contraindications.py ("unknown is not false"; "a presumption is
always shown"; "a stated doubt is never presumed away": mednec's editorial decision of 2026-12-07), with phrasings
that family does not use, and the note and case-file paths beside the question path.

* another GLP-1 / GLP-1-GIP agonist, or another PCSK9-directed drug, said with doubt to be taken now ("possibly
  still injecting Mounjaro", "unclear whether Leqvio was stopped"): the "no concurrent" presumption must not stand,
  nor the doubt be read as a stated combination: the criterion is unknown and asked, and not among the presumptions;
* type 1 diabetes doubted, or named as the alternative, beside a stated type 2 ("T2D, ? also T1D", "type 2 vs type 1
  diabetes", "GAD antibodies pending to rule out type 1"): "not type 1" must not be presumed (a record that names
  type 1 diabetes as possible cannot be attested away); never a yes;
* a planned combination of two PCSK9-directed drugs ("to be combined with Leqvio", "on top of his inclisiran"): a
  stated combination, not met (ldl-lowering decisions: no combination of a PCSK9 antibody with inclisiran, or of
  two antibodies);
* "N units in the past 16 weeks" (N < 4, no dates): the 16-week count is N, the 8-week count unknown (where in the
  16 weeks the units fell is not said; imetelstat reads the busiest 8 weeks of the last 16).

Expected values are reasoned from the policy YAMLs, the facts dictionaries and the decisions files, before any rule
change; the first contact is in the commit that adds this file.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from mednec.ask import answer
from mednec.intake.notes import read_note
from mednec.intake.question import understand
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

T2D = "{drug} for type 2 diabetes: 58M, on metformin 1000 mg twice daily for 6 months, A1c 8.2%; {s}"
WEIGHT = "{drug} for chronic weight management: 34F, BMI 36, 6 months of diet and exercise; {s}"
ASCVD = "{drug} for ASCVD (prior MI in 2023): on atorvastatin 80 mg daily for 6 months, LDL-C 110 mg/dL last week; {s}"

OTHER_GLP1 = {"Wegovy": "Mounjaro", "Zepbound": "Ozempic", "Saxenda": "Trulicity", "Ozempic": "Trulicity",
              "Mounjaro": "Victoza", "Victoza": "Ozempic", "Trulicity": "Mounjaro"}
# another PCSK9-directed drug; generic names too (a note's medication list often uses them)
OTHER_PCSK9 = {"Repatha": "Leqvio", "Praluent": "inclisiran", "Leqvio": "Praluent"}
GLP1_BASES = [(d, WEIGHT) for d in ("Wegovy", "Zepbound")] + [(d, T2D) for d in ("Ozempic", "Mounjaro", "Trulicity")]
PCSK9_BASES = [(d, ASCVD) for d in OTHER_PCSK9]

DOUBTED_OTHER = ["possibly still injecting {other}", "probably still on {other} from another prescriber",
                 "unclear whether {other} was stopped", "may still be using {other}", "{other} possibly ongoing",
                 "? still on {other}", "query ongoing {other}", "cannot exclude concurrent {other}",
                 "{other} (? still taking)", "reports possibly taking {other} as well", "questionable ongoing {other} use",
                 "not sure if she stopped {other}"]
STATED_PCSK9 = ["to be combined with {other}", "in combination with {other}", "on top of his {other}",
                "to be added to ongoing {other}", "together with {other}", "plan: {drug} plus {other}"]
TYPE1 = ["? also T1D", "T2D vs T1D", "type 2 vs type 1 diabetes", "type 1 versus type 2 not yet clear",
         "GAD antibodies pending to rule out type 1 diabetes", "differential includes type 1 diabetes",
         "query type 1 diabetes", "type 1 diabetes cannot be excluded", "? T1DM", "probable type 1 diabetes",
         "questionable T1D", "could be type 1 diabetes", "possibly type 1 (LADA)", "T1DM not ruled out"]
T1_DRUGS = ["Ozempic", "Mounjaro", "Victoza", "Trulicity"]


# still failing, per test: the forms (or ids) as listed here ("*": all); strict, so a fix turns an entry into a failure
# until it is removed. First contact: 17 of 194 cases; 186 after the warning signs (doubt_drug_to, type1_diabetes_possible,
# concurrent_*_possible, LDL_PCSK9_COMBINED, GLP1_TYPE1_POSSIBLE).
ALL = {"*"}
OPEN: dict[str, set[str]] = {}  # the transfusion windows right since rbc_transfusions_within: 194/194


def _open(kind: str, key: str) -> list[Any]:
    still = OPEN.get(kind, set())
    return [pytest.mark.xfail(strict=True, reason="open")] if still == ALL or key in still else []


def _ask(runtime: Runtime, text: str, criterion: str) -> tuple[str, str, bool]:
    a = answer(text, runtime, as_of=AS_OF)
    assert a.determination is not None, a.message
    d = a.determination
    statuses = {c.id: c.status.value for c in d.criteria}
    return d.determination.value, statuses.get(criterion, "absent"), criterion in {x.criterion for x in d.assumptions}


ASKED = ("insufficient_information", "unknown", False)


def _q(kind: str, bases: list[tuple[str, str]], forms: list[str], others: dict[str, str]) -> list[Any]:
    return [pytest.param(b.format(drug=d, s=f.format(other=others[d], drug=d)), id=f"{d}-{f}", marks=_open(kind, f))
            for (d, b), f in itertools.product(bases, forms)]


@pytest.mark.parametrize("text", _q("glp1", GLP1_BASES, DOUBTED_OTHER, OTHER_GLP1))
def test_a_doubted_other_glp1_is_asked(runtime: Runtime, text: str) -> None:
    assert _ask(runtime, text, "no_concurrent_glp1") == ASKED, text


@pytest.mark.parametrize("text", _q("pcsk9", PCSK9_BASES, DOUBTED_OTHER, OTHER_PCSK9))
def test_a_doubted_other_pcsk9_drug_is_asked(runtime: Runtime, text: str) -> None:
    assert _ask(runtime, text, "no_concurrent_pcsk9") == ASKED, text


@pytest.mark.parametrize("text", _q("combination", PCSK9_BASES, STATED_PCSK9, OTHER_PCSK9))
def test_a_planned_pcsk9_combination_does_not_meet(runtime: Runtime, text: str) -> None:
    assert _ask(runtime, text, "no_concurrent_pcsk9")[:2] == ("does_not_meet_criteria", "not_met"), text


@pytest.mark.parametrize("text", [pytest.param(T2D.format(drug=d, s=s), id=f"{d}-{s}", marks=_open("type1", s)) for d, s in itertools.product(T1_DRUGS, TYPE1)])
def test_type_1_named_beside_type_2_is_asked(runtime: Runtime, text: str) -> None:
    assert _ask(runtime, text, "not_type1") == ASKED, text


# --- the note path: the same doubts in a clinic note, evaluated for the drug it requests -----------------------
NOTES = [
    ("Ozempic", "no_concurrent_glp1",
     "Endocrinology clinic 11/18/2026\nA: T2DM, A1c 8.2% on metformin 1000 mg BID x 6 months.\n"
     "Meds: metformin. Pt possibly still injecting Trulicity from an outside prescriber - to confirm.\n"
     "P: request Ozempic 0.25 mg weekly.\n"),
    ("Mounjaro", "not_type1",
     "Diabetes follow-up 11/18/2026\n58M with type 2 diabetes on metformin 1000 mg twice daily for 6 months, A1c 8.4%.\n"
     "Lean, ketosis last year: ? type 1 diabetes, GAD antibodies pending.\nPlan: Mounjaro 2.5 mg weekly.\n"),
    ("Trulicity", "not_type1",
     "PCP note 11/18/2026\nAssessment: diabetes mellitus, type 2 vs type 1 - C-peptide ordered.\n"
     "On metformin 1000 mg BID for 6 months, A1c 8.0%.\nPlan: start Trulicity.\n"),
    ("Repatha", "no_concurrent_pcsk9",
     "Lipid clinic 11/18/2026\nPrior MI in 2023. On atorvastatin 80 mg daily for 6 months, LDL-C 112 mg/dL on 11/10/2026.\n"
     "May still be receiving Leqvio injections at another clinic (unconfirmed).\nPlan: Repatha 140 mg every 2 weeks.\n"),
]


def _note(runtime: Runtime, drug: str, text: str, criterion: str) -> tuple[str, str, bool]:
    case = read_note(text, runtime.catalog, runtime.dictionary, AS_OF, name="n.txt").case
    det = runtime.evaluate(runtime.parse_case(case, as_of=AS_OF).facts, runtime.catalog.find_drug(drug))
    statuses = {c.id: c.status.value for c in det.criteria}
    return det.determination.value, statuses.get(criterion, "absent"), criterion in {x.criterion for x in det.assumptions}


@pytest.mark.parametrize(("drug", "criterion", "text"), [pytest.param(d, c, t, id=f"{d}-{c}", marks=_open("note", f"{d}-{c}"))
                                                        for d, c, t in NOTES])
def test_a_doubt_in_a_note_is_asked(runtime: Runtime, drug: str, criterion: str, text: str) -> None:
    assert _note(runtime, drug, text, criterion) == ASKED, text


# --- the case-file path: a yes/no answer stated with doubt is the fact's warning sign -------------------------
CASE_BASE: dict[str, dict[str, Any]] = {
    "Mounjaro": {"patient": {"age": 58, "sex": "female"},
                 "facts": {"diagnosis": "E11.9", "medication_history": [
                     {"drug": "metformin", "start": "2026-02-01", "response": "ongoing"}]}},
    "Repatha": {"patient": {"age": 61, "sex": "male"},
                "facts": {"prior_mi": True, "ldl_c": {"value": 110, "unit": "mg/dL", "date": "2026-11-10"}, "medication_history": [
                    {"drug": "atorvastatin", "dose": 80, "dose_unit": "mg", "start": "2026-03-01", "response": "ongoing"}]}},
}
CASE_FIELDS = [("Mounjaro", "type1_diabetes", "not_type1"), ("Mounjaro", "concurrent_glp1", "no_concurrent_glp1"),
               ("Repatha", "concurrent_pcsk9", "no_concurrent_pcsk9")]
CASE_DOUBT = ["possible", "suspected", "not yet confirmed", "? "]


@pytest.mark.parametrize("words", CASE_DOUBT)
@pytest.mark.parametrize(("drug", "fact", "criterion"), [pytest.param(*f, marks=_open("case_file", f[1])) for f in CASE_FIELDS])
def test_a_doubted_case_file_answer_is_asked(runtime: Runtime, drug: str, fact: str, criterion: str, words: str) -> None:
    base = CASE_BASE[drug]
    case = {"as_of": "2026-12-06", "patient": dict(base["patient"]), "facts": {**base["facts"], fact: words}}
    det = runtime.evaluate(runtime.parse_case(case).facts, runtime.catalog.find_drug(drug))
    statuses = {c.id: c.status.value for c in det.criteria}
    assert (det.determination.value, statuses.get(criterion), criterion in {x.criterion for x in det.assumptions}) == ASKED


# --- transfusions: a count over 16 weeks with no dates fixes the 16-week count only ---------------------------
TX_AS_OF = dt.date(2026, 12, 6)
TX = [("Needed 1 unit of PRBC over the last 16 weeks.", None, 1), ("Received one unit in the previous 16 weeks.", None, 1),
      ("A single unit transfused within the past 16 weeks.", None, 1), ("2 units PRBC in the last 16 weeks.", None, 2),
      ("Transfused 2 units in the past 112 days.", None, 2), ("3 units of packed red cells in the past sixteen weeks.", None, 3),
      ("1 unit in the past 16 wks.", None, 1), ("3 units over the past 4 months.", None, None)]


def _derived(runtime: Runtime, text: str) -> tuple[float | None, float | None]:
    case = understand(f"Rytelo for MDS IPSS-R low, no del(5q), ESA-refractory, Hb 8.1. {text}", runtime.catalog,
                      runtime.dictionary, TX_AS_OF).case
    pack = next(p for p in runtime.catalog.packs if p.id == "mds_anemia")
    facts = pack.calculators.derive(runtime.parse_case(case, as_of=TX_AS_OF).facts,
                                    {k: fd.unit for k, fd in runtime.dictionary.facts.items()})

    def count(fid: str) -> float | None:
        v = facts[fid].value if fid in facts else None
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None

    return count("rbc_units_8w"), count("rbc_units_16w")


@pytest.mark.parametrize(("text", "units_8w", "units_16w"), [pytest.param(*t, marks=_open("transfusions", t[0])) for t in TX])
def test_a_16_week_count_fixes_16_weeks_only(runtime: Runtime, text: str, units_8w: float | None,
                                              units_16w: float | None) -> None:
    assert _derived(runtime, text) == (units_8w, units_16w), text


# --- written with the fix, not held out (held-out mds m46 showed it): a stated most in any 8 weeks bounds the
# busiest 8 weeks an undated 16-week count leaves open (imetelstat: >= 4 units in 8 weeks of the last 16)
@pytest.mark.parametrize(("text", "verdict"), [
    ("4 units in 16 weeks, never more than 3 in any 8 weeks", "not_met"),
    ("6 units in the past 16 weeks, at most 3 units in any 8-week period", "not_met"),
    ("6 units in the past 16 weeks", "unknown"),  # 3 to 6 in the busiest 8 weeks: asked, never the placement's guess
    ("10 units in the past 16 weeks", "met"),  # at least 5 in one 8-week half
    ("1 unit in the past 16 weeks", "not_met"),
])
def test_the_busiest_8_weeks_of_an_undated_count(runtime: Runtime, text: str, verdict: str) -> None:
    a = answer(f"Rytelo for MDS, IPSS-R low, no del(5q), failed epoetin alfa (12 weeks, no response), Hb 7.9, age 70. {text}",
               runtime, as_of=TX_AS_OF)
    assert a.determination is not None, a.message
    assert {c.id: c.status.value for c in a.determination.criteria}["transfusion_need_4_units"] == verdict
