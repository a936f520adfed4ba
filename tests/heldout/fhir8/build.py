"""Write the eighth held-out FHIR set: ``python tests/heldout/fhir8/build.py``.

Written 2026-12-07 (17:10-17:35 UTC) by the helper fhir8 before any rule was changed for it and before mednec was
run on it. The chart toolkit is ``tests/heldout/fhir_chart.py``; the fifth to seventh sets' building blocks are
imported. Expected answers, reasoned from the policy YAMLs in src/mednec/packs/, the fact dictionary, the decisions
files and the FHIR R4 / Da Vinci PAS specs (never from mednec's output), are in ``expected.yaml``.

Shapes earlier rounds did not cover: an LDL-C as a component of a panel whose own code is not a lipid panel;
``valueQuantity`` with a UCUM ``code`` and no ``unit``; UCUM spellings labs send (``g/dl``, ``mg/dl``, ``mmol/L``
LDL-C, ``10*3/uL``); ``effectiveInstant`` and ``effectiveTiming``; Condition ``onsetRange`` / ``onsetPeriod``,
``abatementDateTime`` without ``clinicalStatus``, an encounter-diagnosis, a confirmed acute MI years old;
MedicationRequest ``doseRange`` (rosuvastatin), ``dispenseRequest.validityPeriod`` with no ``authoredOn``, a partial
``authoredOn``; MedicationStatement ``effectivePeriod`` with only ``end``, with a month ``start``, ``statusReason``
coded in SNOMED CT with text, ``reasonCode``; MedicationAdministration with ``effectivePeriod``; transfusions with
``performedPeriod``; a PAS Claim whose ``item.productOrService`` is an NDC; a Patient whose ``birthDate`` is absent
with a data-absent-reason extension (``_birthDate``); a complete medication List whose items are contained
resources (``#id``); a duplicated fullUrl (the same resource twice, the Patient twice); a reference by
``identifier`` only; a transaction Bundle with a DELETE entry (``request``, no ``resource``); implausibly large
and negative values; an interpretation with no value.
"""

from __future__ import annotations

import copy
import datetime as dt
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import ICD10, LOINC, RXNORM, SNOMED, UCUM  # noqa: E402
from tests.heldout.fhir5.build import (  # noqa: E402
    INTERP,
    METFORMIN,
    atorva80,
    comp,
    del5q_fish,
    epo,
    hgb,
    ipss_r,
    med_list,
    rs_pct,
    transfusions,
)
from tests.heldout.fhir6.build import LDL_DIRECT, qr  # noqa: E402
from tests.heldout.fhir_chart import (  # noqa: E402
    EPIC_MRN,
    Chart,
    bmi,
    cc,
    hba1c,
    ldl,
    old_mi,
    pas_bundle,
    qty,
    t2d,
    write,
)

MEDNEC_Q = "http://mednec.example/fhir/Questionnaire/semaglutide-wegovy|2026.12.3"
NDC = "http://hl7.org/fhir/sid/ndc"
DAR_EXT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
ATORVA80 = cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet")
ROSUVA = cc((RXNORM, "301542", "rosuvastatin"), text="rosuvastatin (CRESTOR) tablet")
EPOETIN = cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"), text="Procrit 40,000 units/mL")
FOLIC = cc((RXNORM, "4511", "folic acid"), text="folic acid 1 mg tablet")
LDL_CODE = cc((LOINC, *LDL_DIRECT), text="LDL Cholesterol, direct")
HGB_CODE = cc((LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"), text="Hemoglobin")


# ---------------------------------------------------------------------------------------------------
# building blocks
def code_only(value: float, code: str) -> dict[str, Any]:
    """A valueQuantity with its UCUM system and code and no human-readable ``unit`` (legal in R4: all optional)."""
    return {"value": value, "system": UCUM, "code": code}


def ldl_q(c: Chart, q: dict[str, Any], when: str | None = "2026-11-18", **kw: Any) -> dict[str, Any]:
    return c.obs(LDL_CODE, when, value={"valueQuantity": q}, **kw)


def hgb_q(c: Chart, q: dict[str, Any], when: str = "2026-11-30") -> dict[str, Any]:
    return c.obs(HGB_CODE, when, value={"valueQuantity": q})


def ldl_base(pid: str, birth: str, sex: str, **kw: Any) -> Chart:
    c = Chart(pid, birth, sex, **kw)
    old_mi(c)
    return c


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


def lifestyle(c: Chart, months: int = 6) -> dict[str, Any]:
    return qr(c, [{"linkId": "lifestyle_program_months", "text": "Months of a documented lifestyle programme",
                   "answer": [{"valueInteger": months}]}], questionnaire=MEDNEC_Q)


def osa_chart(pid: str, birth: str, sex: str) -> Chart:
    c = Chart(pid, birth, sex)
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), "2026-10-05",
          value={"valueQuantity": qty(22, "events/h", "/h")}, cat="procedure")
    return c


