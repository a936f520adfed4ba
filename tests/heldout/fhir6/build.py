"""Write the sixth held-out FHIR set: ``python tests/heldout/fhir6/build.py``.

Written 2026-12-07 (10:30-11:15 UTC) by the helper fhir6 before any rule was changed for it and before mednec
was run on it. The chart toolkit is ``tests/heldout/fhir_chart.py``; the fifth set's building blocks (dispenses,
panels, searchsets, MDS findings) are imported from ``fhir5/build.py``. Expected answers, reasoned from the policy
YAMLs in src/mednec/packs/, the fact dictionary, the decisions files and the FHIR R4 / US Core / CDS Hooks 2.0 /
Da Vinci PAS and DTR specs (never from mednec's output), are in ``expected.yaml``.

Shapes earlier rounds did not cover: Epic / Cerner / athena exports with only local codes and text (no LOINC,
ICD-10-CM or RxNorm); drug histories known only from MedicationDispenses (continuous refills, a refill gap, a
supply that ran out); stopped and on-hold orders whose dates are only in ``note`` or ``statusReason.text``;
Observations with components and ``hasMember`` panels; ``valueQuantity.comparator`` (``<``, ``>``, ``>=``);
hemoglobin in g/L and mmol/L, LDL-C in mmol/L, HbA1c in mmol/mol; date-times whose offset moves the day across
the 120-day LDL-C window; ``effectivePeriod`` at that boundary; Conditions linked to an Encounter
(``Condition.encounter``) and an IPSS-R category carried only in ``Condition.stage``; searchset Bundles with
OperationOutcome entries (warning, error) and ``next`` paging links; contained Observations in a DiagnosticReport;
``subject`` given by identifier (the MRN) instead of a reference; PAS Bundles whose Claim names a Patient that is
not in the Bundle, or that carry the subscriber as a second Patient; CDS Hooks requests with prefetch missing,
partial, or a ``fhirServer`` without ``fhirAuthorization``; Da Vinci DTR QuestionnaireResponses (mednec's own items
in a group, a payer's own linkIds, one entered in error).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import ICD10, LOINC, RXNORM  # noqa: E402
from tests.heldout.fhir5.build import (  # noqa: E402
    METFORMIN,
    as_searchset,
    atorva80,
    bp_panel,
    comp,
    del5q_fish,
    dispense,
    epo,
    med_list,
    operation_outcome,
    rs_pct,
    transfusions,
)
from tests.heldout.fhir_chart import (  # noqa: E402
    CERNER,
    EPIC,
    EPIC_MRN,
    Chart,
    bmi,
    cc,
    cds_request,
    hba1c,
    ldl,
    old_mi,
    pas_bundle,
    qty,
    revlimid_chart,
    t2d,
    text_cc,
    write,
)

EPIC_DX = "urn:oid:1.2.840.114350.1.13.0.1.7.2.728286"
EPIC_MED = "urn:oid:1.2.840.114350.1.13.0.1.7.2.698288"
EPIC_FLO = "urn:oid:1.2.840.114350.1.13.0.1.7.2.707679"
ATHENA = "https://fhir.athena.io/sid/ah-practice-123/code"
NDC = "http://hl7.org/fhir/sid/ndc"
ATORVA40 = cc((RXNORM, "617311", "atorvastatin 40 MG Oral Tablet"), (NDC, "00071015523", "Lipitor 40 mg tablet"),
              text="atorvastatin 40 mg tablet")
ATORVA80 = cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet")
ROSUVA20 = cc((RXNORM, "859751", "rosuvastatin calcium 20 MG Oral Tablet"), text="rosuvastatin 20 mg tablet")
LDL_DIRECT = ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay")


# ---------------------------------------------------------------------------------------------------
# building blocks
def mrn(c: Chart) -> str:
    return str(c.res[0]["identifier"][0]["value"])


def local_cond(c: Chart, system: str, code: str, text: str, **kw: Any) -> dict[str, Any]:
    """A Condition coded only in the EHR's own code system, with its text (no ICD-10-CM, no SNOMED CT)."""
    return c.cond(cc((system, code, text), text=text), **kw)


