"""Write the fifth held-out FHIR set: ``python tests/heldout/fhir5/build.py``.

Written 2026-12-07 (07:15-07:50 UTC) by the helper fhir5 before any rule was changed for it and before
mednec was run on it. The chart helpers are the second set's (``tests/heldout/fhir_chart.py``); every code
and value is spelled out here. Expected answers, reasoned from the policy YAMLs in src/mednec/packs/, the
fact dictionary (``mednec facts``), the decisions files and the FHIR R4 / US Core / CDS Hooks / Da Vinci PAS
specs (never from mednec's output), are in ``expected.yaml``.

Shapes earlier rounds did not cover: Observation.component (vital-signs and blood-pressure panels, a lipid
panel with a calculated LDL-C, in mmol/L, a CBC and a CBC with differential as one Observation each);
``valueRange`` and ``valueRatio``; interpretation-only results (no value); ``effectiveInstant`` and
``issued`` only; Conditions with verificationStatus provisional / differential / unconfirmed, clinicalStatus
recurrence / relapse / inactive, ``onsetPeriod`` / ``onsetString`` / ``onsetAge``, encounter diagnoses without
clinicalStatus referenced by an Encounter; MedicationRequest intent plan / original-order, status on-hold /
draft, dosage ``doseRange`` and ``rateQuantity``; MedicationDispense only; Immunization noise; a Coverage whose
period ended; a deceased Patient; two Patients in one bundle (refused without a focus, scoped by a PAS Claim);
searchset bundles with OperationOutcome and ``include`` entries; a pregnancy "not yet confirmed" (SNOMED CT
152231000119106) as an Observation answer and as a Condition; a MEN 2 in the differential and a "?MTC".
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import ICD10, LOINC, RXNORM, SNOMED, UCUM  # noqa: E402
from tests.heldout.fhir_chart import (  # noqa: E402
    Chart,
    bmi,
    cad,
    cc,
    cds_request,
    hba1c,
    ldl,
    mds_dx,
    old_mi,
    pas_bundle,
    qty,
    t2d,
    text_cc,
    write,
)

LIST_USE = "http://terminology.hl7.org/CodeSystem/list-example-use-codes"
LIST_EMPTY = "http://terminology.hl7.org/CodeSystem/list-empty-reason"
INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
CVX = "http://hl7.org/fhir/sid/cvx"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DIAG_ROLE = "http://terminology.hl7.org/CodeSystem/diagnosis-role"
ISSUE_TYPE = "http://hl7.org/fhir/issue-type"
MYALGIA = (SNOMED, "68962001", "Muscle pain")
NOT_YET_CONFIRMED = (SNOMED, "152231000119106", "Pregnancy not yet confirmed")
METFORMIN = cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"), text="metformin 500 mg tablet")
AHI_CODE = cc(("urn:oid:1.2.840.114350.1.13.0.1.7.2.768282", "SLP-AHI", "AHI"), text="Apnea-hypopnea index (AHI)")
ATORVA80 = cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet")


# ---------------------------------------------------------------------------------------------------
# building blocks
def med_list(c: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A complete medication list (snapshot); with no items, an empty list 'nil known'."""
    r: dict[str, Any] = {"resourceType": "List", "status": "current", "mode": "snapshot", "title": "Medication list",
                         "code": cc((LOINC, "10160-0", "History of Medication use Narrative"),
                                    (LIST_USE, "medications", "Medication List")),
                         "subject": c.subject, "date": "2026-12-05T10:00:00Z"}
    if items:
        r["entry"] = [{"item": {"reference": c.ref(x)}} for x in items]
    else:
        r["emptyReason"] = cc((LIST_EMPTY, "nilknown", "Nil Known"), text="No current or past medications")
    return c.add(r)


def comp(loinc: str, display: str, value: float, unit: str, ucum: str) -> dict[str, Any]:
    return {"code": cc((LOINC, loinc, display), text=display.split(" [")[0]), "valueQuantity": qty(value, unit, ucum)}


def bp_panel(c: Any, sys_: float, dia: float, when: str) -> dict[str, Any]:
    return c.obs(cc((LOINC, "85354-9", "Blood pressure panel with all children optional"), text="Blood pressure"), when,
                 cat="vital-signs", profile="us-core-blood-pressure",
                 component=[comp("8480-6", "Systolic blood pressure", sys_, "mm[Hg]", "mm[Hg]"),
                            comp("8462-4", "Diastolic blood pressure", dia, "mm[Hg]", "mm[Hg]")])


