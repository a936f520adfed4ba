"""Write the fourth held-out FHIR set (round 4): ``python tests/heldout/fhir4/build.py``.

Written 2026-12-07 (04:05-04:40 UTC) by the helper fhir4 before any rule was changed for it, before mednec
was run on it and without reading mednec's FHIR intake code. The chart helpers are the second set's
(shared in ``tests/heldout/fhir_chart.py``); every code and value is spelled out here. Expected answers, reasoned from the policy
YAMLs in src/mednec/packs/, the decisions files and the FHIR R4 / US Core / CDS Hooks specs (never from
mednec's output), are in ``expected.yaml``.

The treatment history is labelled under the medication-list decision of 2026-12-07 (helper presume): a
required prior therapy absent from a bundle is unknown (insufficient information) unless the bundle holds a
complete medication List (``List`` with the LOINC 10160-0 / ``medications`` code, ``mode: snapshot``,
``status: current``; an empty one carries ``emptyReason`` nilknown).

Shapes: UCUM [lb_av] / [in_i] / g / m, mmol/L lipids and hemoglobin, IU/L EPO; a lipid panel as one
Observation with components; ``effectivePeriod`` only, ``issued`` only; entered-in-error, cancelled and
corrected results; Observations and Conditions whose ``subject`` is another patient (no second Patient
resource); a pregnancy-status Observation (LOINC 82810-3) with a SNOMED answer; a BMI with
``dataAbsentReason`` beside weight and height; SNOMED-only Conditions, resolved past events with abatement,
refuted type 1 diabetes; a Procedure for a coronary revascularisation; MedicationRequest ``medicationReference``
to a Medication entry (urn:uuid), ``intent: proposal``, ``stopped`` without a reason, ``completed`` with a
dispense validity period, text-only medication and dosage; MedicationStatements stopped with coded and text
reasons; MedicationAdministrations (ESA given weekly, not-done and entered-in-error); RBC transfusions next
to a platelet transfusion and a not-done one; AllergyIntolerance entered-in-error; FamilyMemberHistory (a
relative's FH, MI, type 1 diabetes); Coverage whose payor is a contained Organization or an Organization in
the bundle (Cigna in a CDS Hooks prefetch; UnitedHealthcare and BCBS North Dakota as PAS insurers); complete medication Lists; ages on the 18th
birthday and the day before; a CDS Hooks order-sign request; inputs to refuse.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import CPT, HCPCS, ICD10, LOINC, RXNORM, SNOMED, UCUM  # noqa: E402
from tests.heldout.fhir_chart import (  # noqa: E402
    DAR,
    Chart,
    bmi,
    cad,
    cc,
    cds_request,
    hba1c,
    ldl,
    mds_core,
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
V3_ROLE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
FMH_STATUS = "completed"
ORG_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
MYALGIA = (SNOMED, "68962001", "Muscle pain")


# ---------------------------------------------------------------------------------------------------
# building blocks
def med_list(c: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
    """A complete medication list (snapshot); with no items, an empty list 'nil known'."""
    r: dict[str, Any] = {"resourceType": "List", "status": "current", "mode": "snapshot", "title": "Medication list",
                         "code": cc((LOINC, "10160-0", "History of Medication use Narrative"),
                                    (LIST_USE, "medications", "Medication List")),
                         "subject": c.subject, "date": "2026-12-05T10:00:00Z", "orderedBy": cc((
                             "http://terminology.hl7.org/CodeSystem/list-order", "entry-date", "Sorted by Item Date"))}
    if items:
        r["entry"] = [{"item": {"reference": c.ref(x)}} for x in items]
    else:
        r["emptyReason"] = cc((LIST_EMPTY, "nilknown", "Nil Known"), text="No current or past medications")
    return c.add(r)


def other_subject(r: dict[str, Any], pid: str = "pt-other-4471") -> dict[str, Any]:
    r["subject"] = {"reference": f"Patient/{pid}", "display": "Doe, Jane (other patient)"}
    return r


def weight(c: Any, value: float, unit: str, ucum: str, when: str) -> dict[str, Any]:
    return c.vital("29463-7", "Body weight", value, unit, ucum, when)


def height(c: Any, value: float, unit: str, ucum: str, when: str) -> dict[str, Any]:
    return c.vital("8302-2", "Body height", value, unit, ucum, when)


def ahi(c: Any, value: float, when: str | None, **kw: Any) -> dict[str, Any]:
    return c.obs(cc(("urn:oid:1.2.840.114350.1.13.0.1.7.2.768282", "SLP-AHI", "AHI"), text="Apnea-hypopnea index (AHI)"),
                 when, value={"valueQuantity": qty(value, "events/h", "{events}/h")}, cat="procedure", **kw)


METFORMIN = cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"), text="metformin 500 mg tablet")


def atorva80(c: Any, since: str, **kw: Any) -> dict[str, Any]:
    return c.request(None, concept=cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet"),
                     authored=since, dose=(80, "mg"), **kw)


def statin_stopped(c: Any, rxcui: str, name: str, dose: float, start: str, end: str, reason: dict[str, Any]) -> dict[str, Any]:
    return c.statement(cc((RXNORM, rxcui, name), text=name.split(" Oral")[0]), status="stopped", start=start, end=end,
                       reason=reason, dose=(dose, "mg"))


def payer_org(name: str, oid: str = "payer-4") -> dict[str, Any]:
    return {"resourceType": "Organization", "id": oid, "active": True, "name": name,
            "type": [cc((ORG_TYPE, "pay", "Payer"))]}


def coverage(c: Any, name: str, *, contained: bool = False) -> dict[str, Any]:
    org = payer_org(name)
    cov: dict[str, Any] = {"resourceType": "Coverage", "id": "cov-4", "status": "active", "subscriberId": "M44120987",
                           "beneficiary": {"reference": c.ref(c.res[0])},
                           "relationship": cc(("http://terminology.hl7.org/CodeSystem/subscriber-relationship", "self", "Self")),
                           "period": {"start": "2026-01-01"},
                           "class": [{"type": cc(("http://terminology.hl7.org/CodeSystem/coverage-class", "group", "Group")),
                                      "value": "G-2026-PPO", "name": f"{name} PPO"}]}
    if contained:
        cov["contained"] = [org]
        cov["payor"] = [{"reference": f"#{org['id']}"}]
    else:
        c.add(org)
        cov["payor"] = [{"reference": c.ref(org), "display": name}]
    return c.add(cov)


def family(c: Any, relation: tuple[str, str], conditions: list[tuple[dict[str, Any], int | None]]) -> dict[str, Any]:
    r: dict[str, Any] = {"resourceType": "FamilyMemberHistory", "status": FMH_STATUS, "patient": c.subject, "date": "2026-10-01",
                         "relationship": cc((V3_ROLE, relation[0], relation[1])),
                         "condition": [{"code": code, **({"onsetAge": {"value": age, "unit": "yr", "system": UCUM,
                                                                       "code": "a"}} if age else {})}
                                       for code, age in conditions]}
    return c.add(r)


def transfusions(c: Any, dates: tuple[str, ...], *, cpt: bool = False) -> None:
    for d in dates:
        if cpt:
            c.transfusion(d, code=cc((CPT, "36430", "Transfusion, blood or blood components"),
                                     text="Transfusion, packed red blood cells, 1 unit"))
        else:
            c.transfusion(d)


def ipss(c: Any, value: str) -> dict[str, Any]:
    return c.obs(text_cc("IPSS risk category"), "2026-09-20", value={"valueString": value}, cat="exam",
                 profile="us-core-observation-clinical-result")


def karyotype(c: Any, iscn: str) -> dict[str, Any]:
    return c.obs(cc((LOINC, "29770-8", "Cells.karyotype [Identifier] in Specimen Nominal"), text="Karyotype (bone marrow)"),
                 "2026-09-15", value={"valueString": iscn})


def sf3b1(c: Any, detected: bool) -> dict[str, Any]:
    ans = (SNOMED, "260373001", "Detected") if detected else (SNOMED, "260415000", "Not detected")
    return c.obs(cc((LOINC, "81257-2", "SF3B1 gene targeted mutation analysis in Blood or Tissue by Molecular genetics method"),
                    text="SF3B1 mutation"), "2026-09-18", value={"valueCodeableConcept": cc(ans)})


def esa_admin(c: Any, when: str, *, status: str = "completed", drug: str = "epoetin") -> dict[str, Any]:
    med = (cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"), text="Procrit 40,000 units/mL")
           if drug == "epoetin" else
           cc((RXNORM, "731370", "darbepoetin alfa 0.5 MG/ML Prefilled Syringe [Aranesp]"), text="Aranesp 500 mcg/mL"))
    dose = qty(40000, "[iU]", "[iU]") if drug == "epoetin" else qty(500, "mcg", "ug")
    r: dict[str, Any] = {"resourceType": "MedicationAdministration", "status": status, "medicationCodeableConcept": med,
                         "subject": c.subject, "effectiveDateTime": when + "T09:15:00-05:00",
                         "dosage": {"route": cc((SNOMED, "34206005", "Subcutaneous route")), "dose": dose}}
    if status == "not-done":
        r["statusReason"] = [text_cc("Hemoglobin above hold threshold; dose not given")]
    return c.add(r)


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = Chart("r4g01", "1966-02-14", "female")
    weight(c, 220, "lb", "[lb_av]", "2026-11-10")
    height(c, 68, "in", "[in_i]", "2026-11-10")
    c.cond(cc((SNOMED, "22298006", "Myocardial infarction"), text="Heart attack 2021"), clinical="resolved",
           onsetDateTime="2021-03-04", abatementDateTime="2021-03-20")
    return c.bundle()


def g02() -> dict[str, Any]:
    c = Chart("r4g02", "1970-05-05", "male")
    bmi(c, 36.0, "2026-11-01")
    other_subject(old_mi(c))
    c.cond(cc((ICD10, "I21.4", "Non-ST elevation (NSTEMI) myocardial infarction")), subject={"reference": "Patient/pt-other-4471"})
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("r4g03", "1975-08-19", "female")
    bmi(c, 38.2, "2026-11-03")
    c.cond(cc((SNOMED, "78275009", "Obstructive sleep apnea syndrome"), text="OSA"))
    ahi(c, 22, None, effectivePeriod={"start": "2026-09-12T22:04:00-05:00", "end": "2026-09-13T05:58:00-05:00"})
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("r4g04", "1980-01-01", "male")
    weight(c, 110000, "g", "g", "2026-11-15")
    height(c, 1.75, "m", "m", "2026-11-15")
    ahi(c, 40, "2026-10-10", status="cancelled")
    return c.bundle()


def g05() -> dict[str, Any]:
    c = Chart("r4g05", "1964-10-30", "female", ref_style="urn")
    c.cond(cc((ICD10, "E11.65", "Type 2 diabetes mellitus with hyperglycemia"), (SNOMED, "44054006", "Diabetes mellitus type 2")))
    hba1c(c, 8.4, "2026-11-12")
    med = c.medication(METFORMIN)
    c.request(med, authored="2026-07-01", sig="1 tab by mouth twice daily with meals")
    return c.bundle()


def g06() -> dict[str, Any]:
    c = Chart("r4g06", "1958-06-21", "male")
    t2d(c)
    hba1c(c, 8.9, "2026-11-02")
    c.request(None, concept=METFORMIN, status="stopped", authored="2024-03-01", dose=(1000, "mg"),
              dispenseRequest={"validityPeriod": {"start": "2024-03-01", "end": "2025-03-01"}, "numberOfRepeatsAllowed": 3})
    return c.bundle()


def g07() -> dict[str, Any]:
    c = Chart("r4g07", "1968-12-01", "female")
    t2d(c)
    hba1c(c, 7.6, "2026-11-20")
    c.request(None, concept=METFORMIN, status="active", authored="2026-11-30", dose=(500, "mg"), intent="proposal")
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("r4g08", "1972-04-04", "male")
    c.cond(cc((SNOMED, "44054006", "Diabetes mellitus type 2"), text="Type 2 diabetes"))
    c.cond(cc((ICD10, "E10.9", "Type 1 diabetes mellitus without complications"),
              (SNOMED, "46635009", "Diabetes mellitus type 1")), verification="refuted", clinical="inactive")
    hba1c(c, 8.1, "2026-11-05")
    c.statement(cc((RXNORM, "860975", "24 HR metformin hydrochloride 500 MG Extended Release Oral Tablet"), text="Glucophage XR"),
                status="active", start="2026-02-01", dosage=[{"text": "500mg BID"}])
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("r4g09", "1969-09-09", "female")
    t2d(c)
    hba1c(c, 8.0, "2026-11-18")
    c.request(None, concept=METFORMIN, authored="2026-04-10", dose=(1000, "mg"))
    family(c, ("BRO", "brother"), [(cc((ICD10, "E10.9", "Type 1 diabetes mellitus without complications"),
                                       (SNOMED, "46635009", "Diabetes mellitus type 1")), 9)])
    return c.bundle()


def g10() -> dict[str, Any]:
    c = Chart("r4g10", "1992-03-03", "female")
    bmi(c, 31.0, "2026-11-20")
    old_mi(c)
    c.obs(cc((LOINC, "82810-3", "Pregnancy status"), text="Pregnancy status"), "2026-11-28",
          value={"valueCodeableConcept": cc((SNOMED, "77386006", "Pregnant"))}, cat="social-history",
          profile="us-core-observation-pregnancystatus")
    return c.bundle()


def _zep_osa(pid: str, birth: str) -> dict[str, Any]:
    c = Chart(pid, birth, "male")
    bmi(c, 40.0, "2026-11-25")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    ahi(c, 30, "2026-10-05")
    return c.bundle()


def g11() -> dict[str, Any]:
    return _zep_osa("r4g11", "2008-12-07")


def g12() -> dict[str, Any]:
    return _zep_osa("r4g12", "2008-12-06")


def g13() -> dict[str, Any]:
    c = Chart("r4g13", "1960-06-15", "unknown")
    c.obs(cc((LOINC, "39156-5", "Body mass index (BMI) [Ratio]"), text="BMI"), "2026-11-09", cat="vital-signs",
          profile="us-core-bmi", dataAbsentReason=cc((DAR, "not-performed", "Not Performed")))
    weight(c, 90, "kg", "kg", "2026-11-09")
    height(c, 172, "cm", "cm", "2026-11-09")
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified"), (SNOMED, "422504002", "Ischemic stroke")),
           clinical="resolved", onsetDateTime="2023-05-02", abatementDateTime="2023-05-20")
    return c.bundle()


def g14() -> dict[str, Any]:
    c = Chart("r4g14", "1961-01-17", "male")
    t2d(c, category="encounter-diagnosis")
    hba1c(c, 7.9, "2026-11-21")
    c.request(None, concept=METFORMIN, status="completed", authored="2026-05-01", dose=(1000, "mg"),
              dispenseRequest={"validityPeriod": {"start": "2026-05-01", "end": "2026-10-31"}, "numberOfRepeatsAllowed": 1})
    order = {"resourceType": "MedicationRequest", "id": "draft-ozempic-r4", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "1991306", "semaglutide 1.34 MG/ML Pen Injector [Ozempic]"), text="Ozempic 0.25 mg/dose pen"),
             "subject": {"reference": "Patient/r4g14"}, "authoredOn": "2026-12-06"}
    return cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                    "medicationRequests": ["MedicationRequest"]})


def g15() -> dict[str, Any]:
    c = Chart("r4g15", "1990-07-07", "female")
    c.cond(cc((ICD10, "E10.9", "Type 1 diabetes mellitus without complications"), (SNOMED, "46635009", "Diabetes mellitus type 1")))
    hba1c(c, 8.8, "2026-11-11")
    c.request(None, concept=METFORMIN, authored="2026-03-01", dose=(500, "mg"))
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# LDL-lowering
def l01() -> dict[str, Any]:
    c = Chart("r4l01", "1958-01-20", "male")
    c.cond(cc((SNOMED, "22298006", "Myocardial infarction"), text="STEMI 2019"), clinical="resolved",
           onsetDateTime="2019-08-01", abatementDateTime="2019-08-15")
    ldl(c, 2.1, "2026-10-15", "mmol/L", "mmol/L")
    atorva80(c, "2026-01-05")
    return c.bundle()


def l02() -> dict[str, Any]:
    c = Chart("r4l02", "1955-11-11", "female")
    cad(c)
    ldl(c, 1.6, "2026-11-12", "mmol/L", "mmol/L")
    atorva80(c, "2025-06-01")
    cov = coverage(c, "Cigna", contained=True)
    c.res.remove(cov)
    order = {"resourceType": "MedicationRequest", "id": "draft-repatha-r4", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]"), text="Repatha SureClick"),
             "subject": {"reference": "Patient/r4l02"}, "authoredOn": "2026-12-06", "insurance": [{"reference": "Coverage/cov-4"}]}
    req = cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                   "medicationRequests": ["MedicationRequest"]})
    req["prefetch"]["coverage"] = {"resourceType": "Bundle", "type": "searchset", "total": 1,
                                   "entry": [{"fullUrl": f"{c.base}/Coverage/cov-4", "resource": cov, "search": {"mode": "match"}}]}
    return req


def as_pas(c: Any, product: dict[str, Any], dx: list[tuple[str, str]], payer: str) -> dict[str, Any]:
    """A Da Vinci PAS request Bundle whose insurer (and the Coverage's payor) is ``payer``."""
    b = pas_bundle(c, product, dx)
    for e in b["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Organization" and r["id"] == "payer-1":
            r["name"] = payer
        if r["resourceType"] == "Coverage":
            r["payor"][0]["display"] = payer
    return b


PRALUENT = cc((RXNORM, "1659152", "alirocumab 150 MG/ML Auto-Injector [Praluent]"), text="Praluent 150 mg/mL pen")
MI_DX = [("I25.2", "Old myocardial infarction")]


def _praluent_uhc(pid: str) -> Any:
    c = Chart(pid, "1960-02-29", "male")
    old_mi(c)
    ldl(c, 90, "2026-11-01")
    atorva80(c, "2026-01-05")
    return c


def l03() -> dict[str, Any]:
    return as_pas(_praluent_uhc("r4l03"), PRALUENT, MI_DX, "UnitedHealthcare")


def l04() -> dict[str, Any]:
    c = _praluent_uhc("r4l04")
    c.statement(cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]"), text="Repatha SureClick 140 mg/mL"),
                status="stopped", start="2026-03-01", end="2026-05-15",
                reason=cc(MYALGIA, text="myalgias on Repatha, resolved after stopping"))
    return as_pas(c, PRALUENT, MI_DX, "UnitedHealthcare")


def l05() -> dict[str, Any]:
    c = Chart("r4l05", "1951-07-30", "female")
    cad(c)
    ldl(c, 130, "2026-11-20")
    statin_stopped(c, "617310", "atorvastatin 10 MG Oral Tablet", 10, "2025-01-10", "2025-03-01", cc(MYALGIA, text="myalgia"))
    statin_stopped(c, "859747", "rosuvastatin calcium 5 MG Oral Tablet", 5, "2025-04-01", "2025-05-20",
                   text_cc("Muscle aches and weakness, resolved after stopping"))
    return c.bundle()


def l06() -> dict[str, Any]:
    c = Chart("r4l06", "1953-03-13", "male")
    cad(c)
    ldl(c, 120, "2026-11-02")
    c.allergy(cc((SNOMED, "96302009", "HMG-CoA reductase inhibitor"), text="Statins"), cc(MYALGIA), verification="entered-in-error")
    return c.bundle()


def l07() -> dict[str, Any]:
    c = Chart("r4l07", "1962-09-25", "male")
    c.add({"resourceType": "Procedure", "status": "completed", "subject": c.subject, "performedDateTime": "2024-02-10",
           "code": cc((SNOMED, "415070008", "Percutaneous coronary intervention"), (CPT, "92928",
                      "Percutaneous transcatheter placement of intracoronary stent(s), single major coronary artery"),
                      text="PCI with drug-eluting stent to LAD")})
    ldl(c, 88, "2026-11-05")
    c.request(None, concept=cc((RXNORM, "859419", "rosuvastatin calcium 40 MG Oral Tablet"), text="rosuvastatin 40 mg"),
              authored="2025-01-10", dose=(40, "mg"))
    return c.bundle()


def l08() -> dict[str, Any]:
    c = Chart("r4l08", "1957-12-12", "female")
    old_mi(c)
    ldl(c, 118, None, effectivePeriod={"start": "2026-07-01T08:00:00Z", "end": "2026-07-02T08:00:00Z"})
    ldl(c, 100, "2026-11-20", status="entered-in-error")
    atorva80(c, "2025-03-01")
    return c.bundle()


def l09() -> dict[str, Any]:
    c = Chart("r4l09", "1956-04-18", "male")
    old_mi(c)
    ldl(c, 92, "2026-11-10")
    atorva80(c, "2025-01-02")
    c.statement(cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]"), text="Repatha 140 mg every 2 weeks"),
                status="completed", start="2025-03-01", end="2025-07-01", reason=text_cc("Inadequate response"))
    c.statement(text_cc("bempedoic acid 180 mg / ezetimibe 10 mg tablet (Nexlizet)"), status="completed",
                start="2026-01-05", end="2026-05-01", reason=text_cc("inadequate response - LDL still above goal"))
    return as_pas(c, cc((HCPCS, "J1306", "Injection, inclisiran, 1 mg"), text="Leqvio 284 mg"), MI_DX,
                  "Blue Cross Blue Shield of North Dakota")