def local_obs(c: Chart, system: str, code: str, text: str, value: float, unit: str, ucum: str | None, when: str,
              **kw: Any) -> dict[str, Any]:
    return c.obs(cc((system, code, text), text=text), when, value={"valueQuantity": qty(value, unit, ucum)}, **kw)


def member_panel(c: Chart, loinc: str, display: str, when: str, members: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    """A panel Observation with no value of its own, its results as ``hasMember`` references."""
    return c.obs(cc((LOINC, loinc, display), text=display), when,
                 hasMember=[{"reference": c.ref(m), "display": m["code"].get("text", "")} for m in members], **kw)


def ldl_cmp(c: Chart, comparator: str, value: float, when: str) -> dict[str, Any]:
    q = {**qty(value, "mg/dL", "mg/dL"), "comparator": comparator}
    return c.obs(cc((LOINC, *LDL_DIRECT), text="LDL Cholesterol, direct"), when, value={"valueQuantity": q})


def hgb_unit(c: Chart, value: float, unit: str, when: str = "2026-11-30") -> dict[str, Any]:
    return c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", value, unit, unit, when)


def ipss_stage_dx(c: Chart, code: str, display: str, stage: str) -> dict[str, Any]:
    """An MDS Condition whose IPSS-R risk category is only in Condition.stage (no Observation)."""
    return c.cond(cc((ICD10, code, display), text=display),
                  stage=[{"summary": cc((EPIC_DX, f"IPSSR-{stage.upper().replace(' ', '')}", f"IPSS-R {stage} risk"),
                                        text=f"IPSS-R: {stage}"),
                          "type": text_cc("Revised International Prognostic Scoring System (IPSS-R)")}])


def statin_dispenses(c: Chart, concept: dict[str, Any], fills: list[tuple[str, int]]) -> None:
    for when, days in fills:
        dispense(c, concept, when, days, days)


def encounter_for(c: Chart, when: str) -> dict[str, Any]:
    return c.add({"resourceType": "Encounter", "status": "finished",
                  "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"},
                  "subject": c.subject, "period": {"start": when + "T09:00:00-06:00", "end": when + "T09:30:00-06:00"}})


def qr(c: Chart, items: list[dict[str, Any]], *, status: str = "completed", questionnaire: str) -> dict[str, Any]:
    return c.add({"resourceType": "QuestionnaireResponse", "status": status, "questionnaire": questionnaire,
                  "subject": c.subject, "authored": "2026-12-05T16:00:00Z", "item": items})


def paged(b: dict[str, Any], c: Chart) -> dict[str, Any]:
    b["link"].append({"relation": "next", "url": f"{c.base}/Patient/{c.pid}/$everything?_page=2&_count=50"})
    return b


def draft(pid: str, rxcui: str, display: str, text: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": f"draft-{pid}", "status": "draft", "intent": "order",
            "medicationCodeableConcept": cc((RXNORM, rxcui, display), text=text),
            "subject": {"reference": f"Patient/{pid}"}, "authoredOn": "2026-12-06"}


WEGOVY = ("2553506", "semaglutide 2.4 MG in 0.75 ML Auto-Injector [Wegovy]", "Wegovy 2.4 mg pen")
OZEMPIC = ("2200644", "semaglutide 1 MG/DOSE Pen Injector [Ozempic]", "Ozempic 1 mg pen")
MOUNJARO = ("2601743", "tirzepatide 5 MG in 0.5 ML Auto-Injector [Mounjaro]", "Mounjaro 5 mg pen")
REBLOZYL = ("2273376", "luspatercept-aamt 25 MG Injection [Reblozyl]", "Reblozyl 25 mg vial")
REPATHA = ("1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]", "Repatha SureClick")


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = Chart("r6g01", "1964-03-03", "female")
    t2d(c)
    hba1c(c, 8.4, "2026-11-12")
    local_met = cc((EPIC_MED, "10377", "METFORMIN HCL 500 MG PO TABS"), text="METFORMIN HCL 500 MG PO TABS")
    for d in ("2026-10-01", "2026-11-02"):
        dispense(c, local_met, d, 30, 60)
    return c.bundle()


