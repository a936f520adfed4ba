"""Write the ninth held-out FHIR set: ``python tests/heldout/fhir9/build.py``.

Written 2026-12-07 (20:40-21:20 UTC) by the helper fhir9 before any rule was changed for it and before mednec was
run on it. The chart toolkit is ``tests/heldout/fhir_chart.py``; the fifth to eighth sets' building blocks are
imported. Expected answers, reasoned from the policy YAMLs in src/mednec/packs/, the fact dictionary, the decisions
files and the FHIR R4 / CDS Hooks / Da Vinci PAS specs (never from mednec's output), are in ``expected.yaml``.

Shapes earlier rounds did not cover: a calculated LDL-C the lab could not compute (valueString, triglycerides over
400) beside a direct one; non-HDL cholesterol, Lp(a) (mg/dL and nmol/L) and an LDL particle number with no LDL-C; a
statin's daily dose given by the timing (10 mg twice a day), by a count of tablets (2 x 20 mg) or by the
Medication's ``ingredient.strength`` and ``form``; a course dated only by ``timing.repeat.boundsPeriod``; a declined
MedicationDispense; MedicationRequest / MedicationStatement ``status: unknown``; ``deceasedBoolean: false``;
Conditions with only ``code.text`` ("s/p NSTEMI 2019", "Coronary artery disease", "HTN", "Dyslipidemia", "T2DM",
"MDS with ring sideroblasts"); a CABG ``Procedure`` with ``performedPeriod``; primitive extensions (``_value``,
``_effectiveDateTime``, ``_status``) and extensions on every element; a value absent with only ``_value``'s
data-absent-reason; a collection whose entries carry ``request`` / ``response`` (a transaction answer saved as a
collection); weight in ``[oz_av]`` (Epic's stored unit) and in ``[lb_av]`` with a height in ``[in_i]`` measured two
years earlier; a BMI entered in error beside weight and height; AHI as ``> 30`` and as a string; transfusions coded
only CPT 36430 (no product), therapeutic apheresis (CPT 36514) beside red-cell transfusions, "2 units" in a
transfusion's text, one given at 23:30 local time; the tirzepatide product codes 2601743 / 2601773 (shared by the
openFDA records of Zepbound 0002-2457 and of Mounjaro 50090-8022: they name the ingredient, not the brand) with a
Mounjaro display, and orders whose verified brand code and written name disagree (asked, not guessed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import ICD10, LOINC, RXNORM, SNOMED, UCUM  # noqa: E402
from tests.heldout.fhir5.build import (  # noqa: E402
    METFORMIN,
    atorva80,
    comp,
    del5q_fish,
    dispense,
    epo,
    hgb,
    ipss_r,
    med_list,
    rs_pct,
    transfusions,
)
from tests.heldout.fhir6.build import draft, qr  # noqa: E402
from tests.heldout.fhir_chart import (  # noqa: E402
    Chart,
    bmi,
    cc,
    cds_request,
    hba1c,
    ldl,
    old_mi,
    pas_bundle,
    qty,
    t2d,
    text_cc,
    write,
)

MEDNEC_Q = "http://mednec.example/fhir/Questionnaire/semaglutide-wegovy|2026.12.3"
CPT = "http://www.ama-assn.org/go/cpt"
DAR_EXT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
DAR = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
US_CORE_EXT = "http://hl7.org/fhir/us/core/StructureDefinition/"
EPIC_EXT = "http://open.epic.com/FHIR/StructureDefinition/extension/"
ROSUVA10 = cc((RXNORM, "859747", "rosuvastatin calcium 10 MG Oral Tablet"), text="rosuvastatin 10 mg tablet")
ATORVA20 = cc((RXNORM, "617310", "atorvastatin 20 MG Oral Tablet"), text="atorvastatin 20 mg tablet")
ATORVA_GENERIC = cc((RXNORM, "83367", "atorvastatin"), text="Atorvastatin")
CALC_LDL = ("13457-7", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by calculation")
DIRECT_LDL = ("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay")
# RxNorm product codes: 2601773 is listed by openFDA for Zepbound (NDC 0002-2457) and for Mounjaro (NDC 50090-8022),
# 2601776 for Mounjaro only; 1665904 is Repatha (openFDA NDC 72511-750); 205913 is Procrit (openFDA NDC 59676-304).
TIRZ_SHARED_12_5 = ("2601773", "tirzepatide 12.5 MG in 0.5 ML Auto-Injector [Mounjaro]", "Mounjaro 12.5 mg/0.5 mL pen")
TIRZ_SHARED_5 = ("2601743", "tirzepatide 5 MG in 0.5 ML Auto-Injector [Mounjaro]", "Mounjaro 5 mg/0.5 mL pen")
MOUNJARO_ONLY = "2601776"


# ---------------------------------------------------------------------------------------------------
# building blocks
def ldl_base(pid: str, birth: str, sex: str, **kw: Any) -> Chart:
    c = Chart(pid, birth, sex, **kw)
    old_mi(c)
    return c


def lab_obs(c: Chart, loinc: tuple[str, str], text: str, when: str, value: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return c.obs(cc((LOINC, *loinc), text=text), when, value=value, **kw)


def lifestyle(c: Chart, months: int = 6) -> dict[str, Any]:
    return qr(c, [{"linkId": "lifestyle_program_months", "text": "Months of a documented lifestyle programme",
                   "answer": [{"valueInteger": months}]}], questionnaire=MEDNEC_Q)


def osa_dx(c: Chart) -> dict[str, Any]:
    return c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))


def ahi(c: Chart, value: dict[str, Any]) -> dict[str, Any]:
    return c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), "2026-10-05", value=value,
                 cat="procedure")


def text_condition(c: Chart, text: str, **kw: Any) -> dict[str, Any]:
    return c.cond(text_cc(text), **kw)


def weekly_timing(freq: int, period: float, unit: str, **extra: Any) -> dict[str, Any]:
    return {"repeat": {"frequency": freq, "period": period, "periodUnit": unit, **extra}}


def statin_order(c: Chart, concept: dict[str, Any], authored: str | None, dose: dict[str, Any], timing: dict[str, Any],
                 text: str, **kw: Any) -> dict[str, Any]:
    r = c.request(None, concept=concept, authored=authored or "2025-01-01", **kw)
    if authored is None:
        del r["authoredOn"]
    r["dosageInstruction"] = [{"text": text, "timing": timing, "route": cc((SNOMED, "26643006", "Oral route")),
                               "doseAndRate": [{"type": cc(("http://terminology.hl7.org/CodeSystem/dose-rate-type",
                                                            "ordered", "Ordered")), "doseQuantity": dose}]}]
    return r


def mds_common(c: Chart, *, rs: float | None = 20, epo_value: float | None = 210,
               dates: tuple[str, ...] = ("2026-10-20", "2026-11-08", "2026-11-27")) -> None:
    if epo_value is not None:
        epo(c, epo_value)
    if rs is not None:
        rs_pct(c, rs)
    del5q_fish(c, False)
    ipss_r(c, "Low")
    transfusions(c, dates)


def rs_dx(c: Chart, **kw: Any) -> dict[str, Any]:
    return c.cond(cc((ICD10, "D46.1", "Refractory anemia with ring sideroblasts"), text="MDS-RS"), **kw)


def mds9(c: Chart, **kw: Any) -> dict[str, Any]:
    return c.cond(cc((ICD10, "D46.9", "Myelodysplastic syndrome, unspecified"), text="MDS"), **kw)


def procedure(c: Chart, code: dict[str, Any], when: str) -> dict[str, Any]:
    return c.add({"resourceType": "Procedure", "status": "completed", "code": code, "subject": c.subject,
                  "performedDateTime": when})


def with_request_response(b: dict[str, Any]) -> dict[str, Any]:
    """A transaction's answer saved as a collection: each entry keeps the request it was sent with and the response."""
    for n, e in enumerate(b["entry"]):
        r = e["resource"]
        e["request"] = {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}
        e["response"] = {"status": "200 OK", "location": f"{r['resourceType']}/{r['id']}/_history/{n + 1}",
                         "etag": f'W/"{n + 1}"', "lastModified": "2026-12-05T22:14:09Z"}
    return b