def immunization(c: Any, cvx: str, display: str, when: str) -> dict[str, Any]:
    return c.add({"resourceType": "Immunization", "status": "completed", "vaccineCode": cc((CVX, cvx, display), text=display),
                  "patient": c.subject, "occurrenceDateTime": when, "primarySource": True,
                  "doseQuantity": qty(0.5, "mL", "mL")})


def atorva80(c: Any, since: str, **kw: Any) -> dict[str, Any]:
    return c.request(None, concept=ATORVA80, authored=since, dose=(80, "mg"), **kw)


def dispense(c: Any, concept: dict[str, Any], when: str, days: int, quantity: float) -> dict[str, Any]:
    return c.add({"resourceType": "MedicationDispense", "status": "completed", "medicationCodeableConcept": concept,
                  "subject": c.subject,
                  "quantity": qty(quantity, "tablet", "{tbl}"), "daysSupply": qty(days, "day", "d"),
                  "whenPrepared": when + "T10:00:00-05:00", "whenHandedOver": when + "T15:20:00-05:00",
                  "dosageInstruction": [{"text": "1 tablet by mouth daily"}]})


def interpretation_only(c: Any, code: dict[str, Any], when: str, flag: str, text: str) -> dict[str, Any]:
    return c.obs(code, when, interpretation=[cc((INTERP, flag, {"H": "High", "L": "Low", "A": "Abnormal"}[flag]), text=text)],
                 note=[{"text": text}])


def encounter(c: Any, conditions: list[dict[str, Any]], when: str) -> dict[str, Any]:
    return c.add({"resourceType": "Encounter", "status": "finished",
                  "class": {"system": ACT, "code": "AMB", "display": "ambulatory"},
                  "type": [cc((SNOMED, "185349003", "Encounter for check up"))], "subject": c.subject,
                  "period": {"start": when + "T09:00:00-05:00", "end": when + "T09:40:00-05:00"},
                  "diagnosis": [{"condition": {"reference": c.ref(x)},
                                 "use": cc((DIAG_ROLE, "billing", "Billing")), "rank": i + 1}
                                for i, x in enumerate(conditions)]})


def encounter_dx(c: Any, code: dict[str, Any]) -> dict[str, Any]:
    """An encounter diagnosis as many EHRs send it: no clinicalStatus (R4 con-3 requires it for the problem list only)."""
    r = c.cond(code, category="encounter-diagnosis")
    del r["clinicalStatus"]
    del r["verificationStatus"]
    return r


def coverage(c: Any, name: str, *, period: dict[str, str]) -> dict[str, Any]:
    org = {"resourceType": "Organization", "id": "payer-5", "active": True, "name": name,
           "type": [cc(("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer"))]}
    c.add(org)
    return c.add({"resourceType": "Coverage", "id": "cov-5", "status": "active", "subscriberId": "M55120987",
                  "beneficiary": {"reference": c.ref(c.res[0])}, "period": period,
                  "payor": [{"reference": c.ref(org), "display": name}],
                  "relationship": cc(("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self", "Self"))})


def operation_outcome(severity: str, code: str, text: str) -> dict[str, Any]:
    return {"resourceType": "OperationOutcome", "id": f"oo-{code}",
            "issue": [{"severity": severity, "code": code, "details": {"text": text}}]}


def as_searchset(c: Any, *, outcomes: list[dict[str, Any]], include: tuple[str, ...] = ()) -> dict[str, Any]:
    """A searchset the way a server pages a patient's $everything-like query: matches, includes, OperationOutcomes."""
    b = c.bundle("searchset")
    for e in b["entry"]:
        if e["resource"]["resourceType"] in include:
            e["search"] = {"mode": "include"}
    b["link"] = [{"relation": "self", "url": f"{c.base}/Patient/{c.pid}/$everything"}]
    for oo in outcomes:
        b["entry"].append({"fullUrl": f"urn:uuid:{oo['id']}", "resource": oo, "search": {"mode": "outcome"}})
    return b


def transfusions(c: Any, dates: tuple[str, ...]) -> None:
    for d in dates:
        c.transfusion(d)


def ipss_r(c: Any, value: str) -> dict[str, Any]:
    return c.obs(text_cc("IPSS-R risk category"), "2026-09-20", value={"valueString": value}, cat="exam",
                 profile="us-core-observation-clinical-result")


def del5q_fish(c: Any, detected: bool) -> dict[str, Any]:
    ans = (SNOMED, "260373001", "Detected") if detected else (SNOMED, "260415000", "Not detected")
    return c.obs(text_cc("del(5q) by FISH (EGR1 5q31)"), "2026-09-15", value={"valueCodeableConcept": cc(ans)})