def g02() -> dict[str, Any]:
    c = Chart("r6g02", "1961-01-21", "male")
    t2d(c)
    hba1c(c, 8.9, "2026-11-18")
    c.request(None, concept=METFORMIN, status="stopped", authored="2025-11-01", dose=(1000, "mg"),
              note=[{"time": "2026-02-10T14:00:00-05:00",
                     "text": "Stopped 02/10/2026 - severe diarrhea and cramping on metformin (GI intolerance), also failed ER form"}])
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("r6g03", "1958-05-05", "male")
    t2d(c)
    hba1c(c, 7.9, "2026-11-20")
    c.request(None, concept=METFORMIN, status="on-hold", authored="2025-06-01", dose=(1000, "mg"),
              note=[{"text": "Metformin on hold since 11/20/2026 (AKI, Cr 1.9); resume when eGFR > 45"}])
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("r6g04", "1960-07-07", "female")
    t2d(c)
    hba1c(c, 8.1, "2026-11-21")
    c.request(None, concept=METFORMIN, status="on-hold", authored="2024-09-01", dose=(500, "mg"),
              statusReason=text_cc("On hold since 03/15/2026 pending renal workup"))
    return c.bundle()


def g05() -> dict[str, Any]:
    c = Chart("r6g05", "1966-12-12", "male")
    t2d(c)
    c.lab("59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol", 64, "mmol/mol", "mmol/mol", "2026-11-10")
    c.request(None, concept=METFORMIN, authored="2026-01-15", dose=(1000, "mg"))
    return c.bundle()


def g06() -> dict[str, Any]:
    c = Chart("r6g06", "1962-02-02", "male")
    w = c.vital("29463-7", "Body weight", 88, "kg", "kg", "2026-11-14")
    h = c.vital("8302-2", "Body height", 180, "cm", "cm", "2026-11-14")
    member_panel(c, "85353-1", "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel",
                 "2026-11-14", [w, h], cat="vital-signs", profile="us-core-vital-signs")
    enc = encounter_for(c, "2026-11-14")
    c.cond(cc((ICD10, "I25.2", "Old myocardial infarction"), text="History of MI (2019)"), category="encounter-diagnosis",
           encounter={"reference": c.ref(enc)})
    return c.bundle()


def g07() -> dict[str, Any]:
    c = Chart("r6g07", "1963-08-19", "female")
    c.obs(cc((LOINC, "85353-1", "Vital signs, weight, height, head circumference, oxygen saturation and BMI panel"),
             text="Vitals"), "2026-11-15", cat="vital-signs", profile="us-core-vital-signs",
          component=[comp("29463-7", "Body weight", 87, "kg", "kg"), comp("8302-2", "Body height", 180, "cm", "cm")])
    bp_panel(c, 138, 84, "2026-11-15")
    old_mi(c)
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("r6g08", "1959-10-10", "male", style="epic")
    local_cond(c, EPIC_DX, "312345", "History of myocardial infarction")
    local_obs(c, EPIC_FLO, "301070", "BMI (Calculated)", 31.2, "kg/m2", None, "2026-11-09", cat="vital-signs",
              profile="us-core-vital-signs")
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("r6g09", "1977-04-04", "male")
    bmi(c, 34.0, "2026-11-02")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), "2026-10-05",
          value={"valueQuantity": {**qty(30, "events/h", "{events}/h"), "comparator": ">="}}, cat="procedure")
    return c.bundle()


def g10() -> dict[str, Any]:
    c = Chart("r6g10", "1981-09-09", "female")
    bmi(c, 36.0, "2026-11-02")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), "2026-10-06",
          value={"valueQuantity": {**qty(5, "events/h", "{events}/h"), "comparator": "<"}}, cat="procedure")
    return c.bundle()


def g11() -> dict[str, Any]:
    c = Chart("r6g11", "1967-06-16", "female")
    bmi(c, 30.0, "2026-11-19")
    old_mi(c)
    return paged(as_searchset(c, outcomes=[
        operation_outcome("warning", "incomplete", "Page 1 of 3; more results at the next link")]), c)


def g12() -> dict[str, Any]:
    c = Chart("r6g12", "1965-11-25", "male")
    t2d(c)
    hba1c(c, 8.0, "2026-11-11")
    return as_searchset(c, outcomes=[
        operation_outcome("error", "too-costly", "MedicationRequest search timed out; no medications returned")])


