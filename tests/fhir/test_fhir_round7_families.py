"""FHIR shapes the seventh held-out set (tests/heldout/fhir7) showed misread, each as a family of generated bundles.

- Several results for one specimen (r7-l03, r7-l04, r7-m01, r7-m02): a ``corrected`` or ``amended`` result
  supersedes the ``final`` one it corrects (R4 ObservationStatus: "subsequent to being Final, the observation has
  been modified"); among results with the same effective time the later ``issued`` wins. The first bundle's order
  decided (a superseded LDL-C 110 met the policy; a Hb corrected to 11.9 was read 7.9).
- A payer's own DTR QuestionnaireResponse (r7-g01, r7-g03, fhir6 r6-g17): its items (linkIds mednec did not write)
  were not read, so a payer's "Is the patient currently pregnant?" yes gave 'meets' for Wegovy. An item whose text
  names one fact unambiguously, with an answer that settles it, is read; anything else is asked.
- A transfusion dated only by a year or a month (r7-m05, r7-m06): it was dropped, so the 8-week count was an
  undercount and Reblozyl 'does not meet' (confident wrong). Which window holds it is not known: the transfusion list
  is left unknown and asked (one wholly after the evaluation date is not counted).
- A bounded value with a date (r7-l01 LDL-C '> 190', r7-l02 '>= 70', fhir6 r6-l08): the bound decided the LDL-C
  threshold but was kept out of every calculator, so the LDL-C's age (which reads only its date) was never computed
  and the recency criterion asked. A calculator that reads only its inputs' dates runs on a bounded value.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import LOINC, RXNORM
from tests.fhir.family_intake import AS_OF, case_facts, determination, intake

from mednec.runtime import Runtime

SUBJECT = {"reference": "Patient/p"}
UCUM = "http://unitsofmeasure.org"


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    p = {"resourceType": "Patient", "id": "p", "birthDate": "1958-04-18", "gender": "male"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": p}] + [{"resource": dict(r, id=r.get("id", f"r{i}"))} for i, r in enumerate(resources)]}


def _condition(code: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "subject": SUBJECT, "recordedDate": "2026-06-01",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": ICD, "code": code}]}, **extra}


def _result(loinc: str, value: float, unit: str, when: str, status: str = "final", issued: str | None = None,
            **extra: Any) -> dict[str, Any]:
    r = {"resourceType": "Observation", "status": status, "subject": SUBJECT, "effectiveDateTime": when,
         "code": {"coding": [{"system": LOINC, "code": loinc}]},
         "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}, **extra}
    if issued:
        r["issued"] = issued
    return r


def _atorva80(since: str = "2025-01-10") -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": SUBJECT,
            "authoredOn": since,
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "259255",
                                                      "display": "atorvastatin 80 MG Oral Tablet"}]},
            "dosageInstruction": [{"text": "80 mg daily", "doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}]}]}


# --- several results for one specimen: the correction supersedes ---------------------------------------------

SPECIMEN = "2026-11-18T08:10:00-05:00"
FIRST, LATER = "2026-11-18T15:00:00Z", "2026-11-19T10:30:00Z"
# (fact, LOINC, unit, first value, corrected value): LDL-C across ldl_min_ascvd 70, Hb across Reblozyl's 11.5 and
# Procrit's 10 (the policies' own thresholds)
_FACTS = [("ldl_c", "18262-6", "mg/dL", 62, 88), ("ldl_c", "18262-6", "mg/dL", 110, 58),
          ("hemoglobin", "718-7", "g/dL", 7.9, 11.9), ("hemoglobin", "718-7", "g/dL", 9.2, 10.4)]
# (first's status, first issued, second's status, second issued, the value read: "first" / "second"), the bundle in
# both orders
_REVISIONS = [
    ("final", FIRST, "corrected", LATER, "second"),
    ("final", FIRST, "amended", LATER, "second"),
    ("final", None, "corrected", None, "second"),   # no issued: the correction still supersedes
    ("final", None, "amended", None, "second"),
    ("corrected", FIRST, "corrected", LATER, "second"),  # corrected twice: the later
    ("amended", LATER, "final", FIRST, "first"),
    ("final", FIRST, "preliminary", LATER, "first"),  # a preliminary is not a result
    ("final", FIRST, "entered-in-error", LATER, "first"),
    ("final", FIRST, "cancelled", LATER, "first"),
]


@pytest.mark.parametrize(("fact", "loinc", "unit", "v1", "v2"), _FACTS)
@pytest.mark.parametrize(("s1", "i1", "s2", "i2", "read"), _REVISIONS)
@pytest.mark.parametrize("reverse", [False, True])
def test_a_correction_of_the_same_specimen_supersedes(runtime: Runtime, fact: str, loinc: str, unit: str, v1: float,
                                                      v2: float, s1: str, i1: str | None, s2: str, i2: str | None,
                                                      read: str, reverse: bool) -> None:
    results = [_result(loinc, v1, unit, SPECIMEN, s1, i1), _result(loinc, v2, unit, SPECIMEN, s2, i2)]
    if reverse:
        results.reverse()
    got = case_facts(intake(runtime, _bundle(*results)))[fact]
    assert got == pytest.approx(v1 if read == "first" else v2)


@pytest.mark.parametrize(("first", "corrected", "answer"), [
    (62, 88, "meets_criteria"), (110, 58, "insufficient_information"), (69, 70, "meets_criteria"),
    (70, 69, "insufficient_information")])
def test_a_corrected_ldl_decides_the_ascvd_pathway(runtime: Runtime, first: float, corrected: float,
                                                    answer: str) -> None:
    bundle = _bundle(_condition("I25.2"), _atorva80(),
                     _result("18262-6", corrected, "mg/dL", SPECIMEN, "corrected", LATER),
                     _result("18262-6", first, "mg/dL", SPECIMEN, "final", FIRST))
    assert determination(runtime, intake(runtime, bundle, drug="evolocumab"), "Repatha") == answer


def test_a_newer_specimen_still_wins_over_an_older_correction(runtime: Runtime) -> None:
    """Supersession is within one effective time: a later specimen's final result is the latest value."""
    bundle = _bundle(_result("718-7", 8.0, "g/dL", "2026-11-20", "corrected", "2026-11-30T10:00:00Z"),
                     _result("718-7", 9.1, "g/dL", "2026-11-28", "final", "2026-11-28T12:00:00Z"))
    assert case_facts(intake(runtime, bundle))["hemoglobin"] == pytest.approx(9.1)