def epo(c: Any, value: float, when: str = "2026-10-01", **kw: Any) -> dict[str, Any]:
    return c.lab("15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma", value, "mIU/mL", "m[IU]/mL", when, **kw)


def hgb(c: Any, value: float, when: str = "2026-11-30", **kw: Any) -> dict[str, Any]:
    return c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", value, "g/dL", "g/dL", when, **kw)


def rs_pct(c: Any, value: float) -> dict[str, Any]:
    return c.obs(text_cc("Ring sideroblasts, % of erythroid precursors"), "2026-09-15", value={"valueQuantity": qty(value, "%", "%")})


def sf3b1(c: Any) -> dict[str, Any]:
    return c.obs(cc((LOINC, "81257-2", "SF3B1 gene targeted mutation analysis in Blood or Tissue by Molecular genetics method"),
                    text="SF3B1 mutation"), "2026-09-18", value={"valueCodeableConcept": cc((SNOMED, "260373001", "Detected"))})


def mds_rest(c: Any, *, epo_value: float = 250, rs: float | None = 18, ipss: str = "Low") -> None:
    """EPO, ring sideroblasts, del(5q) not detected, IPSS-R, three red-cell transfusions in 8 weeks."""
    epo(c, epo_value)
    if rs is not None:
        rs_pct(c, rs)
    del5q_fish(c, False)
    ipss_r(c, ipss)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = Chart("r5g01", "1965-04-11", "male")
    c.obs(cc((LOINC, "85353-1", "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel"),
             text="Vitals"), "2026-11-12", cat="vital-signs", profile="us-core-vital-signs",
          component=[comp("29463-7", "Body weight", 104, "kg", "kg"), comp("8302-2", "Body height", 178, "cm", "cm"),
                     comp("39156-5", "Body mass index (BMI) [Ratio]", 32.8, "kg/m2", "kg/m2")])
    bp_panel(c, 150, 95, "2026-11-12")
    c.cond(cc((SNOMED, "22298006", "Myocardial infarction"), text="Recurrent MI"), clinical="recurrence",
           onsetDateTime="2026-09-02")
    immunization(c, "141", "Influenza, seasonal, injectable", "2026-10-01")
    return c.bundle()


def g02() -> dict[str, Any]:
    c = Chart("r5g02", "1971-07-07", "male")
    bmi(c, 33.0, "2026-11-03")
    c.cond(cc((ICD10, "I21.4", "Non-ST elevation (NSTEMI) myocardial infarction"), text="? NSTEMI - troponin trend pending"),
           verification="provisional", onsetDateTime="2026-11-30")
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("r5g03", "1994-02-02", "female")
    bmi(c, 31.0, "2026-11-20")
    old_mi(c)
    c.obs(cc((LOINC, "82810-3", "Pregnancy status"), text="Pregnancy status"), "2026-12-01",
          value={"valueCodeableConcept": cc(NOT_YET_CONFIRMED)}, cat="social-history",
          profile="us-core-observation-pregnancystatus")
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("r5g04", "1990-10-10", "female")
    bmi(c, 36.0, "2026-11-10")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(AHI_CODE, "2026-10-02",
          value={"valueQuantity": qty(30, "events/h", "{events}/h")}, cat="procedure")
    c.cond(cc(NOT_YET_CONFIRMED, text="Pregnancy not yet confirmed - LMP 6 weeks ago, hCG ordered"), recordedDate="2026-11-29")
    return c.bundle()


def g05() -> dict[str, Any]:
    c = Chart("r5g05", "1978-03-15", "female")
    bmi(c, 30.5, "2026-11-18")
    old_mi(c)
    c.cond(cc((ICD10, "E31.22", "Multiple endocrine neoplasia [MEN] type IIA"), text="? MEN 2A - RET testing sent"),
           verification="differential", recordedDate="2026-11-25")
    return c.bundle()


def g06() -> dict[str, Any]:
    c = Chart("r5g06", "1969-05-05", "male")
    t2d(c)
    hba1c(c, 8.0, "2026-11-15")
    c.request(None, concept=METFORMIN, authored="2026-03-01", dose=(1000, "mg"))
    c.cond(cc((ICD10, "C73", "Malignant neoplasm of thyroid gland"), text="?MTC - calcitonin elevated, FNA pending"),
           verification="unconfirmed", recordedDate="2026-11-28")
    return c.bundle()