def ext_everywhere(r: dict[str, Any]) -> dict[str, Any]:
    """Extensions as EHRs send them: on the resource, the code, the value, and on primitives (``_x``)."""
    r.setdefault("extension", []).append({"url": EPIC_EXT + "observation-source", "valueString": "Lab interface"})
    r["code"].setdefault("extension", []).append({"url": EPIC_EXT + "order-code", "valueString": "LAB1234"})
    r["_status"] = {"extension": [{"url": EPIC_EXT + "status-source", "valueCode": "final-verified"}]}
    if "effectiveDateTime" in r:
        r["_effectiveDateTime"] = {"extension": [{"url": EPIC_EXT + "collection-time-source", "valueString": "specimen"}]}
    q = r.get("valueQuantity")
    if q:
        q["extension"] = [{"url": EPIC_EXT + "result-flag", "valueString": "N"}]
        q["_value"] = {"extension": [{"url": EPIC_EXT + "raw-value", "valueString": str(q["value"])}]}
    return r


def value_absent(c: Chart, code: dict[str, Any], when: str, unit: str) -> dict[str, Any]:
    """A valueQuantity whose value is only a data-absent-reason on the primitive, and the Observation's own reason."""
    return c.obs(code, when, value={"valueQuantity": {"_value": {"extension": [{"url": DAR_EXT, "valueCode": "error"}]},
                                                      "unit": unit, "system": UCUM, "code": unit}},
                 dataAbsentReason=cc((DAR, "error", "Error"), text="Specimen hemolysed"))


