"""The requested drug's own course from FHIR, as each pack declares it (pack.yaml ``course:``), and earlier
treatments from medication orders -- with bundles shaped as Epic- and Cerner-style servers send them:
a Medication contained or referenced elsewhere in the bundle, coded only (RxNorm, no text) or named only
(text, no code); not-done and entered-in-error records ignored.

Each bundle is the FHIR form of one of the pack's own cases and must give the same determination, so the
FHIR reading is checked against the case the policy is tested with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from textwrap import dedent, indent
from typing import Any

import pytest
import yaml
from tests.code_systems import LOINC, RXNORM, UCUM
from tests.policies.test_throwaway_pack import FILES

from mednec.errors import ConfigError
from mednec.facts.drugs import DrugEntry
from mednec.intake.fhir import bundle_to_case
from mednec.policies.course import parse_course
from mednec.runtime import Runtime, default_runtime

AS_OF = dt.date(2026, 12, 1)
PACKS = Path(__file__).resolve().parents[2] / "src" / "mednec" / "packs"
P = {"reference": "Patient/p"}


def patient(sex: str = "female", born: str = "1982-03-01") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p", "gender": sex, "birthDate": born}


def weight(oid: str, day: str, kg: float) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": oid, "status": "final", "subject": P,
            "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                      "code": "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": "29463-7", "display": "Body weight"}]},
            "effectiveDateTime": day, "valueQuantity": {"value": kg, "unit": "kg", "system": UCUM, "code": "kg"}}


def bundle(*resources: dict[str, Any], who: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset",
            "entry": [{"fullUrl": f"https://ehr.example/fhir/{r['resourceType']}/{r['id']}", "resource": r}
                      for r in (who or patient(), *resources)]}


def intake(b: dict[str, Any], drug: str | None, rt: Runtime | None = None) -> Any:
    rt = rt or default_runtime()
    return bundle_to_case(b, rt.dictionary, AS_OF, drug=drug, drugs=rt.catalog.calculators.drugs)


def case_of(path: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((PACKS / path).read_text("utf-8"))
    return data


def criteria(rt: Runtime, case: dict[str, Any], drug: str, phase: str = "initial") -> tuple[str, dict[str, str]]:
    det = rt.evaluate(rt.parse_case(case, as_of=AS_OF).facts, drug, phase=phase)
    return det.determination, {c.id: c.status.value for c in det.criteria}


def _expected(path: str) -> tuple[str, dict[str, str]]:
    expect = case_of(path)["expect"]
    return expect["determination"], expect["criteria"]


def _agrees(got: tuple[str, dict[str, str]], path: str) -> None:
    determination, statuses = _expected(path)
    assert got[0] == determination
    assert {k: got[1][k] for k in statuses} == statuses


# --- GLP-1: the pre-GLP-1 baseline, the start and "taken in the last 180 days" -----------------------

WEGOVY_MED = {"resourceType": "Medication", "id": "wegovy-med",
              "code": {"text": "WEGOVY 2.4 MG/0.75ML SC SOAJ"}}  # Epic: a Medication named only by text


def _wegovy_records(start: str = "2025-11-20") -> list[dict[str, Any]]:
    return [
        WEGOVY_MED,
        {"resourceType": "MedicationStatement", "id": "wegovy-stmt", "status": "active", "subject": P,
         "medicationReference": {"reference": "Medication/wegovy-med"}, "effectivePeriod": {"start": start}},
        {"resourceType": "MedicationAdministration", "id": "wegovy-dose", "status": "completed", "subject": P,
         "medicationReference": {"reference": "https://ehr.example/fhir/Medication/wegovy-med"},
         "effectiveDateTime": "2026-11-24T09:00:00-05:00", "dosage": {"dose": {"value": 2.4, "unit": "mg"}}},
        {"resourceType": "MedicationAdministration", "id": "wegovy-error", "status": "entered-in-error", "subject": P,
         "medicationReference": {"reference": "Medication/wegovy-med"}, "effectiveDateTime": "2026-11-30"},
        {"resourceType": "MedicationAdministration", "id": "wegovy-held", "status": "not-done", "subject": P,
         "medicationReference": {"reference": "Medication/wegovy-med"}, "effectiveDateTime": "2026-11-29"},
    ]


def test_wegovy_continuation_from_an_epic_shaped_bundle() -> None:
    """Case wegovy/16 (100 kg before any GLP-1, 93 kg now) as FHIR: the baseline is the weight on or before
    the start the statement gives, the later weight is the current one."""
    rt = default_runtime()
    got = intake(bundle(weight("w-old", "2025-06-01", 104), weight("w-base", "2025-11-18", 100),
                        weight("w-now", "2026-11-15", 93), *_wegovy_records()), "Wegovy")
    facts = got.case["facts"]
    assert facts["requested_drug_start"]["value"] == "2025-11-20"
    assert facts["requested_drug_start"]["source"] == "FHIR MedicationStatement/wegovy-stmt"
    assert facts["weight_baseline"]["value"] == 100 and facts["weight_baseline"]["source"] == "FHIR Observation/w-base"
    assert facts["weight"]["value"] == 93
    assert facts["requested_drug_recent"]["value"] is True
    reasons = {u.resource: u.reason for u in got.unmapped}
    assert "entered-in-error" in reasons["MedicationAdministration/wegovy-error"]
    assert "not-done" in reasons["MedicationAdministration/wegovy-held"]
    assert "Medication/wegovy-med" not in reasons  # read through the references
    case = dict(got.case)
    case["facts"] = {**facts, "age": 44, "on_maintenance_dose": True, "mtc_men2_history": False,
                     "concurrent_glp1": False}
    _agrees(criteria(rt, case, "Wegovy", "continuation"), "glp1_weight_diabetes/wegovy/cases/16-continuation-meets-7-percent.yaml")


def test_no_start_no_baseline() -> None:
    """Administrations alone: the earliest is the start; a weight after it is not a baseline."""
    med = {"resourceType": "MedicationAdministration", "id": "a1", "status": "completed", "subject": P,
           "medicationCodeableConcept": {"text": "Wegovy"}, "effectiveDateTime": "2026-06-02"}
    got = intake(bundle(weight("w1", "2026-06-03", 100), weight("w2", "2026-11-15", 93), med), "semaglutide")
    facts = got.case["facts"]
    assert facts["requested_drug_start"]["value"] == "2026-06-02"
    assert "weight_baseline" not in facts and "weight_loss_pct" not in facts
    # ... but a weight on the day of the first dose is a baseline
    got = intake(bundle(weight("w1", "2026-06-02", 100), weight("w2", "2026-11-15", 93), med), "semaglutide")
    assert got.case["facts"]["weight_baseline"]["value"] == 100


def test_another_glp1_in_the_records_leaves_the_baseline_unknown() -> None:
    """The baseline is before *any* GLP-1: a Mounjaro order (another drug of the class) may have come first."""
    mounjaro = {"resourceType": "MedicationRequest", "id": "mj", "status": "stopped", "intent": "order", "subject": P,
                "medicationCodeableConcept": {"text": "Mounjaro 5 mg/0.5 mL pen"}, "authoredOn": "2025-01-10"}
    got = intake(bundle(weight("w-base", "2025-11-18", 100), weight("w-now", "2026-11-15", 93), mounjaro,
                        *_wegovy_records()), "Wegovy")
    facts = got.case["facts"]
    assert "weight_baseline" not in facts and facts["requested_drug_start"]["value"] == "2025-11-20"
    reasons = {u.resource: u.reason for u in got.unmapped}
    assert "another drug of the class" in reasons["Observation/w-base"] and "MedicationRequest/mj" in reasons["Observation/w-base"]


RECENT = [("2026-06-04", True), ("2026-06-03", False), ("2026-12-01", True)]  # 180 days before 2026-12-01: 06-04


@pytest.mark.parametrize(("day", "recent"), RECENT)
def test_taken_in_the_last_180_days_boundary(day: str, recent: bool) -> None:
    """Cerner-style: a contained Medication coded only by a verified Ozempic RxNorm product code (no text)."""
    admin = {"resourceType": "MedicationAdministration", "id": "oz", "status": "completed", "subject": P,
             "contained": [{"resourceType": "Medication", "id": "m",
                            "code": {"coding": [{"system": RXNORM, "code": "1991306"}]}}],
             "medicationReference": {"reference": "#m"}, "effectiveDateTime": day}
    facts = intake(bundle(admin), "Ozempic").case["facts"]
    assert facts.get("requested_drug_recent", {}).get("value") is (True if recent else None)
    assert facts["requested_drug_start"]["value"] == day  # no recent record is not "not taken": never false


def test_ozempic_continuing_therapy_agrees_with_the_case() -> None:
    rt = default_runtime()
    metformin = {"resourceType": "MedicationStatement", "id": "met", "status": "completed", "subject": P,
                 "medicationCodeableConcept": {"text": "metformin 500 mg tablet"},
                 "effectivePeriod": {"start": "2022-01-01", "end": "2024-06-01"}, "statusReason": [{"text": "responded"}]}
    ozempic = {"resourceType": "MedicationStatement", "id": "oz", "status": "active", "subject": P,
               "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": "1991311"}]},
               "effectivePeriod": {"start": "2026-08-01"}}
    diabetes = {"resourceType": "Condition", "id": "t2d", "subject": P,
                "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "E11.9"}]}}
    got = intake(bundle(metformin, ozempic, diabetes, who=patient(born="1960-05-01")), "Ozempic")
    facts = got.case["facts"]
    assert facts["requested_drug_recent"]["value"] is True
    assert [h["drug"] for h in facts["medication_history"]] == ["metformin"]  # the requested drug is not history
    case = {**got.case, "facts": {**facts, "mtc_men2_history": False, "concurrent_glp1": False}}
    _agrees(criteria(rt, case, "Ozempic"), "glp1_weight_diabetes/ozempic/cases/06-meets-continuing-therapy.yaml")


# --- LDL: the statin step from medication orders ----------------------------------------------------


def test_repatha_statin_step_from_epic_medication_requests() -> None:
    """Case repatha/01 (after an MI, atorvastatin 80 mg since June, LDL-C 88) with the statin as Epic sends
    it: a MedicationRequest referencing a Medication elsewhere in the bundle, named only by text."""
    rt = default_runtime()
    atorva = {"resourceType": "Medication", "id": "atorva", "code": {"text": "atorvastatin (LIPITOR) 80 MG tablet"}}
    order = {"resourceType": "MedicationRequest", "id": "rx1", "status": "active", "intent": "order", "subject": P,
             "medicationReference": {"reference": "Medication/atorva", "display": "atorvastatin 80 MG tablet"},
             "authoredOn": "2026-05-28",
             "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": "2026-06-01"}}},
                                    "doseAndRate": [{"doseQuantity": {"value": 80, "unit": "mg"}}]}]}
    wrong = {**order, "id": "rx-err", "status": "entered-in-error"}
    plan = {**order, "id": "rx-plan", "intent": "plan"}
    mi = {"resourceType": "Condition", "id": "mi", "subject": P,
          "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "I25.2"}], "text": "Old MI"}}
    ldl = {"resourceType": "Observation", "id": "ldl", "status": "final", "subject": P,
           "code": {"coding": [{"system": LOINC, "code": "13457-7"}], "text": "LDL-C (calc)"},
           "effectiveDateTime": "2026-11-01", "valueQuantity": {"value": 88, "unit": "mg/dL"}}
    got = intake(bundle(atorva, order, wrong, plan, mi, ldl, who=patient("male", "1964-01-10")), "Repatha")
    facts = got.case["facts"]
    assert facts["medication_history"] == [{"drug": "atorvastatin", "start": dt.date(2026, 6, 1), "response": "ongoing",
                                            "dose": 80.0, "dose_unit": "mg", "scope": "named_only"}]
    reasons = {u.resource: u.reason for u in got.unmapped}
    assert "entered-in-error" in reasons["MedicationRequest/rx-err"] and "plan" in reasons["MedicationRequest/rx-plan"]
    case = {**got.case, "facts": {**facts, "age": 62, "prior_mi": True, "ldl_c": {"value": 88, "unit": "mg/dL",
                                                                                  "date": "2026-11-01"},
                                  "concurrent_pcsk9": False}}
    _agrees(criteria(rt, case, "Repatha"), "ldl_lowering/repatha/cases/01-meets-ascvd-mi-atorva80-ldl88.yaml")


def test_a_stopped_statin_order_with_its_reason_is_an_intolerance() -> None:
    order = {"resourceType": "MedicationRequest", "id": "simva", "status": "stopped", "intent": "order", "subject": P,
             "medicationCodeableConcept": {"text": "simvastatin 20 mg tablet"}, "authoredOn": "2025-01-01",
             "statusReason": {"text": "myalgia - statin intolerance"},
             "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": "2025-01-01", "end": "2025-03-01"}}},
                                    "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]}]}
    history = intake(bundle(order), "Repatha").case["facts"]["medication_history"]
    assert history == [{"drug": "simvastatin", "start": dt.date(2025, 1, 1), "response": "intolerant",
                        "reason_stopped": "intolerance", "end": dt.date(2025, 3, 1), "dose": 20.0, "dose_unit": "mg",
                        "scope": "named_only"}]
    # without its outcome: a course that ended for a reason not stated (as for a statement), dates kept
    silent = {**order, "statusReason": None}
    got = intake(bundle({k: v for k, v in silent.items() if v is not None}), "Repatha")
    assert got.case["facts"]["medication_history"] == [
        {"drug": "simvastatin", "start": dt.date(2025, 1, 1), "response": "stopped", "end": dt.date(2025, 3, 1),
         "dose": 20.0, "dose_unit": "mg", "scope": "named_only"}]


# --- MDS: the same course, read from the pack's declaration ------------------------------------------


def test_mds_course_is_declared_by_the_pack_not_by_intake() -> None:
    rt = default_runtime()
    lusp = rt.catalog.calculators.drugs.entry("Reblozyl")
    assert lusp is not None and lusp.course is not None
    assert (lusp.course.start, lusp.course.doses, lusp.course.dose_units) == ("treatment_start", "treatment_doses",
                                                                               ("mg/kg",))
    assert ("HCPCS", "J0896") in lusp.codes  # from the policy's drug: section
    # an HCPCS-coded administration (no text, no RxNorm) is a luspatercept dose
    admin = {"resourceType": "MedicationAdministration", "id": "j", "status": "completed", "subject": P,
             "medicationCodeableConcept": {"coding": [{"system": "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets",
                                                       "code": "J0896"}]},
             "effectiveDateTime": "2026-11-02", "dosage": {"dose": {"value": 1.0, "unit": "mg/kg"}}}
    facts = intake(bundle(admin, who=patient("male", "1950-01-01")), "Reblozyl").case["facts"]
    assert facts["treatment_doses"] == [{"date": "2026-11-02", "dose": 1.0, "unit": "mg/kg"}]


# --- a new pack needs no intake code -----------------------------------------------------------------

COURSE_PACK = 'id: gout\ntitle: Gout (throwaway)\nversion: "1"\npolicies: [urikase]\n' + dedent("""
    course:
      start: urikase_start
      doses: urikase_doses
      drugs:
        Urizyme: {dose_units: [mg]}
    """)
COURSE_FACTS = indent(dedent("""
      urikase_start:
        label: Start of urikase
        type: date
        document: gout_note
        question: When was urikase first given?
      urikase_doses:
        label: Urikase doses given
        type: events
        fields:
          date: {type: date}
          dose: {type: number, range: [0, 100]}
          unit: {type: text, optional: true}
        document: gout_note
        question: List each urikase dose (date and dose).
    """), "  ")


def _write_course_pack(root: Path) -> Path:
    files = dict(FILES)
    files["pack.yaml"] = COURSE_PACK
    for rel, text in files.items():
        target = root / "gout" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        body = dedent(text).lstrip()
        if rel == "facts.yaml":
            body = body.rstrip("\n") + "\n" + COURSE_FACTS
        target.write_text(body, "utf-8")
    return root


def test_a_new_pack_declares_its_drugs_course(tmp_path: Path) -> None:
    rt = Runtime.load(_write_course_pack(tmp_path))
    doses = [{"resourceType": "MedicationAdministration", "id": f"u{i}", "status": "completed", "subject": P,
              "medicationCodeableConcept": {"text": "urikase 8 mg IV"}, "effectiveDateTime": day,
              "dosage": {"dose": {"value": 8, "unit": "mg"}}} for i, day in enumerate(("2026-09-01", "2026-09-15"))]
    other = {**doses[0], "id": "bad-unit", "effectiveDateTime": "2026-10-01", "dosage": {"dose": {"value": 1, "unit": "g"}}}
    facts = intake(bundle(*doses, who=patient("male")), "Urizyme", rt).case["facts"]
    assert facts["urikase_start"]["value"] == "2026-09-01"
    assert [(d["date"], d["dose"]) for d in facts["urikase_doses"]] == [("2026-09-01", 8), ("2026-09-15", 8)]
    got = intake(bundle(*doses, other, who=patient("male")), "Urizyme", rt)
    assert "urikase_doses" not in got.case["facts"]
    assert any("Urizyme doses are counted in mg" in u.reason for u in got.unmapped)


@pytest.mark.parametrize(("course", "message"), [
    ({"start": "urikase_doses"}, "expected a date fact"),
    ({"doses": "urikase_doses"}, "give the dose units"),
    ({"doses": "urikase_doses", "drugs": {"aspirin": {"dose_units": ["mg"]}}}, "not the drug of one of"),
    ({"recent": {"fact": "tophi_present", "days": 0, "cite": ["gout-rules"]}}, "days must be"),
    ({"recent": {"fact": "tophi_present", "days": 30}}, "needs a citation"),
    ({"baseline": {"serum_urate": "serum_urate"}}, "declare start too"),
    ({"stop": "urikase_start"}, "unknown key"),
])
def test_a_bad_course_is_named(tmp_path: Path, course: dict[str, Any], message: str) -> None:
    rt = Runtime.load(_write_course_pack(tmp_path))
    entries = [DrugEntry("urikase", ("Urizyme",))]
    _, problems = parse_course(course, rt.dictionary, entries, {"gout-rules": object()})
    assert any(message in p.message for p in problems), problems
    assert all(isinstance(p, ConfigError) for p in problems)


def test_a_requested_drug_whose_pack_declares_no_course_is_named_so() -> None:
    """The LDL pack declares no course: Repatha's own administrations set nothing, and say why."""
    admin = {"resourceType": "MedicationAdministration", "id": "rep", "status": "completed", "subject": P,
             "medicationCodeableConcept": {"text": "Repatha SureClick 140 mg"}, "effectiveDateTime": "2026-11-02"}
    got = intake(bundle(admin, who=patient("male", "1960-01-01")), "Repatha")
    assert not {"treatment_start", "treatment_doses", "requested_drug_start"} & set(got.case["facts"])
    assert any("declares no course" in u.reason for u in got.unmapped if u.resource == "MedicationAdministration/rep")