def g07() -> dict[str, Any]:
    c = Chart("r5g07", "1962-08-08", "female")
    t2d(c)
    hba1c(c, 8.2, "2026-11-09")
    dispense(c, METFORMIN, "2026-10-20", 90, 180)
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("r5g08", "1966-06-16", "male")
    t2d(c)
    hba1c(c, 7.8, "2026-11-14")
    c.request(None, concept=METFORMIN, authored="2026-06-01", dose=(1000, "mg"), intent="original-order")
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("r5g09", "1973-01-21", "female")
    t2d(c)
    hba1c(c, 8.6, "2026-11-22")
    c.request(None, concept=METFORMIN, authored="2026-11-25", intent="plan",
              sig="Plan: start metformin 500 mg daily once eGFR is back")
    c.request(None, concept=METFORMIN, status="draft", authored="2026-12-04", dose=(500, "mg"))
    return c.bundle()


def g10() -> dict[str, Any]:
    c = Chart("r5g10", "1959-09-29", "male")
    t2d(c)
    hba1c(c, 7.7, "2026-11-16")
    c.request(None, concept=METFORMIN, status="on-hold", authored="2026-03-01", dose=(1000, "mg"),
              statusReason=text_cc("Held 2026-11-28 for IV contrast CT; resume in 48 h if creatinine stable"),
              dispenseRequest={"validityPeriod": {"start": "2026-03-01", "end": "2027-03-01"}, "numberOfRepeatsAllowed": 3})
    return c.bundle()


def g11() -> dict[str, Any]:
    c = Chart("r5g11", "1967-11-30", "female")
    t2d(c)
    hba1c(c, 8.3, "2026-11-02")
    c.statement(METFORMIN, status="active", start="2026-04-01",
                dosage=[{"text": "500 to 1000 mg by mouth twice daily with meals",
                         "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d"}},
                         "doseAndRate": [{"doseRange": {"low": qty(500, "mg", "mg"), "high": qty(1000, "mg", "mg")}}]}])
    return c.bundle()


def g12() -> dict[str, Any]:
    c = Chart("r5g12", "1975-12-12", "male")
    c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications"), text="Prediabetes vs early type 2 diabetes"),
           verification="unconfirmed")
    hba1c(c, 6.4, "2026-11-19")
    c.request(None, concept=METFORMIN, authored="2026-07-01", dose=(500, "mg"))
    return c.bundle()


def g13() -> dict[str, Any]:
    c = Chart("r5g13", "1968-02-28", "female")
    bmi(c, 34.0, "2026-11-21")
    old_mi(c)
    med = c.medication(cc((RXNORM, "197361", "amlodipine 5 MG Oral Tablet"), text="amlodipine 5 mg"))
    c.request(med, authored="2025-02-02", dose=(5, "mg"))
    return as_searchset(c, include=("Medication",), outcomes=[
        operation_outcome("warning", "incomplete", "Observation?category=laboratory: 1 of 3 pages returned; use the next link"),
        operation_outcome("information", "informational", "2 DocumentReference resources withheld by consent")])


def g14() -> dict[str, Any]:
    c = Chart("r5g14", "1979-06-06", "male")
    bmi(c, 37.0, "2026-11-06")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    interpretation_only(c, AHI_CODE, "2026-10-12", "H",
                        "Severe obstructive sleep apnea on home sleep test; full report scanned")
    return c.bundle()


def g15() -> dict[str, Any]:
    c = Chart("r5g15", "1983-09-09", "female")
    bmi(c, 35.0, "2026-11-11")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(AHI_CODE, "2026-10-20",
          value={"valueRange": {"low": qty(18, "events/h", "{events}/h"), "high": qty(24, "events/h", "{events}/h")}},
          cat="procedure")
    return c.bundle()


def g16() -> dict[str, Any]:
    c = Chart("r5g16", "1961-12-01", "male")
    bmi(c, 35.0, None, effectiveInstant="2026-11-17T14:32:10.115-05:00")
    c.cond(cc((SNOMED, "22298006", "Myocardial infarction"), text="Heart attack"), clinical="inactive",
           onsetString="about ten years ago")
    return c.bundle()


def g17() -> dict[str, Any]:
    c = Chart("r5g17", "1958-04-04", "male")
    c.res[0]["deceasedDateTime"] = "2026-11-30T03:10:00-05:00"
    bmi(c, 33.0, "2026-11-01")
    old_mi(c)
    return c.bundle()


def g18() -> dict[str, Any]:
    c = Chart("r5g18", "1970-01-15", "female")
    bmi(c, 32.0, "2026-11-01")
    old_mi(c)
    other = Chart("r5g18b", "1972-03-03", "male")
    bmi(other, 27.5, "2026-11-02")
    b = c.bundle()
    b["entry"] += other.entries()
    return b