# --- a payer's own DTR items, read by their text only when unambiguous ------------------------------------------

_LIFE = "lifestyle_program_months"
_Y = {"valueCoding": {"system": "http://terminology.hl7.org/CodeSystem/v2-0136", "code": "Y", "display": "Yes"}}
_N = {"valueCoding": {"system": "http://loinc.org", "code": "LA32-8", "display": "No"}}
_PAYER_ITEMS: list[tuple[str, dict[str, Any], str | None, Any]] = [
    # (item text, answer, fact read (None: nothing), value read -- a number, (bound, comparator) or a yes/no)
    ("Has the patient participated in a reduced-calorie diet and increased physical activity program for at least "
     "3 months?", {"valueBoolean": True}, _LIFE, (3, ">=")),
    ("Has the patient participated in a reduced-calorie diet and increased physical activity program for at least "
     "3 months?", {"valueBoolean": False}, _LIFE, (3, "<")),
    ("Has the member completed at least 6 months of a lifestyle modification program (diet and exercise)?", _Y, _LIFE,
     (6, ">=")),
    ("Has the member completed at least six months of a lifestyle modification program?", _N, _LIFE, (6, "<")),
    ("How many months has the patient participated in a reduced-calorie diet and increased physical activity "
     "(lifestyle modification) program?", {"valueInteger": 6}, _LIFE, 6),
    ("Number of months in a comprehensive lifestyle program", {"valueDecimal": 4.5}, _LIFE, 4.5),
    ("Duration of lifestyle modification program (months)",
     {"valueQuantity": {"value": 5, "unit": "months", "system": UCUM, "code": "mo"}}, _LIFE, 5),
    ("Is the patient currently pregnant?", {"valueBoolean": True}, "pregnant", True),
    ("Is the patient currently pregnant?", {"valueBoolean": False}, "pregnant", False),
    ("Is the member pregnant?", _Y, "pregnant", True),
    ("Currently pregnant?", _N, "pregnant", False),
    # nothing certain: asked
    ("Lifestyle modification program?", _Y, None, None),
    ("Has the patient been in a lifestyle program?", {"valueBoolean": True}, None, None),
    ("Is the patient pregnant or planning to become pregnant?", {"valueBoolean": False}, None, None),
    ("Is the patient pregnant or breastfeeding?", {"valueBoolean": True}, None, None),
    ("Was the patient pregnant in the last year?", {"valueBoolean": True}, None, None),
    ("How many months since the last HbA1c?", {"valueInteger": 2}, None, None),
    ("Months of statin therapy", {"valueInteger": 3}, None, None),
    ("Has the patient participated in a lifestyle program for at least 3 months?", {"valueString": "unsure"}, None,
     None),
    ("Duration of lifestyle program", {"valueQuantity": {"value": 12, "unit": "weeks"}}, None, None),
    ("Has the patient been on a diet or an exercise program, or seen a dietitian, for at least 3 months?",
     {"valueBoolean": True}, None, None),
]


