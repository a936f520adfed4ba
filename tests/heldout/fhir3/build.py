"""Write the third held-out FHIR set (round 3): ``python tests/heldout/fhir3/build.py``.

Written 2026-12-07 (00:50-01:25 UTC) by the helper fhir3 before any rule was changed for it and before
mednec was run on it. The chart helpers (``Chart``, ``cc``, ``qty``, ``cds_request``, ``pas_bundle``) are the
second set's, shared in ``tests/heldout/fhir_chart.py``; every code and value is spelled out here. Expected answers, reasoned
from the policy YAMLs in src/mednec/packs/ and the FHIR R4 / CDS Hooks 2.0 / Da Vinci specs (never from
mednec's output), are in ``expected.yaml``.

Shapes the first two sets did not cover: searchset Bundles with ``search.mode`` include / outcome and an
OperationOutcome entry; transaction (read) and batch (refused) Bundles; ``birthDate`` with only a year or a
year-month; a deceased Patient; Patient and Observation extensions (US Core race / birth sex, an EHR's own);
a vital-signs panel with ``hasMember``; a lipid panel as an Observation with ``hasMember``; value
comparators (``>`` on EPO, ``<`` on LDL and ANC, "<10" as valueString); ``interpretation`` and
``referenceRange``; ``issued`` with no effective time; preliminary and amended results; Conditions
provisional / differential, ``onsetString``, encounter-diagnosis; MedicationRequest ``intent: plan`` and
``stopped`` with a reason; MedicationDispense; Medication ``ingredient.strength`` (semaglutide 2.4 mg/0.75 mL
is Wegovy, 2 mg/3 mL is Ozempic); Coverage payor naming a payer with a policy variant (Cigna, BCBS North
Dakota); CDS Hooks order-select with a ``draftOrders`` Bundle without ``type`` (as the CDS Hooks spec's own
examples), a missing prefetch with ``fhirServer`` + ``fhirAuthorization`` (the held-out run never
fetches), no ``patientId``, the pre-2.0 ``context.medications``; a PAS Claim with ``supportingInfo``; a DTR
QuestionnaireResponse fed back; an R5-shaped resource (CodeableReference ``medication.concept``); an
unknown ``modifierExtension`` (must not be silently ignored); a deeply nested resource and a Parameters
resource in place of a Bundle (refused with a clear error); completed ezetimibe courses without a
statusReason (e-l04's family) and statin rhabdomyolysis as an AllergyIntolerance reaction (e-l07's family).
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import HCPCS, ICD10, LOINC, NDC, RXNORM, SNOMED  # noqa: E402
from tests.heldout.fhir_chart import (  # noqa: E402
    US_CORE,
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

INTERP = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
PAS_SI = "http://hl7.org/fhir/us/davinci-pas/CodeSystem/PASSupportingInfoType"
CLAIM_INFO = "http://terminology.hl7.org/CodeSystem/claiminformationcategory"


def ldl_cc() -> dict[str, Any]:
    return cc((LOINC, "18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"), text="LDL Cholesterol, direct")


def t2d(c: Any, code: str = "E11.9", display: str = "Type 2 diabetes mellitus without complications", **kw: Any) -> dict[str, Any]:
    return c.cond(cc((ICD10, code, display), (SNOMED, "44054006", "Diabetes mellitus type 2")), **kw)


def metformin_request(c: Any, authored: str, **kw: Any) -> dict[str, Any]:
    return c.request(None, concept=cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"), text="metformin 500 mg tablet"),
                     authored=authored, dose=(1000, "mg"), sig="1,000 mg by mouth twice daily", **kw)


def atorva80(c: Any, since: str) -> dict[str, Any]:
    return c.request(None, concept=cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet"),
                     authored=since, dose=(80, "mg"))


def bmi(c: Any, value: float, when: str, **kw: Any) -> dict[str, Any]:
    return c.vital("39156-5", "Body mass index (BMI) [Ratio]", value, "kg/m2", "kg/m2", when, **kw)


def searchset_of(c: Any, *, include_patient: bool = True) -> dict[str, Any]:
    """A FHIR server's search response: matches, the Patient as ``_include``, and an OperationOutcome."""
    b = c.bundle("searchset")
    for e in b["entry"]:
        e["search"] = {"mode": "include" if e["resource"]["resourceType"] == "Patient" else "match"}
    if not include_patient:
        b["entry"] = [e for e in b["entry"] if e["resource"]["resourceType"] != "Patient"]
    b["total"] = sum(e["search"]["mode"] == "match" for e in b["entry"])
    b["link"] = [{"relation": "self", "url": f"{c.base}/Observation?patient={c.pid}&_include=Observation:patient"}]
    b["entry"].append({"fullUrl": "urn:uuid:6f4e1a52-oo-" + c.pid, "search": {"mode": "outcome"},
                       "resource": {"resourceType": "OperationOutcome", "id": "oo-" + c.pid,
                                    "issue": [{"severity": "warning", "code": "suppressed",
                                               "diagnostics": "2 results were not returned: sensitive (42 CFR Part 2) records"}]}})
    return b


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = Chart("r3g01", "1963-04-02", "female")
    t2d(c)
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.3, "%", "%", "2026-11-09",
          interpretation=[cc((INTERP, "H", "High"))], referenceRange=[{"high": qty(5.6, "%", "%"), "text": "<5.7 %"}])
    metformin_request(c, "2026-06-01")
    return searchset_of(c)