def alive(c: Chart) -> None:
    c.res[0]["deceasedBoolean"] = False


# ---------------------------------------------------------------------------------------------------
# LDL-lowering (Repatha unless named): prior MI (I25.2), atorvastatin 80 mg since 2025-05-05 unless said
def l01() -> dict[str, Any]:
    c = ldl_base("r9l01", "1957-02-03", "male")
    lab_obs(c, CALC_LDL, "LDL Cholesterol, calculated", "2026-11-18",
            {"valueString": "Unable to calculate: triglycerides > 400 mg/dL. See direct LDL."})
    lab_obs(c, ("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma"), "Triglycerides", "2026-11-18",
            {"valueQuantity": qty(512, "mg/dL", "mg/dL")})
    lab_obs(c, DIRECT_LDL, "LDL Cholesterol, direct", "2026-11-18", {"valueQuantity": qty(118, "mg/dL", "mg/dL")})
    atorva80(c, "2025-05-05")
    return c.bundle()


def l02() -> dict[str, Any]:
    c = ldl_base("r9l02", "1958-03-04", "female")
    lab_obs(c, ("43396-1", "Cholesterol non HDL [Mass/volume] in Serum or Plasma"), "Non-HDL cholesterol",
            "2026-11-17", {"valueQuantity": qty(165, "mg/dL", "mg/dL")})
    lab_obs(c, ("10835-7", "Lipoprotein a [Mass/volume] in Serum or Plasma"), "Lipoprotein(a)", "2026-11-17",
            {"valueQuantity": qty(62, "mg/dL", "mg/dL")})
    atorva80(c, "2025-05-05")
    return c.bundle()


def l03() -> dict[str, Any]:
    c = ldl_base("r9l03", "1959-04-05", "male")
    c.obs(text_cc("LDL particle number (LDL-P), NMR"), "2026-11-16", value={"valueQuantity": qty(1650, "nmol/L", "nmol/L")})
    c.obs(text_cc("Lipoprotein(a)"), "2026-11-16", value={"valueQuantity": qty(180, "nmol/L", "nmol/L")})
    atorva80(c, "2025-05-05")
    return c.bundle()