def _qr(*items: dict[str, Any], questionnaire: str = "https://payer.example/fhir/Questionnaire/glp1-pa|4") -> dict[str, Any]:
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": questionnaire,
            "subject": SUBJECT, "authored": "2026-12-05T16:00:00Z", "item": list(items)}


def _bmi(value: float) -> dict[str, Any]:
    return _result("39156-5", value, "kg/m2", "2026-11-20")


@pytest.mark.parametrize(("text", "answer", "fact", "read"), _PAYER_ITEMS)
def test_a_payer_item_is_read_by_its_text_only_when_unambiguous(runtime: Runtime, text: str, answer: dict[str, Any],
                                                                 fact: str | None, read: Any) -> None:
    result = intake(runtime, _bundle(_bmi(33), _qr({"linkId": "PA-7", "text": text, "answer": [answer]})))
    facts = result.case["facts"]
    if fact is None:
        assert _LIFE not in facts and "pregnant" not in facts
    elif isinstance(read, tuple):
        assert (facts[fact]["value"], facts[fact].get("comparator")) == (pytest.approx(read[0]), read[1])
    else:
        assert facts[fact]["value"] == (pytest.approx(read) if not isinstance(read, bool) else read)
        assert "comparator" not in facts[fact]


@pytest.mark.parametrize(("items", "answer"), [
    ([("PA-3", "Has the patient participated in a reduced-calorie diet and increased physical activity program for at "
                "least 3 months?", {"valueBoolean": True}), ("PA-4", "Is the patient currently pregnant?",
                                                             {"valueBoolean": False})], "meets_criteria"),
    # fewer than 3 months: weight_adult not met; cv_risk_reduction still asks for established CVD
    ([("PA-3", "Has the patient participated in a lifestyle program for at least 3 months?", {"valueBoolean": False})],
     "insufficient_information"),
    ([("7", "Is the patient currently pregnant?", {"valueBoolean": True}),
      ("lifestyle_program_months", "Months of a documented lifestyle programme", {"valueInteger": 6})],
     "does_not_meet_criteria"),
    ([("PA-1", "How many months in a lifestyle modification program?", {"valueInteger": 2}),
      ("PA-2", "Number of months in a lifestyle program", {"valueInteger": 4})], "insufficient_information"),
    ([("PA-1", "Lifestyle modification program?", _Y)], "insufficient_information"),
])
def test_payer_items_decide_wegovy(runtime: Runtime, items: list[tuple[str, str, dict[str, Any]]], answer: str) -> None:
    qr = _qr(*({"linkId": link, "text": text, "answer": [a]} for link, text, a in items))
    result = intake(runtime, _bundle(_bmi(33), qr), drug="semaglutide")
    assert determination(runtime, result, "Wegovy") == answer


def test_mednec_own_answer_wins_over_a_payer_item(runtime: Runtime) -> None:
    qr = _qr({"linkId": "lifestyle_program_months", "text": "Months", "answer": [{"valueInteger": 6}]},
             {"linkId": "PA-1", "text": "How many months in a lifestyle program?", "answer": [{"valueInteger": 1}]})
    assert case_facts(intake(runtime, _bundle(qr)))[_LIFE] == 6


# --- a transfusion dated only by a year or month: the count is asked, never an undercount --------------------------

SNOMED = "http://snomed.info/sct"


def _transfusion(when: str, status: str = "completed") -> dict[str, Any]:
    return {"resourceType": "Procedure", "status": status, "subject": SUBJECT, "performedDateTime": when,
            "code": {"coding": [{"system": SNOMED, "code": "71493000", "display": "Transfusion of packed red blood cells"}]}}


def _reblozyl_record() -> list[dict[str, Any]]:
    ipss = {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-09-20",
            "code": {"text": "IPSS-R risk category"}, "valueString": "Low"}
    fish = {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-09-15",
            "code": {"text": "del(5q) by FISH"},
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "260415000", "display": "Not detected"}]}}
    rs = {"resourceType": "Observation", "status": "final", "subject": SUBJECT, "effectiveDateTime": "2026-09-15",
          "code": {"text": "Ring sideroblasts, % of erythroid precursors"},
          "valueQuantity": {"value": 20, "unit": "%", "system": UCUM, "code": "%"}}
    meds = {"resourceType": "List", "status": "current", "mode": "snapshot", "subject": SUBJECT, "date": "2026-12-05",
            "code": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-example-use-codes",
                                 "code": "medications"}]},
            "emptyReason": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/list-empty-reason",
                                        "code": "nilknown"}]}}
    return [_condition("D46.1"), _result("718-7", 8.0, "g/dL", "2026-11-30"),
            _result("15061-5", 210, "m[IU]/mL", "2026-10-01"), rs, fish, ipss, meds]