def g02() -> dict[str, Any]:
    c = Chart("r3g02", "1961", "female", style="cerner")
    t2d(c, "E11.65", "Type 2 diabetes mellitus with hyperglycemia")
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 9.1, "%", "%", "2026-11-18")
    c.statement(cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"), text="metformin"), status="active",
                start="2024-02-01", dose=(1000, "mg"))
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("r3g03", "2011-03", "male")
    bmi(c, 36.4, "2026-11-20")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(text_cc("Apnea-hypopnea index (AHI)"), "2026-10-01", value={"valueQuantity": qty(31, "events/h", "{events}/h")})
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("r3g04", "1959-09-09", "male")
    c.res[0]["deceasedDateTime"] = "2026-11-30T04:10:00-05:00"
    bmi(c, 33.0, "2026-11-02")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    return c.bundle()


def g05() -> dict[str, Any]:
    c = Chart("r3g05", "1960-12-12", "male")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    w = c.vital("29463-7", "Body weight", 92.5, "kg", "kg", "2026-11-16")
    h = c.vital("8302-2", "Body height", 177.4, "cm", "cm", "2026-11-16")
    b = bmi(c, 29.4, "2026-11-16")
    bp = c.obs(cc((LOINC, "85354-9", "Blood pressure panel with all children optional"), text="BP"), "2026-11-16",
               cat="vital-signs", profile="us-core-blood-pressure",
               component=[{"code": cc((LOINC, "8480-6", "Systolic blood pressure")), "valueQuantity": qty(138, "mmHg", "mm[Hg]"),
                           "interpretation": [cc((INTERP, "H", "High"))]},
                          {"code": cc((LOINC, "8462-4", "Diastolic blood pressure")), "valueQuantity": qty(86, "mmHg", "mm[Hg]")}])
    c.obs(cc((LOINC, "85353-1", "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel"), text="Vitals"),
          "2026-11-16", cat="vital-signs", profile="us-core-vital-signs",
          hasMember=[{"reference": c.ref(r)} for r in (w, h, b, bp)])
    return c.bundle()


def g06() -> dict[str, Any]:
    c = Chart("r3g06", "1979-01-20", "female")
    bmi(c, 35.0, "2026-11-12")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), "2026-11-28",
          value={"valueQuantity": qty(35, "events/h", "{events}/h")}, status="preliminary", cat="procedure",
          profile="us-core-observation-clinical-result")
    return c.bundle()


def g07() -> dict[str, Any]:
    c = Chart("r3g07", "1976-06-30", "male", style="cerner")
    bmi(c, 35.0, "2026-11-12")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), None,
          value={"valueQuantity": qty(29, "events/h", "{events}/h")}, issued="2026-10-02T15:20:00Z", cat="procedure",
          profile="us-core-observation-clinical-result")
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("r3g08", "1966-02-02", "female")
    bmi(c, 28.0, "2026-11-12")
    c.cond(cc((ICD10, "I21.4", "Non-ST elevation (NSTEMI) myocardial infarction")), verification="differential",
           category="encounter-diagnosis", onsetDateTime="2026-11-10")
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified")), verification="provisional", category="encounter-diagnosis")
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("r3g09", "1964-08-14", "male")
    t2d(c, category="encounter-diagnosis", onsetString="about ten years ago")
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 7.8, "%", "%", "2026-11-05")
    c.add({"resourceType": "MedicationDispense", "status": "completed",
           "medicationCodeableConcept": cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"),
                                           (NDC, "65162-0175-10", "metformin 500 mg tablet"), text="metformin 500 mg"),
           "subject": c.subject, "quantity": qty(180, "tablet", "{tbl}"), "daysSupply": qty(90, "days", "d"),
           "whenPrepared": "2026-10-31T14:00:00-05:00", "whenHandedOver": "2026-11-01T10:00:00-05:00",
           "dosageInstruction": [{"text": "1,000 mg by mouth twice daily"}]})
    return c.bundle()