def g13() -> dict[str, Any]:
    c = Chart("r6g13", "1968-04-30", "female")
    t2d(c)
    hba1c(c, 8.2, "2026-11-16")
    c.request(None, concept=METFORMIN, authored="2026-02-01", dose=(1000, "mg"))
    req = cds_request(c, "order-sign", draft("r6g13", *OZEMPIC), {"conditions": ["Condition"], "observations": ["Observation"]})
    return req


def g14() -> dict[str, Any]:
    c = Chart("r6g14", "1970-03-13", "male")
    bmi(c, 33.0, "2026-11-16")
    old_mi(c)
    req = cds_request(c, "order-select", draft("r6g14", *WEGOVY), {})
    del req["prefetch"]
    return req


def g15() -> dict[str, Any]:
    c = Chart("r6g15", "1969-08-08", "female")
    t2d(c)
    req = cds_request(c, "order-sign", draft("r6g15", *MOUNJARO), {})
    del req["prefetch"]
    req["fhirServer"] = "https://fhir.epic.example/api/FHIR/R4"
    return req


def g16() -> dict[str, Any]:
    c = Chart("r6g16", "1985-01-25", "female")
    bmi(c, 31.0, "2026-11-25")
    qr(c, [{"linkId": "weight-management", "text": "Weight management", "item": [
        {"linkId": "lifestyle_program_months", "text": "Months of a documented lifestyle programme",
         "answer": [{"valueQuantity": qty(4, "months", "mo")}]},
        {"linkId": "pregnant", "text": "Is the patient pregnant?", "answer": [{"valueBoolean": False}]}]}],
       questionnaire="http://mednec.example/fhir/Questionnaire/semaglutide-wegovy|2026.12.3")
    return c.bundle()


def g17() -> dict[str, Any]:
    c = Chart("r6g17", "1983-02-14", "female")
    bmi(c, 32.0, "2026-11-24")
    qr(c, [{"linkId": "PA-Q3", "text": "How many months has the patient participated in a reduced-calorie diet and "
                                      "increased physical activity (lifestyle modification) program?",
            "answer": [{"valueInteger": 6}]},
           {"linkId": "PA-Q4", "text": "Is the patient currently pregnant?", "answer": [{"valueBoolean": False}]}],
       questionnaire="https://payer.example/fhir/Questionnaire/glp1-weight-pa|3.1")
    return c.bundle()


def g18() -> dict[str, Any]:
    c = Chart("r6g18", "1986-06-06", "female")
    bmi(c, 33.0, "2026-11-23")
    qr(c, [{"linkId": "lifestyle_program_months", "text": "Months of a documented lifestyle programme",
            "answer": [{"valueInteger": 6}]}], status="entered-in-error",
       questionnaire="http://mednec.example/fhir/Questionnaire/semaglutide-wegovy|2026.12.3")
    return c.bundle()


def g19() -> dict[str, Any]:
    c = Chart("r6g19", "1957-09-17", "male", style="cerner")
    local_cond(c, CERNER, "2451309", "Type 2 diabetes mellitus")
    local_obs(c, CERNER, "3265911", "Hemoglobin A1c", 8.6, "%", "%", "2026-11-05")
    c.statement(cc((CERNER, "2718941", "metformin 1000 mg oral tablet"), text="metformin 1000 mg oral tablet"),
                status="active", start="2026-02-01")
    return c.bundle()


def g20() -> dict[str, Any]:
    c = Chart("r6g20", "1966-10-10", "male")
    bmi(c, 31.0, "2026-11-10")
    old_mi(c)
    b = pas_bundle(c, cc((RXNORM, WEGOVY[0], WEGOVY[1]), text=WEGOVY[2]), [("I25.2", "Old myocardial infarction")])
    b["entry"][0]["resource"]["patient"] = {"reference": "Patient/r6g20-other"}
    return b


# ---------------------------------------------------------------------------------------------------
# LDL-lowering
def l01() -> dict[str, Any]:
    c = Chart("r6l01", "1958-03-03", "male")
    old_mi(c)
    ldl(c, 102, "2026-11-20")
    statin_dispenses(c, ATORVA80, [("2026-06-10", 90), ("2026-09-08", 90), ("2026-12-01", 90)])
    return c.bundle()


