"""A yes/no case-file field answered with doubt (held-out cases5 c01-c06: 'not yet confirmed', 'Possible',
'pending - hCG ordered', 'suspected', 'possible (calcitonin high, FNA pending)', 'unknown'), generated: a fact text
intake reads with doubt as a warning sign (context_rules.yaml uncertain.doubt_to) gives the warning sign and the
answer asks; 'unknown' is not documented (as null: the presumption stands); yes / no are read; doubt about any
other yes/no fact is still refused naming the field (it has no warning sign to become)."""

from __future__ import annotations

from typing import Any

import pytest

from mednec.errors import CaseFormatError
from mednec.runtime import Runtime

DOUBTED = ["not yet confirmed", "Possible", "possibly", "suspected", "pending - hCG ordered", "? ", "?MEN 2",
           "questionable", "cannot rule out", "to be confirmed", "probable", "test pending", "unconfirmed"]
UNKNOWN = ["unknown", "Unknown", "UNK", "not known", "not documented"]

#: each drug's case with every other criterion met (cv_risk_reduction; t2d on metformin)
BASE: dict[str, dict[str, Any]] = {
    "Wegovy": {"patient": {"age": 52, "sex": "female"}, "facts": {"bmi": 31.0, "prior_mi": True}},
    "Mounjaro": {"patient": {"age": 58, "sex": "female"},
                 "facts": {"diagnosis": "E11.9", "medication_history": [
                     {"drug": "metformin", "start": "2026-02-01", "response": "ongoing"}]}},
}
SIGN = {"pregnant": "pregnancy_possible", "mtc_men2_history": "mtc_men2_possible"}
CASES = [("Wegovy", "pregnant"), ("Wegovy", "mtc_men2_history"), ("Mounjaro", "mtc_men2_history")]


def _case(drug: str, fact: str, value: Any) -> dict[str, Any]:
    base = BASE[drug]
    return {"as_of": "2026-12-06", "patient": dict(base["patient"]), "facts": {**base["facts"], fact: value}}


def _answer(runtime: Runtime, case: dict[str, Any], drug: str) -> tuple[dict[str, Any], str]:
    parsed = runtime.parse_case(case)
    det = runtime.evaluate(parsed.facts, runtime.catalog.find_drug(drug))
    return {k: fv.value for k, fv in parsed.facts.items()}, str(det.determination)


@pytest.mark.parametrize("words", DOUBTED)
@pytest.mark.parametrize(("drug", "fact"), CASES)
def test_a_doubted_answer_is_the_warning_sign_and_asked(runtime: Runtime, drug: str, fact: str, words: str) -> None:
    facts, answer = _answer(runtime, _case(drug, fact, words), drug)
    assert facts.get(SIGN[fact]) is True
    assert fact not in facts
    assert answer == "insufficient_information"


@pytest.mark.parametrize("words", UNKNOWN)
@pytest.mark.parametrize(("drug", "fact"), CASES)
def test_unknown_is_not_documented(runtime: Runtime, drug: str, fact: str, words: str) -> None:
    facts, answer = _answer(runtime, _case(drug, fact, words), drug)
    assert fact not in facts and SIGN[fact] not in facts
    assert answer == "meets_criteria"


@pytest.mark.parametrize(("words", "answer"), [("yes", "does_not_meet_criteria"), ("no", "meets_criteria"),
                                               ("Y", "does_not_meet_criteria"), ("negative", "meets_criteria")])
@pytest.mark.parametrize(("drug", "fact"), CASES)
def test_yes_and_no_are_read(runtime: Runtime, drug: str, fact: str, words: str, answer: str) -> None:
    facts, got = _answer(runtime, _case(drug, fact, words), drug)
    assert facts.get(fact) is (words.lower() in ("yes", "y"))
    assert got == answer


@pytest.mark.parametrize("words", ["possible", "suspected", "? "])
# (type1_diabetes was one until 2026-12-07: a doubted type 1 diabetes is now its warning sign, type1_diabetes_possible,
# tests/intake/test_doubtful_presumptions_heldout.py)
@pytest.mark.parametrize("fact", ["hypertension", "prior_mi"])
def test_doubt_about_another_fact_is_refused_naming_it(runtime: Runtime, fact: str, words: str) -> None:
    with pytest.raises(CaseFormatError) as err:
        runtime.parse_case(_case("Wegovy", fact, words))
    assert fact in str(err.value.field)