_FULL = ("2026-10-20", "2026-11-08", "2026-11-27")  # 3 units in the 8 weeks from 2026-10-11


@pytest.mark.parametrize(("dates", "partial", "answer"), [
    (_FULL, None, "meets_criteria"),
    (_FULL[:1], "2026-11", "insufficient_information"),   # inside the 8 weeks: would make 2, but which day is unknown
    (_FULL[2:], "2026-10", "insufficient_information"),   # straddles 2026-10-11: 1 or 2 units
    (_FULL[2:], "2026", "insufficient_information"),
    (_FULL[2:], "2026-12", "insufficient_information"),   # 2026-12-01..06 may hold it
    (_FULL, "2019", "insufficient_information"),          # years ago, but a list with an undated entry is asked
    (_FULL, "2027", "meets_criteria"),                    # wholly after the evaluation date: not counted
    (_FULL, "2027-01", "meets_criteria"),
    (_FULL[2:], None, "does_not_meet_criteria"),          # control: one unit, all dated
])
def test_a_partially_dated_transfusion_leaves_the_count_asked(runtime: Runtime, dates: tuple[str, ...],
                                                             partial: str | None, answer: str) -> None:
    tx = [_transfusion(d) for d in dates] + ([_transfusion(partial)] if partial else [])
    result = intake(runtime, _bundle(*_reblozyl_record(), *tx), drug="luspatercept")
    assert ("rbc_transfusions" in result.case["facts"]) is (answer != "insufficient_information")
    assert determination(runtime, result, "Reblozyl") == answer


def test_a_partial_date_of_a_transfusion_not_done_is_not_read(runtime: Runtime) -> None:
    tx = [_transfusion(d) for d in _FULL] + [_transfusion("2026-11", status="not-done")]
    result = intake(runtime, _bundle(*_reblozyl_record(), *tx), drug="luspatercept")
    assert determination(runtime, result, "Reblozyl") == "meets_criteria"


# --- a bounded LDL-C is dated: the recency window reads its date ---------------------------------------------------

def _ldl_bound(comparator: str, value: float, when: str) -> dict[str, Any]:
    r = _result("18262-6", value, "mg/dL", when)
    r["valueQuantity"]["comparator"] = comparator
    return r


_LDL_EDGE = "2026-08-08"  # 120 days before 2026-12-06: ldl_max_age_days


@pytest.mark.parametrize(("comparator", "value", "when", "days", "answer"), [
    (">", 190, "2026-11-15", 21, "meets_criteria"),
    (">=", 70, "2026-11-16", 20, "meets_criteria"),
    (">", 69, "2026-11-16", 20, "insufficient_information"),   # above 69: 70 or more is not settled
    (">", 100, _LDL_EDGE, 120, "meets_criteria"),              # the recency edge, inclusive
    (">", 100, "2026-08-07", 121, "does_not_meet_criteria"),   # one day too old
    ("<", 40, "2026-11-15", 21, "insufficient_information"),   # below 70: ASCVD not met, HoFH asked (fhir6 r6-l07)
    ("<=", 69, "2026-08-07", 121, "does_not_meet_criteria"),  # too old: ldl_recent (common) not met
])
def test_a_bounded_ldl_is_dated(runtime: Runtime, comparator: str, value: float, when: str, days: int,
                                answer: str) -> None:
    from mednec.engine.evaluate import prepare

    result = intake(runtime, _bundle(_condition("I25.2"), _atorva80(), _ldl_bound(comparator, value, when)),
                    drug="evolocumab")
    facts = prepare(runtime.parse_case(result.case, as_of=AS_OF).facts, runtime.dictionary,
                    runtime.catalog.calculators)
    assert facts["ldl_c_days_old"].value == days
    assert determination(runtime, result, "Repatha") == answer


def test_a_bound_still_feeds_no_calculator_that_reads_its_value(runtime: Runtime) -> None:
    """The LDL-C reduction reads the values: a bounded LDL-C leaves it underived (asked), as before."""
    from mednec.engine.evaluate import prepare

    case = {"facts": {"ldl_c": {"value": 60, "comparator": "<", "unit": "mg/dL", "date": "2026-11-20"},
                      "ldl_c_pretreatment": {"value": 150, "unit": "mg/dL"}}}
    facts = prepare(runtime.parse_case(case, as_of=AS_OF).facts, runtime.dictionary, runtime.catalog.calculators)
    assert "ldl_reduction_pct" not in facts
    assert facts["ldl_c_days_old"].value == 16