def l02() -> dict[str, Any]:
    c = Chart("r6l02", "1960-04-04", "female")
    old_mi(c)
    ldl(c, 110, "2026-11-22")
    statin_dispenses(c, ATORVA40, [("2026-05-01", 30), ("2026-05-31", 30), ("2026-10-20", 30), ("2026-11-19", 30)])
    return c.bundle()


def l03() -> dict[str, Any]:
    c = Chart("r6l03", "1955-05-25", "male")
    old_mi(c)
    ldl(c, 130, "2026-11-18")
    statin_dispenses(c, ROSUVA20, [("2026-02-01", 30), ("2026-03-03", 30), ("2026-04-01", 30)])
    return c.bundle()


def l04() -> dict[str, Any]:
    c = Chart("r6l04", "1957-07-27", "male")
    old_mi(c)
    c.lab("18262-6", "Cholesterol in LDL [Moles/volume] in Serum or Plasma by Direct assay", 2.1, "mmol/L", "mmol/L",
          "2026-11-17")
    statin_dispenses(c, ATORVA40, [("2026-08-15", 90), ("2026-11-10", 90)])
    return c.bundle()


def l05() -> dict[str, Any]:
    c = Chart("r6l05", "1956-06-16", "female")
    old_mi(c)
    c.lab("18262-6", "Cholesterol in LDL [Moles/volume] in Serum or Plasma by Direct assay", 1.82, "mmol/L", "mmol/L",
          "2026-11-12")
    atorva80(c, "2025-04-01")
    return c.bundle()