def g19() -> dict[str, Any]:
    c = Chart("r5g19", "1957-05-25", "female")
    c.obs(cc((LOINC, "85353-1", "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel"),
             text="Vitals"), "2026-11-08", cat="vital-signs", profile="us-core-vital-signs",
          component=[comp("29463-7", "Body weight", 184, "lb", "[lb_av]"), comp("8302-2", "Body height", 66, "in", "[in_i]")])
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified"), (SNOMED, "422504002", "Ischemic stroke")),
           clinical="resolved", onsetPeriod={"start": "2024-01-10", "end": "2024-01-12"}, abatementDateTime="2024-02-01")
    return c.bundle()


def g20() -> dict[str, Any]:
    c = Chart("r5g20", "1963-03-03", "male")
    bmi(c, 30.0, "2026-11-24")
    mi = encounter_dx(c, cc((ICD10, "I25.2", "Old myocardial infarction")))
    htn = encounter_dx(c, cc((ICD10, "I10", "Essential (primary) hypertension")))
    encounter(c, [mi, htn], "2026-11-24")
    immunization(c, "208", "SARS-COV-2 (COVID-19) vaccine, mRNA", "2026-09-15")
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# LDL-lowering
def lipid_panel(c: Any, when: str, comps: list[tuple[str, str, float]], unit: str = "mg/dL", ucum: str = "mg/dL") -> dict[str, Any]:
    return c.obs(cc((LOINC, "24331-1", "Lipid 1996 panel - Serum or Plasma"), text="Lipid panel"), when,
                 component=[comp(code, disp, v, unit, ucum) for code, disp, v in comps])


CALC_LDL = ("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation")


def l01() -> dict[str, Any]:
    c = Chart("r5l01", "1956-06-06", "male")
    old_mi(c)
    lipid_panel(c, "2026-11-05", [("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 180),
                                  ("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", 40),
                                  ("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", 150), (*CALC_LDL, 110)])
    atorva80(c, "2025-02-01")
    return c.bundle()


def l02() -> dict[str, Any]:
    c = Chart("r5l02", "1954-04-14", "female")
    old_mi(c)
    interpretation_only(c, cc((LOINC, "18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"),
                              text="LDL Cholesterol, direct"), "2026-11-15", "H", "Above goal; see scanned report")
    atorva80(c, "2025-03-01")
    return c.bundle()


def l03() -> dict[str, Any]:
    c = Chart("r5l03", "1960-10-20", "male")
    cad(c)
    ldl(c, 105, None, effectiveInstant="2026-11-18T07:45:00.000-05:00")
    atorva80(c, "2025-01-15")
    return c.bundle()


def l04() -> dict[str, Any]:
    c = Chart("r5l04", "1958-08-18", "female")
    c.cond(cc((ICD10, "I20.8", "Other forms of angina pectoris"), text="Stable angina"),
           onsetPeriod={"start": "2023-02-01"})
    ldl(c, 95, "2026-11-12")
    atorva40 = cc((RXNORM, "617311", "atorvastatin 40 MG Oral Tablet"), text="atorvastatin 40 mg tablet")
    for d in ("2026-05-04", "2026-08-02", "2026-11-01"):
        dispense(c, atorva40, d, 90, 90)
    return c.bundle()


def l05() -> dict[str, Any]:
    c = Chart("r5l05", "1955-05-15", "male")
    cad(c)
    ldl(c, 100, "2026-11-08")
    c.request(None, concept=cc((RXNORM, "859751", "rosuvastatin calcium 20 MG Oral Tablet"), text="rosuvastatin 20 mg"),
              authored="2025-06-01", dosageInstruction=[{
                  "text": "20 to 40 mg by mouth nightly as directed",
                  "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
                  "doseAndRate": [{"doseRange": {"low": qty(20, "mg", "mg"), "high": qty(40, "mg", "mg")}}]}])
    return c.bundle()


def l06() -> dict[str, Any]:
    c = Chart("r5l06", "1957-01-30", "male")
    old_mi(c)
    ldl(c, 88, "2026-11-10")
    atorva80(c, "2025-04-01")
    cov = coverage(c, "Cigna", period={"start": "2024-01-01", "end": "2025-12-31"})
    c.res.remove(cov)
    c.res = [r for r in c.res if r["resourceType"] != "Organization"]
    cov["payor"] = [{"display": "Cigna"}]
    order = {"resourceType": "MedicationRequest", "id": "draft-repatha-r5", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]"), text="Repatha SureClick"),
             "subject": {"reference": "Patient/r5l06"}, "authoredOn": "2026-12-06"}
    req = cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                   "medicationRequests": ["MedicationRequest"]})
    req["prefetch"]["coverage"] = {"resourceType": "Bundle", "type": "searchset", "total": 1,
                                   "entry": [{"fullUrl": f"{c.base}/Coverage/cov-5", "resource": cov, "search": {"mode": "match"}}]}
    return req


