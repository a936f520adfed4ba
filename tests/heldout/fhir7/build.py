"""Write the seventh held-out FHIR set: ``python tests/heldout/fhir7/build.py``.

Written 2026-12-07 (13:52-13:57 UTC) by the helper fhir7 before any rule was changed for it and before mednec
was run on it. The chart toolkit is ``tests/heldout/fhir_chart.py``; the fifth and sixth sets' building blocks are
imported. Expected answers, reasoned from the policy YAMLs in src/mednec/packs/, the fact dictionary, the decisions
files and the FHIR R4 / US Core / CDS Hooks 2.0 / Da Vinci DTR specs (never from mednec's output), are in
``expected.yaml``; items marked ``generated`` there are built in memory by the runner (too large to keep as files).

Shapes earlier rounds did not cover: several results for one specimen (a final result then a ``corrected`` or
``amended`` one with the same effective time and a later ``issued``; a newer ``preliminary`` or ``cancelled``
result beside an older final one); bounded values (``>``, ``>=``, ``<``) that decide a threshold with a date the
recency window reads; ``referenceRange`` and ``interpretation`` beside the value; partial dates (``YYYY``,
``YYYY-MM``) on results, transfusions, statement periods and orders, inside and straddling a window;
MedicationRequest ``doseAndRate.doseRange``, ``courseOfTherapyType``, ``dispenseRequest.validityPeriod`` and
``status: completed``; Condition ``verificationStatus`` provisional / differential, ``evidence``, partial onset;
Provenance, Goal, US Core smoking status beside the record; Bundle types ``document`` (Composition first) and
``transaction`` (``request`` entries, urn:uuid references); an R5-shaped MedicationStatement in an R4 Bundle; CDS
Hooks prefetch whose value is an OperationOutcome (a failed prefetch query, CDS Hooks 2.0 §prefetch); a payer's own
DTR QuestionnaireResponse (its own linkIds) that answers unambiguously, ambiguously, or states an exclusion;
inputs to refuse cleanly (``entry`` not an array, too many entries, nesting too deep).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root, for the shared toolkit
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import ICD10, LOINC, RXNORM, SNOMED  # noqa: E402
from tests.heldout.fhir5.build import (  # noqa: E402
    INTERP,
    METFORMIN,
    as_searchset,
    atorva80,
    del5q_fish,
    epo,
    hgb,
    ipss_r,
    med_list,
    operation_outcome,
    rs_pct,
    transfusions,
)
from tests.heldout.fhir6.build import LDL_DIRECT, MOUNJARO, REBLOZYL, REPATHA, draft, qr  # noqa: E402
from tests.heldout.fhir_chart import (  # noqa: E402
    Chart,
    bmi,
    cc,
    cds_request,
    hba1c,
    ldl,
    old_mi,
    qty,
    revlimid_chart,
    t2d,
    text_cc,
    write,
)

ATORVA_ANY = cc((RXNORM, "83367", "atorvastatin"), text="atorvastatin (LIPITOR) tablet")
ATORVA80 = cc((RXNORM, "259255", "atorvastatin 80 MG Oral Tablet"), text="atorvastatin 80 mg tablet")
RX_TYPE = "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy"
PROV_ACT = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
PAYER_Q = "https://payer.example/fhir/Questionnaire/glp1-weight-pa|4.0"
MEDNEC_Q = "http://mednec.example/fhir/Questionnaire/semaglutide-wegovy|2026.12.3"
YES = ("http://terminology.hl7.org/CodeSystem/v2-0136", "Y", "Yes")


# ---------------------------------------------------------------------------------------------------
# building blocks
def ldl_at(c: Chart, value: float | None, when: str, *, status: str = "final", issued: str, **kw: Any) -> dict[str, Any]:
    """An LDL-C result with its specimen time and its own issued instant (one specimen may be reported twice)."""
    return ldl(c, value, None, effectiveDateTime=when, status=status, issued=issued, **kw)


def hgb_at(c: Chart, value: float, when: str, *, status: str = "final", issued: str, **kw: Any) -> dict[str, Any]:
    code = cc((LOINC, "718-7", "Hemoglobin [Mass/volume] in Blood"), text="Hemoglobin")
    return c.obs(code, when, value={"valueQuantity": qty(value, "g/dL", "g/dL")}, status=status, issued=issued, **kw)


def ldl_cmp(c: Chart, comparator: str, value: float, when: str) -> dict[str, Any]:
    q = {**qty(value, "mg/dL", "mg/dL"), "comparator": comparator}
    return c.obs(cc((LOINC, *LDL_DIRECT), text="LDL Cholesterol, direct"), when, value={"valueQuantity": q})


def ldl_partial(c: Chart, value: float, when: str) -> dict[str, Any]:
    """An LDL-C whose effectiveDateTime is a partial date (YYYY or YYYY-MM, both valid R4 dateTimes)."""
    return ldl(c, value, when)


def statement_partial(c: Chart, concept: dict[str, Any], *, status: str, start: str | None = None,
                      end: str | None = None) -> dict[str, Any]:
    return c.statement(concept, status=status, start=start, end=end)


def range_request(c: Chart, concept: dict[str, Any], low: float, high: float, authored: str) -> dict[str, Any]:
    """An order whose dose is a range (doseAndRate.doseRange), as titration orders are written."""
    r = c.request(None, concept=concept, authored=authored)
    r["dosageInstruction"] = [{
        "text": f"Take {low:g}-{high:g} mg by mouth once daily as directed",
        "timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        "doseAndRate": [{"type": cc(("http://terminology.hl7.org/CodeSystem/dose-rate-type", "ordered", "Ordered")),
                         "doseRange": {"low": qty(low, "mg", "mg"), "high": qty(high, "mg", "mg")}}]}]
    r["courseOfTherapyType"] = cc((RX_TYPE, "continuous", "Continuous long term therapy"))
    return r


def provenance(c: Chart, targets: list[dict[str, Any]]) -> dict[str, Any]:
    return c.add({"resourceType": "Provenance", "target": [{"reference": c.ref(t)} for t in targets],
                  "recorded": "2026-11-20T18:05:00Z",
                  "activity": cc((PROV_ACT, "CREATE", "create")),
                  "agent": [{"type": cc(("http://terminology.hl7.org/CodeSystem/provenance-participant-type", "author",
                                         "Author")),
                             "who": {"reference": "Organization/lab-1", "display": "Quest Diagnostics"}}]})


def as_document(c: Chart, title: str) -> dict[str, Any]:
    """A FHIR document: Composition first, its sections referencing the record's resources (IPS / C-CDA on FHIR)."""
    sections: dict[str, list[dict[str, Any]]] = {}
    for r in c.res[1:]:
        sections.setdefault(r["resourceType"], []).append({"reference": c.ref(r)})
    comp = {"resourceType": "Composition", "id": f"doc-{c.pid}", "status": "final",
            "type": cc((LOINC, "34133-9", "Summarization of episode note")), "subject": c.subject,
            "date": "2026-12-05T17:00:00Z", "author": [{"reference": "Practitioner/prac-77", "display": "Dr. Ana Rivera"}],
            "title": title,
            "section": [{"title": k, "text": {"status": "generated", "div": f"<div xmlns=\"http://www.w3.org/1999/xhtml\">{k}</div>"},
                         "entry": v} for k, v in sections.items()]}
    prac = {"resourceType": "Practitioner", "id": "prac-77", "name": [{"family": "Rivera", "given": ["Ana"]}]}
    b = c.bundle("document")
    b["identifier"] = {"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:0c3151bd-1cbf-4d64-b04d-{c.pid}"}
    b["entry"] = [{"fullUrl": c.url(comp), "resource": comp}, *b["entry"],
                  {"fullUrl": c.url(prac), "resource": prac}]
    return b


