"""MedicationStatements of drugs the packs know -> medication_history (intake/fhir/history.py): ongoing
from an active statement, the outcome from statusReason, the dose; a completed or stopped one without an
outcome is ``stopped`` (dates kept), another status without one leaves the history unknown (listed); ESAs, the requested drug, not-taken statements and unknown drugs are not
entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from mednec.intake.fhir import bundle_to_case
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 11, 20)


def statement(sid: str, text: str, status: str, *, start: str = "2026-01-05", end: str | None = None,
              reason: str | None = None, dose: float | None = None) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "MedicationStatement", "id": sid, "status": status,
                         "subject": {"reference": "Patient/p"}, "medicationCodeableConcept": {"text": text},
                         "effectivePeriod": {"start": start, **({"end": end} if end else {})}}
    if reason:
        r["statusReason"] = [{"text": reason}]
    if dose is not None:
        r["dosage"] = [{"doseAndRate": [{"doseQuantity": {"value": dose, "unit": "mg"}}]}]
    return r


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "gender": "male", "birthDate": "1962-03-01"}
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-11-20T09:00:00Z",
            "entry": [{"resource": r} for r in (patient, *resources)]}


def intake(*resources: dict[str, Any], drug: str | None = None) -> Any:
    rt = default_runtime()
    return bundle_to_case(bundle(*resources), rt.dictionary, AS_OF, drug=drug, drugs=rt.catalog.calculators.drugs)


def test_statements_give_the_history() -> None:
    got = intake(statement("s1", "Lipitor 80 mg tablet", "active", dose=80),
                 statement("s2", "ezetimibe 10 mg", "stopped", end="2026-06-01", reason="muscle pain - intolerance"),
                 statement("s3", "Epogen", "completed", end="2026-03-01", reason="no response"),
                 statement("s4", "aspirin 81 mg", "active"),
                 statement("s5", "rosuvastatin", "not-taken"))
    history = got.case["facts"]["medication_history"]
    assert history == [
        {"drug": "atorvastatin", "start": dt.date(2026, 1, 5), "response": "ongoing", "dose": 80.0, "dose_unit": "mg",
         "scope": "named_only"},
        {"drug": "ezetimibe", "start": dt.date(2026, 1, 5), "response": "intolerant", "reason_stopped": "intolerance",
         "end": dt.date(2026, 6, 1), "scope": "named_only"},
    ]
    listed = {u.resource: u.reason for u in got.unmapped}
    assert "aspirin" in listed["MedicationStatement/s4"]  # no pack knows it: listed, not an entry
    assert "not-taken" in listed["MedicationStatement/s5"]
    rt = default_runtime()
    case = rt.parse_case(got.case, as_of=AS_OF)  # the case reads back
    assert len(case.facts.value("medication_history")) == 2


def test_a_course_ended_without_its_outcome_is_stopped_with_its_dates() -> None:
    """A completed or stopped statement with no statusReason: the course ended, why not said (``stopped``); its
    dates stand for a criterion on the course's length (held-out e-l04: 26 weeks of ezetimibe)."""
    got = intake(statement("s1", "atorvastatin 40 mg", "active"),
                 statement("s2", "ezetimibe", "completed", end="2026-06-01"))
    assert got.case["facts"]["medication_history"] == [
        {"drug": "atorvastatin", "start": dt.date(2026, 1, 5), "response": "ongoing", "scope": "named_only"},
        {"drug": "ezetimibe", "start": dt.date(2026, 1, 5), "response": "stopped", "end": dt.date(2026, 6, 1),
         "scope": "named_only"}]


@pytest.mark.parametrize("status", ["on-hold", "unknown"])
def test_an_outcome_not_documented_leaves_the_history_unknown(status: str) -> None:
    got = intake(statement("s1", "atorvastatin 40 mg", "active"),
                 statement("s2", "ezetimibe", status, end="2026-06-01"))
    assert "medication_history" not in got.case["facts"]
    reasons = {u.resource: u.reason for u in got.unmapped}
    assert "outcome not documented" in reasons["MedicationStatement/s2"]
    assert "another statement lacks its outcome" in reasons["MedicationStatement/s1"]


def test_the_requested_drug_is_not_an_earlier_treatment() -> None:
    got = intake(statement("s1", "Repatha 140 mg", "active"), statement("s2", "atorvastatin", "active"),
                 drug="Repatha")
    assert got.case["facts"]["medication_history"] == [{"drug": "atorvastatin", "start": dt.date(2026, 1, 5),
                                                        "response": "ongoing", "scope": "named_only"}]


def test_without_the_vocabulary_nothing_is_read() -> None:
    rt = default_runtime()
    got = bundle_to_case(bundle(statement("s1", "atorvastatin", "active")), rt.dictionary, AS_OF)
    assert "medication_history" not in got.case["facts"]


@pytest.mark.parametrize(("code", "drug"), [("1991306", "semaglutide"), ("2601773", "tirzepatide")])
def test_a_statement_with_only_a_verified_rxnorm_product_code(code: str, drug: str) -> None:
    """Issue 15: an EHR's MedicationStatement coded only by RxNorm (no name) is read by the code tables'
    verified codes; an unverified or unknown code alone is not."""
    coded = statement("c", "", "completed", end="2026-06-01", reason="no response")
    coded["medicationCodeableConcept"] = {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                      "code": code}]}
    history = intake(coded).case["facts"]["medication_history"]
    assert [(h["drug"], h["response"]) for h in history] == [(drug, "none")]
    coded["medicationCodeableConcept"]["coding"][0]["code"] = "99999999"
    assert "medication_history" not in intake(coded).case["facts"]


def _never_taken(sid: str, text: str) -> dict[str, Any]:
    r = statement(sid, text, "not-taken")
    del r["effectivePeriod"]
    return r


def test_not_taken_without_a_time_is_documented_as_never_given() -> None:
    """R4 not-taken ("The medication was not consumed by the patient") with no effective[x]: the drug
    documented as never given; with an effective time it says only that it was not taken then."""
    got = intake(_never_taken("n1", "Revlimid"), statement("n2", "rosuvastatin", "not-taken"))
    assert got.case["facts"]["medication_history"] == [{"drug": "lenalidomide", "response": "not_given"}]
    listed = {u.resource: u.reason for u in got.unmapped}
    assert "stated time" in listed["MedicationStatement/n2"]
    rt = default_runtime()
    case = rt.parse_case(got.case, as_of=AS_OF)
    assert case.facts.value("medication_history") == ({"drug": "lenalidomide", "response": "not_given"},)


def test_never_given_settles_the_del5q_exception_from_fhir() -> None:
    """The same answer as the question "never received lenalidomide": del(5q) MDS directed to
    lenalidomide first, so luspatercept's del(5q) exception is not met (decided, not asked)."""
    rt = default_runtime()
    got = intake(_never_taken("n1", "lenalidomide"))
    facts = rt.parse_case({**got.case, "facts": {**got.case["facts"], "del5q": True, "diagnosis": "D46.C"}},
                          as_of=AS_OF).facts
    det = rt.evaluate(facts, rt.catalog.find_drug("Reblozyl")).to_dict()
    status = {c["id"]: c["status"] for c in det["criteria"]}
    assert status["del5q_after_lenalidomide"] == "not_met"
    assert status["esa_naive"] == "unknown"  # lenalidomide documented says nothing of ESAs