def no_clinical_status(r: dict[str, Any]) -> dict[str, Any]:
    del r["clinicalStatus"]
    return r


def statement_end_only(c: Chart, concept: dict[str, Any], end: str, status: str = "completed") -> dict[str, Any]:
    r = c.statement(concept, status=status)
    r["effectivePeriod"] = {"end": end}
    return r


def transfusion_period(c: Chart, start: str, end: str) -> dict[str, Any]:
    r = c.transfusion("2026-01-01")
    del r["performedDateTime"]
    r["performedPeriod"] = {"start": start, "end": end}
    return r


# ---------------------------------------------------------------------------------------------------
# LDL-lowering (Repatha unless named): prior MI (I25.2), atorvastatin 80 mg since 2025-05-05 unless said
def l01() -> dict[str, Any]:
    c = ldl_base("r8l01", "1957-01-11", "male")
    c.obs(cc((LOINC, "55399-0", "Diabetes tracking panel"), text="Cardiometabolic risk panel"), "2026-11-14",
          component=[comp("8480-6", "Systolic blood pressure", 134, "mm[Hg]", "mm[Hg]"),
                     comp("8462-4", "Diastolic blood pressure", 82, "mm[Hg]", "mm[Hg]"),
                     comp("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", 112,
                          "mg/dL", "mg/dL")])
    atorva80(c, "2025-05-05")
    return c.bundle()


def l02() -> dict[str, Any]:
    c = ldl_base("r8l02", "1958-02-12", "female")
    ldl_q(c, code_only(95, "mg/dL"))
    atorva80(c, "2025-05-05")
    return c.bundle()


def l03() -> dict[str, Any]:
    c = ldl_base("r8l03", "1959-03-13", "male")
    ldl_q(c, qty(2.6, "mmol/L", "mmol/L"))
    atorva80(c, "2025-05-05")
    return c.bundle()


def l04() -> dict[str, Any]:
    c = ldl_base("r8l04", "1960-04-14", "female")
    ldl_q(c, qty(130, "mg/dl", "mg/dl"))
    atorva80(c, "2025-05-05")
    return c.bundle()


def l05() -> dict[str, Any]:
    c = ldl_base("r8l05", "1961-05-15", "male")
    ldl_q(c, qty(104, "mg/dL", "mg/dL"), None, effectiveInstant="2026-11-20T13:45:12.250Z")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l06() -> dict[str, Any]:
    c = ldl_base("r8l06", "1962-06-16", "female")
    ldl_q(c, qty(99, "mg/dL", "mg/dL"), None, effectiveTiming={"event": ["2026-11-10T08:15:00-05:00"]})
    atorva80(c, "2025-05-05")
    return c.bundle()


def l07() -> dict[str, Any]:
    c = Chart("r8l07", "1963-07-17", "male")
    old_mi(c, onsetRange={"low": {"value": 55, "unit": "years", "system": UCUM, "code": "a"},
                          "high": {"value": 58, "unit": "years", "system": UCUM, "code": "a"}})
    ldl(c, 108, "2026-11-12")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l08() -> dict[str, Any]:
    c = Chart("r8l08", "1964-08-18", "female")
    no_clinical_status(old_mi(c, category="encounter-diagnosis", abatementDateTime="2019-06-30"))
    ldl(c, 117, "2026-11-13")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l09() -> dict[str, Any]:
    c = Chart("r8l09", "1955-09-19", "male")
    c.cond(cc((ICD10, "I21.4", "Non-ST elevation (NSTEMI) myocardial infarction"),
              (SNOMED, "401314000", "Acute non-ST segment elevation myocardial infarction"), text="NSTEMI"),
           clinical="resolved", onsetDateTime="2018-02-11", abatementDateTime="2018-03-15",
           category="encounter-diagnosis")
    ldl(c, 91, "2026-11-14")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l10() -> dict[str, Any]:
    c = ldl_base("r8l10", "1956-10-20", "female")
    ldl(c, 122, "2026-11-15")
    statement_end_only(c, ATORVA80, "2027-05-01", status="active")
    return c.bundle()