def semaglutide_order(oid: str, strength: tuple[float, str, float, str], subject: str) -> dict[str, Any]:
    """A draft order whose product is decided only by its contained Medication's ingredient strength."""
    med = {"resourceType": "Medication", "id": "med-sema", "code": text_cc("semaglutide injection pen"),
           "form": cc((SNOMED, "385219001", "Solution for injection")),
           "ingredient": [{"itemCodeableConcept": cc((RXNORM, "1991302", "semaglutide")), "isActive": True,
                           "strength": {"numerator": qty(strength[0], strength[1], strength[1]),
                                        "denominator": qty(strength[2], strength[3], strength[3])}}]}
    return {"resourceType": "MedicationRequest", "id": oid, "status": "draft", "intent": "order", "contained": [med],
            "medicationReference": {"reference": "#med-sema"}, "subject": {"reference": subject}, "authoredOn": "2026-12-06"}


def g10() -> dict[str, Any]:
    c = Chart("r3g10", "1962-05-05", "male")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    bmi(c, 31.2, "2026-11-22")
    order = semaglutide_order("draft-sema-24", (2.4, "mg", 0.75, "mL"), "Patient/r3g10")
    return cds_request(c, "order-select", order, {"conditions": ["Condition"], "observations": ["Observation"]})


def g11() -> dict[str, Any]:
    c = Chart("r3g11", "1968-07-07", "female")
    t2d(c)
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.6, "%", "%", "2026-11-15")
    metformin_request(c, "2026-03-01")
    order = semaglutide_order("rx-sema-2mg", (2, "mg", 3, "mL"), "Patient/r3g11")
    order["status"] = "active"
    c.res.append(order)
    return pas_bundle(c, text_cc("semaglutide pen injector"), [("E11.9", "Type 2 diabetes mellitus without complications")],
                          prescription=order)


def g12() -> dict[str, Any]:
    c = Chart("r3g12", "1970-10-10", "male")
    t2d(c)
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.0, "%", "%", "2026-11-20")
    metformin_request(c, "2026-05-05")
    metformin = {"resourceType": "MedicationRequest", "id": "draft-metformin-xr", "status": "draft", "intent": "order",
                 "medicationCodeableConcept": cc((RXNORM, "860981", "metformin hydrochloride 750 MG Extended Release Oral Tablet")),
                 "subject": {"reference": "Patient/r3g12"}, "authoredOn": "2026-12-06"}
    mounjaro = {"resourceType": "MedicationRequest", "id": "draft-mounjaro", "status": "draft", "intent": "order",
                "medicationCodeableConcept": cc((RXNORM, "2601723", "tirzepatide 2.5 MG/0.5ML Auto-Injector [Mounjaro]"),
                                                text="MOUNJARO 2.5 MG/0.5ML SC SOAJ"),
                "subject": {"reference": "Patient/r3g12"}, "authoredOn": "2026-12-06"}
    req = cds_request(c, "order-select", mounjaro, {"conditions": ["Condition"], "observations": ["Observation"],
                                                        "medicationRequests": ["MedicationRequest"]})
    req["context"]["draftOrders"] = {"resourceType": "Bundle", "entry": [{"resource": metformin}, {"resource": req["context"]["draftOrders"]["entry"][0]["resource"]}]}
    req["context"]["selections"] = ["MedicationRequest/draft-mounjaro"]
    return req


def g13() -> dict[str, Any]:
    c = Chart("r3g13", "1972-03-03", "female")
    bmi(c, 36.0, "2026-11-10")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(text_cc("AHI"), "2026-10-10", value={"valueQuantity": qty(33, "events/h", "{events}/h")})
    order = {"resourceType": "MedicationRequest", "id": "draft-zepbound", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "2601743", "tirzepatide 5 MG/0.5ML Auto-Injector [Zepbound]")),
             "subject": {"reference": "Patient/r3g13"}, "authoredOn": "2026-12-06"}
    req = cds_request(c, "order-sign", order, {})
    req["fhirServer"] = "https://fhir.epic.example/api/FHIR/R4"
    req["fhirAuthorization"] = {"access_token": "held-out-not-a-token", "token_type": "Bearer", "expires_in": 300,
                                "scope": "patient/Condition.read patient/Observation.read", "subject": "cds-service"}
    return req


