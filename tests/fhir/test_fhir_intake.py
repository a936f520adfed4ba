"""FHIR R4 Bundle -> case: each mapper, the selection of the latest value, and the errors."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from tests.code_systems import LOINC, UCUM

from mednec.errors import CaseFormatError
from mednec.intake.fhir import bundle_to_case
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 11, 20)
LOCAL = "https://mednec.example/fhir/CodeSystem/mednec"
SUBJECT = {"reference": "Patient/p"}


def bundle(*resources: dict[str, Any], btype: str = "collection", patient: bool = True) -> dict[str, Any]:
    entries = [{"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1956-02-14", "gender": "male"}}] \
        if patient else []
    entries += [{"resource": r} for r in resources]
    return {"resourceType": "Bundle", "type": btype, "entry": entries}


def obs(rid: str, code: dict[str, Any], when: str = "2026-11-10", status: str = "final",
        **value: Any) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": rid, "status": status, "code": code, "subject": SUBJECT,
            "effectiveDateTime": when, **value}


def loinc(code: str, display: str = "") -> dict[str, Any]:
    coding = {"system": LOINC, "code": code} | ({"display": display} if display else {})
    return {"coding": [coding]}


def qty(value: Any, code: str, unit: str | None = None) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit or code, "system": UCUM, "code": code}}


def facts_of(runtime: Runtime, *resources: dict[str, Any]) -> dict[str, Any]:
    return bundle_to_case(bundle(*resources), runtime.dictionary, AS_OF).case["facts"]


# --- the fixture bundles -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["first-line", "after-esa-failure", "del5q", "missing-epo", "esa-ineligible"])
def test_every_fixture_bundle_gives_a_valid_case(runtime: Runtime, fixture: Callable[[str], Any], name: str) -> None:
    intake = bundle_to_case(fixture(f"bundle-{name}"), runtime.dictionary)
    case = runtime.parse_case(intake.case)
    assert case.facts.as_of == AS_OF  # from Bundle.timestamp
    # every resource is either a fact's source or listed as unmapped with a reason
    refs = {f"{e['resource']['resourceType']}/{e['resource']['id']}" for e in fixture(f"bundle-{name}")["entry"]}
    # a QuestionnaireResponse answer is named by its item ("QuestionnaireResponse/qr item <linkId>")
    used = {r.split(" item ")[0] for p in intake.provenance for r in (*p.resources, *p.superseded)}
    listed = {u.resource for u in intake.unmapped}
    assert used | listed == refs
    assert all(u.reason for u in intake.unmapped)


def test_first_line_bundle_facts_and_provenance(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    intake = bundle_to_case(fixture("bundle-first-line"), runtime.dictionary)
    facts = intake.case["facts"]
    assert intake.case["patient"]["birth_date"] == {"value": "1956-02-14", "source": "FHIR Patient/p-first-line"}
    assert facts["hemoglobin"] == {"value": 8.1, "unit": "g/dL", "date": "2026-11-10",
                                   "source": "FHIR Observation/hb-20261110"}
    assert facts["platelets"]["value"] == 180 and facts["platelets"]["unit"] == "10^9/L"
    assert facts["serum_epo"]["value"] == 210 and facts["serum_epo"]["unit"] == "mU/mL"
    assert facts["sf3b1_mutation"]["value"] is True
    assert facts["karyotype"]["value"] == "normal" and facts["del5q"]["value"] is False
    assert facts["rbc_transfusions"] == [{"date": d, "units": 1} for d in
                                         ("2026-08-28", "2026-09-12", "2026-09-27", "2026-10-13", "2026-10-28",
                                          "2026-11-12")]
    assert facts["esa_history"] == []  # MedicationStatement not-taken for the ESA class
    hb = next(p for p in intake.provenance if p.fact == "hemoglobin")
    assert hb.resources == ("Observation/hb-20261110",)
    assert hb.superseded == ("Observation/hb-20261020",)  # the older value, 76 g/L
    tx = next(p for p in intake.provenance if p.fact == "rbc_transfusions")
    assert "BiologicallyDerivedProduct/tx-2-product" in tx.resources
    assert [u.resource for u in intake.unmapped] == ["Encounter/enc-1"]


def test_after_esa_bundle_courses_doses_and_transfusion_dedupe(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    intake = bundle_to_case(fixture("bundle-after-esa-failure"), runtime.dictionary)
    facts = intake.case["facts"]
    assert facts["diagnosis"]["value"] == "D46.1"  # written D461 without the dot
    assert facts["esa_history"] == [{"drug": "epoetin alfa", "start": "2026-03-01", "end": "2026-06-01",
                                     "response": "none"}]
    esa = next(p for p in intake.provenance if p.fact == "esa_history")
    assert "MedicationAdministration/epoetin-dose-2" in esa.resources  # doses joined to the course
    assert "Medication/epogen" in esa.resources  # read through medicationReference
    # the administration partOf Procedure/tx-3 (600 mL) is the same transfusion: 2 units, once
    assert facts["rbc_transfusions"] == [{"date": d, "units": 2} for d in ("2026-09-01", "2026-09-29", "2026-10-27")]
    assert intake.unmapped == ()


def test_del5q_is_read_off_the_iscn_karyotype(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    facts = bundle_to_case(fixture("bundle-del5q"), runtime.dictionary).case["facts"]
    assert facts["karyotype"]["value"] == "abnormal"
    assert facts["del5q"]["value"] is True
    assert facts["chromosome7_abnormality"]["value"] is False
    assert facts["sf3b1_mutation"]["value"] is False  # LA9634-2 Absent


def test_missing_epo_bundle_lists_what_it_did_not_use(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    intake = bundle_to_case(fixture("bundle-missing-epo"), runtime.dictionary)
    assert intake.case["facts"]["diagnosis"]["value"] == "D46.9"  # SNOMED CT 109995007
    assert intake.case["facts"]["hemoglobin"]["value"] == 8.3  # the preliminary 9.9 is not used
    reasons = {u.resource: u.reason for u in intake.unmapped}
    assert reasons["Observation/hb-prelim"] == "status is preliminary"
    assert reasons["Condition/old-anemia"] == "clinicalStatus is resolved"
    assert "2345-7" in reasons["Observation/glucose"]
    assert "Condition/htn" not in reasons  # I10 is hypertension now (the GLP-1 pack's comorbidity)
    assert intake.case["facts"]["hypertension"]["value"] is True
    assert "serum_epo" not in intake.case["facts"]


def test_esa_ineligible_bundle_leaves_esa_history_unknown(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    facts = bundle_to_case(fixture("bundle-esa-ineligible"), runtime.dictionary).case["facts"]
    assert "esa_history" not in facts  # no ESA record is not the same as ESA-naive


# --- bundle types, validation, identity ---------------------------------------------------


@pytest.mark.parametrize("btype", ["collection", "searchset", "transaction", "document"])
def test_accepted_bundle_types(runtime: Runtime, btype: str) -> None:
    b = bundle(obs("hb", loinc("718-7"), **qty(8.1, "g/dL")), btype=btype)
    if btype == "transaction":
        for e in b["entry"]:
            e["request"] = {"method": "POST", "url": e["resource"]["resourceType"]}
    assert bundle_to_case(b, runtime.dictionary, AS_OF).case["facts"]["hemoglobin"]["value"] == 8.1


def test_transaction_with_uuid_references(runtime: Runtime) -> None:
    patient = {"resourceType": "Patient", "gender": "female", "birthDate": "1950-05-05"}
    hb = obs("x", loinc("718-7"), **qty(8.1, "g/dL"))
    del hb["id"]
    hb["subject"] = {"reference": "urn:uuid:8c1e2b1a-0000-4000-8000-000000000001"}
    b = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": "urn:uuid:8c1e2b1a-0000-4000-8000-000000000001", "resource": patient,
         "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": "urn:uuid:8c1e2b1a-0000-4000-8000-000000000002", "resource": hb,
         "request": {"method": "POST", "url": "Observation"}},
    ]}
    intake = bundle_to_case(b, runtime.dictionary, AS_OF)
    assert intake.case["facts"]["hemoglobin"]["source"] == "FHIR urn:uuid:8c1e2b1a-0000-4000-8000-000000000002"
    assert intake.case["patient"]["sex"]["value"] == "female"
    other = copy.deepcopy(b)
    other["entry"].append({"fullUrl": "urn:uuid:8c1e2b1a-0000-4000-8000-000000000003", "resource": patient,
                           "request": {"method": "POST", "url": "Patient"}})
    with pytest.raises(CaseFormatError, match="more than one patient"):
        bundle_to_case(other, runtime.dictionary, AS_OF)


@pytest.mark.parametrize("btype", ["message", "batch", "batch-response", "transaction-response", "history"])
def test_other_bundle_types_are_refused(runtime: Runtime, btype: str) -> None:
    with pytest.raises(CaseFormatError) as exc:
        bundle_to_case(bundle(btype=btype), runtime.dictionary, AS_OF)
    assert exc.value.field == "type" and "collection, searchset, transaction" in exc.value.message


# Spec change (issue 15): a resource that cannot be read is listed as not used with the reason
# naming the field, and the rest of the bundle is read (these raised for the whole bundle).


def _reason(intake: Any, resource: str) -> str:
    return next(u.reason for u in intake.unmapped if u.resource == resource)


def test_invalid_bundle_names_the_resource_and_field(runtime: Runtime, fixture: Callable[[str], Any]) -> None:
    intake = bundle_to_case(fixture("bundle-invalid"), runtime.dictionary)
    assert "entry[1].resource(Observation/hb1).valueQuantity.value" in _reason(intake, "Observation/hb1")
    assert "hemoglobin" not in intake.case["facts"]


def test_missing_required_element_is_named(runtime: Runtime) -> None:
    bad = obs("hb", loinc("718-7"), **qty(8.1, "g/dL"))
    del bad["status"]
    good = obs("plt", loinc("777-3"), **qty(180, "10*9/L"))
    intake = bundle_to_case(bundle(bad, good), runtime.dictionary, AS_OF)
    assert "entry[1].resource(Observation/hb).status" in _reason(intake, "Observation/hb")
    assert intake.case["facts"]["platelets"]["value"] == 180


def test_unknown_resource_type_is_named(runtime: Runtime) -> None:
    intake = bundle_to_case(bundle({"resourceType": "Widget", "id": "w"}), runtime.dictionary, AS_OF)
    assert _reason(intake, "Widget/w") == "'Widget' is not a FHIR R4 resource type"


def test_not_a_bundle(runtime: Runtime) -> None:
    with pytest.raises(CaseFormatError, match="expected a FHIR Bundle"):
        bundle_to_case({"resourceType": "Patient", "id": "p"}, runtime.dictionary, AS_OF)


def test_two_patients_are_refused(runtime: Runtime) -> None:
    other = {"resourceType": "Patient", "id": "q", "gender": "female"}
    with pytest.raises(CaseFormatError, match="more than one patient"):
        bundle_to_case(bundle(other), runtime.dictionary, AS_OF)


def test_resource_about_another_patient_is_listed(runtime: Runtime) -> None:
    stranger = obs("hb", loinc("718-7"), **qty(8.1, "g/dL")) | {"subject": {"reference": "Patient/someone-else"}}
    intake = bundle_to_case(bundle(stranger), runtime.dictionary, AS_OF)
    assert "hemoglobin" not in intake.case["facts"]
    assert intake.unmapped[0].reason == "about Patient/someone-else, not the bundle's patient"


# --- observations: units, values, dates -----------------------------------------------------


@pytest.mark.parametrize(
    ("fact", "code", "value", "ucum", "expected"),
    [
        ("hemoglobin", "718-7", 81, "g/L", 8.1),
        ("hemoglobin", "718-7", 5.03, "mmol/L", 8.10333),
        ("platelets", "777-3", 180, "10*9/L", 180),
        ("platelets", "777-3", 180, "10*3/uL", 180),
        ("platelets", "777-3", 180000, "/uL", 180),
        ("platelets", "777-3", 180000, "{cells}/uL", 180),
        ("anc", "751-8", 2.1, "10*3/uL", 2.1),
        ("serum_epo", "15061-5", 210, "m[IU]/mL", 210),
        ("serum_epo", "15061-5", 210, "[IU]/L", 210),
        ("serum_epo", "15061-5", 210, "m[iU]/mL", 210),
        ("marrow_blasts_pct", "26445-7", 3, "%", 3),
    ],
)
def test_ucum_units_convert_through_the_dictionary(
    runtime: Runtime, fact: str, code: str, value: float, ucum: str, expected: float
) -> None:
    got = facts_of(runtime, obs("o", loinc(code), **qty(value, ucum)))[fact]
    assert got["value"] == pytest.approx(expected, rel=1e-4)
    assert got["unit"] == runtime.dictionary.facts[fact].unit


def test_written_unit_is_used_when_there_is_no_ucum_code(runtime: Runtime) -> None:
    o = obs("o", loinc("777-3"), valueQuantity={"value": 180, "unit": "K/uL"})
    assert facts_of(runtime, o)["platelets"]["value"] == 180


def test_unknown_unit_names_the_field(runtime: Runtime) -> None:
    intake = bundle_to_case(bundle(obs("hb1", loinc("718-7"), **qty(810, "mg/dL"))), runtime.dictionary, AS_OF)
    why = _reason(intake, "Observation/hb1")
    assert why.startswith("entry[1].resource(Observation/hb1).valueQuantity: unit") and "g/dL" in why


def test_implausible_value_names_the_field(runtime: Runtime) -> None:
    intake = bundle_to_case(bundle(obs("hb1", loinc("718-7"), **qty(81, "g/dL"))), runtime.dictionary, AS_OF)
    assert _reason(intake, "Observation/hb1").startswith("entry[1].resource(Observation/hb1).valueQuantity")
    assert "hemoglobin" not in intake.case["facts"]


def test_latest_value_wins_whatever_the_order(runtime: Runtime) -> None:
    newer = obs("new", loinc("718-7"), when="2026-11-10T08:00:00-05:00", **qty(8.1, "g/dL"))
    older = obs("old", loinc("718-7"), when="2026-11-01", **qty(9.0, "g/dL"))
    assert facts_of(runtime, newer, older)["hemoglobin"]["value"] == 8.1
    assert facts_of(runtime, older, newer)["hemoglobin"]["value"] == 8.1


def test_values_after_the_evaluation_date_are_not_used(runtime: Runtime) -> None:
    later = obs("later", loinc("718-7"), when="2026-12-01", **qty(12, "g/dL"))
    now = obs("now", loinc("718-7"), when="2026-11-10", **qty(8.1, "g/dL"))
    intake = bundle_to_case(bundle(later, now), runtime.dictionary, AS_OF)
    assert intake.case["facts"]["hemoglobin"]["value"] == 8.1
    assert "after the evaluation date" in intake.unmapped[0].reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [  # spec change (issue 15): a value with a comparator is kept as a bound (test_fhir_ehr_shapes.py)
        ({"dataAbsentReason": {"text": "Specimen hemolysed"}}, "Specimen hemolysed"),
    ],
)
def test_inexact_or_absent_values_are_listed(runtime: Runtime, value: dict[str, Any], reason: str) -> None:
    intake = bundle_to_case(bundle(obs("epo", loinc("15061-5"), **value)), runtime.dictionary, AS_OF)
    assert "serum_epo" not in intake.case["facts"]
    assert reason in intake.unmapped[0].reason


def test_partial_date_is_the_range_of_its_days(runtime: Runtime) -> None:
    """A partial effectiveDateTime ("2026-10") dates the value by every day it names (held-out dates9; was: the
    Observation listed as not read): the case file reads the ISO interval as its first and last day."""
    intake = bundle_to_case(bundle(obs("hb", loinc("718-7"), when="2026-10", **qty(8, "g/dL"))),
                            runtime.dictionary, AS_OF)
    assert not intake.unmapped
    assert intake.case["facts"]["hemoglobin"]["date"] == "2026-10-01/2026-10-31"


def test_local_codes_and_code_text(runtime: Runtime) -> None:
    facts = facts_of(
        runtime,
        obs("r", {"coding": [{"system": LOCAL, "code": "ipss_r_category"}]}, valueCodeableConcept={"text": "Low"}),
        obs("rs", {"coding": [{"system": "mednec", "code": "ring-sideroblasts-pct"}]}, **qty(18, "%")),
        obs("d", {"text": "del(5q)"}, valueString="negative"),
        obs("s", {"coding": [{"system": LOCAL, "code": "anemia_symptomatic"}]}, valueBoolean=True),
    )
    assert facts["ipss_r_category"]["value"] == "low"
    assert facts["ring_sideroblasts_pct"]["value"] == 18
    assert facts["del5q"]["value"] is False
    assert facts["anemia_symptomatic"]["value"] is True


def test_sf3b1_by_text_and_variant_significance(runtime: Runtime) -> None:
    text = obs("t", {"text": "SF3B1 mutation analysis"}, valueCodeableConcept={"text": "Not detected"})
    assert facts_of(runtime, text)["sf3b1_mutation"]["value"] is False
    benign = obs("v", loinc("69548-6"), valueCodeableConcept={"coding": [{"system": LOINC, "code": "LA9633-4"}]},
                 component=[
                     {"code": loinc("48018-6"), "valueCodeableConcept": {"coding": [
                         {"system": "http://www.genenames.org/geneId", "code": "HGNC:10768"}]}},
                     {"code": loinc("53037-8"), "valueCodeableConcept": {"text": "Likely benign"}},
                 ])
    assert facts_of(runtime, benign)["sf3b1_mutation"]["value"] is False
    other = obs("tet2", loinc("69548-6"), valueCodeableConcept={"text": "Present"},
                component=[{"code": loinc("48018-6"), "valueCodeableConcept": {"text": "TET2"}}])
    intake = bundle_to_case(bundle(other), runtime.dictionary, AS_OF)
    assert intake.unmapped[0].reason == "gene TET2 is not used by the fact dictionary"


@pytest.mark.parametrize(
    ("iscn", "karyotype", "del5q", "chr7"),
    [
        ("46,XX[20]", "normal", False, False),
        ("46,XY,del(5)(q13q33)[18]/46,XY[2]", "abnormal", True, False),
        ("45,XY,-7[20]", "abnormal", False, True),
        ("47,XY,+8[20]", "abnormal", False, False),
    ],
)
def test_iscn_karyotypes(runtime: Runtime, iscn: str, karyotype: str, del5q: bool, chr7: bool) -> None:
    facts = facts_of(runtime, obs("k", {"text": "Karyotype"}, valueString=iscn))
    assert (facts["karyotype"]["value"], facts["del5q"]["value"], facts["chromosome7_abnormality"]["value"]) == (
        karyotype, del5q, chr7)


# --- conditions -----------------------------------------------------------------------------


def test_latest_and_most_specific_diagnosis(runtime: Runtime) -> None:
    def cond(rid: str, code: str, recorded: str, system: str = "http://hl7.org/fhir/sid/icd-10-cm") -> dict[str, Any]:
        return {"resourceType": "Condition", "id": rid, "subject": SUBJECT, "recordedDate": recorded,
                "code": {"coding": [{"system": system, "code": code}]}}

    same_day = facts_of(runtime, cond("a", "109995007", "2026-06-01", "http://snomed.info/sct"),
                        cond("b", "D46.1", "2026-06-01"))
    assert same_day["diagnosis"]["value"] == "D46.1"
    later = facts_of(runtime, cond("a", "D46.1", "2026-01-01"), cond("b", "D46.20", "2026-06-01"))
    assert later["diagnosis"]["value"] == "D46.20"


def test_refuted_condition_is_not_used(runtime: Runtime) -> None:
    refuted = {"resourceType": "Condition", "id": "c", "subject": SUBJECT,
               "verificationStatus": {"coding": [{"code": "refuted"}]},
               "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "D46.1"}]}}
    intake = bundle_to_case(bundle(refuted), runtime.dictionary, AS_OF)
    assert "diagnosis" not in intake.case["facts"]
    assert intake.unmapped[0].reason == "verificationStatus is refuted"


# --- transfusions and ESA ---------------------------------------------------------------------


def test_transfusion_units_and_defaults(runtime: Runtime) -> None:
    proc = {"resourceType": "Procedure", "id": "p1", "status": "completed", "subject": SUBJECT,
            "code": {"text": "RBC transfusion"}, "performedDateTime": "2026-11-01"}
    generic = {"resourceType": "Procedure", "id": "p2", "status": "completed", "subject": SUBJECT,
               "code": {"coding": [{"system": "http://snomed.info/sct", "code": "116859006"}]},
               "performedDateTime": "2026-11-02"}
    admin = {"resourceType": "MedicationAdministration", "id": "m1", "status": "completed", "subject": SUBJECT,
             "medicationCodeableConcept": {"text": "Packed red cells"}, "effectiveDateTime": "2026-11-05",
             "dosage": {"dose": {"value": 3, "unit": "U", "system": UCUM, "code": "U"}}}
    not_done = proc | {"id": "p3", "status": "not-done"}
    intake = bundle_to_case(bundle(proc, admin, not_done), runtime.dictionary, AS_OF)
    assert intake.case["facts"]["rbc_transfusions"] == [{"date": "2026-11-01", "units": 1},
                                                        {"date": "2026-11-05", "units": 3}]
    reasons = {u.resource: u.reason for u in intake.unmapped}
    assert reasons["Procedure/p3"] == "status is not-done"
    # Spec change (issue 15): a blood-product transfusion that names no product (SNOMED CT
    # 116859006 alone) leaves the list unknown -- counting it could overcount, dropping it
    # undercount -- and every transfusion record is listed with why (it was silently skipped).
    unclear = bundle_to_case(bundle(proc, generic, admin), runtime.dictionary, AS_OF)
    assert "rbc_transfusions" not in unclear.case["facts"]
    why = {u.resource: u.reason for u in unclear.unmapped}
    assert "116859006" in why["Procedure/p2"] and "not stated" in why["Procedure/p2"]
    assert "another transfusion record" in why["Procedure/p1"]


def _esa_statement(rid: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "MedicationStatement", "id": rid, "status": status, "subject": SUBJECT,
            "medicationCodeableConcept": {"text": "Aranesp 300 mcg"}, **extra}


def test_esa_course_without_response_leaves_the_history_unknown(runtime: Runtime) -> None:
    done = _esa_statement("a", "completed", effectivePeriod={"start": "2026-01-01", "end": "2026-04-01"},
                          statusReason=[{"text": "Intolerance (hypertension)"}])
    unclear = _esa_statement("b", "completed", effectivePeriod={"start": "2026-05-01", "end": "2026-07-01"})
    intake = bundle_to_case(bundle(done, unclear), runtime.dictionary, AS_OF)
    assert "esa_history" not in intake.case["facts"]
    reasons = {u.resource: u.reason for u in intake.unmapped}
    assert "response not documented" in reasons["MedicationStatement/b"]
    assert "another ESA record is incomplete" in reasons["MedicationStatement/a"]


def test_esa_courses_by_code_and_status(runtime: Runtime) -> None:
    # Spec change (issue 15): a verified product-level RxNorm code of Aranesp (openFDA NDC
    # 55513-002), not the unverified ingredient code 283838, which is no longer used
    order = {"resourceType": "MedicationRequest", "id": "r", "status": "active", "intent": "order", "subject": SUBJECT,
             "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                       "code": "349273"}]},
             "authoredOn": "2026-10-01"}
    stopped = _esa_statement("s", "stopped", effectivePeriod={"start": "2026-01-01", "end": "2026-03-15"},
                             statusReason=[{"text": "Ineffective: no hemoglobin rise"}])
    facts = facts_of(runtime, order, stopped)
    assert facts["esa_history"] == [
        {"drug": "darbepoetin alfa", "start": "2026-01-01", "end": "2026-03-15", "response": "none"},
        {"drug": "darbepoetin alfa", "start": "2026-10-01", "response": "ongoing"},
    ]


def test_esa_doses_alone_are_an_undocumented_course(runtime: Runtime) -> None:
    doses = [{"resourceType": "MedicationAdministration", "id": f"d{i}", "status": "completed", "subject": SUBJECT,
              "medicationCodeableConcept": {"text": "Retacrit"}, "effectiveDateTime": f"2026-0{i}-01"}
             for i in range(1, 4)]
    intake = bundle_to_case(bundle(*doses), runtime.dictionary, AS_OF)
    assert "esa_history" not in intake.case["facts"]
    assert "epoetin alfa given 2026-01-01 to 2026-03-01 (3 doses)" in intake.unmapped[0].reason


def test_not_taken_for_one_drug_is_not_esa_naive(runtime: Runtime) -> None:
    statement = _esa_statement("n", "not-taken")
    intake = bundle_to_case(bundle(statement), runtime.dictionary, AS_OF)
    assert "esa_history" not in intake.case["facts"]
    assert "no ESA of any kind" in intake.unmapped[0].reason


def test_non_esa_medication_is_listed(runtime: Runtime) -> None:
    statin = {"resourceType": "MedicationStatement", "id": "m", "status": "active", "subject": SUBJECT,
              "medicationCodeableConcept": {"text": "Atorvastatin 20 mg"}}
    intake = bundle_to_case(bundle(statin), runtime.dictionary, AS_OF)
    assert intake.unmapped[0].reason == "not an ESA (Atorvastatin 20 mg)"


@pytest.mark.parametrize("effective", [{"effectivePeriod": {"start": "2026-09-01", "end": "2026-11-30"}},
                                       {"effectiveDateTime": "2026-11-10"}])
def test_esa_class_not_taken_for_a_stated_time_is_not_esa_naive(runtime: Runtime, effective: dict[str, Any]) -> None:
    """R4 not-taken for the ESA class WITH an effective[x] says no ESA was taken then, not that none was
    ever given (held-out hf11, hf12): listed, and esa_history stays unknown (as history.py reads it)."""
    statement = {"resourceType": "MedicationStatement", "id": "n", "status": "not-taken", "subject": SUBJECT,
                 "medicationCodeableConcept": {"text": "Erythropoiesis-stimulating agent (epoetin, darbepoetin)"},
                 **effective}
    intake = bundle_to_case(bundle(statement), runtime.dictionary, AS_OF)
    assert "esa_history" not in intake.case["facts"]
    assert "for a stated time" in intake.unmapped[0].reason
    undated = {k: v for k, v in statement.items() if k not in effective}
    assert bundle_to_case(bundle(undated), runtime.dictionary, AS_OF).case["facts"]["esa_history"] == []