def l11() -> dict[str, Any]:
    c = ldl_base("r8l11", "1957-11-21", "male")
    ldl(c, 150, "2026-11-16")
    c.statement(ATORVA80, status="stopped", start="2024-01-10", end="2024-03-02",
                reason=cc((SNOMED, "240131006", "Rhabdomyolysis"),
                          text="Rhabdomyolysis on atorvastatin 80 mg (CK 14,200 U/L), hospitalised"))
    return c.bundle()


def l12() -> dict[str, Any]:
    c = ldl_base("r8l12", "1958-12-22", "female")
    ldl(c, 128, "2026-11-17")
    r = c.request(None, concept=ROSUVA, authored="2025-08-01")
    r["dosageInstruction"] = [{
        "text": "Take 20-40 mg by mouth once daily as directed",
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"type": cc(("http://terminology.hl7.org/CodeSystem/dose-rate-type", "ordered", "Ordered")),
                         "doseRange": {"low": qty(20, "mg", "mg"), "high": qty(40, "mg", "mg")}}]}]
    return c.bundle()


def l13() -> dict[str, Any]:
    c = ldl_base("r8l13", "1959-01-23", "male")
    ldl(c, 119, "2026-11-18")
    c.request(None, concept=ATORVA80, authored="2025", dose=(80, "mg"))
    return c.bundle()


def l14() -> dict[str, Any]:
    c = ldl_base("r8l14", "1960-02-24", "female")
    ldl(c, 101, "2026-11-19")
    c.statement(ATORVA80, status="active", start="2026-09", dose=(80, "mg"))
    return c.bundle()


def l15() -> dict[str, Any]:
    c = ldl_base("r8l15", "1961-03-25", "male")
    ldl(c, 109, "2026-11-20")
    c.statement(ATORVA80, status="active", start="2026-10", dose=(80, "mg"))
    return c.bundle()


def l16() -> dict[str, Any]:
    c = ldl_base("r8l16", "1962-04-26", "female")
    ldl(c, 113, "2026-10")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l17() -> dict[str, Any]:
    c = ldl_base("r8l17", "1963-05-27", "male")
    ldl_q(c, qty(-12, "mg/dL", "mg/dL"))
    atorva80(c, "2025-05-05")
    return c.bundle()


def l18() -> dict[str, Any]:
    c = ldl_base("r8l18", "1964-06-28", "female")
    ldl_q(c, qty(1.0e18, "mg/dL", "mg/dL"))
    atorva80(c, "2025-05-05")
    return c.bundle()


def l19() -> dict[str, Any]:
    c = ldl_base("r8l19", "1965-07-29", "male")
    c.obs(LDL_CODE, "2026-11-21", interpretation=[cc((INTERP, "HH", "Critical high"))],
          note=[{"text": "Result above the analytic range; value to follow"}])
    atorva80(c, "2025-05-05")
    return c.bundle()


def l20() -> dict[str, Any]:
    c = ldl_base("r8l20", "1956-08-30", "female")
    ldl(c, 124, "2026-11-22")
    c.statement(None, status="active", start="2025-03-01",
                medicationReference={"identifier": {"system": "urn:oid:2.16.840.1.113883.6.69", "value": "0071-0158-23"},
                                     "display": "atorvastatin 80 mg tablet"})
    return c.bundle()


def l21() -> dict[str, Any]:
    c = ldl_base("r8l21", "1957-09-01", "male")
    ldl(c, 131, "2026-11-23")
    atorva80(c, "2025-05-05", reasonCode=[cc((ICD10, "I25.2", "Old myocardial infarction"),
                                             text="Secondary prevention after MI")])
    return pas_bundle(c, cc((NDC, "72511-0750-01", "Repatha 140 mg/mL SureClick autoinjector"),
                            text="Repatha SureClick 140 mg/mL"), [("I25.2", "Old myocardial infarction")])