def g14() -> dict[str, Any]:
    c = Chart("r3g14", "1972-03-03", "female")
    order = {"resourceType": "MedicationRequest", "id": "draft-zepbound", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "2601743", "tirzepatide 5 MG/0.5ML Auto-Injector [Zepbound]"))}
    req = cds_request(c, "order-select", order, {"conditions": ["Condition"]})
    del req["context"]["patientId"]
    return req


def g15() -> dict[str, Any]:
    c = Chart("r3g15", "1961-01-19", "male")
    t2d(c)
    order = {"resourceType": "MedicationRequest", "id": "medrx001", "status": "draft",
             "medicationCodeableConcept": cc((RXNORM, "1991306", "semaglutide 0.68 MG/ML Pen Injector [Ozempic]")),
             "subject": {"reference": "Patient/r3g15"}}
    req = cds_request(c, "order-sign", order, {"conditions": ["Condition"]})
    ctx = req["context"]
    del ctx["draftOrders"]
    ctx["medications"] = [order]
    return req


def g16() -> dict[str, Any]:
    c = Chart("r3g16", "1969-11-11", "male")
    t2d(c)
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.8, "%", "%", "2026-11-01")
    r = metformin_request(c, "2026-11-20")
    r["intent"] = "plan"
    return c.bundle()


def g17() -> dict[str, Any]:
    c = Chart("r3g17", "1967-04-04", "female", style="cerner")
    t2d(c)
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 9.0, "%", "%", "2026-11-01")
    metformin_request(c, "2026-02-01", status="stopped",
                      statusReason=cc((SNOMED, "62014003", "Adverse reaction to drug"), text="Severe diarrhea on metformin"),
                      dispenseRequest={"validityPeriod": {"start": "2026-02-01", "end": "2026-10-15"}})
    return c.bundle()


def g18() -> dict[str, Any]:
    c = Chart("r3g18", "1963-03-13", "female")
    bmi(c, 28.2, "2026-11-19")
    mi = c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    mi["modifierExtension"] = [{"url": "http://example.org/fhir/StructureDefinition/condition-asserted-by-patient-only",
                                "valueBoolean": True}]
    return c.bundle()


def g19() -> dict[str, Any]:
    c = Chart("r3g19", "1965-09-29", "male")
    p = c.res[0]
    p["extension"] = [
        {"url": US_CORE + "us-core-race", "extension": [
            {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2106-3", "display": "White"}},
            {"url": "text", "valueString": "White"}]},
        {"url": US_CORE + "us-core-birthsex", "valueCode": "M"},
        {"url": "http://open.epic.com/FHIR/StructureDefinition/extension/legal-sex",
         "valueCodeableConcept": cc(("urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.130.657370.19999000", "male", "male"))}]
    p["_birthDate"] = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                      "valueDateTime": "1965-09-29T06:12:00-05:00"}]}
    cond = t2d(c)
    cond["extension"] = [{"url": "http://example.org/fhir/StructureDefinition/problem-priority", "valueInteger": 2}]
    a1c = c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.9, "%", "%", "2026-11-11")
    a1c["extension"] = [{"url": "http://open.epic.com/FHIR/StructureDefinition/extension/lab-component-id",
                         "valueIdentifier": {"value": "1558024"}}]
    a1c["valueQuantity"]["extension"] = [{"url": "http://example.org/fhir/StructureDefinition/rounded", "valueBoolean": False}]
    metformin_request(c, "2026-04-01")
    return c.bundle()


def g20() -> dict[str, Any]:
    c = Chart("r3g20", "1966-06-06", "female")
    t2d(c)
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.1, "%", "%", "2026-11-14")
    # R5 shape: MedicationStatement.medication is a CodeableReference, status 'recorded'
    c.add({"resourceType": "MedicationStatement", "status": "recorded", "subject": c.subject,
           "medication": {"concept": cc((RXNORM, "861007", "metformin hydrochloride 500 MG Oral Tablet"))},
           "effectivePeriod": {"start": "2025-06-01"}, "dateAsserted": "2026-11-20"})
    return c.bundle()