def l04() -> dict[str, Any]:
    c = ldl_base("r9l04", "1960-05-06", "female")
    ldl(c, 121, "2026-11-15")
    statin_order(c, ROSUVA10, "2025-04-01", qty(10, "mg", "mg"), weekly_timing(2, 1, "d"),
                 "Take 1 tablet (10 mg) by mouth twice daily")
    return c.bundle()


def l05() -> dict[str, Any]:
    c = ldl_base("r9l05", "1961-06-07", "male")
    ldl(c, 104, "2026-11-14")
    statin_order(c, ATORVA20, "2025-03-10", qty(2, "tablet", "{tbl}"), weekly_timing(1, 1, "d"),
                 "Take 2 tablets (40 mg) by mouth daily")
    return c.bundle()


def l06() -> dict[str, Any]:
    c = ldl_base("r9l06", "1962-07-08", "female")
    ldl(c, 133, "2026-11-13")
    d = dispense(c, cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet"),
                 "2026-09-01", 90, 90)
    d["status"] = "declined"
    d["statusReasonCodeableConcept"] = text_cc("Patient declined: cost")
    del d["whenHandedOver"]
    return c.bundle()


def l07() -> dict[str, Any]:
    c = ldl_base("r9l07", "1963-08-09", "male")
    ldl(c, 126, "2026-11-12")
    atorva80(c, "2025-05-05")["status"] = "unknown"
    return c.bundle()


def l08() -> dict[str, Any]:
    c = ldl_base("r9l08", "1964-09-10", "female")
    alive(c)
    ldl(c, 112, "2026-11-11")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l09() -> dict[str, Any]:
    c = Chart("r9l09", "1955-10-11", "male")
    text_condition(c, "s/p NSTEMI 2019 with DES to LAD")
    ldl(c, 98, "2026-11-10")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l10() -> dict[str, Any]:
    c = ldl_base("r9l10", "1956-11-12", "female")
    c.res[0]["extension"] = [
        {"url": US_CORE_EXT + "us-core-race", "extension": [
            {"url": "ombCategory", "valueCoding": {"system": "urn:oid:2.16.840.1.113883.6.238", "code": "2106-3", "display": "White"}},
            {"url": "text", "valueString": "White"}]},
        {"url": US_CORE_EXT + "us-core-birthsex", "valueCode": "F"}]
    c.res[0]["_birthDate"] = {"extension": [{"url": "http://hl7.org/fhir/StructureDefinition/patient-birthTime",
                                             "valueDateTime": "1956-11-12T04:12:00-05:00"}]}
    ext_everywhere(ldl(c, 116, "2026-11-09"))
    atorva80(c, "2025-05-05")
    return c.bundle()


def l11() -> dict[str, Any]:
    c = ldl_base("r9l11", "1957-12-13", "male")
    value_absent(c, cc((LOINC, *DIRECT_LDL), text="LDL Cholesterol, direct"), "2026-11-08", "mg/dL")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l12() -> dict[str, Any]:
    c = ldl_base("r9l12", "1958-01-14", "female")
    ldl(c, 109, "2026-11-07")
    statin_order(c, cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet"), None,
                 qty(80, "mg", "mg"), weekly_timing(1, 1, "d", boundsPeriod={"start": "2025-05-05"}),
                 "Take 80 mg by mouth nightly")
    return c.bundle()


def l13() -> dict[str, Any]:
    c = ldl_base("r9l13", "1959-02-15", "male")
    ldl(c, 127, "2026-11-06")
    atorva80(c, "2025-05-05")
    return with_request_response(c.bundle())