def as_transaction(c: Chart) -> dict[str, Any]:
    """A transaction Bundle as an EHR pushes a record: urn:uuid fullUrls, POST requests (the Patient a conditional PUT)."""
    b = c.bundle("transaction")
    for i, e in enumerate(b["entry"]):
        rt = e["resource"]["resourceType"]
        e["request"] = ({"method": "PUT", "url": f"Patient?identifier={e['resource']['identifier'][0]['value']}"}
                        if i == 0 else {"method": "POST", "url": rt})
    return b


def payer_qr(c: Chart, items: list[dict[str, Any]]) -> dict[str, Any]:
    return qr(c, items, questionnaire=PAYER_Q)


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


def procedure_partial(c: Chart, when: str) -> dict[str, Any]:
    r = c.transfusion("2026-01-01")
    r["performedDateTime"] = when
    return r


def failed_prefetch(text: str) -> dict[str, Any]:
    return operation_outcome("error", "exception", text)


# ---------------------------------------------------------------------------------------------------
# LDL-lowering
def ldl_base(pid: str, birth: str, sex: str, **kw: Any) -> Chart:
    c = Chart(pid, birth, sex, **kw)
    old_mi(c)
    return c


def l01() -> dict[str, Any]:
    c = ldl_base("r7l01", "1957-01-11", "male")
    ldl_cmp(c, ">", 190, "2026-11-15")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l02() -> dict[str, Any]:
    c = ldl_base("r7l02", "1958-02-12", "female")
    ldl_cmp(c, ">=", 70, "2026-11-16")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l03() -> dict[str, Any]:
    c = ldl_base("r7l03", "1959-03-13", "male")
    ldl_at(c, 62, "2026-11-18T08:10:00-05:00", issued="2026-11-18T15:00:00Z")
    ldl_at(c, 88, "2026-11-18T08:10:00-05:00", status="corrected", issued="2026-11-19T10:30:00Z",
           note=[{"text": "CORRECTED RESULT: previously reported as 62 mg/dL (transcription error)"}])
    atorva80(c, "2025-05-05")
    return c.bundle()