def g21() -> dict[str, Any]:
    c = Chart("r3g21", "1971-12-01", "male", ref_style="urn")
    bmi(c, 36.0, "2026-11-03")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(text_cc("AHI"), "2026-09-19", value={"valueQuantity": qty(40, "events/h", "{events}/h")})
    b = c.bundle("transaction")
    for e in b["entry"]:
        r = e["resource"]
        e["request"] = {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"} if r["resourceType"] == "Patient" \
            else {"method": "POST", "url": r["resourceType"]}
    return b


def g22() -> dict[str, Any]:
    b = g21()
    b["id"], b["type"] = "ehr-r3g22", "batch"
    return b


def g23() -> dict[str, Any]:
    c = Chart("r3g23", "1980-05-17", "female")
    bmi(c, 32.4, "2026-11-21")
    c.add({"resourceType": "QuestionnaireResponse", "id": "qr-wegovy", "status": "completed",
           "questionnaire": "http://mednec.example/fhir/Questionnaire/semaglutide-wegovy|2026.12.3",
           "subject": c.subject, "authored": "2026-12-05T16:00:00Z",
           "item": [{"linkId": "lifestyle_program_months", "text": "Months of a documented lifestyle programme",
                     "answer": [{"valueInteger": 6}]},
                    {"linkId": "mtc_men2_history", "text": "Personal or family history of MTC or MEN 2?",
                     "answer": [{"valueBoolean": False}]},
                    {"linkId": "pregnant", "text": "Is the patient pregnant?", "answer": [{"valueBoolean": False}]}]})
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# LDL-lowering
def l01() -> dict[str, Any]:
    c = Chart("r3l01", "1964-01-14", "male")
    t2d(c, "E11.65", "Type 2 diabetes mellitus with hyperglycemia")
    c.lab("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", 131, "mg/dL", "mg/dL", "2026-11-16")
    c.statement(cc((RXNORM, "341248", "ezetimibe 10 MG Oral Tablet"), text="ezetimibe 10 mg"), status="completed",
                start="2025-11-01", end="2026-03-01", dose=(10, "mg"))
    atorva80(c, "2025-01-10")
    return c.bundle()


def l02() -> dict[str, Any]:
    c = Chart("r3l02", "1958-07-21", "female", style="cerner")
    c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")))
    c.lab("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", 95, "mg/dL", "mg/dL", "2026-11-10")
    c.request(None, concept=cc((RXNORM, "617310", "atorvastatin 40 MG Oral Tablet")), authored="2025-04-01", dose=(40, "mg"))
    c.request(None, concept=cc((RXNORM, "349556", "ezetimibe 10 MG Oral Tablet"), text="ezetimibe 10 mg"), status="completed",
              authored="2026-01-05", dose=(10, "mg"),
              dispenseRequest={"validityPeriod": {"start": "2026-01-05", "end": "2026-05-05"}})
    return c.bundle()


def l03() -> dict[str, Any]:
    c = Chart("r3l03", "1957-12-30", "male")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 145, "mg/dL", "mg/dL", "2026-11-08")
    c.allergy(cc((RXNORM, "301542", "rosuvastatin"), text="Rosuvastatin"), cc((SNOMED, "240131006", "Rhabdomyolysis"), text="Rhabdomyolysis"),
              criticality="high")
    return c.bundle()


def l04() -> dict[str, Any]:
    c = Chart("r3l04", "1960-04-25", "female")
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 120, "mg/dL", "mg/dL", "2026-11-12")
    c.allergy(cc((RXNORM, "83367", "atorvastatin")), {"coding": [{"system": SNOMED, "code": "240131006", "display": "Rhabdomyolysis"}]},
              criticality="high")
    c.allergy(cc((RXNORM, "36567", "simvastatin"), text="Simvastatin"), cc((SNOMED, "68962001", "Muscle pain"), text="Myalgia"))
    return c.bundle()