def l14() -> dict[str, Any]:
    c = Chart("r9l14", "1960-03-16", "female")
    c.add({"resourceType": "Procedure", "status": "completed",
           "code": cc((SNOMED, "232717009", "Coronary artery bypass grafting"), text="CABG x3 (LIMA-LAD, SVG-OM, SVG-RCA)"),
           "subject": c.subject,
           "performedPeriod": {"start": "2021-04-12T07:45:00-05:00", "end": "2021-04-12T13:10:00-05:00"}})
    ldl(c, 102, "2026-11-05")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l15() -> dict[str, Any]:
    c = ldl_base("r9l15", "1961-04-17", "male")
    ldl(c, 115, "2026-11-04")
    med = {"resourceType": "Medication", "id": "med-atorva", "code": ATORVA_GENERIC,
           "form": cc((SNOMED, "385055001", "Tablet"), text="Oral tablet"),
           "ingredient": [{"itemCodeableConcept": ATORVA_GENERIC, "isActive": True,
                           "strength": {"numerator": qty(80, "mg", "mg"), "denominator": qty(1, "TAB", "{tbl}")}}]}
    c.add(med)
    r = c.request(med, authored="2025-05-05")
    r["dosageInstruction"] = [{"text": "1 tablet by mouth daily", "timing": weekly_timing(1, 1, "d"),
                               "doseAndRate": [{"doseQuantity": qty(1, "tablet", "{tbl}")}]}]
    return c.bundle()


def l16() -> dict[str, Any]:
    c = Chart("r9l16", "1962-05-18", "female")
    text_condition(c, "Coronary artery disease")
    ldl(c, 111, "2026-11-03")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l17() -> dict[str, Any]:
    c = ldl_base("r9l17", "1963-06-19", "male")
    ldl(c, 119, "2026-11-02")
    atorva80(c, "2025-05-05")
    order = draft("r9l17", "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]", "Praluent 150 mg/mL pen")
    order["medicationCodeableConcept"]["coding"][0]["display"] = "Praluent 150 MG/ML pen"
    return cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                "medications": ["MedicationRequest"]})


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = Chart("r9g01", "1977-07-01", "male")
    osa_dx(c)
    ahi(c, {"valueQuantity": qty(26, "events/h", "/h")})
    c.vital("29463-7", "Body weight", 245, "lb", "[lb_av]", "2026-11-20")
    c.vital("8302-2", "Body height", 66, "in", "[in_i]", "2024-10-02")
    return c.bundle()


def g02() -> dict[str, Any]:
    c = Chart("r9g02", "1978-08-02", "female")
    c.vital("29463-7", "Body weight", 3520, "oz", "[oz_av]", "2026-11-19")
    c.vital("8302-2", "Body height", 65, "in", "[in_i]", "2026-11-19")
    lifestyle(c)
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("r9g03", "1963-09-03", "male")
    t2d(c)
    hba1c(c, 8.4, "2026-11-10")
    statin_order(c, METFORMIN, "2026-02-01", qty(500, "mg", "mg"), weekly_timing(2, 1, "d"),
                 "Take 500 mg by mouth twice daily with meals")
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("r9g04", "1964-10-04", "female")
    t2d(c)
    hba1c(c, 8.2, "2026-11-11")
    c.request(None, concept=METFORMIN, authored="2026-01-07", dose=(1000, "mg"))
    return cds_request(c, "order-select", draft("r9g04", *TIRZ_SHARED_12_5),
                       {"conditions": ["Condition"], "observations": ["Observation"], "medications": ["MedicationRequest"]})


def g05() -> dict[str, Any]:
    c = Chart("r9g05", "1965-11-05", "male")
    t2d(c)
    hba1c(c, 8.0, "2026-11-12")
    c.request(None, concept=METFORMIN, authored="2026-01-08", dose=(1000, "mg"))
    order = draft("r9g05", MOUNJARO_ONLY, "Zepbound 12.5 MG in 0.5 ML pen", "Zepbound 12.5 mg/0.5 mL pen")
    return cds_request(c, "order-select", order,
                       {"conditions": ["Condition"], "observations": ["Observation"], "medications": ["MedicationRequest"]})