def l07() -> dict[str, Any]:
    c = Chart("r5l07", "1961-02-28", "male")
    old_mi(c)
    ldl(c, 90, "2026-11-01")
    atorva80(c, "2026-01-05")
    c.statement(cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]"), text="Repatha SureClick 140 mg/mL"),
                status="stopped", start="2026-03-01", end="2026-05-15",
                reason=cc(MYALGIA, text="myalgias on Repatha, resolved after stopping"))
    spouse = Chart("r5l07-spouse", "1963-07-07", "female")
    ldl(spouse, 210, "2026-11-20")
    b = pas_bundle(c, cc((RXNORM, "1659152", "alirocumab 150 MG/ML Auto-Injector [Praluent]"), text="Praluent 150 mg/mL pen"),
                   [("I25.2", "Old myocardial infarction")])
    for e in b["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Organization" and r["id"] == "payer-1":
            r["name"] = "UnitedHealthcare"
        if r["resourceType"] == "Coverage":
            r["payor"][0]["display"] = "UnitedHealthcare"
    b["entry"] += [{"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r} for r in spouse.res]
    return b


def l08() -> dict[str, Any]:
    c = Chart("r5l08", "1980-08-08", "female")
    c.cond(cc((ICD10, "E78.01", "Familial hypercholesterolemia"), text="Suspected familial hypercholesterolemia; genetic testing sent"),
           verification="provisional")
    ldl(c, 170, "2026-11-10")
    atorva80(c, "2025-01-10")
    return c.bundle()


def l09() -> dict[str, Any]:
    c = Chart("r5l09", "1959-11-11", "male")
    c.cond(cc((SNOMED, "22298006", "Myocardial infarction"), text="MI"), clinical="inactive",
           onsetAge={"value": 52, "unit": "years", "system": UCUM, "code": "a"})
    ldl(c, 80, "2026-11-16")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l10() -> dict[str, Any]:
    c = Chart("r5l10", "1952-12-24", "male")
    c.cond(cc((ICD10, "I73.9", "Peripheral vascular disease, unspecified"), text="Claudication - ABI pending"),
           verification="unconfirmed")
    ldl(c, 140, "2026-11-04")
    atorva80(c, "2025-06-06")
    return c.bundle()


def l11() -> dict[str, Any]:
    c = Chart("r5l11", "1962-06-26", "female")
    cad(c)
    ldl(c, 99, "2026-11-13")
    med = c.medication(ATORVA80)
    c.request(med, authored="2025-03-03", dose=(80, "mg"))
    return as_searchset(c, include=("Medication",), outcomes=[
        operation_outcome("information", "informational", "Results limited to the last 24 months")])


def l12() -> dict[str, Any]:
    c = Chart("r5l12", "1956-09-19", "male")
    cad(c)
    ldl(c, 120, "2026-11-06")
    c.allergy(cc((RXNORM, "83367", "atorvastatin"), text="atorvastatin"), cc(MYALGIA, text="muscle aches, resolved off drug"))
    c.allergy(cc((RXNORM, "301542", "rosuvastatin"), text="rosuvastatin"), cc(MYALGIA, text="? myalgia - patient unsure"),
              verification="unconfirmed")
    return c.bundle()


def l13() -> dict[str, Any]:
    c = Chart("r5l13", "1953-03-23", "male")
    old_mi(c)
    lipid_panel(c, "2026-11-09", [("2093-3", "Cholesterol [Moles/volume] in Serum or Plasma", 4.3),
                                  ("2085-9", "Cholesterol in HDL [Moles/volume] in Serum or Plasma", 1.0),
                                  ("18262-6", "Cholesterol in LDL [Moles/volume] in Serum or Plasma by Direct assay", 2.4)],
                unit="mmol/L", ucum="mmol/L")
    atorva80(c, "2025-07-07")
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# MDS anemia
def m01() -> dict[str, Any]:
    c = Chart("r5m01", "1949-01-19", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    c.obs(cc((LOINC, "58410-2", "CBC panel - Blood by Automated count"), text="CBC"), "2026-11-30",
          component=[comp("718-7", "Hemoglobin [Mass/volume] in Blood", 7.9, "g/dL", "g/dL"),
                     comp("777-3", "Platelets [#/volume] in Blood by Automated count", 180, "10*3/uL", "10*3/uL"),
                     comp("6690-2", "Leukocytes [#/volume] in Blood by Automated count", 4.1, "10*3/uL", "10*3/uL")])
    mds_rest(c, epo_value=300, rs=20)
    med_list(c, [])
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("r5m02", "1947-07-17", "female")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    hgb(c, 8.8)
    interpretation_only(c, cc((LOINC, "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma"), text="EPO"),
                        "2026-10-05", "L", "Low for the degree of anemia")
    rs_pct(c, 2)
    del5q_fish(c, False)
    ipss_r(c, "Low")
    transfusions(c, ("2026-10-20", "2026-11-20"))
    med_list(c, [])
    return c.bundle()


def m03() -> dict[str, Any]:
    c = Chart("r5m03", "1951-05-01", "male")
    c.cond(cc((ICD10, "D46.9", "Myelodysplastic syndrome, unspecified"), text="MDS vs anemia of chronic disease - second marrow opinion pending"),
           verification="provisional")
    ipss_r(c, "Low")
    hgb(c, 8.5)
    epo(c, 100)
    transfusions(c, ("2026-11-01", "2026-11-25"))
    med_list(c, [])
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("r5m04", "1943-10-03", "female")
    c.cond(cc((ICD10, "D46.C", "Myelodysplastic syndrome with isolated del(5q) chromosomal abnormality"), text="MDS del(5q)"))
    c.obs(cc((LOINC, "57021-8", "CBC W Auto Differential panel - Blood"), text="CBC with differential"), "2026-11-29",
          component=[comp("718-7", "Hemoglobin [Mass/volume] in Blood", 8.3, "g/dL", "g/dL"),
                     comp("777-3", "Platelets [#/volume] in Blood by Automated count", 85, "10*3/uL", "10*3/uL"),
                     comp("751-8", "Neutrophils [#/volume] in Blood by Automated count", 1.2, "10*3/uL", "10*3/uL")])
    c.obs(cc((LOINC, "62356-1", "Karyotype [Identifier] in Bone marrow by Cytogenetics"), text="Bone marrow karyotype"),
          "2026-09-12", value={"valueString": "46,XX,del(5)(q13q33)[18]/46,XX[2]"})
    ipss_r(c, "Low")
    transfusions(c, ("2026-10-31", "2026-11-21"))
    return c.bundle()


def m05() -> dict[str, Any]:
    c = Chart("r5m05", "1946-06-26", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    hgb(c, 8.2)
    epo(c, 620)
    c.obs(text_cc("Ring sideroblasts (iron stain), erythroid precursors counted"), "2026-09-15",
          value={"valueRatio": {"numerator": qty(8, "{cells}", "{cells}"), "denominator": qty(100, "{cells}", "{cells}")}})
    sf3b1(c)
    del5q_fish(c, False)
    ipss_r(c, "Very low")
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))
    med_list(c, [])
    return c.bundle()


def m06() -> dict[str, Any]:
    c = Chart("r5m06", "1950-12-12", "female")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    hgb(c, 7.6)
    epo(c, 180, "2026-04-01")
    rs_pct(c, 3)
    del5q_fish(c, False)
    ipss_r(c, "Low")
    procrit = cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"), text="Procrit 40,000 units/mL")
    for d in ("2026-05-01", "2026-06-01", "2026-07-01"):
        dispense(c, procrit, d, 28, 4)
    transfusions(c, ("2026-10-15", "2026-10-29", "2026-11-12", "2026-11-26"))
    return c.bundle()


def m07() -> dict[str, Any]:
    c = Chart("r5m07", "1948-02-08", "male")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    c.obs(cc((LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"), text="Hemoglobin"), None,
          value={"valueQuantity": qty(8.9, "g/dL", "g/dL")}, effectiveInstant="2026-11-28T06:12:44.200-06:00")
    c.obs(cc((LOINC, "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma"), text="EPO"), None,
          value={"valueQuantity": qty(150, "mIU/mL", "m[IU]/mL")}, issued="2026-10-03T16:00:00Z")
    rs_pct(c, 2)
    del5q_fish(c, False)
    ipss_r(c, "Low")
    transfusions(c, ("2026-09-30", "2026-11-10"))
    med_list(c, [])
    return c.bundle()


def m08() -> dict[str, Any]:
    c = Chart("r5m08", "1947-03-30", "female")
    dx = encounter_dx(c, cc((ICD10, "D46.1", "Refractory anemia with ring sideroblasts")))
    encounter(c, [dx], "2026-11-30")
    hgb(c, 8.0)
    mds_rest(c, epo_value=250, rs=18)
    immunization(c, "33", "pneumococcal polysaccharide vaccine, 23 valent", "2026-09-01")
    immunization(c, "141", "Influenza, seasonal, injectable", "2026-10-01")
    med_list(c, [])
    return c.bundle()


def m09() -> dict[str, Any]:
    c = Chart("r5m09", "1944-09-09", "female")
    c.res[0]["deceasedBoolean"] = True
    c.cond(cc((ICD10, "D46.C", "Myelodysplastic syndrome with isolated del(5q) chromosomal abnormality")))
    hgb(c, 8.1)
    transfusions(c, ("2026-10-31", "2026-11-21"))
    return c.bundle()


def m10() -> dict[str, Any]:
    c = Chart("r5m10", "1952-11-11", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts", clinical="relapse")
    hgb(c, 8.1)
    mds_rest(c, epo_value=210, rs=22)
    iron = c.add({"resourceType": "MedicationAdministration", "status": "completed",
                  "medicationCodeableConcept": cc((RXNORM, "1247397", "ferric carboxymaltose 50 MG/ML Injectable Solution"),
                                                  text="Injectafer 750 mg IV"),
                  "subject": c.subject, "effectivePeriod": {"start": "2026-11-02T10:00:00-05:00", "end": "2026-11-02T10:20:00-05:00"},
                  "dosage": {"route": cc((SNOMED, "47625008", "Intravenous route")), "dose": qty(750, "mg", "mg"),
                             "rateQuantity": qty(100, "mg/min", "mg/min")}})
    med_list(c, [iron])
    return c.bundle()


BUILDERS = {
    "r5-g01-wegovy-vitals-panel-mi-recurrence": g01, "r5-g02-wegovy-mi-provisional": g02,
    "r5-g03-wegovy-pregnancy-not-yet-confirmed-obs": g03, "r5-g04-zepbound-pregnancy-not-yet-confirmed-cond": g04,
    "r5-g05-wegovy-men2-differential": g05, "r5-g06-mounjaro-mtc-unconfirmed": g06,
    "r5-g07-ozempic-metformin-dispense-only": g07, "r5-g08-mounjaro-original-order": g08,
    "r5-g09-ozempic-metformin-plan-draft": g09, "r5-g10-ozempic-metformin-on-hold": g10,
    "r5-g11-mounjaro-metformin-dose-range": g11, "r5-g12-ozempic-t2d-unconfirmed": g12,
    "r5-g13-wegovy-searchset-outcome": g13, "r5-g14-zepbound-ahi-interpretation-only": g14,
    "r5-g15-zepbound-ahi-range": g15, "r5-g16-wegovy-bmi-instant-mi-onset-string": g16,
    "r5-g17-wegovy-deceased": g17, "r5-g18-wegovy-two-patients": g18,
    "r5-g19-wegovy-vitals-lb-in-stroke-onset-period": g19, "r5-g20-wegovy-encounter-diagnoses": g20,
    "r5-l01-repatha-panel-calculated-ldl": l01, "r5-l02-repatha-ldl-interpretation-only": l02,
    "r5-l03-repatha-ldl-effective-instant": l03, "r5-l04-praluent-statin-dispenses-angina": l04,
    "r5-l05-repatha-rosuva-dose-range": l05, "r5-l06-repatha-cds-cigna-coverage-ended": l06,
    "r5-l07-praluent-pas-uhc-two-patients": l07, "r5-l08-leqvio-fh-provisional": l08,
    "r5-l09-repatha-mi-onset-age": l09, "r5-l10-repatha-pad-unconfirmed": l10,
    "r5-l11-repatha-searchset-include": l11, "r5-l12-nexletol-allergy-unconfirmed": l12,
    "r5-l13-repatha-panel-mmol": l13,
    "r5-m01-reblozyl-cbc-components": m01, "r5-m02-procrit-epo-interpretation-only": m02,
    "r5-m03-aranesp-mds-provisional": m03, "r5-m04-revlimid-cbc-diff-components": m04,
    "r5-m05-reblozyl-rs-ratio-sf3b1": m05, "r5-m06-rytelo-esa-dispenses": m06,
    "r5-m07-procrit-instant-issued": m07, "r5-m08-reblozyl-encounter-dx-immunizations": m08,
    "r5-m09-revlimid-deceased": m09, "r5-m10-reblozyl-relapse-iv-iron-rate": m10,
}

if __name__ == "__main__":
    write(BUILDERS, HERE)