def l05() -> dict[str, Any]:
    c = Chart("r3l05", "1959-02-02", "male", ref_style="urn")
    c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")))
    ldl = c.obs(ldl_cc(), "2026-11-19", value={"valueQuantity": qty(3.1, "mmol/L", "mmol/L")})
    tc = c.lab("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 5.2, "mmol/L", "mmol/L", "2026-11-19")
    hdl = c.lab("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", 1.2, "mmol/L", "mmol/L", "2026-11-19")
    c.obs(cc((LOINC, "57698-3", "Lipid panel with direct LDL - Serum or Plasma"), text="Lipid panel"), "2026-11-19",
          hasMember=[{"reference": c.ref(r)} for r in (ldl, tc, hdl)])
    atorva80(c, "2025-03-03")
    return c.bundle()


def l06() -> dict[str, Any]:
    c = Chart("r3l06", "1955-05-15", "female")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.obs(ldl_cc(), "2026-11-02", value={"valueQuantity": qty(64, "mg/dL", "mg/dL")})
    c.obs(ldl_cc(), "2026-11-20", value={"valueQuantity": qty(84, "mg/dL", "mg/dL")}, status="amended",
          note=[{"text": "Amended 2026-11-21: value re-reported after instrument recalibration"}])
    atorva80(c, "2025-06-06")
    return c.bundle()


def l07() -> dict[str, Any]:
    c = Chart("r3l07", "1961-06-01", "male")
    c.cond(cc((ICD10, "I63.9", "Cerebral infarction, unspecified")))
    c.obs(ldl_cc(), "2026-11-11", value={"valueQuantity": {**qty(25, "mg/dL", "mg/dL"), "comparator": "<"}},
          interpretation=[cc((INTERP, "L", "Low"))], referenceRange=[{"high": qty(99, "mg/dL", "mg/dL")}])
    atorva80(c, "2025-01-01")
    return c.bundle()


def l08() -> dict[str, Any]:
    c = Chart("r3l08", "1956-10-10", "male")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.obs(ldl_cc(), None, value={"valueQuantity": qty(128, "mg/dL", "mg/dL")}, issued="2026-05-01T13:00:00Z")
    atorva80(c, "2025-01-01")
    return c.bundle()


def payer(name: str, pid: str) -> tuple[dict[str, Any], dict[str, Any]]:
    org = {"resourceType": "Organization", "id": "payer-r3", "name": name, "active": True,
           "type": [cc(("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer"))]}
    cov = {"resourceType": "Coverage", "id": "cov-r3", "status": "active", "subscriberId": "ZX9876543",
           "beneficiary": {"reference": f"Patient/{pid}"}, "payor": [{"reference": "Organization/payer-r3", "display": name}],
           "class": [{"type": cc(("http://terminology.hl7.org/CodeSystem/coverage-class", "plan", "Plan")),
                      "value": "PPO-2026", "name": f"{name} PPO"}]}
    return org, cov


def l09() -> dict[str, Any]:
    c = Chart("r3l09", "1957-09-17", "female")
    c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 110, "mg/dL", "mg/dL", "2026-11-14")
    atorva80(c, "2025-02-02")
    b = pas_bundle(c, cc((HCPCS, "J1306", "Injection, inclisiran, 1 mg"), text="Leqvio 284 mg"),
                       [("I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")])
    org, _ = payer("Blue Cross Blue Shield of North Dakota", "r3l09")
    for e in b["entry"]:
        if e["resource"]["resourceType"] == "Organization" and e["resource"]["id"] == "payer-1":
            e["resource"]["name"] = org["name"]
        if e["resource"]["resourceType"] == "Coverage":
            e["resource"]["payor"][0]["display"] = org["name"]
    return b


def l10() -> dict[str, Any]:
    c = Chart("r3l10", "1959-03-03", "male")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")))
    c.lab("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation", 62, "mg/dL", "mg/dL", "2026-11-25")
    atorva80(c, "2025-01-15")
    order = {"resourceType": "MedicationRequest", "id": "draft-repatha-r3", "status": "draft", "intent": "order",
             "medicationCodeableConcept": cc((RXNORM, "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]")),
             "subject": {"reference": "Patient/r3l10"}, "authoredOn": "2026-12-06",
             "insurance": [{"reference": "Coverage/cov-r3"}]}
    req = cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                   "medicationRequests": ["MedicationRequest"]})
    org, cov = payer("Cigna Healthcare", "r3l10")
    req["prefetch"]["coverage"] = {"resourceType": "Bundle", "type": "searchset", "total": 1,
                                   "entry": [{"resource": cov, "search": {"mode": "match"}},
                                             {"resource": org, "search": {"mode": "include"}}]}
    return req