def g06() -> dict[str, Any]:
    c = Chart("r9g06", "1966-12-06", "female")
    t2d(c)
    hba1c(c, 8.1, "2026-11-13")
    c.request(None, concept=METFORMIN, authored="2026-01-09", dose=(1000, "mg"))
    return pas_bundle(c, cc((RXNORM, TIRZ_SHARED_5[0], TIRZ_SHARED_5[1]), text=TIRZ_SHARED_5[2]),
                      [("E11.9", "Type 2 diabetes mellitus without complications")])


def g07() -> dict[str, Any]:
    c = Chart("r9g07", "1970-01-07", "male")
    bmi(c, 28.4, "2026-11-14")
    text_condition(c, "HTN")
    lifestyle(c)
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("r9g08", "1971-02-08", "female")
    bmi(c, 28.9, "2026-11-15")
    text_condition(c, "Dyslipidemia")
    lifestyle(c)
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("r9g09", "1972-03-09", "male")
    osa_dx(c)
    ahi(c, {"valueQuantity": {**qty(30, "events/h", "/h"), "comparator": ">"}})
    bmi(c, 34.2, "2026-11-16")
    return c.bundle()


def g10() -> dict[str, Any]:
    c = Chart("r9g10", "1973-04-10", "female")
    osa_dx(c)
    ahi(c, {"valueString": "AHI 24.5 events/hr (moderate OSA)"})
    bmi(c, 36.0, "2026-11-17")
    return c.bundle()


def g11() -> dict[str, Any]:
    c = Chart("r9g11", "1962-05-11", "male")
    text_condition(c, "T2DM")
    hba1c(c, 8.7, "2026-11-18")
    c.request(None, concept=METFORMIN, authored="2026-01-10", dose=(1000, "mg"))
    return c.bundle()


def g12() -> dict[str, Any]:
    c = Chart("r9g12", "1961-06-12", "female")
    text_condition(c, "Type 2 diabetes mellitus with hyperglycemia")
    hba1c(c, 9.1, "2026-11-19")
    c.request(None, concept=METFORMIN, authored="2026-01-11", dose=(1000, "mg"))
    return c.bundle()


def g13() -> dict[str, Any]:
    c = Chart("r9g13", "1974-07-13", "male")
    alive(c)
    bmi(c, 33.0, "2026-11-20")
    lifestyle(c)
    return c.bundle()


def g14() -> dict[str, Any]:
    c = Chart("r9g14", "1960-08-14", "female")
    t2d(c)
    hba1c(c, 8.3, "2026-11-21")
    c.statement(METFORMIN, status="unknown", start="2025-06-01", dose=(1000, "mg"))
    return c.bundle()


def g15() -> dict[str, Any]:
    c = Chart("r9g15", "1959-09-15", "male")
    t2d(c)
    hba1c(c, 8.5, "2026-11-22")
    statin_order(c, METFORMIN, None, qty(1000, "mg", "mg"), weekly_timing(1, 1, "d", boundsPeriod={"start": "2026-03-01"}),
                 "Take 1000 mg by mouth daily with supper")
    return c.bundle()


def g16() -> dict[str, Any]:
    c = Chart("r9g16", "1975-10-16", "female")
    osa_dx(c)
    ahi(c, {"valueQuantity": qty(19, "events/h", "/h")})
    b = bmi(c, 21.3, "2026-11-23")
    b["status"] = "entered-in-error"
    c.vital("29463-7", "Body weight", 92, "kg", "kg", "2026-11-23")
    c.vital("8302-2", "Body height", 168, "cm", "cm", "2026-11-23")
    return c.bundle()


def g17() -> dict[str, Any]:
    c = Chart("r9g17", "1976-11-17", "male")
    bmi(c, 32.5, "2026-11-24")
    lifestyle(c)
    return with_request_response(c.bundle())


