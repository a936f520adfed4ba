"""Case-file habits the sixth held-out set (tests/heldout/cases6) showed refused or misread, one family per test,
each generated over the facts and event fields it concerns:

- a yes/no answer abbreviated as a lab prints it: "neg" / "pos" (m01: del(5q) "neg", SF3B1 "pos");
- a treatment course whose end is a word for "still taken": ``end: present`` (g05), "ongoing", "to date";
- a course's response or stop reason in words with one meaning: "Active" / "current" (ongoing, g07), an adverse
  effect ("side effects", "myalgia", "injection site reactions": not tolerated, g06, l04, l05), "ineffective"
  (no response);
- a dose with its once-daily frequency: "80mg daily", "40 mg QD", "10 mg at bedtime" (l01: atorvastatin
  "80mg daily" was kept with the unit "mg daily", so its intensity was unknown and the statin step asked).

Words with two meanings stay refused naming the field: "no side effects", "side effects resolved", an end "present"
beside a response that says the course stopped, a dose "40 mg twice daily" (per dose or per day) is not read as mg.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.errors import InputError
from mednec.intake.case_file import parse_case
from mednec.runtime import default_runtime

RT = default_runtime()
D = RT.dictionary
AS_OF = dt.date(2026, 12, 6)


def _facts(data: Any) -> Any:
    return parse_case(data, D, as_of=AS_OF).facts


def _refused(data: Any, field: str) -> None:
    with pytest.raises(InputError) as e:
        _facts(data)
    assert field in str(e.value.field or ""), (e.value.field, e.value.message)


# --- "neg" / "pos" -----------------------------------------------------------------------------------------------

#: every yes/no fact a case file may give
BOOLEANS = sorted(fid for fid, fd in D.facts.items() if fd.type == "boolean" and fd.may_give)
ABBREVIATED = [("neg", False), ("NEG", False), ("Neg.", False), ("pos", True), ("POS", True), ("Pos.", True)]


@pytest.mark.parametrize("fid", BOOLEANS)
@pytest.mark.parametrize(("word", "want"), ABBREVIATED)
def test_neg_pos(fid: str, word: str, want: bool) -> None:
    assert _facts({"facts": {fid: word}})[fid].value is want


@pytest.mark.parametrize("word", ["+", "-", "negg", "posible", "neg?", "pos/neg"])
def test_other_abbreviations_refused(word: str) -> None:
    _refused({"facts": {"del5q": word}}, "del5q")


# --- a course's end in words ---------------------------------------------------------------------------------------

HISTORIES = {  # fact -> a course of a drug it lists
    "medication_history": {"drug": "atorvastatin", "dose": 80, "dose_unit": "mg", "start": "2025-06-01"},
    "esa_history": {"drug": "epoetin alfa", "start": "2026-09-01"},
}
STILL = ["present", "Present", "PRESENT", "ongoing", "Ongoing", "current", "to date", "to present", "now",
         "continuing", "still taking"]


@pytest.mark.parametrize("fact", sorted(HISTORIES))
@pytest.mark.parametrize("end", STILL)
@pytest.mark.parametrize("response", [None, "ongoing", "Ongoing"])
def test_end_still_taken(fact: str, end: str, response: str | None) -> None:
    course = {**HISTORIES[fact], "end": end, **({"response": response} if response else {})}
    (got,) = _facts({"facts": {fact: [course]}})[fact].value
    assert got["response"] == "ongoing" and "end" not in got


@pytest.mark.parametrize("fact", sorted(HISTORIES))
@pytest.mark.parametrize("end", ["present", "ongoing", "to date"])
@pytest.mark.parametrize("response", ["none", "intolerant", "lost_response", "not tolerated"])
def test_end_still_taken_beside_a_stopped_course_refused(fact: str, end: str, response: str) -> None:
    course = {**HISTORIES[fact], "end": end, "response": response}
    _refused({"facts": {fact: [course]}}, f"{fact}[0]")


@pytest.mark.parametrize("end", ["soon", "present?", "unknown date", "last year"])
def test_other_end_words_refused(end: str) -> None:
    _refused({"facts": {"medication_history": [{**HISTORIES["medication_history"], "end": end}]}},
             "medication_history[0].end")


# --- a response or stop reason in words ----------------------------------------------------------------------------

ONGOING_WORDS = ["Active", "active", "current", "Current", "continuing", "still taking", "currently taking", "taking"]
ADVERSE = ["side effects", "Side effects", "side effect", "adverse reaction", "adverse effects", "myalgia",
           "myalgias", "Myalgia", "muscle aches", "muscle pain", "GI upset", "GI intolerance", "nausea",
           "elevated LFTs", "elevated CK", "injection site reactions", "injection-site reaction", "rash",
           "hives", "due to myalgias", "because of side effects", "stopped for side effects", "d/c'd due to nausea",
           "myalgia and elevated CK", "nausea, vomiting", "rhabdomyolysis"]
NO_EFFECT = ["ineffective", "Ineffective", "not effective", "lack of efficacy", "no benefit", "did not work",
             "inadequate response", "failed"]


def _course(**fields: Any) -> dict[str, Any]:
    return {"drug": "atorvastatin", "dose": 80, "dose_unit": "mg", "start": "2025-01-06", "end": "2025-03-01",
            **fields}


def _one(course: dict[str, Any], fact: str = "medication_history") -> dict[str, Any]:
    (got,) = _facts({"facts": {fact: [course]}})[fact].value
    return dict(got)


@pytest.mark.parametrize("word", ONGOING_WORDS)
def test_response_ongoing_words(word: str) -> None:
    got = _one({"drug": "metformin", "start": "2024-02-11", "response": word})
    assert got["response"] == "ongoing"


@pytest.mark.parametrize("fact", sorted(HISTORIES))
@pytest.mark.parametrize("word", ADVERSE)
def test_response_adverse_effect(fact: str, word: str) -> None:
    course = {**HISTORIES[fact], "end": "2026-10-01", "response": word}
    assert _one(course, fact)["response"] == "intolerant"


@pytest.mark.parametrize("word", ADVERSE)
def test_reason_stopped_adverse_effect(word: str) -> None:
    assert _one(_course(response="intolerant", reason_stopped=word))["reason_stopped"] == "intolerance"


@pytest.mark.parametrize("word", NO_EFFECT)
def test_no_effect_words(word: str) -> None:
    assert _one(_course(response=word))["response"] == "none"
    assert _one(_course(response="none", reason_stopped=word))["reason_stopped"] == "inadequate_response"


@pytest.mark.parametrize("word", ["no side effects", "without side effects", "side effects resolved",
                                  "no myalgia", "denies myalgia", "tolerated well", "on hold", "maybe", "held"])
@pytest.mark.parametrize("name", ["response", "reason_stopped"])
def test_words_with_another_meaning_refused(word: str, name: str) -> None:
    _refused({"facts": {"medication_history": [_course(**{"response": "none", name: word})]}}, f"medication_history[0].{name}")


# --- a dose with its once-daily frequency --------------------------------------------------------------------------

DAILY = ["80mg daily", "80 mg daily", "80 mg once daily", "80 mg Daily", "80 mg QD", "80 mg qd", "80 mg q.d.",
         "80 mg/day", "80 mg per day", "80 mg a day", "80 mg every day", "80 mg nightly", "80 mg at bedtime",
         "80 mg qhs", "80 mg QHS", "80mg od", "80 mg once a day", "80 mg qday"]


@pytest.mark.parametrize("dose", DAILY)
def test_dose_once_daily(dose: str) -> None:
    got = _one({"drug": "atorvastatin", "dose": dose, "start": "2025-03-01", "response": "ongoing"})
    assert (got["dose"], got["dose_unit"]) == (80, "mg")


@pytest.mark.parametrize("unit", ["mg daily", "mg once daily", "mg/day", "mg QD", "mg qhs"])
def test_dose_unit_once_daily(unit: str) -> None:
    got = _one({"drug": "atorvastatin", "dose": 80, "dose_unit": unit, "start": "2025-03-01", "response": "ongoing"})
    assert got["dose_unit"] == "mg"


@pytest.mark.parametrize("dose", ["40 mg twice daily", "40 mg BID", "40 mg bid", "20 mg every other day",
                                  "40 mg three times a week"])
def test_dose_other_frequency_not_mg(dose: str) -> None:
    """Per dose or per day: two meanings, so the dose is never read as plain mg (the intensity stays unknown)."""
    try:
        got = _one({"drug": "atorvastatin", "dose": dose, "start": "2025-03-01", "response": "ongoing"})
    except InputError:
        return
    assert got.get("dose_unit") != "mg"


# --- the answers they change ---------------------------------------------------------------------------------------

def _answer(drug: str, facts: dict[str, Any], variant: str | None = None) -> str:
    policy = RT.catalog.find_drug(drug)
    case = parse_case({"patient": {"age": 66, "sex": "female"}, "facts": facts}, D, as_of=AS_OF)
    return str(RT.evaluate(case.facts, policy, variant=variant).determination)


@pytest.mark.parametrize("dose", DAILY[:6])
def test_repatha_statin_daily_dose_meets(dose: str) -> None:
    facts = {"prior_mi": True, "ldl_c": {"value": 100, "unit": "mg/dL", "date": "2026-11-16"},
             "medication_history": [{"drug": "atorvastatin", "dose": dose, "start": "2025-03-01", "response": "ongoing"}]}
    assert _answer("Repatha", facts) == "meets_criteria"


@pytest.mark.parametrize("word", ["side effects", "myalgia", "muscle aches", "elevated CK"])
def test_nexletol_two_statins_not_tolerated_meets(word: str) -> None:
    facts = {"angina": True, "ldl_c": {"value": 130, "unit": "mg/dL", "date": "2026-11-20"},
             "medication_history": [
                 {"drug": "atorvastatin", "dose": "10 mg", "start": "2025-01-06", "end": "2025-02-20", "response": word},
                 {"drug": "rosuvastatin", "dose": "5 mg", "start": "2025-04-01", "end": "2025-05-10",
                  "response": "intolerant", "reason_stopped": word}]}
    assert _answer("Nexletol", facts) == "meets_criteria"


@pytest.mark.parametrize("drug", ["Ozempic", "Mounjaro", "Trulicity", "Victoza"])
@pytest.mark.parametrize("course", [{"end": "present"}, {"response": "Active"}, {"end": "to date", "response": "current"}])
def test_glp1_metformin_still_taken_meets(drug: str, course: dict[str, Any]) -> None:
    facts = {"type2_diabetes": True, "hba1c": "8.0 %",
             "medication_history": [{"drug": "metformin", "dose": "1000 mg", "start": "2024-05-06", **course}]}
    assert _answer(drug, facts) == "meets_criteria"


@pytest.mark.parametrize("reason", ["side effects", "GI upset", "nausea"])
def test_glp1_metformin_stopped_for_an_adverse_effect_meets(reason: str) -> None:
    facts = {"type2_diabetes": True, "hba1c": "8.4 %",
             "medication_history": [{"drug": "metformin", "start": "2025-01-03", "end": "2025-02-14",
                                     "response": "not tolerated", "reason_stopped": reason}]}
    assert _answer("Mounjaro", facts) == "meets_criteria"
