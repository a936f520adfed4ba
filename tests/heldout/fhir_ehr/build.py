"""Write the second held-out FHIR set (real EHR / payer export shapes): ``python tests/heldout/fhir_ehr/build.py``.

Written 2026-12-06 before any rule was changed for it, by a helper who had not seen these shapes run
through mednec. Every code is spelled out here, not imported from mednec. Expected answers (reasoned from
the policy YAMLs in src/mednec/packs/, not from mednec's output) are in ``expected.yaml``.

Shapes covered: US Core ``meta.profile``, identifiers, ``category`` codings, several codings per concept
(LOINC + an Epic / Cerner local code, RxNorm SCD/SBD/ingredient + NDC), display-only and text-only codes,
Observation components (blood pressure) and DiagnosticReport ``result`` references (``urn:uuid``, relative
and absolute), valueString / valueCodeableConcept results, ``effectivePeriod`` or ``issued`` only,
contained resources, Condition clinical / verification status (refuted, entered-in-error, resolved),
``onsetAge``, ``abatementDateTime``, MedicationRequest ``medicationReference``, MedicationStatement /
MedicationAdministration / Procedure statuses (stopped, not-taken, entered-in-error, completed, not-done),
``dosageInstruction.doseAndRate``, AllergyIntolerance to statins, FamilyMemberHistory, CDS Hooks
order-select / order-sign requests with prefetch, Da Vinci PAS Claim bundles (diagnosis only on the Claim),
UCUM annotations and SI units ({cells}/uL, 10*9/L, g/L, mmol/L, [IU]/L), dataAbsentReason.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import CPT, HCPCS, ICD10, LOINC, NDC, RXNORM, SNOMED, UCUM  # noqa: E402
from tests.heldout.fhir_chart import (  # noqa: E402
    CERNER,
    DAR,
    EPIC,
    Chart,
    cc,
    cds_request,
    mds_core,
    mds_dx,
    pas_bundle,
    qty,
    revlimid_chart,
    text_cc,
    write,
)


# ---------------------------------------------------------------------------------------------------
# MDS
def reblozyl_request(c: Chart) -> dict[str, Any]:
    return c.request(None, concept=cc((RXNORM, "2262906", "luspatercept-aamt 25 MG Injection [Reblozyl]"),
                                      (NDC, "59572-0775-01", "Reblozyl 25 mg vial"), text="REBLOZYL 25 MG SC SOLR"),
                     status="draft", authored="2026-12-05", sig="1 mg/kg subcutaneously every 3 weeks")


def m01() -> dict[str, Any]:
    c = Chart("m01", "1951-04-11", "male", ref_style="urn")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(79, "g/L", "g/L"))
    for d in ("2026-10-20", "2026-11-08", "2026-11-27"):
        c.transfusion(d)
    reblozyl_request(c)
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("m02", "1948-09-02", "female", style="cerner")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    mds_core(c, hgb=(8.2, "g/dL", "g/dL"), epo=(210, "mIU/mL", "m[IU]/mL"), rs=2, del5q="Negative", epo_date="2026-02-20")
    c.obs(cc((LOINC, "81257-2", "SF3B1 gene targeted mutation analysis in Blood or Tissue by Molecular genetics method"),
             text="SF3B1 mutation"), "2026-02-25", value={"valueCodeableConcept": cc((SNOMED, "260415000", "Not detected"))})
    procrit = c.medication(cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"),
                              (NDC, "59676-0340-01", "Procrit 40,000 units/mL"), text="Procrit 40,000 unit/mL"), contained=True)
    c.statement(None, med=procrit, contained=True, status="completed", start="2026-03-02", end="2026-06-22",
                reason=text_cc("Inadequate response - no hemoglobin rise, still transfusion dependent"), dose=(40000, "[iU]"))
    for d in ("2026-11-01", "2026-11-22"):
        c.transfusion(d, code=cc((CPT, "36430", "Transfusion, blood or blood components"),
                                 text="Transfusion, packed red blood cells, 1 unit"))
    reblozyl_request(c)
    return c.bundle()


def m03() -> dict[str, Any]:
    c = Chart("m03", "1955-01-30", "male")
    mds_dx(c, "D46.C", "Myelodysplastic syndrome with isolated del(5q) chromosomal abnormality", verification="refuted",
           clinical="inactive")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(8.9, "g/dL", "g/dL"), epo=(720, "U/L", "U/L"), rs=25, ipssr="Very low")
    for d in ("2026-10-30", "2026-11-24"):
        c.transfusion(d)
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("m04", "1949-07-19", "female", ref_style="absolute")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(8.6, "g/dL", "g/dL"), epo=(800, "[IU]/L", "[IU]/L"), rs=16)
    c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", 12.1, "g/dL", "g/dL", "2026-12-02", status="entered-in-error")
    c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", 11.9, "g/dL", "g/dL", "2026-12-03", status="cancelled")
    for d in ("2026-10-28", "2026-11-18"):
        c.transfusion(d)
    return c.bundle()


def m05() -> dict[str, Any]:
    c = Chart("m05", "1950-03-03", "male")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    mds_core(c, hgb=(8.0, "g/dL", "g/dL"), epo=None, rs=1)
    c.obs(cc((LOINC, "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma"), text="Erythropoietin"), "2026-11-02",
          dataAbsentReason=cc((DAR, "error", "Error"), text="Specimen hemolyzed"))
    for d in ("2026-10-25", "2026-11-20"):
        c.transfusion(d)
    return c.bundle()


def esa_chart(pid: str, *, aranesp_status: str) -> Chart:
    c = Chart(pid, "1947-12-12", "female", style="cerner")
    c.cond(cc((ICD10, "D46.0", "Refractory anemia without ring sideroblasts, so stated"), text="MDS, refractory anemia"))
    c.obs(text_cc("IPSS-R risk category"), "2026-05-01", value={"valueCodeableConcept": cc((CERNER, "4478821", "Low"), text="Low")})
    c.lab("59260-0", "Hemoglobin [Moles/volume] in Blood", 5.3, "mmol/L", "mmol/L", "2026-11-28")
    c.lab("15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma", 150, "IU/L", "[IU]/L", "2025-12-10")
    c.statement(cc((RXNORM, "349273", "darbepoetin alfa 0.3 MG/ML Injectable Solution [Aranesp]"), text="Aranesp 300 mcg/mL"),
                status=aranesp_status, start="2026-01-05", end="2026-04-20",
                reason=text_cc("No response after 15 weeks (Hgb unchanged, transfusions continued)"))
    c.transfusion("2026-10-05")
    return c


def m06() -> dict[str, Any]:
    c = esa_chart("m06", aranesp_status="stopped")
    c.request(None, concept=cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"), text="Procrit"),
              status="draft", authored="2026-12-05", sig="40,000 units SC weekly")
    return c.bundle()


def m07() -> dict[str, Any]:
    return esa_chart("m07", aranesp_status="entered-in-error").bundle()


def m08() -> dict[str, Any]:
    return revlimid_chart("m08", (165000, "cells/uL", "{cells}/uL")).bundle()


def m09() -> dict[str, Any]:
    return revlimid_chart("m09", (38, "10*9/L", "10*9/L")).bundle()


def m10() -> dict[str, Any]:
    c = Chart("m10", "1952-02-02", "male", ref_style="urn")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    mds_core(c, hgb=(7.8, "g/dL", "g/dL"), epo=(780, "m[IU]/mL", "m[IU]/mL"), rs=3, ipssr=None)
    c.obs(text_cc("IPSS risk category"), "2026-09-20", value={"valueCodeableConcept": {"text": "Intermediate-1"}})
    for d in ("2026-10-20", "2026-11-05", "2026-11-25"):
        c.transfusion(d)
    c.transfusion("2026-11-12", status="not-done")
    c.transfusion("2026-11-30", status="entered-in-error")
    return c.bundle()


def m11() -> dict[str, Any]:
    c = Chart("m11", "1950-10-10", "female")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(8.4, "g/dL", "g/dL"), epo=(560, "mIU/mL", "m[IU]/mL"), rs=35)
    for d in ("2026-10-22", "2026-11-19"):
        c.transfusion(d)
    order = {"resourceType": "MedicationRequest", "id": "draft-reblozyl", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "2262906", "luspatercept-aamt 25 MG Injection [Reblozyl]"),
                                             (NDC, "59572-0775-01", "Reblozyl 25 mg vial")),
             "subject": {"reference": "Patient/m11"}, "authoredOn": "2026-12-06"}
    return cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                "procedures": ["Procedure"]})


def m12() -> dict[str, Any]:
    c = Chart("m12", "1946-05-05", "male")
    mds_core(c, hgb=(8.7, "g/dL", "g/dL"), epo=(905, "mIU/mL", "m[IU]/mL"), rs=40)
    for d in ("2026-10-26", "2026-11-16"):
        c.transfusion(d)
    return pas_bundle(c, cc((HCPCS, "J0896", "Injection, luspatercept-aamt, 0.25 mg")),
                      [("D46.1", "Refractory anemia with ring sideroblasts")])


def m13() -> dict[str, Any]:
    c = Chart("m13", "1950-01-01", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    b = c.bundle()
    other = {"resourceType": "Patient", "id": "m13-mother", "gender": "female", "birthDate": "1925-01-01"}
    b["entry"].append({"fullUrl": "https://fhir.epic.example/api/FHIR/R4/Patient/m13-mother", "resource": other})
    return b


def m14() -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found",
                                                           "diagnostics": "Patient search returned no results"}]}


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = Chart("g01", "1966-08-30", "male")
    c.obs(cc((LOINC, "39156-5", "Body mass index (BMI) [Ratio]"), (EPIC, "301070", "BMI (Calculated)"), text="BMI"),
          "2026-11-14", value={"valueQuantity": qty(28.1, "kg/m2", "kg/m2")}, cat="vital-signs", profile="us-core-bmi")
    c.vital("29463-7", "Body weight", 91.2, "kg", "kg", "2026-11-14")
    c.cond(cc((ICD10, "I21.09", "ST elevation (STEMI) myocardial infarction involving other coronary artery of anterior wall"),
              (SNOMED, "401303003", "Acute ST segment elevation myocardial infarction"), text="Anterior STEMI"),
           clinical="resolved", onsetDateTime="2024-02-14", abatementDateTime="2024-03-10", category="encounter-diagnosis")
    c.request(None, concept=text_cc("WEGOVY 0.25 MG/0.5ML SC SOAJ"), status="draft", authored="2026-12-05",
              sig="0.25 mg subcutaneously once weekly")
    return c.bundle()


def g02() -> dict[str, Any]:
    c = Chart("g02", "1970-02-14", "female", style="cerner")
    c.vital("39156-5", "Body mass index (BMI) [Ratio]", 31.0, "kg/m2", "kg/m2", "2026-11-01")
    c.cond(cc((SNOMED, "22298006", "Myocardial infarction"), text="Myocardial infarction"), verification="refuted",
           clinical="inactive", note=[{"text": "Troponin negative x3; MI ruled out, musculoskeletal chest pain"}])
    c.cond(cc((ICD10, "I10", "Essential (primary) hypertension"), (SNOMED, "59621000", "Essential hypertension")))
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("g03", "1972-11-11", "male", style="cerner")
    c.vital("29463-7", "Body weight", 262, "lb", "[lb_av]", "2026-11-09")
    c.vital("8302-2", "Body height", 70, "in", "[in_i]", "2026-11-09")
    c.cond(cc((SNOMED, "78275009", "Obstructive sleep apnea syndrome"), (ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.cond(cc((ICD10, "G47.31", "Primary central sleep apnea"), text="Central sleep apnea"), verification="entered-in-error")
    c.obs(cc((CERNER, "2820513", "AHI"), text="Apnea hypopnea index"), "2026-08-19",
          value={"valueQuantity": qty(24, "events/hr", "{events}/h")}, cat="procedure", profile="us-core-observation-clinical-result")
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("g04", "1969-05-25", "female", ref_style="urn")
    c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications"), (SNOMED, "44054006", "Diabetes mellitus type 2")))
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.4, "%", "%", "2026-11-12", local="55454")
    met = c.medication(cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"),
                          (NDC, "65162-0175-10", "metformin 500 mg tablet"), text="metFORMIN 500 MG tablet"))
    c.request(met, authored="2026-08-15", dose=(1000, "mg"), sig="1,000 mg by mouth twice daily with meals")
    return c.bundle()


def g05() -> dict[str, Any]:
    c = Chart("g05", "1975-09-09", "male")
    c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications")))
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 7.9, "%", "%", "2026-11-02")
    c.statement(cc((RXNORM, "6809", "metformin"), text="metformin"), status="not-taken",
                reason=text_cc("Patient declined to start"))
    return c.bundle()


def g06() -> dict[str, Any]:
    c = Chart("g06", "1964-04-04", "female", style="cerner")
    c.cond(cc((ICD10, "E11.65", "Type 2 diabetes mellitus with hyperglycemia")))
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 9.4, "%", "%", "2026-11-20", local="2921408")
    c.statement(cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet")), status="stopped",
                start="2025-01-10", end="2025-04-02", reason={"coding": [{"system": SNOMED, "code": "62014003",
                                                                            "display": "Adverse reaction to drug"}]})
    return c.bundle()


def g07() -> dict[str, Any]:
    c = Chart("g07", "1990-03-12", "female")
    c.vital("39156-5", "Body mass index (BMI) [Ratio]", 34.0, "kg/m2", "kg/m2", "2026-11-25")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.cond(cc((ICD10, "Z33.1", "Pregnant state, incidental"), (SNOMED, "77386006", "Pregnancy"), text="Pregnant"),
           category="encounter-diagnosis", onsetDateTime="2026-10-01")
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("g08", "1988-07-07", "female")
    c.vital("39156-5", "Body mass index (BMI) [Ratio]", 33.5, "kg/m2", "kg/m2", "2026-11-18")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(text_cc("Apnea-hypopnea index (AHI)"), "2026-09-02", value={"valueQuantity": qty(32, "/h", "/h")})
    c.cond(cc((ICD10, "Z33.1", "Pregnant state, incidental"), (SNOMED, "77386006", "Pregnancy")), clinical="resolved",
           onsetDateTime="2024-08-01", abatementDateTime="2025-05-20", category="encounter-diagnosis")
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("g09", "1961-01-19", "male")
    c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications")))
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.1, "%", "%", "2026-11-01")
    c.request(None, concept=cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"), text="metformin 500 mg"),
              authored="2026-07-01", dose=(500, "mg"))
    order = {"resourceType": "MedicationRequest", "id": "draft-ozempic", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "1991306", "semaglutide 0.68 MG/ML Pen Injector [Ozempic]"),
                                             (NDC, "0169-4132-12", "Ozempic 2 mg/3 mL pen")),
             "subject": {"reference": "Patient/g09"}, "authoredOn": "2026-12-06"}
    return cds_request(c, "order-select", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                   "medicationRequests": ["MedicationRequest"]})


def g10() -> dict[str, Any]:
    c = Chart("g10", "1979-12-01", "female")
    c.vital("39156-5", "Body mass index (BMI) [Ratio]", 35.2, "kg/m2", "kg/m2", "2026-11-21")
    c.obs(text_cc("AHI"), "2026-10-10", value={"valueQuantity": qty(28, "events/h", "{events}/h")})
    rx = c.request(None, concept=cc((RXNORM, "2601743", "tirzepatide 5 MG/0.5ML Auto-Injector [Zepbound]"),
                                    (NDC, "0002-2457-80", "Zepbound 5 mg/0.5 mL pen")), status="active", authored="2026-12-05",
                   sig="5 mg SC once weekly")
    return pas_bundle(c, cc((NDC, "0002-2457-80", "Zepbound 5 mg/0.5 mL pen"), text="Zepbound"),
                      [("G47.33", "Obstructive sleep apnea (adult) (pediatric)"), ("E66.9", "Obesity, unspecified")],
                      prescription=rx)


def g11() -> dict[str, Any]:
    c = Chart("g11", "1968-02-29", "male")
    c.vital("39156-5", "Body mass index (BMI) [Ratio]", 29.0, "kg/m2", "kg/m2", "2026-11-10")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.add({"resourceType": "FamilyMemberHistory", "status": "completed", "patient": c.subject, "date": "2026-06-01",
           "relationship": cc(("http://terminology.hl7.org/CodeSystem/v3-RoleCode", "MTH", "mother")),
           "condition": [{"code": cc((SNOMED, "255032005", "Medullary thyroid carcinoma"), (ICD10, "C73", "Malignant neoplasm of thyroid gland"),
                                     text="Medullary thyroid cancer"), "onsetAge": {"value": 52, "unit": "a", "system": UCUM, "code": "a"}}]})
    return c.bundle()


def g12() -> dict[str, Any]:
    c = Chart("g12", "1963-06-16", "female")
    c.obs(cc((LOINC, "85354-9", "Blood pressure panel with all children optional"), text="Blood pressure"), "2026-11-17",
          cat="vital-signs", profile="us-core-blood-pressure",
          component=[{"code": cc((LOINC, "8480-6", "Systolic blood pressure")), "valueQuantity": qty(148, "mmHg", "mm[Hg]")},
                     {"code": cc((LOINC, "8462-4", "Diastolic blood pressure")), "valueQuantity": qty(92, "mmHg", "mm[Hg]")}])
    c.obs(cc((LOINC, "39156-5", "Body mass index (BMI) [Ratio]")), None, value={"valueQuantity": qty(27.5, "kg/m2", "kg/m2")},
          cat="vital-signs", profile="us-core-bmi", effectivePeriod={"start": "2026-11-17T09:10:00-05:00", "end": "2026-11-17T09:25:00-05:00"})
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified"), (SNOMED, "422504002", "Ischemic stroke")),
           clinical="resolved", onsetAge={"value": 58, "unit": "years", "system": UCUM, "code": "a"})
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# LDL-lowering
def lipid_panel(c: Chart, when: str, *, ldl: dict[str, Any], ldl_code: tuple[str, str] = ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"),
                tc: float = 4.9, hdl: float = 1.1, tg: float = 1.6, unit: str = "mmol/L") -> None:
    ldl_obs = c.obs(cc((LOINC, ldl_code[0], ldl_code[1]), (EPIC if c.style == "epic" else CERNER, "LDLD", "LDL Direct"), text="LDL Cholesterol"),
              when, value=ldl, issued=when + "T16:00:00Z")
    t = c.lab("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", tc, unit, unit, when)
    h = c.lab("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", hdl, unit, unit, when)
    g = c.lab("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", tg, unit, unit, when)
    c.report("57698-3", "Lipid panel with direct LDL - Serum or Plasma", when, [ldl_obs, t, h, g])


def atorva80(c: Chart, since: str, *, ref: bool = True) -> dict[str, Any]:
    med = c.medication(cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), (NDC, "0071-0158-23", "Lipitor 80 mg tablet"),
                          text="atorvastatin (LIPITOR) 80 MG tablet"))
    if ref:
        return c.request(med, authored=since, dose=(80, "mg"), sig="Take 1 tablet (80 mg) by mouth nightly")
    return c.statement(med["code"], status="active", start=since, dose=(80, "mg"))


def l01() -> dict[str, Any]:
    c = Chart("l01", "1959-10-02", "male")
    c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris"),
              (SNOMED, "53741008", "Coronary arteriosclerosis")))
    lipid_panel(c, "2026-11-20", ldl={"valueQuantity": qty(2.9, "mmol/L", "mmol/L")})
    atorva80(c, "2026-01-12")
    return c.bundle()


def l02() -> dict[str, Any]:
    c = Chart("l02", "1957-03-15", "female", style="cerner")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 131, "mg/dL", "mg/dL", "2026-11-05")
    c.allergy(cc((RXNORM, "83367", "atorvastatin"), text="Atorvastatin"), cc((SNOMED, "68962001", "Muscle pain"), text="Myalgia"))
    c.statement(cc((RXNORM, "301542", "rosuvastatin"), text="rosuvastatin 5 mg tablet"), status="stopped",
                start="2024-03-01", end="2024-05-10", reason=text_cc("myalgia"), dose=(5, "mg"))
    return c.bundle()


def l03() -> dict[str, Any]:
    c = Chart("l03", "1962-12-24", "male")
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 120, "mg/dL", "mg/dL", "2026-11-15")
    c.allergy(cc((RXNORM, "36567", "simvastatin"), text="Simvastatin"), cc((SNOMED, "68962001", "Muscle pain")), verification="refuted",
              clinical="inactive")
    c.allergy(cc((RXNORM, "83367", "atorvastatin"), text="Atorvastatin"), cc((SNOMED, "68962001", "Muscle pain")),
              verification="entered-in-error")
    c.statement(cc((RXNORM, "301542", "rosuvastatin"), text="rosuvastatin 5 mg tablet"), status="stopped",
                start="2025-02-01", end="2025-03-20", reason=text_cc("muscle aches"), dose=(5, "mg"))
    return c.bundle()


def l04() -> dict[str, Any]:
    c = Chart("l04", "1965-08-08", "female", style="cerner", ref_style="urn")
    c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 142, "mg/dL", "mg/dL", "2026-11-10")
    c.statement(cc((RXNORM, "341248", "ezetimibe"), text="ezetimibe 10 mg tablet"), status="completed",
                start="2026-02-01", end="2026-08-01", dose=(10, "mg"))
    c.request(None, concept=cc((RXNORM, "301542", "rosuvastatin"), text="rosuvastatin 40 mg tablet"), authored="2025-06-01",
              dose=(40, "mg"))
    return c.bundle()


def l05() -> dict[str, Any]:
    c = Chart("l05", "1958-04-30", "male", style="cerner")
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified")), onsetDateTime="2023-07-07")
    c.obs(cc((LOINC, "18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"), text="LDL Direct"),
          "2026-11-12", value={"valueString": "152"},
          referenceRange=[{"high": qty(99, "mg/dL", "mg/dL"), "text": "<100 mg/dL"}])
    c.request(None, concept=cc((RXNORM, "617310", "atorvastatin 40 MG Oral Tablet"), text="atorvastatin 40 mg tablet"),
              authored="2025-03-01", dose=(40, "mg"))
    return c.bundle()


def l06() -> dict[str, Any]:
    c = Chart("l06", "1960-09-19", "female")
    c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 122, "mg/dL", "mg/dL", "2026-09-15")
    c.obs(cc((LOINC, "13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation"), text="LDL Calculated"),
          "2026-11-28", dataAbsentReason=cc((DAR, "not-performed", "Not Performed"), text="Not calculated: TG > 400 mg/dL"))
    atorva80(c, "2025-05-05", ref=False)
    return c.bundle()


def l07() -> dict[str, Any]:
    c = Chart("l07", "1961-11-03", "male")
    c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")))
    c.lab("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", 110, "mg/dL", "mg/dL", "2026-11-22")
    c.allergy(cc((SNOMED, "372912004", "Substance with 3-hydroxy-3-methylglutaryl-coenzyme A reductase inhibitor mechanism of action"),
                 text="HMG-CoA reductase inhibitors (statins)"),
              cc((SNOMED, "240131006", "Rhabdomyolysis"), text="Rhabdomyolysis"), criticality="high")
    return c.bundle()


def l08() -> dict[str, Any]:
    c = Chart("l08", "1956-06-06", "male")
    c.cond(cc((ICD10, "I21.4", "Non-ST elevation (NSTEMI) myocardial infarction")), clinical="resolved",
           onsetDateTime="2025-01-20", abatementDateTime="2025-02-15")
    c.lab("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", 2.4, "mmol/L", "mmol/L", "2026-11-26")
    c.statement(cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg"), status="active",
                start="2025-03-01", dose=(80, "mg"))
    order = {"resourceType": "MedicationRequest", "id": "draft-repatha", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]"),
                                             (NDC, "72511-0750-01", "Repatha SureClick 140 mg/mL")),
             "subject": {"reference": "Patient/l08"}, "authoredOn": "2026-12-06"}
    return cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                "medicationStatements": ["MedicationStatement"]})


def l09() -> dict[str, Any]:
    c = Chart("l09", "1954-02-17", "female")
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 101, "mg/dL", "mg/dL", "2026-11-03")
    c.request(None, concept=cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet")), authored="2025-09-09", dose=(80, "mg"))
    return pas_bundle(c, text_cc("Praluent 150 mg/mL pen, inject every 2 weeks"), [("I63.9", "Cerebral infarction, unspecified")])


def l10() -> dict[str, Any]:
    c = Chart("l10", "1963-03-23", "male")
    c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 88, "mg/dL", "mg/dL", "2026-11-15")
    atorva80(c, "2025-01-01")
    c.add({"resourceType": "MedicationAdministration", "status": "completed",
           "medicationCodeableConcept": cc((NDC, "61755-0020-01", "Praluent 150 mg/mL pen"), text="PRALUENT 150 MG/ML SC SOAJ"),
           "subject": c.subject, "effectiveDateTime": "2026-11-20T10:00:00-05:00",
           "dosage": {"route": cc((SNOMED, "34206005", "Subcutaneous route")), "dose": qty(150, "mg", "mg")}})
    return c.bundle()


def x01() -> dict[str, Any]:
    """An International Patient Summary as EHRs return it from Patient/$summary: a document Bundle, the
    Composition first with its sections referencing the entries."""
    c = Chart("x01", "1967-10-21", "male", ref_style="urn")
    dm = c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications"), (SNOMED, "44054006", "Diabetes mellitus type 2")))
    a1c = c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.2, "%", "%", "2026-11-03")
    met = c.statement(cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"), text="metformin 500 mg"),
                      status="active", start="2025-09-01", dose=(1000, "mg"))
    comp = {"resourceType": "Composition", "id": "ips-x01", "status": "final",
            "type": cc((LOINC, "60591-5", "Patient summary Document")), "subject": c.subject, "date": "2026-12-06T08:00:00Z",
            "author": [{"reference": "Organization/org-x01"}], "title": "International Patient Summary",
            "section": [{"title": t, "code": cc((LOINC, code, t)), "entry": [{"reference": c.url(r)}]}
                        for t, code, r in (("Problem list", "11450-4", dm), ("Results", "30954-2", a1c),
                                           ("Medication list", "10160-0", met))]}
    org = {"resourceType": "Organization", "id": "org-x01", "name": "Example Clinic"}
    c.res.insert(0, comp)
    c.res.append(org)
    b = c.bundle("document")
    b["identifier"] = {"system": "urn:ietf:rfc:3986", "value": "urn:uuid:5b1c7e2e-0f7a-4d67-9a5e-ips-x01"}
    b["entry"][0]["fullUrl"] = "urn:uuid:x01-composition-ips-x01"
    b["entry"][-1]["fullUrl"] = "urn:uuid:x01-organization-org-x01"
    return b


def x02() -> dict[str, Any]:
    """A CDS Hooks order-sign whose client has no MedicationStatements (prefetch key null) and sends the
    medication list as MedicationRequests."""
    c = Chart("x02", "1958-08-08", "female")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.lab("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", 2.2, "mmol/L", "mmol/L", "2026-11-24")
    c.request(None, concept=cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet")), authored="2025-02-10", dose=(80, "mg"))
    order = {"resourceType": "MedicationRequest", "id": "draft-repatha-x02", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]")),
             "subject": {"reference": "Patient/x02"}, "authoredOn": "2026-12-06"}
    req = cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                               "medicationRequests": ["MedicationRequest"]})
    req["prefetch"]["medicationStatements"] = None
    return req


BUILDERS = {
    "e-m01-reblozyl-epic-urn-gL": m01, "e-m02-reblozyl-cerner-esa-failed": m02, "e-m03-reblozyl-refuted-dx": m03,
    "e-m04-reblozyl-hgb-entered-in-error": m04, "e-m05-reblozyl-epo-absent": m05, "e-m06-procrit-prior-aranesp-failed": m06,
    "e-m07-aranesp-esa-entered-in-error": m07, "e-m08-revlimid-del5q-cells-ul": m08, "e-m09-revlimid-low-platelets": m09,
    "e-m10-rytelo-transfusion-statuses": m10, "e-m11-reblozyl-cds-order-sign": m11, "e-m12-reblozyl-pas": m12,
    "e-m13-refuse-two-patients": m13, "e-m14-refuse-operation-outcome": m14,
    "e-g01-wegovy-resolved-stemi": g01, "e-g02-wegovy-mi-refuted": g02, "e-g03-zepbound-osa-lb-in": g03,
    "e-g04-ozempic-medref-metformin": g04, "e-g05-mounjaro-metformin-not-taken": g05, "e-g06-mounjaro-coded-stop-reason": g06,
    "e-g07-wegovy-pregnant": g07, "e-g08-zepbound-pregnancy-resolved": g08, "e-g09-ozempic-cds-order-select": g09,
    "e-g10-zepbound-pas": g10, "e-g11-wegovy-family-mtc": g11, "e-g12-wegovy-bp-period-onset-age": g12,
    "e-l01-repatha-lipid-report-mmol": l01, "e-l02-repatha-statin-allergy": l02, "e-l03-repatha-allergy-refuted": l03,
    "e-l04-leqvio-ezetimibe-completed": l04, "e-l05-repatha-ldl-valuestring": l05, "e-l06-repatha-ldl-absent": l06,
    "e-l07-nexletol-statin-class-rhabdo": l07, "e-l08-repatha-cds-order-sign": l08, "e-l09-praluent-pas": l09,
    "e-l10-leqvio-praluent-given": l10,
    "e-x01-ozempic-ips-document": x01, "e-x02-repatha-cds-prefetch-null": x02,
}

if __name__ == "__main__":
    write(BUILDERS, HERE)
