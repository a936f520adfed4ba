"""Doses of the requested drug -> treatment_start / treatment_doses, for re-authorisation.

The continuation bundle (tests/fixtures/fhir/bundle-continuation.json) is the FHIR form of
examples/luspatercept-continuation.yaml; the smaller bundles below each state one rule of
mednec.intake.fhir.treatment, as a table: the resources, the requested drug, and what must
come out (the two facts, and the reason each unused resource is listed with).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from tests.code_systems import RXNORM, UCUM

from mednec.fhir.crd import assess
from mednec.fhir.pas import REVIEW_ACTION, REVIEW_ACTION_CODE, InMemoryClaimStore, submit
from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AS_OF = dt.date(2026, 11, 20)
SUBJECT = {"reference": "Patient/p"}
REBLOZYL = {"coding": [{"system": RXNORM, "code": "2262906", "display": "luspatercept-aamt 25 MG Injection"}]}
# spec change (issue 13): continuation also accepts a 1.5 g/dL rise when not transfusion-dependent
CONTINUATION_STATUSES = {"response_or_titrating": "met", "burden_reduced": "met", "hemoglobin_rise_not_dependent": "not_met",
                         "within_titration_window": "not_met"}


# --- the continuation bundle ----------------------------------------------------------------


def _summary(det: Any) -> tuple[str, dict[str, str]]:
    return det.determination, {c.id: c.status.value for c in det.criteria}


def test_continuation_bundle_agrees_with_the_example(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    intake = bundle_to_case(fixture("bundle-continuation"), runtime.dictionary, drug="Reblozyl")
    from_bundle = runtime.parse_case(intake.case)
    from_file = runtime.read_case(EXAMPLES / "luspatercept-continuation.yaml")
    a = runtime.evaluate(from_bundle.facts, "luspatercept", phase="continuation")
    b = runtime.evaluate(from_file.facts, "luspatercept", phase="continuation")
    assert _summary(a) == _summary(b) == ("meets_criteria", CONTINUATION_STATUSES)
    facts = intake.case["facts"]
    assert facts["treatment_start"]["value"] == "2026-06-12"
    assert facts["treatment_start"]["source"] == "FHIR MedicationStatement/reblozyl-course"
    assert [(d["date"], d["dose"], d["unit"]) for d in facts["treatment_doses"]] == [
        ("2026-06-12", 1, "mg/kg"), ("2026-07-03", 1, "mg/kg"), ("2026-07-24", 1.33, "mg/kg"),
        ("2026-08-14", 1.33, "mg/kg"), ("2026-09-04", 1.75, "mg/kg"), ("2026-09-25", 1.75, "mg/kg"),
        ("2026-10-16", 1.75, "mg/kg"), ("2026-11-06", 1.75, "mg/kg")]
    doses = next(p for p in intake.provenance if p.fact == "treatment_doses")
    assert "MedicationAdministration/reblozyl-dose-1" in doses.resources and "Medication/reblozyl" in doses.resources
    # every resource is a fact's source or listed with a reason; the dose charted in error is listed
    refs = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in fixture("bundle-continuation")["entry"]}
    used = {r.split(".component[")[0] for p in intake.provenance for r in (*p.resources, *p.superseded)}
    assert used | {u.resource for u in intake.unmapped} == refs
    assert [(u.resource, u.reason.split(";")[0]) for u in intake.unmapped] == [(
        "MedicationAdministration/reblozyl-dose-error", "status is entered-in-error: no dose of luspatercept was given")]


def test_continuation_bundle_through_the_command_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "MEDNEC_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "mednec", "evaluate", str(FIXTURES / "bundle-continuation.json"),
                           "--drug", "reblozyl", "--phase", "continuation", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    det = json.loads(proc.stdout)
    assert det["determination"] == "meets_criteria" and det["phase"] == "continuation"
    assert {c["id"]: c["status"] for c in det["criteria"]} == CONTINUATION_STATUSES


def test_without_the_requested_drug_nothing_is_guessed(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    intake = bundle_to_case(fixture("bundle-continuation"), runtime.dictionary)
    assert "treatment_start" not in intake.case["facts"] and "treatment_doses" not in intake.case["facts"]
    reasons = {u.resource: u.reason for u in intake.unmapped}
    for ref in ("MedicationStatement/reblozyl-course", *(f"MedicationAdministration/reblozyl-dose-{i}"
                                                          for i in range(1, 9))):
        assert reasons[ref].startswith("luspatercept: the requested drug is not known"), ref
    det = runtime.evaluate(runtime.parse_case(intake.case).facts, "luspatercept", phase="continuation")
    assert det.determination == "insufficient_information"


def test_another_drug_requested_does_not_use_these_doses(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    intake = bundle_to_case(fixture("bundle-continuation"), runtime.dictionary, drug="lenalidomide")
    assert "treatment_doses" not in intake.case["facts"]
    reason = next(u.reason for u in intake.unmapped if u.resource == "MedicationAdministration/reblozyl-dose-1")
    assert reason.startswith("not lenalidomide, the requested drug (Reblozyl")


def test_pas_renewal_reads_the_item_drug(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    now = dt.datetime(2026, 11, 25, 15, 0, tzinfo=dt.UTC)
    store = InMemoryClaimStore()
    cr = submit(fixture("pas-request-continuation"), runtime, store=store, now=now)["entry"][0]["resource"]
    ext = next(e for e in cr["item"][0]["adjudication"][0]["extension"] if e["url"] == REVIEW_ACTION)
    code = {e["url"]: e for e in ext["extension"]}[REVIEW_ACTION_CODE]["valueCodeableConcept"]["coding"][0]["code"]
    assert code == "A1"  # certified: renewal (X12 1322 "R") evaluated on the luspatercept doses
    record = store.get(cr["preAuthRef"])
    assert record is not None and record.determinations[0]["phase"] == "continuation"


def test_crd_reads_the_doses_of_the_ordered_drug(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    request = fixture("cds-order-sign-request")
    bundle = fixture("bundle-continuation")
    patient = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    request["context"]["patientId"] = patient["id"]
    for e in request["context"]["draftOrders"]["entry"]:  # the orders are that patient's (one patient per request)
        e["resource"]["subject"] = {"reference": f"Patient/{patient['id']}"}
    rest = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Patient"]
    request["prefetch"] |= {"patient": patient,
                            "conditions": {"resourceType": "Bundle", "type": "searchset", "entry": rest}}
    for key in ("observations", "medicationRequests", "medicationStatements", "medicationAdministrations",
                "procedures", "questionnaireResponses", "allergyIntolerances", "familyMemberHistories"):
        request["prefetch"][key] = None
    result = assess(request, runtime, as_of=dt.date(2026, 11, 25))
    assert result.case is not None
    assert len(result.case["facts"]["treatment_doses"]) == 8
    assert result.case["facts"]["treatment_start"]["value"] == "2026-06-12"


# --- one rule per row -----------------------------------------------------------------------


def dose(rid: str, day: str | None, value: float | None = 1.0, unit: str | None = "mg/kg", *,
         status: str = "completed", medication: dict[str, Any] | None = None) -> dict[str, Any]:
    res: dict[str, Any] = {"resourceType": "MedicationAdministration", "id": rid, "status": status,
                           "medicationCodeableConcept": medication or REBLOZYL, "subject": SUBJECT}
    if day is not None:
        res["effectiveDateTime"] = day
    else:  # R4 requires effective[x]: a period whose dates are absent, as an EHR exports an unknown time
        res["effectivePeriod"] = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                                                 "valueCode": "unknown"}]}
    if value is not None:
        res["dosage"] = {"dose": {"value": value} | ({"unit": unit, "system": UCUM, "code": unit} if unit else {})}
    return res


def statement(rid: str, start: str, status: str = "active") -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": rid, "status": status, "medicationCodeableConcept": REBLOZYL,
            "subject": SUBJECT, "effectivePeriod": {"start": start}}


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1956-02-14", "gender": "male"}
    return {"resourceType": "Bundle", "type": "collection",
            "entry": [{"resource": r} for r in (patient, *resources)]}


class Row(NamedTuple):
    resources: tuple[dict[str, Any], ...]
    start: str | None  # treatment_start, None = left unknown
    doses: list[tuple[str, float]] | None  # treatment_doses (date, dose), None = left unknown
    listed: dict[str, str]  # resource -> a phrase of the reason it is listed with
    drug: str = "Reblozyl"


EVERY_3_WEEKS = (dose("d1", "2026-08-14", 1), dose("d2", "2026-09-04", 1.33), dose("d3", "2026-09-25", 1.75))
ROWS = {
    "earliest administration is the start": Row(
        EVERY_3_WEEKS, "2026-08-14", [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)], {}),
    "not-done and entered-in-error are ignored": Row(
        (*EVERY_3_WEEKS, dose("held", "2026-10-16", 1.75, status="not-done"),
         dose("oops", "2026-08-01", 1, status="entered-in-error")),
        "2026-08-14", [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)],
        {"MedicationAdministration/held": "status is not-done: no dose of luspatercept was given",
         "MedicationAdministration/oops": "status is entered-in-error"}),
    "an administration without a date is listed; start and doses unknown": Row(
        (*EVERY_3_WEEKS, dose("undated", None)), None, None,
        {"MedicationAdministration/undated": "given on no stated date",
         "MedicationAdministration/d1": "another record of the drug is incomplete"}),
    "a partial date is listed like a missing one": Row(
        (*EVERY_3_WEEKS, dose("partial", "2026-07")), None, None,
        {"MedicationAdministration/partial": "partial date (2026-07)"}),
    "a stated start survives an undated administration": Row(
        (statement("s", "2026-08-14"), *EVERY_3_WEEKS, dose("undated", None)), "2026-08-14", None,
        {"MedicationAdministration/undated": "treatment_doses left unknown"}),
    "a dose in mg is not a luspatercept dose level": Row(
        (*EVERY_3_WEEKS, dose("mg", "2026-10-16", 75, "mg")), "2026-08-14", None,
        {"MedicationAdministration/mg": "dose 75 mg; luspatercept doses are counted in mg/kg"}),
    "a dose without a unit is not used": Row(
        (*EVERY_3_WEEKS, dose("nounit", "2026-10-16", 1.75, None)), "2026-08-14", None,
        {"MedicationAdministration/nounit": "(no unit)"}),
    "stopped: given, amount unknown": Row(
        (*EVERY_3_WEEKS, dose("stopped", "2026-10-16", 1.75, status="stopped")), "2026-08-14", None,
        {"MedicationAdministration/stopped": "how much luspatercept was given is not known"}),
    "two identical records of a day are one dose": Row(
        (*EVERY_3_WEEKS, dose("again", "2026-09-25", 1.75)), "2026-08-14",
        [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)], {}),
    "two different doses on one day": Row(
        (*EVERY_3_WEEKS, dose("other", "2026-09-25", 1.33)), "2026-08-14", None,
        {"MedicationAdministration/other": "give different doses"}),
    "a statement states the start": Row(
        (statement("s", "2026-08-12"), *EVERY_3_WEEKS), "2026-08-12",
        [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)], {}),
    "a dose before the stated start: both unknown": Row(
        (statement("s", "2026-09-01"), *EVERY_3_WEEKS), None, None,
        {"MedicationStatement/s": "predates the start 2026-09-01",
         "MedicationAdministration/d1": "predates the start 2026-09-01"}),
    "a stated start weeks before the first recorded dose: the dose record is incomplete": Row(
        (statement("s", "2026-06-12"), *EVERY_3_WEEKS), "2026-06-12", None,
        {"MedicationAdministration/d1": "63 days after the start 2026-06-12"}),
    "statements that disagree": Row(
        (statement("s1", "2026-08-14"), statement("s2", "2026-07-01", "completed"), *EVERY_3_WEEKS), None,
        [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)],
        {"MedicationStatement/s2": "statements give different starts"}),
    "a not-taken statement is listed": Row(
        (statement("nt", "2026-08-14", "not-taken"), *EVERY_3_WEEKS), "2026-08-14",
        [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)],
        {"MedicationStatement/nt": "status is not-taken"}),
    "an order is not a dose": Row(
        (*EVERY_3_WEEKS, {"resourceType": "MedicationRequest", "id": "renewal", "status": "active", "intent": "order",
                          "medicationCodeableConcept": REBLOZYL, "subject": SUBJECT, "authoredOn": "2026-11-20",
                          "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": "2026-06-01"}}}}]}),
        "2026-08-14", [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)],
        {"MedicationRequest/renewal": "an order for luspatercept: it says what is to be given"}),
    "recognised by name when the code is missing": Row(
        (dose("n1", "2026-08-14", 7.1, medication={"text": "Rytelo (imetelstat) 7.1 mg/kg IV"}),
         dose("n2", "2026-09-11", 7.1, medication={"text": "IMETELSTAT"})),
        "2026-08-14", [("2026-08-14", 7.1), ("2026-09-11", 7.1)], {}, drug="imetelstat"),
    "a code for one drug and the name of another is unclear": Row(
        (*EVERY_3_WEEKS, dose("mixed", "2026-10-16", 1.75, medication={
            "coding": [{"system": RXNORM, "code": "602910"}], "text": "Reblozyl"})),
        "2026-08-14", None, {"MedicationAdministration/mixed": "lenalidomide and luspatercept"}),
    "another drug's administrations are not doses": Row(
        (*EVERY_3_WEEKS, dose("folate", "2026-08-01", 1, "mg", medication={"text": "Folic acid 1 mg"})),
        "2026-08-14", [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)],
        {"MedicationAdministration/folate": "not luspatercept, the requested drug (Folic acid 1 mg)"}),
    "a dose after the evaluation date is not used": Row(
        (*EVERY_3_WEEKS, dose("later", "2026-12-04", 1.75)), "2026-08-14",
        [("2026-08-14", 1), ("2026-09-04", 1.33), ("2026-09-25", 1.75)],
        {"MedicationAdministration/later": "after the evaluation date"}),
    "a requested drug FHIR intake does not know": Row(
        EVERY_3_WEEKS, None, None, {"MedicationAdministration/d1": "is not one FHIR intake recognises"},
        drug="azacitidine"),
}


@pytest.mark.parametrize("name", list(ROWS))
def test_treatment_rule(runtime: Runtime, name: str) -> None:
    row = ROWS[name]
    intake = bundle_to_case(bundle(*row.resources), runtime.dictionary, AS_OF, drug=row.drug)
    facts = intake.case["facts"]
    assert facts.get("treatment_start", {}).get("value") == row.start
    got = facts.get("treatment_doses")
    assert ([(d["date"], d["dose"]) for d in got] if got is not None else None) == row.doses
    reasons: dict[str, list[str]] = {}
    for u in intake.unmapped:
        reasons.setdefault(u.resource, []).append(u.reason)
    for ref, phrase in row.listed.items():
        assert any(phrase in r for r in reasons.get(ref, [])), (ref, reasons.get(ref))
    if not row.listed:
        assert not intake.unmapped
    runtime.parse_case(intake.case)  # what comes out is a valid case


def test_esa_requested_doses_count_for_both_facts(runtime: Runtime) -> None:
    epogen = {"text": "Epogen (epoetin alfa)"}
    given = [dose(f"e{i}", day, 40000, "[iU]", medication=epogen)
             for i, day in enumerate(("2026-09-04", "2026-09-11", "2026-09-18"))]
    intake = bundle_to_case(bundle(*given), runtime.dictionary, AS_OF, drug="epoetin alfa")
    facts = intake.case["facts"]
    assert facts["treatment_start"]["value"] == "2026-09-04"
    assert [(d["dose"], d["unit"]) for d in facts["treatment_doses"]] == [(40000, "IU")] * 3
    assert "esa_history" not in facts  # the ESA course has no documented response, as without a drug
    assert all("response not documented" in u.reason for u in intake.unmapped)