def l04() -> dict[str, Any]:
    c = ldl_base("r7l04", "1960-04-14", "female")
    ldl_at(c, 110, "2026-11-17T07:45:00-06:00", issued="2026-11-17T16:00:00Z")
    ldl_at(c, 58, "2026-11-17T07:45:00-06:00", status="amended", issued="2026-11-18T09:00:00Z",
           note=[{"text": "Amended: specimen re-run after lipemia clearance"}])
    atorva80(c, "2025-05-05")
    return c.bundle()


def l05() -> dict[str, Any]:
    c = ldl_base("r7l05", "1961-05-15", "male")
    ldl_at(c, 95, "2026-11-01T08:00:00-05:00", issued="2026-11-01T17:00:00Z")
    ldl_at(c, 64, "2026-11-25T08:00:00-05:00", status="preliminary", issued="2026-11-25T12:00:00Z")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l06() -> dict[str, Any]:
    c = ldl_base("r7l06", "1962-06-16", "female")
    ldl_at(c, 101, "2026-09-10T08:00:00-05:00", issued="2026-09-10T17:00:00Z")
    c.obs(cc((LOINC, *LDL_DIRECT), text="LDL Cholesterol, direct"), "2026-11-28", status="cancelled",
          dataAbsentReason=cc(("http://terminology.hl7.org/CodeSystem/data-absent-reason", "not-performed", "Not Performed")),
          note=[{"text": "Specimen hemolyzed - test cancelled, please redraw"}])
    atorva80(c, "2025-05-05")
    return c.bundle()


def l07() -> dict[str, Any]:
    c = ldl_base("r7l07", "1963-07-17", "male")
    ldl_partial(c, 100, "2026-09")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l08() -> dict[str, Any]:
    c = ldl_base("r7l08", "1964-08-18", "female")
    ldl_partial(c, 100, "2026-08")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l09() -> dict[str, Any]:
    c = ldl_base("r7l09", "1955-09-19", "male")
    ldl(c, 104, "2026-11-12")
    statement_partial(c, ATORVA80, status="active", start="2025")
    return c.bundle()


def l10() -> dict[str, Any]:
    c = ldl_base("r7l10", "1956-10-20", "female")
    ldl(c, 112, "2026-11-13")
    range_request(c, ATORVA_ANY, 40, 80, "2025-08-01")
    return c.bundle()


def l11() -> dict[str, Any]:
    c = ldl_base("r7l11", "1957-11-21", "male")
    ldl(c, 118, "2026-11-14")
    range_request(c, ATORVA_ANY, 10, 20, "2025-08-01")
    return c.bundle()