def l22() -> dict[str, Any]:
    c = ldl_base("r8l22", "1958-10-02", "female")
    ldl(c, 118, "2026-11-24")
    atorva80(c, "2025-05-05")
    b = c.bundle()
    b["entry"].insert(1, copy.deepcopy(b["entry"][0]))  # the Patient entry twice, same fullUrl and content
    return b


def l23() -> dict[str, Any]:
    c = ldl_base("r8l23", "1959-11-03", "male")
    ldl(c, 126, "2026-11-25")
    atorva80(c, "2025-05-05")
    b = c.bundle("transaction")
    for e in b["entry"]:
        e["request"] = {"method": "PUT", "url": f"{e['resource']['resourceType']}/{e['resource']['id']}"}
    b["entry"].append({"request": {"method": "DELETE", "url": "Observation/ldl-entered-in-error-77"}})
    b["entry"].append({"request": {"method": "DELETE", "url": "MedicationRequest?patient=r8l23&status=entered-in-error"}})
    return b


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = osa_chart("r8g01", "1977-08-08", "male")
    c.obs(cc((LOINC, "39156-5", "Body mass index (BMI) [Ratio]"), text="BMI"), "2026-11-14", cat="vital-signs",
          profile="us-core-bmi", value={"valueQuantity": code_only(33.0, "kg/m2")})
    return c.bundle()


def g02() -> dict[str, Any]:
    c = osa_chart("r8g02", "1978-09-09", "female")
    c.vital("29463-7", "Body weight", 100, "kg", "kg", "2026-11-15")
    c.vital("8302-2", "Body height", 170, "cm", "cm", "2026-11-15")
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("r8g03", "1979-10-10", "male")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")),
           onsetPeriod={"start": "2024-03", "end": "2024-04-15"})
    c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), None, cat="procedure",
          effectiveInstant="2026-10-05T06:12:00+00:00", value={"valueQuantity": qty(31, "events/h", "/h")})
    bmi(c, 35.0, "2026-11-16")
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("r8g04", "1963-04-04", "male")
    t2d(c)
    hba1c(c, 8.3, "2026-11-10")
    statement_end_only(c, METFORMIN, "2026-11-01")
    return c.bundle()


def g05() -> dict[str, Any]:
    c = Chart("r8g05", "1964-05-05", "female")
    t2d(c)
    hba1c(c, 8.1, "2026-11-11")
    r = c.request(None, concept=METFORMIN, authored="2026-01-01", dose=(500, "mg"),
                  dispenseRequest={"validityPeriod": {"start": "2026-03-01", "end": "2027-02-28"},
                                   "numberOfRepeatsAllowed": 11, "quantity": qty(60, "tablet", "{tbl}")})
    del r["authoredOn"]
    return c.bundle()


def g06() -> dict[str, Any]:
    c = Chart("r8g06", "1965-06-06", "male")
    t2d(c)
    hba1c(c, 8.6, "2026-11-12")
    c.statement(METFORMIN, status="stopped", start="2024-02-01", end="2024-05-10",
                reason=cc((SNOMED, "62315008", "Diarrhea"),
                          text="Stopped metformin: persistent diarrhea and GI intolerance despite ER formulation"))
    return c.bundle()


def g07() -> dict[str, Any]:
    c = Chart("r8g07", "1966-07-07", "female")
    t2d(c)
    hba1c(c, 8.8, "2026-11-13")
    c.request(None, concept=METFORMIN, authored="2026", dose=(500, "mg"))
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("r8g08", "1967-08-08", "male")
    t2d(c, onsetRange={"low": {"value": 45, "unit": "years", "system": UCUM, "code": "a"},
                       "high": {"value": 50, "unit": "years", "system": UCUM, "code": "a"}})
    hba1c(c, 7.9, "2026-11-14")
    c.request(None, concept=METFORMIN, authored="2026-02-01", dose=(1000, "mg"))
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("r8g09", "1968-09-09", "female")
    bmi(c, 28.0, "2026-11-15")
    c.cond(cc((ICD10, "I21.09", "ST elevation (STEMI) myocardial infarction involving other coronary artery of anterior wall"),
              text="Anterior STEMI"), clinical="resolved", onsetDateTime="2015-04-02", abatementDateTime="2015-05-01")
    return c.bundle()