# ---------------------------------------------------------------------------------------------------
# MDS anemia
def m01() -> dict[str, Any]:
    c = Chart("r3m01", "1950-02-20", "female")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(8.3, "g/dL", "g/dL"), epo=None, rs=20)
    c.obs(cc((LOINC, "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma"), text="Erythropoietin"), "2026-10-20",
          value={"valueQuantity": {**qty(2000, "mIU/mL", "m[IU]/mL"), "comparator": ">"}},
          interpretation=[cc((INTERP, "HH", "Critical high"))])
    for d in ("2026-10-25", "2026-11-22"):
        c.transfusion(d)
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("r3m02", "1949-08-08", "male")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(8.1, "g/dL", "g/dL"), epo=(700, "m[IU]/mL", "m[IU]/mL"), rs=22)
    c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", 12.0, "g/dL", "g/dL", "2026-12-04", status="preliminary")
    for d in ("2026-10-24", "2026-11-21"):
        c.transfusion(d)
    return searchset_of(c)


def m03() -> dict[str, Any]:
    c = revlimid_chart("r3m03", (160, "10*9/L", "10*9/L"))
    for r in c.res:
        if r["resourceType"] == "Observation" and r["code"].get("coding", [{}])[0].get("code") == "751-8":
            r["effectiveDateTime"] = "2026-11-29"
    c.obs(cc((LOINC, "751-8", "Neutrophils [#/volume] in Blood by Automated count"), text="ANC"), "2026-12-03",
          value={"valueQuantity": {**qty(0.1, "10*3/uL", "10*3/uL"), "comparator": "<"}}, interpretation=[cc((INTERP, "LL", "Critical low"))])
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("r3m04", "1946-03-09", "female", style="cerner")
    mds_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified")
    mds_core(c, hgb=(8.4, "g/dL", "g/dL"), epo=None, rs=2, del5q="Negative")
    c.obs(cc((LOINC, "81257-2", "SF3B1 gene targeted mutation analysis in Blood or Tissue by Molecular genetics method"),
             text="SF3B1 mutation"), "2026-02-25", value={"valueCodeableConcept": cc((SNOMED, "260415000", "Not detected"))})
    c.obs(cc((LOINC, "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma"), text="Erythropoietin"), "2026-02-20",
          value={"valueString": "<50 mIU/mL"}, referenceRange=[{"text": "4-27 mIU/mL"}])
    c.statement(cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"), text="Procrit 40,000 unit/mL"),
                status="completed", start="2026-03-02", end="2026-06-22",
                reason=text_cc("Inadequate response - no hemoglobin rise after 16 weeks"), dose=(40000, "[iU]"))
    for d in ("2026-11-01", "2026-11-22"):
        c.transfusion(d)
    return c.bundle()


def m05() -> dict[str, Any]:
    c = Chart("r3m05", "1947-07-07", "male")
    mds_core(c, hgb=(8.0, "g/dL", "g/dL"), epo=(860, "m[IU]/mL", "m[IU]/mL"), rs=30)
    tx = [c.transfusion(d) for d in ("2026-10-27", "2026-11-24")]
    b = pas_bundle(c, cc((HCPCS, "J0896", "Injection, luspatercept-aamt, 0.25 mg")),
                       [("D46.1", "Refractory anemia with ring sideroblasts")])
    claim = b["entry"][0]["resource"]
    epo = next(r for r in c.res if r["resourceType"] == "Observation" and r["code"].get("coding", [{}])[0].get("code") == "15061-5")
    claim["supportingInfo"] = [
        {"sequence": 1, "category": cc((PAS_SI, "patientEvent", "Patient Event")),
         "timingPeriod": {"start": "2026-12-10", "end": "2027-06-10"}},
        {"sequence": 2, "category": cc((CLAIM_INFO, "info", "Information")), "valueReference": {"reference": f"Observation/{epo['id']}"}},
        {"sequence": 3, "category": cc((CLAIM_INFO, "info", "Information")),
         "valueReference": {"reference": f"Procedure/{tx[0]['id']}"}},
        {"sequence": 4, "category": cc((CLAIM_INFO, "info", "Information")), "code": text_cc("Prior ESA"),
         "valueString": "No prior ESA: serum EPO > 500, ESA not expected to help"}]
    return b


def m06() -> dict[str, Any]:
    c = Chart("r3m06", "1951-11-11", "female")
    mds_dx(c, "D46.1", "Refractory anemia with ring sideroblasts")
    mds_core(c, hgb=(8.2, "g/dL", "g/dL"), epo=(650, "m[IU]/mL", "m[IU]/mL"), rs=19)
    for d in ("2026-10-29", "2026-11-25"):
        c.transfusion(d)
    b = c.bundle()
    b["meta"] = {"profile": ["http://hl7.org/fhir/4.3/StructureDefinition/Bundle"],
                 "tag": [{"system": "http://example.org/fhir-version", "code": "4.3.0", "display": "R4B"}]}
    return b