def l12() -> dict[str, Any]:
    c = ldl_base("r7l12", "1958-12-22", "female")
    ldl(c, 126, "2026-11-15")
    c.request(None, concept=ATORVA80, status="completed", authored="2025-01-02", dose=(80, "mg"),
              courseOfTherapyType=cc((RX_TYPE, "continuous", "Continuous long term therapy")),
              dispenseRequest={"validityPeriod": {"start": "2025-01-02", "end": "2026-01-01"},
                               "numberOfRepeatsAllowed": 3, "quantity": qty(90, "tablet", "{tbl}"),
                               "expectedSupplyDuration": qty(90, "day", "d")})
    return c.bundle()


def l13() -> dict[str, Any]:
    c = Chart("r7l13", "1959-01-23", "male")
    old_mi(c, verificationStatus=cc(("http://terminology.hl7.org/CodeSystem/condition-ver-status", "provisional",
                                     "Provisional")))
    ldl(c, 120, "2026-11-16")
    atorva80(c, "2025-05-05")
    return c.bundle()


def l14() -> dict[str, Any]:
    c = Chart("r7l14", "1960-02-24", "female")
    trop = c.lab("10839-9", "Troponin I.cardiac [Mass/volume] in Serum or Plasma", 4.2, "ng/mL", "ng/mL", "2019-03-02")
    old_mi(c, onsetDateTime="2019", evidence=[{"code": [cc((SNOMED, "233843008", "Silent myocardial infarction"))],
                                               "detail": [{"reference": c.ref(trop)}]}])
    result = ldl(c, 99, "2026-11-17")
    atorva80(c, "2025-05-05")
    provenance(c, [result])
    c.add({"resourceType": "Goal", "lifecycleStatus": "active", "description": text_cc("LDL-C below 55 mg/dL"),
           "subject": c.subject, "target": [{"measure": cc((LOINC, *LDL_DIRECT)),
                                             "detailQuantity": {**qty(55, "mg/dL", "mg/dL"), "comparator": "<"}}]})
    return c.bundle()


def l15() -> dict[str, Any]:
    c = ldl_base("r7l15", "1961-03-25", "male")
    ldl(c, 131, "2026-11-18")
    atorva80(c, "2025-04-04")
    return as_document(c, "Cardiology consult summary")


def l16() -> dict[str, Any]:
    c = ldl_base("r7l16", "1962-04-26", "female", ref_style="urn")
    ldl(c, 97, "2026-11-19")
    atorva80(c, "2025-04-04")
    return as_transaction(c)


def l17() -> dict[str, Any]:
    c = ldl_base("r7l17", "1963-05-27", "male")
    ldl(c, 121, "2026-11-20")
    r5 = {"resourceType": "MedicationStatement", "status": "recorded", "subject": c.subject,
          "medication": {"concept": ATORVA80}, "effectivePeriod": {"start": "2025-02-01"},
          "adherence": {"code": cc(("http://hl7.org/fhir/CodeSystem/medication-statement-adherence", "taking", "Taking"))}}
    c.add(r5)
    return c.bundle()


def l18() -> dict[str, Any]:
    c = ldl_base("r7l18", "1964-06-28", "female")
    ldl(c, 122, "2026-11-21")
    atorva80(c, "2025-02-02")
    req = cds_request(c, "order-sign", draft("r7l18", *REPATHA), {"conditions": ["Condition"], "observations": ["Observation"]})
    req["prefetch"]["medications"] = failed_prefetch("MedicationRequest query failed: upstream timeout")
    return req


def l19() -> dict[str, Any]:
    c = ldl_base("r7l19", "1965-07-29", "male")
    ldl(c, 135, "2026-11-22", referenceRange=[{"high": qty(100, "mg/dL", "mg/dL"), "text": "<100 mg/dL"}],
        interpretation=[cc((INTERP, "H", "High"))])
    atorva80(c, "2025-02-02")
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# GLP-1 / GIP
def g01() -> dict[str, Any]:
    c = Chart("r7g01", "1980-01-01", "female")
    bmi(c, 33.0, "2026-11-20")
    payer_qr(c, [{"linkId": "3.1", "text": "Has the patient participated in a reduced-calorie diet and increased "
                                          "physical activity program for at least 3 months?",
                  "answer": [{"valueBoolean": True}]},
                 {"linkId": "3.2", "text": "Is the patient currently pregnant?", "answer": [{"valueBoolean": False}]}])
    return c.bundle()