def g10() -> dict[str, Any]:
    c = Chart("r8g10", "1969-10-10", "male")
    del c.res[0]["birthDate"]
    c.res[0]["_birthDate"] = {"extension": [{"url": DAR_EXT, "valueCode": "unknown"}]}
    bmi(c, 33.0, "2026-11-16")
    lifestyle(c)
    return c.bundle()


def g11() -> dict[str, Any]:
    c = Chart("r8g11", "1970-11-11", "female")
    bmi(c, 28.0, "2026-11-17")
    no_clinical_status(c.cond(cc((ICD10, "I10", "Essential (primary) hypertension")), abatementDateTime="2024-02-01"))
    lifestyle(c)
    return c.bundle()


def g12() -> dict[str, Any]:
    c = Chart("r8g12", "1971-12-12", "male")
    t2d(c)
    hba1c(c, 8.0, "2026-11-18")
    c.request(None, concept=METFORMIN, authored="2026-01-06", dose=(1000, "mg"))
    return pas_bundle(c, cc((NDC, "0002-1506-80", "Mounjaro 2.5 mg/0.5 mL single-dose pen"),
                            text="Mounjaro 2.5 mg/0.5 mL pen"), [("E11.9", "Type 2 diabetes mellitus without complications")])


def g13() -> dict[str, Any]:
    c = osa_chart("r8g13", "1972-01-13", "female")
    bmi(c, 1.0e15, "2026-11-19")
    return c.bundle()


def g14() -> dict[str, Any]:
    c = osa_chart("r8g14", "1973-02-14", "male")
    bmi(c, -33.0, "2026-11-20")
    return c.bundle()


def g15() -> dict[str, Any]:
    c = Chart("r8g15", "1974-03-15", "female")
    bmi(c, 34.0, "2026-11-21")
    lifestyle(c)
    c.cond(cc((ICD10, "O99.211", "Obesity complicating pregnancy, first trimester"), (SNOMED, "77386006", "Pregnancy"),
              text="Pregnancy, first trimester"), category="encounter-diagnosis", onsetDateTime="2026-10-20")
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# MDS anemia (Reblozyl unless named): D46.1, EPO 210, RS 20 %, del(5q) not detected, IPSS-R Low
def m01() -> dict[str, Any]:
    c = Chart("r8m01", "1948-01-01", "male")
    rs_dx(c)
    hgb_q(c, qty(8.0, "g/dl", "g/dl"))
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("r8m02", "1947-02-02", "female")
    rs_dx(c)
    hgb_q(c, code_only(8.2, "g/dL"))
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m03() -> dict[str, Any]:
    c = Chart("r8m03", "1946-03-03", "male")
    rs_dx(c)
    hgb(c, 8.4)
    mds_common(c, dates=())
    for start, end in (("2026-10-20T09:00:00-06:00", "2026-10-20T11:30:00-06:00"),
                       ("2026-11-08T13:10:00-06:00", "2026-11-08T15:00:00-06:00"),
                       ("2026-11-27T08:00:00-06:00", "2026-11-27T10:20:00-06:00")):
        transfusion_period(c, start, end)
    med_list(c, [])
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("r8m04", "1945-04-04", "female")
    rs_dx(c)
    hgb(c, 8.1)
    mds_common(c, dates=("2026-11-20",))
    b_entry_dup = c.transfusion("2026-10-20")  # written twice below (same fullUrl, same content)
    med_list(c, [])
    b = c.bundle()
    i = next(n for n, e in enumerate(b["entry"]) if e["resource"] is b_entry_dup)
    b["entry"].insert(i + 1, copy.deepcopy(b["entry"][i]))
    return b


def m05() -> dict[str, Any]:
    c = Chart("r8m05", "1944-05-05", "male")
    rs_dx(c)
    hgb(c, 8.0)
    mds_common(c, dates=())
    b_dup = c.transfusion("2026-11-20")
    med_list(c, [])
    b = c.bundle()
    i = next(n for n, e in enumerate(b["entry"]) if e["resource"] is b_dup)
    b["entry"].insert(i + 1, copy.deepcopy(b["entry"][i]))
    return b


def m06() -> dict[str, Any]:
    c = Chart("r8m06", "1943-06-06", "female")
    rs_dx(c)
    hgb(c, 8.1)
    mds_common(c, dates=("2026-10-25",))
    t = c.transfusion("2026-01-01")
    t["performedDateTime"] = "2026-11"
    med_list(c, [])
    return c.bundle()