def l06() -> dict[str, Any]:
    c = Chart("r6l06", "1959-09-29", "male")
    old_mi(c)
    members = [c.lab("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 175, "mg/dL", "mg/dL", "2026-11-08"),
               c.lab("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", 42, "mg/dL", "mg/dL", "2026-11-08"),
               c.lab("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", 160, "mg/dL", "mg/dL", "2026-11-08"),
               c.lab(*LDL_DIRECT, 95, "mg/dL", "mg/dL", "2026-11-08")]
    member_panel(c, "57698-3", "Lipid panel with direct LDL - Serum or Plasma", "2026-11-08", members)
    atorva80(c, "2025-02-02")
    return c.bundle()


def l07() -> dict[str, Any]:
    c = Chart("r6l07", "1961-11-11", "male")
    old_mi(c)
    ldl_cmp(c, "<", 40, "2026-11-14")
    atorva80(c, "2025-03-03")
    return c.bundle()


def l08() -> dict[str, Any]:
    c = Chart("r6l08", "1962-12-02", "female")
    old_mi(c)
    ldl_cmp(c, ">", 190, "2026-11-15")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l09() -> dict[str, Any]:
    c = Chart("r6l09", "1954-01-31", "male")
    old_mi(c)
    ldl(c, 112, None, effectiveDateTime="2026-08-07T23:30:00-07:00")
    atorva80(c, "2025-01-10")
    return c.bundle()


def l10() -> dict[str, Any]:
    c = Chart("r6l10", "1955-02-28", "female")
    old_mi(c)
    ldl(c, 112, None, effectiveDateTime="2026-08-08T02:00:00+09:00")
    atorva80(c, "2025-01-10")
    return c.bundle()


def l11() -> dict[str, Any]:
    c = Chart("r6l11", "1956-03-31", "male")
    old_mi(c)
    ldl(c, 104, None, effectivePeriod={"start": "2026-08-07T08:00:00-05:00", "end": "2026-08-08T08:00:00-05:00"})
    atorva80(c, "2025-01-10")
    return c.bundle()


def l12() -> dict[str, Any]:
    c = Chart("r6l12", "1957-04-30", "female")
    old_mi(c)
    ldl(c, 140, "2026-11-19")
    c.request(None, concept=ATORVA80, status="stopped", authored="2025-01-01", dose=(80, "mg"),
              note=[{"text": "Stopped 10/01/2026 - myalgias, CK normal; symptoms resolved 2 weeks after stopping"}])
    return c.bundle()


def l13() -> dict[str, Any]:
    c = Chart("r6l13", "1958-05-31", "male")
    old_mi(c)
    ldl(c, 125, "2026-11-21")
    c.request(None, concept=ATORVA80, status="on-hold", authored="2025-03-01", dose=(80, "mg"),
              statusReason=text_cc("Held since 05/01/2026 - elevated transaminases, recheck LFTs"))
    return c.bundle()


def l14() -> dict[str, Any]:
    c = Chart("r6l14", "1959-06-30", "female")
    by_id = {"identifier": {"system": EPIC_MRN, "value": mrn(c)}, "display": "Test, R6L14"}
    old_mi(c, subject=by_id)
    ldl(c, 99, "2026-11-13", subject=by_id)
    atorva80(c, "2025-06-06", subject=by_id)
    return c.bundle()


def l15() -> dict[str, Any]:
    c = Chart("r6l15", "1960-07-31", "male", style="cerner")
    old_mi(c)
    obs = {"resourceType": "Observation", "id": "ldl1", "status": "final",
           "code": cc((LOINC, *LDL_DIRECT), text="LDL Cholesterol, direct"), "effectiveDateTime": "2026-11-16",
           "valueQuantity": qty(110, "mg/dL", "mg/dL")}
    c.add({"resourceType": "DiagnosticReport", "status": "final", "contained": [obs],
           "category": [cc(("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory"))],
           "code": cc((LOINC, "57698-3", "Lipid panel with direct LDL - Serum or Plasma"), text="Lipid panel"),
           "subject": c.subject, "effectiveDateTime": "2026-11-16", "issued": "2026-11-16T18:00:00Z",
           "result": [{"reference": "#ldl1", "display": "LDL Cholesterol, direct"}]})
    atorva80(c, "2025-02-15")
    return c.bundle()


def l16() -> dict[str, Any]:
    c = Chart("r6l16", "1995-08-08", "female")
    old_mi(c)
    ldl(c, 96, "2026-11-12")
    atorva80(c, "2026-01-05")
    b = pas_bundle(c, cc((RXNORM, REPATHA[0], REPATHA[1]), text=REPATHA[2]), [("I25.2", "Old myocardial infarction")])
    subscriber = {"resourceType": "Patient", "id": "r6l16-subscriber", "gender": "male", "birthDate": "1963-02-02",
                  "name": [{"family": "Test", "given": ["SUBSCRIBER"]}],
                  "identifier": [{"system": "http://example.org/member-id", "value": "W123456789"}]}
    for e in b["entry"]:
        if e["resource"]["resourceType"] == "Coverage":
            e["resource"]["subscriber"] = {"reference": "Patient/r6l16-subscriber"}
            e["resource"]["relationship"] = cc(("http://terminology.hl7.org/CodeSystem/subscriber-relationship",
                                                "spouse", "Spouse"))
    b["entry"].append({"fullUrl": "http://example.org/fhir/Patient/r6l16-subscriber", "resource": subscriber})
    return b


def l17() -> dict[str, Any]:
    c = Chart("r6l17", "1961-09-09", "male")
    old_mi(c)
    ldl(c, 118, "2026-11-11")
    atorva80(c, "2025-04-04")
    req = cds_request(c, "order-sign", draft("r6l17", *REPATHA), {"conditions": ["Condition"], "observations": ["Observation"]})
    return req


def l18() -> dict[str, Any]:
    c = Chart("r6l18", "1962-10-10", "female", style="athena")
    local_cond(c, ATHENA, "I25.2", "Old myocardial infarction")
    local_obs(c, ATHENA, "LDL-D", "LDL CHOLESTEROL, DIRECT", 101, "mg/dL", None, "2026-11-10")
    c.request(None, concept=cc((ATHENA, "MED-231", "atorvastatin 80 mg tablet"), text="atorvastatin 80 mg tablet"),
              authored="2025-07-07", dose=(80, "mg"))
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# MDS anemia
def m01() -> dict[str, Any]:
    c = Chart("r6m01", "1948-08-08", "male")
    ipss_stage_dx(c, "D46.1", "Refractory anemia with ring sideroblasts", "Low")
    hgb_unit(c, 80, "g/L")
    epo(c, 210)
    rs_pct(c, 20)
    del5q_fish(c, False)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))
    med_list(c, [])
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("r6m02", "1947-07-07", "female")
    ipss_stage_dx(c, "D46.1", "Refractory anemia with ring sideroblasts", "Very Low")
    hgb_unit(c, 118, "g/L")
    epo(c, 210)
    rs_pct(c, 20)
    del5q_fish(c, False)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))
    med_list(c, [])
    return c.bundle()