def l10() -> dict[str, Any]:
    c = Chart("r4l10", "1963-05-05", "female")
    t2d(c)
    ldl(c, 125, "2026-11-15")
    c.request(None, concept=cc((RXNORM, "349556", "ezetimibe 10 MG Oral Tablet"), text="ezetimibe 10 mg"),
              authored="2026-06-01", dose=(10, "mg"))
    statin_stopped(c, "617310", "atorvastatin 10 MG Oral Tablet", 10, "2024-05-01", "2024-06-20", cc(MYALGIA, text="myalgia"))
    statin_stopped(c, "859747", "rosuvastatin calcium 5 MG Oral Tablet", 5, "2024-08-01", "2024-09-10", cc(MYALGIA, text="myalgia"))
    return c.bundle()


def l11() -> dict[str, Any]:
    c = Chart("r4l11", "1959-10-10", "male")
    old_mi(c)
    comps = [("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 190), ("2085-9", "HDL Cholesterol", 45),
             ("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", 150),
             ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", 95)]
    c.obs(cc((LOINC, "57698-3", "Lipid panel with direct LDL - Serum or Plasma"), text="Lipid panel"), "2026-11-08",
          component=[{"code": cc((LOINC, code, disp)), "valueQuantity": qty(v, "mg/dL", "mg/dL")} for code, disp, v in comps])
    atorva80(c, "2025-05-05")
    return c.bundle()


def l12() -> dict[str, Any]:
    c = Chart("r4l12", "1961-08-08", "female")
    cad(c)
    ldl(c, 65, "2026-10-01")
    ldl(c, 72, "2026-11-02", status="corrected")
    atorva80(c, "2025-02-02")
    return c.bundle()


def l13() -> dict[str, Any]:
    c = Chart("r4l13", "1954-02-02", "male")
    cad(c)
    ldl(c, 60, "2026-11-10")
    other_subject(ldl(c, 150, "2026-11-25"))
    atorva80(c, "2025-02-02")
    return c.bundle()


def l14() -> dict[str, Any]:
    c = Chart("r4l14", "1957-07-07", "female")
    old_mi(c)
    ldl(c, 100, "2026-11-19")
    c.request(None, concept=text_cc("Lipitor 80mg tab"), authored="2025-09-01",
              dosageInstruction=[{"text": "Take 1 tablet (80 mg) by mouth nightly"}])
    return c.bundle()


def l15() -> dict[str, Any]:
    c = Chart("r4l15", "1980-03-30", "male")
    ldl(c, 160, "2026-11-14")
    atorva80(c, "2025-04-01")
    family(c, ("FTH", "father"), [(cc((ICD10, "E78.01", "Familial hypercholesterolemia")), 35),
                                  (cc((ICD10, "I21.9", "Acute myocardial infarction, unspecified"),
                                      (SNOMED, "22298006", "Myocardial infarction")), 48)])
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# MDS anemia
def m01() -> dict[str, Any]:
    c = Chart("r4m01", "1950-03-03", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(78, "g/L", "g/L"), epo=(210, "IU/L", "[IU]/L"), rs=20)
    sf3b1(c, True)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"), cpt=True)
    med_list(c, [])
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("r4m02", "1947-05-19", "female")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(8.4, "g/dL", "g/dL"), epo=(320, "mIU/mL", "m[IU]/mL"), rs=18)
    transfusions(c, ("2026-10-25", "2026-11-22"))
    esa_admin(c, "2026-06-01", status="not-done", drug="darbepoetin")
    esa_admin(c, "2026-06-22", status="entered-in-error", drug="darbepoetin")
    folic = c.statement(cc((RXNORM, "310410", "folic acid 1 MG Oral Tablet"), text="folic acid 1 mg"), status="active",
                        start="2026-01-01", dose=(1, "mg"))
    med_list(c, [folic])
    return c.bundle()


def m03() -> dict[str, Any]:
    c = Chart("r4m03", "1949-09-09", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(5.2, "mmol/L", "mmol/L"), epo=(150, "mIU/mL", "m[IU]/mL"), rs=25)
    sf3b1(c, True)
    transfusions(c, ("2026-10-28", "2026-11-25"))
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("r4m04", "1946-01-31", "female")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    mds_core(c, hgb=(9.1, "g/dL", "g/dL"), epo=(45, "mIU/mL", "m[IU]/mL"), rs=2)
    transfusions(c, ("2026-10-01",))
    for d in ("2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22", "2026-11-29"):
        esa_admin(c, d)
    return c.bundle()


def _revlimid(pid: str, platelets: float, anc_value: float, anc_unit: tuple[str, str]) -> Any:
    c = Chart(pid, "1944-06-06", "female")
    mds_dx(c, "D46.C", "Myelodysplastic syndrome with isolated del(5q) chromosomal abnormality")
    c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", 8.2, "g/dL", "g/dL", "2026-11-30")
    c.lab("777-3", "Platelets [#/volume] in Blood by Automated count", platelets, "10*9/L", "10*9/L", "2026-11-30")
    c.lab("751-8", "Neutrophils [#/volume] in Blood by Automated count", anc_value, anc_unit[0], anc_unit[1], "2026-11-30")
    karyotype(c, "46,XX,del(5)(q13q33)[20]")
    ipss(c, "Low")
    transfusions(c, ("2026-10-30", "2026-11-27"), cpt=True)
    return c


def m05() -> dict[str, Any]:
    c = _revlimid("r4m05", 45, 1800, ("cells/uL", "{cells}/uL"))
    return c.bundle()


def m06() -> dict[str, Any]:
    c = _revlimid("r4m06", 50, 0.5, ("10*9/L", "10*9/L"))
    c.lab("777-3", "Platelets [#/volume] in Blood by Automated count", 120, "10*9/L", "10*9/L", "2026-12-01", status="entered-in-error")
    return c.bundle()


def m07() -> dict[str, Any]:
    c = Chart("r4m07", "1952-02-22", "male")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    mds_core(c, hgb=(7.9, "g/dL", "g/dL"), epo=(780, "mIU/mL", "m[IU]/mL"), rs=3, ipssr=None)
    ipss(c, "Intermediate-1")
    transfusions(c, ("2026-10-15", "2026-11-01", "2026-11-20"))
    c.transfusion("2026-11-25", status="not-done")
    c.transfusion("2026-11-28", code=cc((SNOMED, "180208003", "Transfusion of platelets"), text="Platelet transfusion 1 unit"))
    return c.bundle()


def m08() -> dict[str, Any]:
    c = Chart("r4m08", "1948-08-08", "female")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    mds_core(c, hgb=(9.5, "g/dL", "g/dL"), epo=(600, "mIU/mL", "m[IU]/mL"), rs=2)
    for r in c.res:
        if r.get("code", {}).get("text") == "Hemoglobin":
            r.pop("effectiveDateTime", None)
    c.obs(text_cc("Fatigue and exertional dyspnea due to anemia"), "2026-11-30", value={"valueBoolean": True}, cat="exam")
    return c.bundle()


def m09() -> dict[str, Any]:
    c = Chart("r4m09", "1945-12-25", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(11.8, "g/dL", "g/dL"), epo=(640, "mIU/mL", "m[IU]/mL"), rs=20)
    other_subject(c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", 8.0, "g/dL", "g/dL", "2026-12-02"))
    transfusions(c, ("2026-10-20", "2026-11-20"))
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# inputs to refuse
def x01() -> dict[str, Any]:
    c = Chart("r4x01", "2027-02-01", "female")
    bmi(c, 33.0, "2026-11-01")
    return c.bundle()


def x02() -> dict[str, Any]:
    c = Chart("r4x02", "1970-01-01", "male")
    bmi(c, 33.0, "2026-11-01")
    b = c.bundle()
    b["resourceType"] = "bundle"
    return b


BUILDERS = {
    "r4-g01-wegovy-lb-in-mi-resolved": g01, "r4-g02-wegovy-mi-other-subject": g02, "r4-g03-zepbound-osa-snomed-ahi-period": g03,
    "r4-g04-zepbound-grams-ahi-cancelled": g04, "r4-g05-ozempic-medref-urn-sig-only": g05,
    "r4-g06-ozempic-metformin-stopped-2025": g06, "r4-g07-mounjaro-metformin-proposal": g07,
    "r4-g08-mounjaro-snomed-t2d-t1-refuted": g08, "r4-g09-ozempic-family-t1d": g09, "r4-g10-wegovy-pregnancy-status-obs": g10,
    "r4-g11-zepbound-age-17-eve": g11, "r4-g12-zepbound-age-18-today": g12, "r4-g13-wegovy-bmi-absent-stroke": g13,
    "r4-g14-ozempic-cds-metformin-completed": g14, "r4-g15-mounjaro-type1": g15,
    "r4-l01-repatha-mmol-mi-resolved": l01, "r4-l02-repatha-cds-cigna-contained-payor": l02, "r4-l03-praluent-pas-uhc-no-repatha": l03,
    "r4-l04-praluent-pas-uhc-repatha-myalgia": l04, "r4-l05-nexletol-two-statins-myalgia": l05,
    "r4-l06-nexletol-allergy-eie-no-statin": l06, "r4-l07-repatha-pci-procedure": l07, "r4-l08-leqvio-ldl-period-old": l08,
    "r4-l09-leqvio-pas-bcbsnd-steps-done": l09, "r4-l10-nexletol-primary-t2d-ezetimibe": l10, "r4-l11-repatha-panel-components": l11,
    "r4-l12-repatha-ldl-corrected-latest": l12, "r4-l13-repatha-ldl-other-subject": l13, "r4-l14-repatha-text-only-statin": l14,
    "r4-l15-repatha-family-fh-mi": l15,
    "r4-m01-reblozyl-empty-medlist": m01, "r4-m02-reblozyl-esa-not-done-medlist": m02, "r4-m03-reblozyl-no-medlist": m03,
    "r4-m04-procrit-esa-running-admins": m04, "r4-m05-revlimid-platelets-45": m05, "r4-m06-revlimid-boundaries-eie": m06,
    "r4-m07-rytelo-platelet-notdone": m07, "r4-m08-aranesp-epo-600-issued": m08, "r4-m09-reblozyl-hb-other-subject": m09,
    "r4-x01-refuse-future-birth": x01, "r4-x02-refuse-lowercase-bundle": x02,
}

if __name__ == "__main__":
    write(BUILDERS, HERE)