def m07() -> dict[str, Any]:
    c = Chart("r8m07", "1942-07-07", "male")
    rs_dx(c)
    hgb(c, 8.3)
    mds_common(c)
    for week in range(12):
        day = (dt.date(2026, 3, 3) + dt.timedelta(weeks=week)).isoformat()
        c.add({"resourceType": "MedicationAdministration", "status": "completed", "medicationCodeableConcept": EPOETIN,
               "subject": c.subject, "effectivePeriod": {"start": f"{day}T09:00:00-06:00", "end": f"{day}T09:05:00-06:00"},
               "dosage": {"text": "60,000 units subcutaneously", "dose": qty(60000, "U", "[iU]")}})
    c.statement(EPOETIN, status="stopped", start="2026-03-03", end="2026-05-26",
                reason=cc((SNOMED, "266721009", "Absent response to treatment"),
                          text="No erythroid response after 12 weeks of epoetin 60,000 units weekly"))
    return c.bundle()


def m08() -> dict[str, Any]:
    c = Chart("r8m08", "1944-08-08", "female")
    rs_dx(c)
    hgb(c, 8.2)
    mds_common(c)
    folic = {"resourceType": "MedicationStatement", "id": "ms-folic", "status": "active",
             "medicationCodeableConcept": FOLIC, "subject": c.subject, "effectivePeriod": {"start": "2025-06-01"}}
    lst = med_list(c, [])
    del lst["emptyReason"]
    lst["contained"] = [folic]
    lst["entry"] = [{"item": {"reference": "#ms-folic"}}]
    return c.bundle()


def m09() -> dict[str, Any]:
    c = Chart("r8m09", "1946-09-09", "male")
    rs_dx(c)
    c.obs(HGB_CODE, "2026-11-30", interpretation=[cc((INTERP, "LL", "Critical low"))],
          note=[{"text": "Critically low hemoglobin, called to Dr. Rivera"}])
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m10() -> dict[str, Any]:
    c = Chart("r8m10", "1947-10-10", "female")
    mds9(c)
    hgb_q(c, qty(-8.6, "g/dL", "g/dL"))
    mds_common(c, rs=None, epo_value=150, dates=("2026-09-20", "2026-11-10"))
    med_list(c, [])
    return c.bundle()


def m11() -> dict[str, Any]:
    c = Chart("r8m11", "1948-11-11", "male")
    rs_dx(c)
    hgb(c, 8.0)
    c.lab("15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma", 4.0e12, "mIU/mL", "m[IU]/mL", "2026-10-01")
    mds_common(c, epo_value=None)
    med_list(c, [])
    return c.bundle()


def m12() -> dict[str, Any]:
    c = Chart("r8m12", "1949-12-12", "female")
    mds9(c, category="encounter-diagnosis", onsetPeriod={"start": "2026-08", "end": "2026-09-12"})
    hgb(c, 8.6)
    mds_common(c, rs=None, epo_value=150, dates=("2026-09-20", "2026-11-10"))
    med_list(c, [])
    return c.bundle()


def m13() -> dict[str, Any]:
    c = Chart("r8m13", "1950-01-14", "male")
    rs_dx(c)
    hgb(c, 8.3)
    mds_common(c)
    med_list(c, [])
    b = c.bundle("transaction")
    for e in b["entry"]:
        e["request"] = {"method": "POST", "url": e["resource"]["resourceType"]}
    b["entry"].append({"request": {"method": "DELETE", "url": "Procedure/transfusion-entered-in-error-3"}})
    return b


def m14() -> dict[str, Any]:
    c = Chart("r8m14", "1951-02-15", "female")
    rs_dx(c)
    hgb(c, 8.0)
    mds_common(c, epo_value=240)
    c.request(None, concept=EPOETIN, status="stopped", authored="2026-03-01",
              statusReason=cc((SNOMED, "266721009", "Absent response to treatment"),
                              text="No response after 10 weeks at 60,000 units weekly"))
    return c.bundle()