# ---------------------------------------------------------------------------------------------------
# MDS anemia (Reblozyl unless named): D46.1, EPO 210, RS 20 %, del(5q) not detected, IPSS-R Low, empty med list
def m01() -> dict[str, Any]:
    c = Chart("r9m01", "1948-01-01", "male")
    rs_dx(c)
    hgb(c, 8.1)
    mds_common(c, dates=())
    for d in ("2026-10-20", "2026-11-08", "2026-11-27"):
        procedure(c, cc((CPT, "36430", "Transfusion, blood or blood components")), d + "T10:00:00-06:00")
    med_list(c, [])
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("r9m02", "1947-02-02", "female")
    rs_dx(c)
    hgb(c, 8.2)
    mds_common(c)
    for d in ("2026-10-25", "2026-11-15"):
        procedure(c, cc((CPT, "36514", "Therapeutic apheresis; for plasma pheresis"),
                        text="Therapeutic plasma exchange"), d + "T08:00:00-06:00")
    med_list(c, [])
    return c.bundle()


def m03() -> dict[str, Any]:
    c = Chart("r9m03", "1946-03-03", "male")
    rs_dx(c)
    hgb(c, 7.6)
    mds_common(c, dates=())
    for d, n in (("2026-10-22", 2), ("2026-11-12", 2), ("2026-11-29", 1)):
        t = c.transfusion(d, code=cc((SNOMED, "71493000", "Transfusion of packed red blood cells"),
                                     text=f"Transfuse {n} unit{'s' if n > 1 else ''} PRBC"))
        t["note"] = [{"text": f"{n} unit{'s' if n > 1 else ''} of leukoreduced RBCs given without reaction"}]
    med_list(c, [])
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("r9m04", "1945-04-04", "female")
    text_condition(c, "MDS with ring sideroblasts (SF3B1 mutated), IPSS-R low risk")
    hgb(c, 8.0)
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m05() -> dict[str, Any]:
    c = Chart("r9m05", "1944-05-05", "male")
    alive(c)
    rs_dx(c)
    hgb(c, 8.3)
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m06() -> dict[str, Any]:
    c = Chart("r9m06", "1943-06-06", "female")
    rs_dx(c)
    ext_everywhere(hgb(c, 8.4))
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m07() -> dict[str, Any]:
    c = Chart("r9m07", "1942-07-07", "male")
    rs_dx(c)
    value_absent(c, cc((LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"), text="Hemoglobin"), "2026-11-30", "g/dL")
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m08() -> dict[str, Any]:
    c = Chart("r9m08", "1949-08-08", "female")
    rs_dx(c)
    hgb(c, 8.0)
    mds_common(c)
    med_list(c, [])
    return with_request_response(c.bundle())


def m09() -> dict[str, Any]:
    c = Chart("r9m09", "1950-09-09", "male")
    rs_dx(c)
    hgb(c, 8.2)
    mds_common(c, dates=("2026-11-08", "2026-11-27"))
    t = c.transfusion("2026-10-11")
    t["performedDateTime"] = "2026-10-11T23:30:00-07:00"
    med_list(c, [])
    return c.bundle()


def m10() -> dict[str, Any]:
    c = Chart("r9m10", "1951-10-10", "female")
    mds9(c)
    hgb(c, 8.6)
    mds_common(c, rs=None, epo_value=150, dates=("2026-09-20", "2026-11-10"))
    med_list(c, [])
    order = draft("r9m10", "205913", "Aranesp 100 MCG/0.5 ML Prefilled Syringe", "Aranesp 100 mcg/0.5 mL syringe")
    return cds_request(c, "order-sign", order, {"conditions": ["Condition"], "observations": ["Observation"],
                                                "procedures": ["Procedure"], "medications": ["MedicationRequest", "List"]})


def m11() -> dict[str, Any]:
    c = Chart("r9m11", "1952-11-11", "male")
    mds9(c)
    lab_obs(c, ("58410-2", "CBC panel - Blood by Automated count"), "CBC", "2026-11-30", {},
            component=[comp("718-7", "Hemoglobin [Mass/volume] in Blood", 8.7, "g/dL", "g/dL"),
                       comp("777-3", "Platelets [#/volume] in Blood by Automated count", 182, "10*3/uL", "10*3/uL")])
    mds_common(c, rs=None, epo_value=150, dates=("2026-09-20", "2026-11-10"))
    med_list(c, [])
    return with_request_response(c.bundle())


def m12() -> dict[str, Any]:
    c = Chart("r9m12", "1953-12-12", "female")
    rs_dx(c)
    hgb(c, 8.1)
    mds_common(c, dates=("2026-11-08",))
    c.add({"resourceType": "Procedure", "status": "completed",
           "code": cc((SNOMED, "71493000", "Transfusion of packed red blood cells"), text="Transfuse PRBC 1 unit"),
           "subject": c.subject, "performedPeriod": {"start": "2026-11-20T21:40:00-05:00"}})
    med_list(c, [])
    return c.bundle()


BUILDERS = {
    "r9-l01-repatha-ldl-calc-unable-direct": l01, "r9-l02-repatha-non-hdl-lpa-only": l02,
    "r9-l03-repatha-ldl-particle-number-only": l03, "r9-l04-repatha-rosuvastatin-10-twice-daily": l04,
    "r9-l05-repatha-atorvastatin-two-20mg-tablets": l05, "r9-l06-repatha-statin-dispense-declined": l06,
    "r9-l07-repatha-statin-order-status-unknown": l07, "r9-l08-repatha-deceased-false": l08,
    "r9-l09-repatha-nstemi-text-only": l09, "r9-l10-repatha-extensions-everywhere": l10,
    "r9-l11-repatha-ldl-value-data-absent": l11, "r9-l12-repatha-statin-bounds-period": l12,
    "r9-l13-repatha-collection-request-response": l13, "r9-l14-repatha-cabg-performed-period": l14,
    "r9-l15-repatha-medication-ingredient-strength": l15, "r9-l16-repatha-cad-text-only": l16,
    "r9-l17-repatha-cds-code-name-disagree": l17,
    "r9-g01-zepbound-lb-in-height-older": g01, "r9-g02-wegovy-weight-ounces": g02,
    "r9-g03-ozempic-metformin-twice-daily": g03, "r9-g04-mounjaro-cds-shared-tirzepatide-code": g04,
    "r9-g05-mounjaro-cds-code-name-disagree": g05, "r9-g06-mounjaro-pas-shared-tirzepatide-code": g06,
    "r9-g07-wegovy-htn-text-only": g07, "r9-g08-wegovy-dyslipidemia-text-only": g08,
    "r9-g09-zepbound-ahi-greater-than-30": g09, "r9-g10-zepbound-ahi-string": g10,
    "r9-g11-ozempic-t2dm-text-only": g11, "r9-g12-mounjaro-t2d-text-only": g12,
    "r9-g13-wegovy-deceased-false": g13, "r9-g14-ozempic-metformin-statement-unknown": g14,
    "r9-g15-ozempic-metformin-bounds-period": g15, "r9-g16-zepbound-bmi-entered-in-error-weight-height": g16,
    "r9-g17-wegovy-collection-request-response": g17,
    "r9-m01-reblozyl-transfusions-cpt-only": m01, "r9-m02-reblozyl-apheresis-beside-transfusions": m02,
    "r9-m03-reblozyl-transfusion-units-in-text": m03, "r9-m04-reblozyl-mds-rs-text-only": m04,
    "r9-m05-reblozyl-deceased-false": m05, "r9-m06-reblozyl-extensions-everywhere": m06,
    "r9-m07-reblozyl-hgb-value-data-absent": m07, "r9-m08-reblozyl-collection-request-response": m08,
    "r9-m09-reblozyl-transfusion-late-evening-offset": m09, "r9-m10-procrit-cds-code-name-disagree": m10,
    "r9-m11-procrit-cbc-components-request-response": m11, "r9-m12-reblozyl-transfusion-period-start-only": m12,
}

if __name__ == "__main__":
    write(BUILDERS, HERE)