# ---------------------------------------------------------------------------------------------------
# Inputs to refuse
def x01() -> dict[str, Any]:
    c = Chart("r3x01", "1960-01-01", "male")
    t2d(c)
    b = c.bundle()
    deep: dict[str, Any] = {"url": "http://example.org/fhir/StructureDefinition/nested", "valueString": "leaf"}
    for _ in range(3000):
        deep = {"url": "http://example.org/fhir/StructureDefinition/nested", "extension": [deep]}
    b["entry"][1]["resource"]["extension"] = [deep]
    return b


def x02() -> dict[str, Any]:
    c = Chart("r3x02", "1960-01-01", "male")
    t2d(c)
    return {"resourceType": "Parameters", "parameter": [{"name": "return", "resource": c.bundle()}]}


def x03() -> dict[str, Any]:
    c = Chart("r3x03", "1962-02-02", "female")
    t2d(c)
    c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 8.0, "%", "%", "2026-11-01")
    metformin_request(c, "2026-06-01")
    b = c.bundle()
    template = b["entry"][2]
    for i in range(60000):  # a runaway export: 60,000 copies of one result
        e = copy.deepcopy(template)
        e["resource"]["id"] = f"dup{i}"
        e["fullUrl"] = e["fullUrl"].rsplit("/", 1)[0] + f"/dup{i}"
        b["entry"].append(e)
    return b


BUILDERS = {
    "r3-g01-ozempic-searchset-include-outcome": g01, "r3-g02-mounjaro-birthdate-year": g02,
    "r3-g03-zepbound-birth-year-month-minor": g03, "r3-g04-wegovy-deceased": g04, "r3-g05-wegovy-vitals-hasmember": g05,
    "r3-g06-zepbound-ahi-preliminary": g06, "r3-g07-zepbound-ahi-issued-only": g07,
    "r3-g08-wegovy-mi-differential-stroke-provisional": g08, "r3-g09-ozempic-dispense-onset-string": g09,
    "r3-g10-wegovy-cds-strength-2.4": g10, "r3-g11-ozempic-pas-strength-2mg": g11, "r3-g12-mounjaro-cds-untyped-drafts": g12,
    "r3-g13-zepbound-cds-fetch-needed": g13, "r3-g14-cds-no-patient": g14, "r3-g15-cds-context-medications": g15,
    "r3-g16-mounjaro-metformin-intent-plan": g16, "r3-g17-ozempic-metformin-request-stopped": g17,
    "r3-g18-wegovy-modifier-extension": g18, "r3-g19-ozempic-extensions": g19, "r3-g20-ozempic-r5-statement": g20,
    "r3-g21-zepbound-transaction": g21, "r3-g22-refuse-batch": g22, "r3-g23-wegovy-dtr-response": g23,
    "r3-l01-leqvio-ezetimibe-completed": l01, "r3-l02-nexletol-ezetimibe-request-completed": l02,
    "r3-l03-repatha-rosuvastatin-rhabdo": l03, "r3-l04-nexletol-atorvastatin-rhabdo-coded": l04,
    "r3-l05-repatha-lipid-hasmember-mmol": l05, "r3-l06-repatha-ldl-amended": l06, "r3-l07-praluent-ldl-below-25": l07,
    "r3-l08-repatha-ldl-issued-old": l08, "r3-l09-leqvio-pas-bcbsnd": l09, "r3-l10-repatha-cds-cigna": l10,
    "r3-m01-reblozyl-epo-gt-2000": m01, "r3-m02-reblozyl-searchset-hgb-preliminary": m02, "r3-m03-revlimid-anc-lt": m03,
    "r3-m04-reblozyl-epo-string-lt": m04, "r3-m05-reblozyl-pas-supportinginfo": m05, "r3-m06-reblozyl-r4b-meta": m06,
    "r3-x01-refuse-deep-nesting": x01, "r3-x02-refuse-parameters": x02, "r3-x03-refuse-huge": x03,
}

#: built in memory by the runner, not written: a 3,000-level nesting (json.loads itself stops near 1,000) and
#: 60,000 entries (tens of MB) are inputs a caller sends, not files to keep in the repository
GENERATED = ("r3-x01-refuse-deep-nesting", "r3-x03-refuse-huge")

if __name__ == "__main__":
    write(BUILDERS, HERE, skip=GENERATED)