def m15() -> dict[str, Any]:
    c = Chart("r8m15", "1952-03-16", "male")
    rs_dx(c)
    h = hgb(c, 8.4)
    h["subject"] = {"identifier": {"system": EPIC_MRN, "value": c.res[0]["identifier"][0]["value"]}}
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m16() -> dict[str, Any]:
    c = Chart("r8m16", "1953-04-17", "female")
    mds9(c)
    hgb(c, 8.7)
    mds_common(c, rs=None, epo_value=150, dates=())
    transfusion_period(c, "2026-09-20T09:00:00-05:00", "2026-09-20T12:00:00-05:00")
    transfusion_period(c, "2026-11-10T22:30:00-06:00", "2026-11-11T01:15:00-06:00")
    med_list(c, [])
    return c.bundle()


BUILDERS = {
    "r8-l01-repatha-ldl-component-of-other-panel": l01, "r8-l02-repatha-ldl-code-no-unit": l02,
    "r8-l03-repatha-ldl-mmol-per-l": l03, "r8-l04-repatha-ldl-mg-per-dl-lowercase": l04,
    "r8-l05-repatha-ldl-effective-instant": l05, "r8-l06-repatha-ldl-effective-timing": l06,
    "r8-l07-repatha-mi-onset-range": l07, "r8-l08-repatha-mi-abated-no-clinical-status": l08,
    "r8-l09-repatha-nstemi-confirmed-resolved-2018": l09, "r8-l10-repatha-statin-period-end-only": l10,
    "r8-l11-repatha-statin-stopped-rhabdo-snomed": l11, "r8-l12-repatha-rosuvastatin-dose-range": l12,
    "r8-l13-repatha-statin-authored-year": l13, "r8-l14-repatha-statin-since-month-inside": l14,
    "r8-l15-repatha-statin-since-month-straddles": l15, "r8-l16-repatha-ldl-month-inside": l16,
    "r8-l17-repatha-ldl-negative": l17, "r8-l18-repatha-ldl-huge": l18,
    "r8-l19-repatha-ldl-interpretation-only": l19, "r8-l20-repatha-statin-reference-identifier-only": l20,
    "r8-l21-repatha-pas-ndc": l21, "r8-l22-repatha-patient-duplicate-fullurl": l22,
    "r8-l23-repatha-transaction-delete-entries": l23,
    "r8-g01-zepbound-bmi-code-no-unit": g01, "r8-g02-zepbound-weight-height-metric": g02,
    "r8-g03-zepbound-osa-onset-period-ahi-instant": g03, "r8-g04-ozempic-metformin-period-end-only": g04,
    "r8-g05-ozempic-metformin-validity-no-authored": g05, "r8-g06-ozempic-metformin-stopped-gi-snomed": g06,
    "r8-g07-ozempic-metformin-authored-year": g07, "r8-g08-ozempic-t2d-onset-range": g08,
    "r8-g09-wegovy-stemi-2015-resolved": g09, "r8-g10-wegovy-birthdate-data-absent": g10,
    "r8-g11-wegovy-hypertension-abated-no-clinical-status": g11, "r8-g12-mounjaro-pas-ndc": g12,
    "r8-g13-zepbound-bmi-huge": g13, "r8-g14-zepbound-bmi-negative": g14,
    "r8-g15-wegovy-pregnancy-encounter-diagnosis": g15,
    "r8-m01-reblozyl-hgb-g-per-dl-lowercase": m01, "r8-m02-reblozyl-hgb-code-no-unit": m02,
    "r8-m03-reblozyl-transfusions-performed-period": m03, "r8-m04-reblozyl-transfusion-duplicate-fullurl": m04,
    "r8-m05-reblozyl-single-transfusion-duplicated": m05, "r8-m06-reblozyl-transfusion-month-inside": m06,
    "r8-m07-reblozyl-esa-administrations-effective-period": m07, "r8-m08-reblozyl-contained-medication-list": m08,
    "r8-m09-reblozyl-hgb-interpretation-only": m09, "r8-m10-procrit-hgb-negative": m10,
    "r8-m11-reblozyl-epo-huge": m11, "r8-m12-procrit-mds-onset-period-encounter-dx": m12,
    "r8-m13-reblozyl-transaction-delete-entry": m13, "r8-m14-reblozyl-esa-order-stopped-snomed-no-end": m14,
    "r8-m15-reblozyl-hgb-subject-identifier": m15, "r8-m16-procrit-transfusions-period-overnight": m16,
}

if __name__ == "__main__":
    write(BUILDERS, HERE)