def g02() -> dict[str, Any]:
    c = Chart("r7g02", "1981-02-02", "female")
    bmi(c, 34.0, "2026-11-21")
    payer_qr(c, [{"linkId": "LM-1", "text": "Lifestyle modification program?", "answer": [{"valueCoding": {
        "system": YES[0], "code": YES[1], "display": YES[2]}}]}])
    return c.bundle()


def g03() -> dict[str, Any]:
    c = Chart("r7g03", "1982-03-03", "female")
    bmi(c, 34.0, "2026-11-22")
    qr(c, [{"linkId": "lifestyle_program_months", "text": "Months of a documented lifestyle programme",
            "answer": [{"valueInteger": 6}]}], questionnaire=MEDNEC_Q)
    payer_qr(c, [{"linkId": "7", "text": "Is the patient currently pregnant?", "answer": [{"valueBoolean": True}]}])
    return c.bundle()


def g04() -> dict[str, Any]:
    c = Chart("r7g04", "1963-04-04", "male")
    t2d(c)
    hba1c(c, 8.3, "2026-11-10")
    statement_partial(c, METFORMIN, status="completed", start="2025-01", end="2026-09")
    return c.bundle()


def g05() -> dict[str, Any]:
    c = Chart("r7g05", "1964-05-05", "female")
    t2d(c)
    hba1c(c, 8.1, "2026-11-11")
    statement_partial(c, METFORMIN, status="completed", start="2025-01", end="2026-10")
    return c.bundle()


def g06() -> dict[str, Any]:
    c = Chart("r7g06", "1965-06-06", "male")
    t2d(c)
    hba1c(c, 8.6, "2026-11-12")
    c.request(None, concept=METFORMIN, authored="2026-11", dose=(500, "mg"))
    return c.bundle()


def g07() -> dict[str, Any]:
    c = Chart("r7g07", "1966-07-07", "female")
    t2d(c)
    hba1c(c, 8.8, "2026-11-13")
    r = c.request(None, concept=METFORMIN, authored="2026-03-01",
                  courseOfTherapyType=cc((RX_TYPE, "continuous", "Continuous long term therapy")),
                  dispenseRequest={"validityPeriod": {"start": "2026-03-01", "end": "2027-02-28"},
                                   "numberOfRepeatsAllowed": 11, "quantity": qty(60, "tablet", "{tbl}"),
                                   "expectedSupplyDuration": qty(30, "day", "d")})
    r["dosageInstruction"] = [{"text": "500 mg by mouth twice daily with meals",
                               "timing": {"repeat": {"frequency": 2, "period": 1, "periodUnit": "d", "when": ["C"]}},
                               "route": cc((SNOMED, "26643006", "Oral route")),
                               "doseAndRate": [{"doseQuantity": qty(500, "mg", "mg")}]}]
    return c.bundle()


