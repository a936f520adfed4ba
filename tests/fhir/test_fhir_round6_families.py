"""FHIR shapes the sixth held-out set (tests/heldout/fhir6) showed misread, each as a family of generated bundles.

- An Observation's ``effectivePeriod`` is dated by its end (r6-l11, fhir4 r4-l08: the value was dated by the
  period's start, one day older: 'does not meet' on an LDL-C 120 days old, 158 days read for 157).
- A drug known only from MedicationDispenses is the course its fills make (r6-l01, r6-l04, fhir5 r5-l04: each fill
  was its own short course, the statin step asked); a dispensed tablet's strength and the sig's count give the dose.
- A stopped / on-hold order's date and reason said only in statusReason text or a note (r6-g02, r6-g03, fhir5 r5-g10).
- A PAS request is read as the Claim's patient's record: a subscriber beside it is left out (r6-l16, a crash), a
  second patient's clinical record, a Claim naming an absent patient or no Patient at all is refused (r6-m11 was
  evaluated) -- a 4xx problem document through the API.
- The IPSS-R category in an MDS Condition's ``stage`` (r6-m01, m02, m03, m05: asked).
- Results contained in their DiagnosticReport (r6-l15: not read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from tests.code_systems import ICD10 as ICD
from tests.code_systems import LOINC, RXNORM
from tests.fhir.family_intake import AS_OF, case_facts, determination, intake

from mednec.runtime import Runtime

SUBJECT = {"reference": "Patient/p"}


def _bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    p = {"resourceType": "Patient", "id": "p", "birthDate": "1958-04-18", "gender": "male"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": p}] + [{"resource": dict(r, id=r.get("id", f"r{i}"))} for i, r in enumerate(resources)]}


def _old_mi() -> dict[str, Any]:
    return {"resourceType": "Condition", "subject": SUBJECT, "recordedDate": "2026-06-01",
            "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                           "code": "active"}]},
            "code": {"coding": [{"system": ICD, "code": "I25.2"}]}}


def _ldl(value: float = 110, **when: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "status": "final", "subject": SUBJECT, **when,
            "code": {"coding": [{"system": LOINC, "code": "18262-6"}]},
            "valueQuantity": {"value": value, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"}}


def _atorva80(since: str = "2025-01-10") -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "subject": SUBJECT,
            "authoredOn": since,
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "259255",
                                                      "display": "atorvastatin 80 MG Oral Tablet"}]},
            "dosageInstruction": [{"text": "80 mg daily", "doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}]}]}


# --- an Observation's effectivePeriod is dated by its end ------------------------------------------------------

_DAY = dt.timedelta(days=1)
_EDGE = AS_OF - dt.timedelta(days=120)  # the oldest LDL-C the LDL-lowering policies accept (ldl_max_age_days 120)


@pytest.mark.parametrize(("period", "dated", "answer"), [
    # start and end: the end (the value's age); the policy's 120 days at and across the edge
    ({"start": (_EDGE - _DAY).isoformat(), "end": _EDGE.isoformat()}, _EDGE, "meets_criteria"),
    ({"start": (_EDGE - 3 * _DAY).isoformat(), "end": (_EDGE - _DAY).isoformat()}, _EDGE - _DAY, "does_not_meet_criteria"),
    ({"start": f"{(_EDGE - _DAY).isoformat()}T08:00:00-05:00", "end": f"{_EDGE.isoformat()}T08:00:00-05:00"}, _EDGE,
     "meets_criteria"),
    ({"start": "2026-07-01T08:00:00Z", "end": "2026-07-02T08:00:00Z"}, dt.date(2026, 7, 2), "does_not_meet_criteria"),
    # only one bound: that bound
    ({"start": _EDGE.isoformat()}, _EDGE, "meets_criteria"),
    ({"end": _EDGE.isoformat()}, _EDGE, "meets_criteria"),
    ({"start": (_EDGE - _DAY).isoformat()}, _EDGE - _DAY, "does_not_meet_criteria"),
])
def test_an_observation_period_is_dated_by_its_end(runtime: Runtime, period: dict[str, str], dated: dt.date,
                                                   answer: str) -> None:
    result = intake(runtime, _bundle(_old_mi(), _ldl(effectivePeriod=period), _atorva80()), drug="evolocumab")
    assert result.case["facts"]["ldl_c"]["date"] == dated.isoformat()
    assert determination(runtime, result, "Repatha") == answer


@pytest.mark.parametrize("when", [{"effectiveDateTime": _EDGE.isoformat()}, {"effectiveInstant": f"{_EDGE}T10:00:00Z"}])
def test_a_point_in_time_wins_over_a_period(runtime: Runtime, when: dict[str, Any]) -> None:
    result = intake(runtime, _bundle(_old_mi(), _ldl(**when), _atorva80()), drug="evolocumab")
    assert case_facts(result)["ldl_c"] == 110
    assert result.case["facts"]["ldl_c"]["date"] == _EDGE.isoformat()


# --- a drug known only from MedicationDispenses: the fills as the course they make ----------------------------

def _fill(days_ago: int, supply: int, display: str = "atorvastatin 80 MG Oral Tablet",
          sig: str = "1 tablet by mouth daily") -> dict[str, Any]:
    when = (AS_OF - dt.timedelta(days=days_ago)).isoformat()
    return {"resourceType": "MedicationDispense", "status": "completed", "subject": SUBJECT,
            "medicationCodeableConcept": {"coding": [{"system": RXNORM, "display": display}], "text": display},
            "quantity": {"value": supply, "unit": "tablet"}, "daysSupply": {"value": supply, "unit": "day"},
            "whenHandedOver": f"{when}T15:00:00Z", "dosageInstruction": [{"text": sig}]}


@pytest.mark.parametrize(("fills", "answer", "ongoing"), [
    # continuous: each refill before the supply ran out, on the day it ran out, or within the grace (7 days)
    ([(200, 90), (110, 90), (20, 90)], "meets_criteria", True),
    ([(216, 90), (126, 90), (35, 90)], "meets_criteria", True),       # 90-day fills, a 1-day gap each (r5-l04)
    ([(120, 60), (53, 60)], "meets_criteria", True),                  # 7 days after the supply ran out
    ([(113, 90), (26, 90)], "meets_criteria", True),                  # an early refill: the rest carries over
    # a gap restarts the course: the running part is too short (< 8 weeks), the statin step is asked
    ([(121, 60), (53, 60)], "insufficient_information", True),        # 8 days after: a new course of 53 days
    ([(190, 30), (160, 30), (47, 30), (17, 30)], "insufficient_information", True),  # r6-l02
    # the supply has run out: not taken now
    ([(250, 90), (160, 90)], "insufficient_information", False),
    ([(40, 30)], "insufficient_information", False),
    # one fill, still supplied, but only 4 weeks so far
    ([(28, 90)], "insufficient_information", True),
])
def test_dispenses_make_one_course_across_refills(runtime: Runtime, fills: list[tuple[int, int]], answer: str,
                                                  ongoing: bool) -> None:
    result = intake(runtime, _bundle(_old_mi(), _ldl(effectiveDateTime=AS_OF.isoformat()),
                                     *(_fill(d, n) for d, n in fills)), drug="evolocumab")
    history = result.case["facts"]["medication_history"]
    assert any(e["response"] == "ongoing" for e in history) is ongoing
    assert determination(runtime, result, "Repatha") == answer


@pytest.mark.parametrize(("display", "sig", "answer"), [
    ("atorvastatin 80 MG Oral Tablet", "1 tablet by mouth daily", "meets_criteria"),
    ("atorvastatin 40 MG Oral Tablet", "Take 2 tablets by mouth at bedtime", "meets_criteria"),
    ("rosuvastatin calcium 20 MG Oral Tablet", "one tablet daily", "meets_criteria"),
    # low or moderate intensity, or a dose not said: never the high-intensity step
    ("atorvastatin 10 MG Oral Tablet", "1 tablet by mouth daily", "insufficient_information"),
    ("atorvastatin 80 MG Oral Tablet", "as directed", "insufficient_information"),
])
def test_a_dispensed_tablet_s_strength_gives_the_dose(runtime: Runtime, display: str, sig: str, answer: str) -> None:
    fills = [_fill(d, 90, display, sig) for d in (200, 110, 20)]
    result = intake(runtime, _bundle(_old_mi(), _ldl(effectiveDateTime=AS_OF.isoformat()), *fills), drug="evolocumab")
    assert determination(runtime, result, "Repatha") == answer


# --- a stopped or on-hold order whose date (and reason) is only in its text ------------------------------------

_METFORMIN = {"coding": [{"system": RXNORM, "code": "861007", "display": "metformin hydrochloride 500 MG Oral Tablet"}]}


def _t2d() -> dict[str, Any]:
    return {**_old_mi(), "code": {"coding": [{"system": ICD, "code": "E11.9"}]}}


def _order(status: str, concept: dict[str, Any], *, reason: str | None = None, note: str | None = None,
           authored: str = "2025-06-01") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "MedicationRequest", "status": status, "intent": "order", "subject": SUBJECT,
                         "authoredOn": authored, "medicationCodeableConcept": concept,
                         "dosageInstruction": [{"text": "1000 mg twice daily",
                                                "doseAndRate": [{"doseQuantity": {"value": 1000, "unit": "mg"}}]}]}
    if reason:
        r["statusReason"] = {"text": reason}
    if note:
        r["note"] = [{"text": note}]
    return r


@pytest.mark.parametrize(("status", "reason", "note", "answer"), [
    # on hold: taken until the hold began (R4 on-hold: temporarily halted); within Ozempic's 90 days or not
    ("on-hold", "Held 2026-11-28 for IV contrast CT; resume in 48 h if creatinine stable", None, "meets_criteria"),
    ("on-hold", None, "Metformin on hold since 11/20/2026 (AKI, Cr 1.9); resume when eGFR > 45", "meets_criteria"),
    ("on-hold", "On hold as of 09/08/2026", None, "meets_criteria"),           # 89 days
    ("on-hold", "On hold since 09/06/2026", None, "insufficient_information"),  # 91 days: not recent, asked
    ("on-hold", "On hold since 03/15/2026 pending renal workup", None, "insufficient_information"),
    ("on-hold", "Held for procedure", None, "insufficient_information"),       # when not said: asked, as before
    ("on-hold", "Held 11/28/2026 (labs of 10/01/2026 reviewed)", None, "meets_criteria"),  # the date after 'held'
    # stopped: the stop date and the reason from the note
    ("stopped", None, "Stopped 02/10/2026 - severe diarrhea and cramping on metformin (GI intolerance)", "meets_criteria"),
    ("stopped", "Discontinued 2026-10-15", None, "meets_criteria"),           # 52 days ago, reason not said
    ("stopped", "Discontinued 2026-06-15", None, "insufficient_information"),  # 174 days ago, reason not said
])
def test_an_order_s_stop_or_hold_date_in_its_text(runtime: Runtime, status: str, reason: str | None, note: str | None,
                                                  answer: str) -> None:
    result = intake(runtime, _bundle(_t2d(), _order(status, _METFORMIN, reason=reason, note=note)), drug="semaglutide")
    history = result.case["facts"].get("medication_history") or []
    assert not any(e["response"] == "ongoing" for e in history)
    assert determination(runtime, result, "Ozempic") == answer


@pytest.mark.parametrize(("status", "text"), [
    ("on-hold", "Held since 05/01/2026 - elevated transaminases, recheck LFTs"),
    ("stopped", "Stopped 10/01/2026 - myalgias, CK normal; symptoms resolved 2 weeks after stopping"),
])
def test_a_statin_held_or_stopped_in_text_is_not_continued(runtime: Runtime, status: str, text: str) -> None:
    statin = {"coding": [{"system": RXNORM, "code": "259255", "display": "atorvastatin 80 MG Oral Tablet"}]}
    order = _order(status, statin, note=text, authored="2025-03-01")
    order["dosageInstruction"] = [{"text": "80 mg daily", "doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}]}]
    result = intake(runtime, _bundle(_old_mi(), _ldl(effectiveDateTime=AS_OF.isoformat()), order), drug="evolocumab")
    assert [e["response"] for e in result.case["facts"]["medication_history"]] != ["ongoing"]
    assert determination(runtime, result, "Repatha") == "insufficient_information"


# --- a PAS request's patient: the Claim's, a subscriber beside it, or no one --------------------------------------

def _pas(fixture: Callable[[str], Any], change: str) -> dict[str, Any]:
    b: dict[str, Any] = fixture("pas-request-first-line")
    res = [e["resource"] for e in b["entry"]]
    claim = next(r for r in res if r["resourceType"] == "Claim")
    coverage = next(r for r in res if r["resourceType"] == "Coverage")
    subscriber = {"resourceType": "Patient", "id": "sub-1", "gender": "male", "birthDate": "1950-02-02"}
    other_obs = {"resourceType": "Observation", "id": "sub-hb", "status": "final", "subject": {"reference": "Patient/sub-1"},
                 "code": {"coding": [{"system": LOINC, "code": "718-7"}]}, "effectiveDateTime": "2026-11-10",
                 "valueQuantity": {"value": 13.9, "unit": "g/dL"}}
    if change in ("subscriber", "policy-holder", "subscriber-with-record", "subscriber-urn"):
        url = "urn:uuid:9b1e-sub-1" if change == "subscriber-urn" else "https://ehr.example.org/fhir/Patient/sub-1"
        b["entry"].append({"fullUrl": url, "resource": subscriber})
        coverage["policyHolder" if change == "policy-holder" else "subscriber"] = \
            {"reference": url if change == "subscriber-urn" else "Patient/sub-1"}
        if change == "subscriber-with-record":
            b["entry"].append({"fullUrl": "https://ehr.example.org/fhir/Observation/sub-hb", "resource": other_obs})
    elif change == "claim-names-another":
        claim["patient"] = {"reference": "Patient/someone-else"}
    elif change == "no-patient":
        b["entry"] = [e for e in b["entry"] if e["resource"]["resourceType"] != "Patient"]
    elif change == "claim-names-no-one":
        claim["patient"] = {"display": "Jane Doe"}
    return b


@pytest.mark.parametrize("change", ["", "subscriber", "policy-holder", "subscriber-urn"])
def test_a_pas_request_is_read_as_the_claim_s_patient_s_record(runtime: Runtime, fixture: Callable[[str], Any],
                                                               change: str) -> None:
    from mednec.fhir.pas import submit

    answer = submit(_pas(fixture, change), runtime, as_of=dt.date(2026, 11, 20),
                    now=dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC))
    cr = answer["entry"][0]["resource"]
    assert cr["resourceType"] == "ClaimResponse" and cr["patient"] == {"reference": "Patient/p-first-line"}
    assert cr["disposition"].startswith("Certified")


@pytest.mark.parametrize(("change", "field", "words"), [
    ("subscriber-with-record", "entry", "second patient's record"),
    ("claim-names-another", "Claim.patient", "does not hold"),
    ("no-patient", "Claim.patient", "holds no Patient"),
    ("claim-names-no-one", "Claim.patient", "names no patient"),
])
def test_a_pas_request_about_someone_else_or_no_one_is_refused(runtime: Runtime, fixture: Callable[[str], Any],
                                                               change: str, field: str, words: str) -> None:
    from mednec.errors import CaseFormatError
    from mednec.fhir.pas import patient_record, submit

    bundle = _pas(fixture, change)
    with pytest.raises(CaseFormatError) as refused:
        submit(bundle, runtime, now=dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC))
    assert refused.value.field == field and words in refused.value.message
    with pytest.raises(CaseFormatError):  # the record the held-out runner reads the facts from: the same refusal
        patient_record(bundle)


def test_through_the_api_a_refused_pas_request_is_a_problem_document(runtime: Runtime, fixture: Callable[[str], Any],
                                                                     tmp_path: Any) -> None:
    from fastapi.testclient import TestClient

    from mednec.api import Settings, create_app

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/p.db", runtime=runtime,
                              now=lambda: dt.datetime(2026, 11, 20, 15, tzinfo=dt.UTC)))
    service = app.state.service
    key = service.accounts.create_key(service.accounts.add_user("clinic-a", "req", "requester").id)
    try:
        with TestClient(app, raise_server_exceptions=False) as client:
            for change, field in (("subscriber-with-record", "entry"), ("no-patient", "Claim.patient"),
                                  ("claim-names-another", "Claim.patient")):
                r = client.post("/fhir/Claim/$submit", json=_pas(fixture, change),
                                headers={"Authorization": f"Bearer {key}"})
                assert 400 <= r.status_code < 500, (change, r.status_code, r.text[:200])
                assert r.headers["content-type"].startswith("application/problem") and field in r.text
            ok = client.post("/fhir/Claim/$submit", json=_pas(fixture, "subscriber"), headers={"Authorization": f"Bearer {key}"})
            assert ok.status_code == 200, ok.text[:300]
    finally:
        app.state.db.dispose()


# --- the IPSS-R category in an MDS Condition's stage -------------------------------------------------------------

def _mds(stage: list[dict[str, Any]] | None, *, code: str = "D46.1", verification: str = "confirmed",
         clinical: str = "active") -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "Condition", "subject": SUBJECT, "recordedDate": "2026-09-20",
                         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                                                        "code": clinical}]},
                         "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                                                            "code": verification}]},
                         "code": {"coding": [{"system": ICD, "code": code}]}}
    if stage is not None:
        r["stage"] = stage
    return r


def _stage(summary: str, type_text: str | None = None, code: str | None = None) -> dict[str, Any]:
    s: dict[str, Any] = {"summary": {"text": summary}}
    if code:
        s["summary"]["coding"] = [{"system": "urn:oid:1.2.840.114350.1.13.0.1.7.2.728286", "code": code, "display": summary}]
    if type_text:
        s["type"] = {"text": type_text}
    return s


@pytest.mark.parametrize(("stage", "category"), [
    ([_stage("IPSS-R: Low")], "low"),
    ([_stage("IPSS-R Very Low risk", code="IPSSR-VL")], "very_low"),
    ([_stage("Intermediate", "Revised International Prognostic Scoring System (IPSS-R)")], "intermediate"),
    ([_stage("High risk", "IPSS-R")], "high"),
    ([_stage("IPSSR very high")], "very_high"),
    ([_stage("Stage II", "TNM"), _stage("IPSS-R: Low")], "low"),
    # not the IPSS-R, or no category of it: nothing read
    ([_stage("IPSS: Low")], None),
    ([_stage("Low", "IPSS")], None),
    ([_stage("IPSS-R pending")], None),
    ([_stage("Low")], None),
])
def test_the_ipss_r_category_in_a_condition_stage(runtime: Runtime, stage: list[dict[str, Any]],
                                                  category: str | None) -> None:
    result = intake(runtime, _bundle(_mds(stage)), drug="luspatercept")
    assert case_facts(result).get("ipss_r_category") == category


@pytest.mark.parametrize("condition", [
    _mds([_stage("IPSS-R: Low")], verification="provisional"),
    _mds([_stage("IPSS-R: Low")], clinical="resolved"),
    _mds([_stage("IPSS-R: Low")], code="I10"),
])
def test_a_stage_counts_only_on_an_active_confirmed_mds_diagnosis(runtime: Runtime, condition: dict[str, Any]) -> None:
    result = intake(runtime, _bundle(condition), drug="luspatercept")
    assert "ipss_r_category" not in case_facts(result)


# --- results contained in their DiagnosticReport ----------------------------------------------------------------

def _report(contained: list[dict[str, Any]], results: list[str], **extra: Any) -> dict[str, Any]:
    return {"resourceType": "DiagnosticReport", "id": "dr1", "status": "final", "subject": SUBJECT,
            "code": {"coding": [{"system": LOINC, "code": "57698-3"}]}, "contained": contained,
            "result": [{"reference": r} for r in results], **extra}


def _inner_ldl(rid: str = "ldl1", value: float = 110, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "18262-6"}]},
            "valueQuantity": {"value": value, "unit": "mg/dL", "system": "http://unitsofmeasure.org", "code": "mg/dL"},
            **extra}


@pytest.mark.parametrize(("report", "ldl", "dated"), [
    (_report([_inner_ldl(effectiveDateTime="2026-11-16")], ["#ldl1"]), 110, "2026-11-16"),
    (_report([_inner_ldl()], ["#ldl1"], effectiveDateTime="2026-11-15"), 110, "2026-11-15"),   # the report's date
    (_report([_inner_ldl(subject=SUBJECT, effectiveDateTime="2026-11-14")], ["#ldl1"]), 110, "2026-11-14"),
    (_report([_inner_ldl("a", 90, effectiveDateTime="2026-10-01"), _inner_ldl("b", 120, effectiveDateTime="2026-11-01")],
             ["#a", "#b"]), 120, "2026-11-01"),                                                  # the latest
    # contained but not a result of the report, or not an Observation: not read
    (_report([_inner_ldl(effectiveDateTime="2026-11-16")], []), None, None),
    (_report([{**_inner_ldl(effectiveDateTime="2026-11-16"), "resourceType": "Specimen"}], ["#ldl1"]), None, None),
])
def test_results_contained_in_their_report_are_read(runtime: Runtime, report: dict[str, Any], ldl: float | None,
                                                    dated: str | None) -> None:
    result = intake(runtime, _bundle(_old_mi(), report), drug="evolocumab")
    facts = result.case["facts"]
    assert (facts["ldl_c"]["value"], facts["ldl_c"]["date"]) == (ldl, dated) if ldl else "ldl_c" not in facts


# --- a past event named in an EHR's own code's text ("History of myocardial infarction") ------------------------

def _local_condition(text: str, system: str = "urn:oid:1.2.840.114350.1.13.0.1.7.2.728286") -> dict[str, Any]:
    return {**_old_mi(), "code": {"coding": [{"system": system, "code": "312345", "display": text}], "text": text}}


@pytest.mark.parametrize(("text", "fact"), [
    ("History of myocardial infarction", "prior_mi"), ("Hx of MI (2019)", "prior_mi"), ("Old MI", "prior_mi"),
    ("Prior heart attack", "prior_mi"), ("h/o NSTEMI", "prior_mi"), ("Personal history of myocardial infarction", "prior_mi"),
    ("History of TIA", "tia"),
    # a relative's, a current state, or words that name nothing: not read
    ("Family history of myocardial infarction", None), ("History of hypertension", None),
    ("History of chest pain", None), ("Myocardial infarction risk", None),
])
def test_a_past_event_after_history_of_in_a_local_code_s_text(runtime: Runtime, text: str, fact: str | None) -> None:
    result = intake(runtime, _bundle(_local_condition(text)), drug="semaglutide")
    facts = case_facts(result)
    assert (fact in facts and facts[fact] is True) if fact else not any(
        facts.get(f) is True for f in ("prior_mi", "tia", "prior_ischemic_stroke", "hypertension"))