def m03() -> dict[str, Any]:
    c = Chart("r6m03", "1946-06-06", "male")
    ipss_stage_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified", "Low")
    hgb_unit(c, 5.0, "mmol/L")
    epo(c, 150)
    del5q_fish(c, False)
    transfusions(c, ("2026-09-20", "2026-11-10"))
    med_list(c, [])
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("r6m04", "1945-05-05", "female")
    ipss_stage_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified", "Low")
    hgb_unit(c, 100, "g/L")
    epo(c, 150)
    del5q_fish(c, False)
    transfusions(c, ("2026-09-20", "2026-11-10"))
    med_list(c, [])
    return c.bundle()


def m05() -> dict[str, Any]:
    c = Chart("r6m05", "1949-04-04", "male")
    ipss_stage_dx(c, "D46.1", "Refractory anemia with ring sideroblasts", "High")
    hgb_unit(c, 8.0, "g/dL")
    epo(c, 210)
    rs_pct(c, 20)
    del5q_fish(c, False)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))
    med_list(c, [])
    return c.bundle()


def m06() -> dict[str, Any]:
    c = Chart("r6m06", "1950-03-03", "female")
    ipss_stage_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified", "Low")
    hgb_unit(c, 8.2, "g/dL")
    c.obs(cc((LOINC, "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma"), text="EPO"), "2026-10-01",
          value={"valueQuantity": {**qty(500, "mIU/mL", "m[IU]/mL"), "comparator": ">"}})
    rs_pct(c, 2)
    del5q_fish(c, False)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))
    med_list(c, [])
    return c.bundle()


def m07() -> dict[str, Any]:
    c = revlimid_chart("r6m07", (165, "10*3/uL", "10*3/uL"))
    return paged(as_searchset(c, outcomes=[
        operation_outcome("warning", "incomplete", "Results truncated at 50 entries per page")]), c)


def m08() -> dict[str, Any]:
    c = Chart("r6m08", "1944-04-04", "male")
    enc = encounter_for(c, "2026-11-30")
    c.cond(cc((ICD10, "D46.9", "Myelodysplastic syndrome, unspecified"), text="MDS"), category="encounter-diagnosis",
           encounter={"reference": c.ref(enc)})
    c.obs(text_cc("IPSS-R risk category"), "2026-09-20",
          value={"valueCodeableConcept": cc((EPIC, "IPSSR-2", "Low"), text="Low")}, cat="exam",
          profile="us-core-observation-clinical-result")
    hgb_unit(c, 8.5, "g/dL")
    epo(c, 180)
    del5q_fish(c, False)
    transfusions(c, ("2026-09-25", "2026-11-12"))
    med_list(c, [])
    return c.bundle()


def m09() -> dict[str, Any]:
    c = Chart("r6m09", "1947-09-09", "female")
    ipss_stage_dx(c, "D46.1", "Refractory anemia with ring sideroblasts", "Low")
    hgb_unit(c, 8.0, "g/dL")
    epo(c, 210)
    rs_pct(c, 20)
    del5q_fish(c, False)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))
    return cds_request(c, "order-select", draft("r6m09", *REBLOZYL), {"conditions": ["Condition"], "observations": ["Observation"]})


def m10() -> dict[str, Any]:
    c = Chart("r6m10", "1946-10-10", "male")
    ipss_stage_dx(c, "D46.9", "Myelodysplastic syndrome, unspecified", "Low")
    hgb_unit(c, 8.3, "g/dL")
    epo(c, 160)
    del5q_fish(c, False)
    transfusions(c, ("2026-09-25", "2026-11-12"))
    procrit = cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"), text="Procrit 40,000 units/mL")
    for d in ("2026-06-01", "2026-07-01"):
        dispense(c, procrit, d, 28, 4)
    return c.bundle()