def g08() -> dict[str, Any]:
    c = Chart("r7g08", "1977-08-08", "male")
    bmi(c, 33.0, "2026-11-14")
    c.cond(cc((ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")))
    c.obs(cc((LOINC, "69990-0", "Apnea hypopnea index 24 hour"), text="AHI"), "2026-10-05",
          value={"valueInteger": 22}, cat="procedure")
    return c.bundle()


def g09() -> dict[str, Any]:
    c = Chart("r7g09", "1968-09-09", "female")
    bmi(c, 28.0, "2026-11-15")
    old_mi(c, onsetDateTime="2019")
    c.obs(cc((LOINC, "72166-2", "Tobacco smoking status"), text="Smoking status"), "2026-11-15", cat="social-history",
          profile="us-core-smokingstatus", value={"valueCodeableConcept": cc((SNOMED, "8517006", "Ex-smoker"))})
    c.add({"resourceType": "Goal", "lifecycleStatus": "active", "description": text_cc("Lose 5% of body weight"),
           "subject": c.subject})
    return c.bundle()


def g10() -> dict[str, Any]:
    c = Chart("r7g10", "1969-10-10", "male")
    c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications")),
           verificationStatus=cc(("http://terminology.hl7.org/CodeSystem/condition-ver-status", "differential",
                                  "Differential")))
    hba1c(c, 6.6, "2026-11-16")
    c.request(None, concept=METFORMIN, authored="2026-06-01", dose=(500, "mg"))
    return c.bundle()


def g11() -> dict[str, Any]:
    c = Chart("r7g11", "1970-11-11", "female")
    t2d(c)
    hba1c(c, 8.4, "2026-11-17")
    c.request(None, concept=METFORMIN, authored="2026-01-05", dose=(1000, "mg"))
    return as_document(c, "Endocrinology visit summary")


def g12() -> dict[str, Any]:
    c = Chart("r7g12", "1971-12-12", "male", ref_style="urn")
    t2d(c)
    hba1c(c, 8.0, "2026-11-18")
    c.request(None, concept=METFORMIN, authored="2026-01-06", dose=(1000, "mg"))
    return as_transaction(c)


def g13() -> dict[str, Any]:
    c = Chart("r7g13", "1972-01-13", "female")
    t2d(c)
    hba1c(c, 8.2, "2026-11-19")
    c.request(None, concept=METFORMIN, authored="2026-01-07", dose=(1000, "mg"))
    req = cds_request(c, "order-select", draft("r7g13", *MOUNJARO),
                      {"conditions": ["Condition"], "observations": ["Observation"], "medications": ["MedicationRequest"]})
    req["prefetch"]["observations"] = failed_prefetch("Observation query failed")
    return req


# ---------------------------------------------------------------------------------------------------
# MDS anemia
def m01() -> dict[str, Any]:
    c = Chart("r7m01", "1948-01-01", "male")
    rs_dx(c)
    hgb_at(c, 7.9, "2026-11-30T07:30:00-06:00", issued="2026-11-30T14:00:00Z")
    hgb_at(c, 11.9, "2026-11-30T07:30:00-06:00", status="corrected", issued="2026-12-01T09:00:00Z",
           note=[{"text": "Corrected report: specimen mislabeled, value of 7.9 belonged to another patient"}])
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m02() -> dict[str, Any]:
    c = Chart("r7m02", "1947-02-02", "female")
    mds9(c)
    hgb_at(c, 9.2, "2026-11-29T08:00:00-05:00", issued="2026-11-29T15:00:00Z")
    hgb_at(c, 10.4, "2026-11-29T08:00:00-05:00", status="amended", issued="2026-11-30T08:00:00Z")
    mds_common(c, rs=None, epo_value=150, dates=("2026-09-20", "2026-11-10"))
    med_list(c, [])
    return c.bundle()


def m03() -> dict[str, Any]:
    c = Chart("r7m03", "1946-03-03", "male")
    rs_dx(c)
    hgb_at(c, 8.4, "2026-11-30T07:00:00-06:00", issued="2026-11-30T13:00:00Z")
    hgb_at(c, 12.0, "2026-12-02T07:00:00-06:00", status="preliminary", issued="2026-12-02T09:00:00Z")
    mds_common(c)
    med_list(c, [])
    return c.bundle()


def m04() -> dict[str, Any]:
    c = Chart("r7m04", "1945-04-04", "female")
    rs_dx(c)
    hgb(c, 8.2)
    c.obs(cc((LOINC, "15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma"), text="EPO"), "2026-10-01",
          value={"valueQuantity": {**qty(50, "mIU/mL", "m[IU]/mL"), "comparator": "<"}})
    mds_common(c, epo_value=None)
    med_list(c, [])
    return c.bundle()


def m05() -> dict[str, Any]:
    c = Chart("r7m05", "1944-05-05", "male")
    rs_dx(c)
    hgb(c, 8.0)
    mds_common(c, dates=("2026-10-20",))
    procedure_partial(c, "2026-11")
    procedure_partial(c, "2026-11")
    med_list(c, [])
    return c.bundle()


def m06() -> dict[str, Any]:
    c = Chart("r7m06", "1943-06-06", "female")
    rs_dx(c)
    hgb(c, 8.1)
    mds_common(c, dates=("2026-11-20",))
    procedure_partial(c, "2026-10")
    med_list(c, [])
    return c.bundle()


def m07() -> dict[str, Any]:
    c = Chart("r7m07", "1942-07-07", "male")
    mds9(c, verificationStatus=cc(("http://terminology.hl7.org/CodeSystem/condition-ver-status", "provisional",
                                   "Provisional")))
    hgb(c, 8.5)
    mds_common(c, rs=None, epo_value=180, dates=("2026-09-25", "2026-11-12"))
    med_list(c, [])
    return c.bundle()


def m08() -> dict[str, Any]:
    c = Chart("r7m08", "1944-08-08", "female")
    marrow = c.add({"resourceType": "DiagnosticReport", "status": "final", "subject": c.subject,
                    "code": cc((LOINC, "33721-2", "Bone marrow Pathology biopsy report")), "effectiveDateTime": "2026-09-12",
                    "conclusion": "Myelodysplastic syndrome with single lineage dysplasia; blasts 2%"})
    mds9(c, evidence=[{"detail": [{"reference": c.ref(marrow)}]}], onsetDateTime="2026-09")
    enc = c.add({"resourceType": "Encounter", "status": "finished",
                 "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB", "display": "ambulatory"},
                 "subject": c.subject, "period": {"start": "2026-11-30T09:00:00-06:00"}})
    h = hgb(c, 8.5, encounter={"reference": c.ref(enc)})
    mds_common(c, rs=None, epo_value=180, dates=("2026-09-25", "2026-11-12"))
    provenance(c, [h])
    med_list(c, [])
    return c.bundle()


def m09() -> dict[str, Any]:
    c = Chart("r7m09", "1946-09-09", "male")
    rs_dx(c)
    hgb(c, 8.0)
    mds_common(c, epo_value=240)
    c.request(None, concept=cc((RXNORM, "205913", "epoetin alfa 40000 UNT/ML Injectable Solution [Procrit]"),
                               text="Procrit 40,000 units/mL"),
              status="stopped", authored="2026-03-01",
              statusReason=text_cc("No response after 12 weeks at 60,000 units weekly: Hb rise < 1 g/dL, "
                                   "transfusion need unchanged"))
    return c.bundle()


def m10() -> dict[str, Any]:
    c = Chart("r7m10", "1947-10-10", "female")
    rs_dx(c)
    hgb(c, 8.0)
    mds_common(c)
    med_list(c, [])
    req = cds_request(c, "order-select", draft("r7m10", *REBLOZYL),
                      {"conditions": ["Condition"], "observations": ["Observation"], "medications": ["List"]})
    req["prefetch"]["procedures"] = failed_prefetch("Procedure query failed: 503 from the data source")
    return req


def m11() -> dict[str, Any]:
    c = Chart("r7m11", "1948-11-11", "male")
    mds9(c)
    hgb(c, 8.6)
    mds_common(c, rs=None, epo_value=150, dates=("2026-09-20", "2026-11-10"))
    med_list(c, [])
    return as_document(c, "Hematology consult")


def m12() -> dict[str, Any]:
    c = revlimid_chart("r7m12", (165, "10*3/uL", "10*3/uL"))
    return as_transaction(c)


def m13() -> dict[str, Any]:
    c = Chart("r7m13", "1949-12-12", "female")
    rs_dx(c)
    hgb(c, 8.0)
    epo(c, 210)
    rs_pct(c, 20)
    del5q_fish(c, False)
    ipss_r(c, "Low")
    med_list(c, [])
    return as_searchset(c, outcomes=[operation_outcome("error", "timeout", "Procedure search timed out; no procedures returned")])


def m14() -> dict[str, Any]:
    c = Chart("r7m14", "1950-01-14", "male")
    rs_dx(c)
    hgb(c, 8.3, referenceRange=[{"low": qty(13.5, "g/dL", "g/dL"), "high": qty(17.5, "g/dL", "g/dL")}],
        interpretation=[cc((INTERP, "LL", "Critical low"))])
    epo(c, 480, referenceRange=[{"low": qty(4, "mIU/mL", "m[IU]/mL"), "high": qty(27, "mIU/mL", "m[IU]/mL")}],
        interpretation=[cc((INTERP, "H", "High"))])
    mds_common(c, epo_value=None)
    med_list(c, [])
    return c.bundle()


# ---------------------------------------------------------------------------------------------------
# inputs to refuse
def e01() -> dict[str, Any]:
    c = Chart("r7e01", "1960-01-01", "female")
    bmi(c, 31.0, "2026-11-20")
    b = c.bundle()
    b["entry"] = {"resource": b["entry"][1]["resource"]}
    return b


def e02() -> dict[str, Any]:
    c = Chart("r7e02", "1960-02-02", "male")
    old_mi(c)
    for i in range(20_001):
        c.add({"resourceType": "Observation", "id": f"o{i}", "status": "final",
               "code": cc((LOINC, "8867-4", "Heart rate")), "subject": c.subject,
               "effectiveDateTime": "2026-11-01", "valueQuantity": qty(70, "/min", "/min")})
    return c.bundle()


def e03() -> dict[str, Any]:
    c = Chart("r7e03", "1960-03-03", "female")
    bmi(c, 31.0, "2026-11-20")
    b = c.bundle()
    deep: dict[str, Any] = {"url": "http://example.org/leaf", "valueString": "x"}
    for _ in range(5_000):
        deep = {"url": "http://example.org/nest", "extension": [deep]}
    b["entry"][1]["resource"]["extension"] = [deep]
    return b


BUILDERS = {
    "r7-l01-repatha-ldl-greater-than-190": l01, "r7-l02-repatha-ldl-at-least-70": l02,
    "r7-l03-repatha-ldl-corrected-same-specimen": l03, "r7-l04-repatha-ldl-amended-below": l04,
    "r7-l05-repatha-ldl-newer-preliminary": l05, "r7-l06-repatha-ldl-newer-cancelled": l06,
    "r7-l07-repatha-ldl-month-inside-window": l07, "r7-l08-repatha-ldl-month-straddles-window": l08,
    "r7-l09-repatha-statin-since-year": l09, "r7-l10-repatha-statin-dose-range-high": l10,
    "r7-l11-repatha-statin-dose-range-moderate": l11, "r7-l12-repatha-statin-order-completed": l12,
    "r7-l13-repatha-mi-provisional": l13, "r7-l14-repatha-mi-evidence-provenance-goal": l14,
    "r7-l15-praluent-document-bundle": l15, "r7-l16-repatha-transaction-bundle": l16,
    "r7-l17-repatha-r5-medication-statement": l17, "r7-l18-repatha-cds-prefetch-outcome": l18,
    "r7-l19-repatha-ldl-reference-range": l19,
    "r7-g01-wegovy-payer-dtr-boolean-3-months": g01, "r7-g02-wegovy-payer-dtr-ambiguous": g02,
    "r7-g03-wegovy-payer-dtr-pregnant": g03, "r7-g04-ozempic-metformin-ended-month-straddles": g04,
    "r7-g05-ozempic-metformin-ended-month-inside": g05, "r7-g06-ozempic-metformin-authored-month": g06,
    "r7-g07-ozempic-metformin-validity-course": g07, "r7-g08-zepbound-ahi-value-integer": g08,
    "r7-g09-wegovy-mi-onset-year-smoking-goal": g09, "r7-g10-ozempic-t2d-differential": g10,
    "r7-g11-mounjaro-document-bundle": g11, "r7-g12-ozempic-transaction-bundle": g12,
    "r7-g13-mounjaro-cds-prefetch-outcome": g13,
    "r7-m01-reblozyl-hgb-corrected-same-specimen": m01, "r7-m02-procrit-hgb-amended": m02,
    "r7-m03-reblozyl-hgb-newer-preliminary": m03, "r7-m04-reblozyl-epo-less-than-50": m04,
    "r7-m05-reblozyl-transfusions-month-inside": m05, "r7-m06-reblozyl-transfusion-month-straddles": m06,
    "r7-m07-procrit-mds-provisional": m07, "r7-m08-aranesp-evidence-encounter-provenance": m08,
    "r7-m09-reblozyl-esa-stopped-no-response": m09, "r7-m10-reblozyl-cds-prefetch-outcome": m10,
    "r7-m11-procrit-document-bundle": m11, "r7-m12-revlimid-transaction-bundle": m12,
    "r7-m13-reblozyl-searchset-procedure-error": m13, "r7-m14-reblozyl-reference-ranges": m14,
    "r7-e01-entry-not-array": e01, "r7-e02-too-many-entries": e02, "r7-e03-nested-too-deep": e03,
}

#: built in memory by the runner (``generated: true`` in expected.yaml): too large to keep as files
GENERATED = ("r7-e02-too-many-entries", "r7-e03-nested-too-deep")

if __name__ == "__main__":
    write(BUILDERS, HERE, skip=GENERATED)