def m11() -> dict[str, Any]:
    c = Chart("r6m11", "1948-11-11", "female")
    ipss_stage_dx(c, "D46.1", "Refractory anemia with ring sideroblasts", "Low")
    hgb_unit(c, 8.0, "g/dL")
    epo(c, 210)
    rs_pct(c, 20)
    del5q_fish(c, False)
    transfusions(c, ("2026-10-20", "2026-11-08", "2026-11-27"))
    b = pas_bundle(c, cc((RXNORM, REBLOZYL[0], REBLOZYL[1]), text=REBLOZYL[2]),
                   [("D46.1", "Refractory anemia with ring sideroblasts")])
    b["entry"] = [e for e in b["entry"] if e["resource"]["resourceType"] != "Patient"]
    return b


BUILDERS = {
    "r6-g01-ozempic-metformin-local-dispenses": g01, "r6-g02-ozempic-metformin-stopped-note": g02,
    "r6-g03-ozempic-metformin-on-hold-note-recent": g03, "r6-g04-ozempic-metformin-on-hold-text-old": g04,
    "r6-g05-mounjaro-hba1c-ifcc": g05, "r6-g06-wegovy-hasmember-vitals-encounter-mi": g06,
    "r6-g07-wegovy-components-bmi-26-8": g07, "r6-g08-wegovy-epic-local-codes": g08,
    "r6-g09-zepbound-ahi-comparator-ge": g09, "r6-g10-zepbound-ahi-comparator-lt": g10,
    "r6-g11-wegovy-searchset-next-link": g11, "r6-g12-mounjaro-searchset-error-outcome": g12,
    "r6-g13-ozempic-cds-prefetch-partial": g13, "r6-g14-wegovy-cds-no-prefetch": g14,
    "r6-g15-mounjaro-cds-server-no-authorization": g15, "r6-g16-wegovy-dtr-group-quantity": g16,
    "r6-g17-wegovy-dtr-payer-linkids": g17, "r6-g18-wegovy-dtr-entered-in-error": g18,
    "r6-g19-ozempic-cerner-local-codes": g19, "r6-g20-wegovy-pas-claim-patient-absent": g20,
    "r6-l01-repatha-statin-dispenses-continuous": l01, "r6-l02-repatha-statin-dispenses-gap": l02,
    "r6-l03-praluent-statin-dispenses-ran-out": l03, "r6-l04-repatha-dispenses-ldl-mmol": l04,
    "r6-l05-repatha-ldl-mmol-boundary": l05, "r6-l06-repatha-lipid-hasmember": l06,
    "r6-l07-repatha-ldl-less-than": l07, "r6-l08-praluent-ldl-greater-than": l08,
    "r6-l09-repatha-ldl-offset-121-days": l09, "r6-l10-repatha-ldl-offset-120-days": l10,
    "r6-l11-repatha-ldl-period-120-days": l11, "r6-l12-repatha-statin-stopped-note": l12,
    "r6-l13-praluent-statin-on-hold-text": l13, "r6-l14-repatha-subject-by-identifier": l14,
    "r6-l15-repatha-contained-ldl": l15, "r6-l16-repatha-pas-subscriber-patient": l16,
    "r6-l17-repatha-cds-prefetch-partial": l17, "r6-l18-repatha-athena-local-codes": l18,
    "r6-m01-reblozyl-stage-hgb-g-per-l": m01, "r6-m02-reblozyl-hgb-118-g-per-l": m02,
    "r6-m03-procrit-hgb-mmol": m03, "r6-m04-procrit-hgb-100-g-per-l": m04,
    "r6-m05-reblozyl-stage-high": m05, "r6-m06-reblozyl-epo-greater-than-500": m06,
    "r6-m07-revlimid-searchset-paged": m07, "r6-m08-aranesp-encounter-dx": m08,
    "r6-m09-reblozyl-cds-no-procedures": m09, "r6-m10-procrit-esa-dispenses": m10,
    "r6-m11-reblozyl-pas-no-patient": m11,
}

if __name__ == "__main__":
    write(BUILDERS, HERE)
