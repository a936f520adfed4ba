"""The chart toolkit of the held-out FHIR sets fhir_ehr (round 2) and fhir3 (round 3): coded concepts and
quantities, a patient's record (:class:`Chart`) written as Epic or Cerner export it, a CDS Hooks request, a Da Vinci
PAS request Bundle, MDS building blocks, and :func:`write` (each builder's Bundle as ``<name>.json``). Moved here
unchanged from ``fhir_ehr/build.py``, which fhir3's builder used to execute for them; every code is spelled
out, not imported from mednec (the code systems' URIs: ``tests/code_systems.py``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from tests.code_systems import ICD10, LOINC, RXNORM, SNOMED, UCUM

EPIC = "urn:oid:1.2.840.114350.1.13.0.1.7.2.768282"
EPIC_MRN = "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14"
CERNER = "https://fhir.cerner.com/ec2458f2-1e24-41c8-b71b-0e701af7583d/codeSet/72"
US_CORE = "http://hl7.org/fhir/us/core/StructureDefinition/"
OBS_CAT = "http://terminology.hl7.org/CodeSystem/observation-category"
COND_CAT = "http://terminology.hl7.org/CodeSystem/condition-category"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
DAR = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
AI_CLIN = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"
AI_VER = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification"
PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/"


def cc(*codings: tuple[str, str, str], text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [{"system": s, "code": c, "display": d} for s, c, d in codings]}
    if text:
        out["text"] = text
    return out


def text_cc(text: str) -> dict[str, Any]:
    return {"text": text}


def qty(value: float, unit: str, code: str | None = None) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value, "unit": unit}
    if code is not None:
        q["system"], q["code"] = UCUM, code
    return q


class Chart:
    """One patient's record; ``ref_style`` is how references are written (relative, urn:uuid, absolute)."""

    def __init__(self, pid: str, birth: str, sex: str, *, style: str = "epic", ref_style: str = "relative") -> None:
        self.pid, self.style, self.ref_style = pid, style, ref_style
        self.base = f"https://fhir.{style}.example/api/FHIR/R4"
        self.res: list[dict[str, Any]] = []
        self.n = 0
        patient = {"resourceType": "Patient", "id": pid, "meta": {"profile": [US_CORE + "us-core-patient"]},
                   "identifier": [{"use": "usual", "type": cc(("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "Medical record number")),
                                   "system": EPIC_MRN, "value": f"E{sum(map(ord, pid)) * 7919:07d}"}],
                   "active": True, "name": [{"use": "official", "family": "Test", "given": [pid.upper()]}],
                   "gender": sex, "birthDate": birth}
        self.res.append(patient)

    def url(self, r: dict[str, Any]) -> str:
        if self.ref_style == "urn":
            return f"urn:uuid:{self.pid}-{r['resourceType'].lower()}-{r['id']}"
        return f"{self.base}/{r['resourceType']}/{r['id']}"

    def ref(self, r: dict[str, Any]) -> str:
        if self.ref_style == "urn":
            return self.url(r)
        if self.ref_style == "absolute":
            return self.url(r)
        return f"{r['resourceType']}/{r['id']}"

    @property
    def subject(self) -> dict[str, Any]:
        return {"reference": self.ref(self.res[0]), "display": f"Test, {self.pid.upper()}"}

    def _id(self, kind: str) -> str:
        self.n += 1
        return f"{kind}{self.n}"

    def add(self, r: dict[str, Any]) -> dict[str, Any]:
        r.setdefault("id", self._id(r["resourceType"][:3].lower()))
        self.res.append(r)
        return r

    # --- observations ------------------------------------------------------------------------------
    def obs(self, code: dict[str, Any], when: str | None, *, value: dict[str, Any] | None = None, cat: str = "laboratory",
            status: str = "final", profile: str = "us-core-observation-lab", **extra: Any) -> dict[str, Any]:
        r: dict[str, Any] = {"resourceType": "Observation", "meta": {"profile": [US_CORE + profile]}, "status": status,
                             "category": [cc((OBS_CAT, cat, cat.replace("-", " ").title()))], "code": code,
                             "subject": self.subject}
        if when:
            r["effectiveDateTime"] = when
        if value:
            r.update(value)
        r.update(extra)
        return self.add(r)

    def lab(self, loinc: str, display: str, value: float, unit: str, ucum: str | None, when: str, *,
            local: str | None = None, status: str = "final", **extra: Any) -> dict[str, Any]:
        codings = [(LOINC, loinc, display)]
        if local:
            codings.append((EPIC if self.style == "epic" else CERNER, local, display.split(" [")[0]))
        return self.obs(cc(*codings, text=display.split(" [")[0]), when, value={"valueQuantity": qty(value, unit, ucum)},
                        status=status, issued=when + "T18:00:00Z", **extra)

    def vital(self, loinc: str, display: str, value: float, unit: str, ucum: str, when: str, **extra: Any) -> dict[str, Any]:
        prof = {"39156-5": "us-core-bmi", "29463-7": "us-core-body-weight", "8302-2": "us-core-body-height"}.get(loinc, "us-core-vital-signs")
        return self.obs(cc((LOINC, loinc, display), text=display), when, value={"valueQuantity": qty(value, unit, ucum)},
                        cat="vital-signs", profile=prof, **extra)

    def report(self, loinc: str, display: str, when: str, results: list[dict[str, Any]]) -> dict[str, Any]:
        return self.add({"resourceType": "DiagnosticReport", "meta": {"profile": [US_CORE + "us-core-diagnosticreport-lab"]},
                         "status": "final", "category": [cc(("http://terminology.hl7.org/CodeSystem/v2-0074", "LAB", "Laboratory"))],
                         "code": cc((LOINC, loinc, display), text=display), "subject": self.subject,
                         "effectiveDateTime": when, "issued": when + "T20:00:00Z",
                         "result": [{"reference": self.ref(r), "display": r["code"].get("text", "")} for r in results]})

    # --- conditions --------------------------------------------------------------------------------
    def cond(self, code: dict[str, Any], *, clinical: str = "active", verification: str = "confirmed",
             category: str = "problem-list-item", **extra: Any) -> dict[str, Any]:
        r: dict[str, Any] = {"resourceType": "Condition",
                             "meta": {"profile": [US_CORE + "us-core-condition-problems-health-concerns"]},
                             "clinicalStatus": cc((CLIN, clinical, clinical.title())),
                             "verificationStatus": cc((VER, verification, verification.title())),
                             "category": [cc((COND_CAT, category, category.replace("-", " ").title()))],
                             "code": code, "subject": self.subject, "recordedDate": "2026-06-01"}
        if verification == "entered-in-error":
            del r["clinicalStatus"]  # R4: clinicalStatus SHALL NOT be present when entered-in-error
        r.update(extra)
        return self.add(r)

    # --- medications -------------------------------------------------------------------------------
    def medication(self, code: dict[str, Any], *, contained: bool = False) -> dict[str, Any]:
        m = {"resourceType": "Medication", "id": self._id("med"), "code": code}
        if not contained:
            self.add(m)
        return m

    def request(self, med: dict[str, Any] | None, *, concept: dict[str, Any] | None = None, status: str = "active",
                authored: str, dose: tuple[float, str] | None = None, sig: str = "", contained: bool = False,
                **extra: Any) -> dict[str, Any]:
        r: dict[str, Any] = {"resourceType": "MedicationRequest", "meta": {"profile": [US_CORE + "us-core-medicationrequest"]},
                             "status": status, "intent": "order", "subject": self.subject, "authoredOn": authored}
        if med is not None and contained:
            r["contained"] = [med]
            r["medicationReference"] = {"reference": f"#{med['id']}", "display": med["code"].get("text", "")}
        elif med is not None:
            r["medicationReference"] = {"reference": self.ref(med), "display": med["code"].get("text", "")}
        else:
            r["medicationCodeableConcept"] = concept
        if dose or sig:
            di: dict[str, Any] = {"text": sig or f"{dose[0]:g} {dose[1]} daily" if dose else sig}
            if dose:
                di["timing"] = {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}
                di["doseAndRate"] = [{"type": cc(("http://terminology.hl7.org/CodeSystem/dose-rate-type", "ordered", "Ordered")),
                                      "doseQuantity": qty(dose[0], dose[1], dose[1])}]
            r["dosageInstruction"] = [di]
        r.update(extra)
        return self.add(r)

    def statement(self, concept: dict[str, Any] | None, *, status: str, start: str | None = None, end: str | None = None,
                  med: dict[str, Any] | None = None, contained: bool = False, reason: dict[str, Any] | None = None,
                  dose: tuple[float, str] | None = None, **extra: Any) -> dict[str, Any]:
        r: dict[str, Any] = {"resourceType": "MedicationStatement", "status": status, "subject": self.subject,
                             "dateAsserted": "2026-11-20"}
        if med is not None and contained:
            r["contained"] = [med]
            r["medicationReference"] = {"reference": f"#{med['id']}"}
        elif med is not None:
            r["medicationReference"] = {"reference": self.ref(med)}
        else:
            r["medicationCodeableConcept"] = concept
        if start:
            r["effectivePeriod"] = {"start": start, **({"end": end} if end else {})}
        if reason:
            r["statusReason"] = [reason]
        if dose:
            r["dosage"] = [{"text": f"{dose[0]:g} {dose[1]} daily",
                            "doseAndRate": [{"doseQuantity": qty(dose[0], dose[1], dose[1])}]}]
        r.update(extra)
        return self.add(r)

    def transfusion(self, when: str, *, status: str = "completed", code: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.add({"resourceType": "Procedure", "meta": {"profile": [US_CORE + "us-core-procedure"]}, "status": status,
                         "code": code or cc((SNOMED, "71493000", "Transfusion of packed red blood cells"),
                                            text="Transfuse PRBC 1 unit"),
                         "subject": self.subject, "performedDateTime": when + "T10:30:00-06:00"})

    def allergy(self, code: dict[str, Any], reaction: dict[str, Any], *, verification: str = "confirmed",
                clinical: str = "active", criticality: str = "low") -> dict[str, Any]:
        r: dict[str, Any] = {"resourceType": "AllergyIntolerance", "meta": {"profile": [US_CORE + "us-core-allergyintolerance"]},
                             "clinicalStatus": cc((AI_CLIN, clinical, clinical.title())),
                             "verificationStatus": cc((AI_VER, verification, verification.title())),
                             "type": "intolerance", "category": ["medication"], "criticality": criticality,
                             "code": code, "patient": self.subject, "recordedDate": "2024-05-02",
                             "reaction": [{"manifestation": [reaction], "severity": "moderate"}]}
        if verification == "entered-in-error":
            del r["clinicalStatus"]
        return self.add(r)

    # --- output ------------------------------------------------------------------------------------
    def entries(self) -> list[dict[str, Any]]:
        return [{"fullUrl": self.url(r), "resource": r} for r in self.res]

    def bundle(self, btype: str = "collection") -> dict[str, Any]:
        b: dict[str, Any] = {"resourceType": "Bundle", "id": f"ehr-{self.pid}", "type": btype,
                             "timestamp": "2026-12-06T09:00:00Z", "entry": self.entries()}
        if btype == "searchset":
            b["total"] = len(self.res)
            for e in b["entry"]:
                e["search"] = {"mode": "match"}
        return b


def searchset(resources: list[dict[str, Any]], base: str) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources),
            "entry": [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
                      for r in resources]}


def cds_request(chart: Chart, hook: str, order: dict[str, Any], keys: dict[str, list[str]]) -> dict[str, Any]:
    """A CDS Hooks request: the draft order in context, the chart's resources prefetched by type."""
    order = {**order, "id": order.get("id", "draft-1"), "status": "draft"}
    ctx: dict[str, Any] = {"userId": "Practitioner/prac-77", "patientId": chart.pid, "encounterId": "enc-2201",
                           "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": order}]}}
    if hook == "order-select":
        ctx["selections"] = [f"MedicationRequest/{order['id']}"]
    prefetch: dict[str, Any] = {"patient": chart.res[0]}
    for key, types in keys.items():
        prefetch[key] = searchset([r for r in chart.res[1:] if r["resourceType"] in types], chart.base)
    return {"hookInstance": f"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea-{chart.pid}", "hook": hook,
            "fhirServer": None, "context": ctx, "prefetch": prefetch}


def pas_bundle(chart: Chart, product: dict[str, Any], diagnoses: list[tuple[str, str]], *,
               prescription: dict[str, Any] | None = None) -> dict[str, Any]:
    """A Da Vinci PAS request Bundle: Claim first, then the parties and the clinical resources."""
    insurer = {"resourceType": "Organization", "id": "payer-1", "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1234567893"}],
               "name": "Example Health Plan", "type": [cc(("http://terminology.hl7.org/CodeSystem/organization-type", "pay", "Payer"))]}
    provider = {"resourceType": "Practitioner", "id": "prac-77", "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1487659321"}],
                "name": [{"family": "Rivera", "given": ["Ana"]}]}
    coverage = {"resourceType": "Coverage", "id": "cov-1", "status": "active", "beneficiary": {"reference": f"Patient/{chart.pid}"},
                "payor": [{"reference": "Organization/payer-1"}], "subscriberId": "W123456789"}
    claim: dict[str, Any] = {
        "resourceType": "Claim", "id": f"pas-{chart.pid}",
        "meta": {"profile": [PAS + "profile-claim"]},
        "identifier": [{"system": "http://example.org/PATIENT_EVENT_TRACE_NUMBER", "value": f"TRN-{chart.pid}"}],
        "status": "active", "type": cc(("http://terminology.hl7.org/CodeSystem/claim-type", "pharmacy", "Pharmacy")),
        "use": "preauthorization", "patient": {"reference": f"Patient/{chart.pid}"}, "created": "2026-12-06T08:30:00Z",
        "insurer": {"reference": "Organization/payer-1"}, "provider": {"reference": "Practitioner/prac-77"},
        "priority": cc(("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal")),
        "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/cov-1"}}],
        "diagnosis": [{"sequence": i + 1, "diagnosisCodeableConcept": cc((ICD10, c, d))} for i, (c, d) in enumerate(diagnoses)],
        "item": [{"sequence": 1, "productOrService": product, "quantity": {"value": 1},
                  "extension": [{"url": PAS + "extension-certificationType",
                                 "valueCodeableConcept": cc(("https://codesystem.x12.org/005010/1322", "I", "Initial"))}]}],
    }
    if prescription is not None:
        claim["prescription"] = {"reference": f"MedicationRequest/{prescription['id']}"}
    res = [claim, *chart.res, insurer, provider, coverage]
    return {"resourceType": "Bundle", "id": f"pas-{chart.pid}", "meta": {"profile": [PAS + "profile-pas-request-bundle"]},
            "identifier": {"system": "http://example.org/SUBMITTER_TRANSACTION_IDENTIFIER", "value": f"A12345-{chart.pid}"},
            "type": "collection", "timestamp": "2026-12-06T08:30:00Z",
            "entry": [{"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r} for r in res]}


# ---------------------------------------------------------------------------------------------------
# MDS building blocks
# the common charted findings of the GLP-1/GIP and LDL-lowering rounds (fhir4, fhir5)
def bmi(c: Any, value: float, when: str | None, **kw: Any) -> dict[str, Any]:
    return c.vital("39156-5", "Body mass index (BMI) [Ratio]", value, "kg/m2", "kg/m2", when, **kw)


def old_mi(c: Any, **kw: Any) -> dict[str, Any]:
    return c.cond(cc((ICD10, "I25.2", "Old myocardial infarction")), **kw)


def cad(c: Any) -> dict[str, Any]:
    return c.cond(cc((ICD10, "I25.10", "Atherosclerotic heart disease of native coronary artery without angina pectoris")))


def t2d(c: Any, **kw: Any) -> dict[str, Any]:
    return c.cond(cc((ICD10, "E11.9", "Type 2 diabetes mellitus without complications"),
                     (SNOMED, "44054006", "Diabetes mellitus type 2")), **kw)


def hba1c(c: Any, value: float, when: str) -> dict[str, Any]:
    return c.lab("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", value, "%", "%", when)


def ldl(c: Any, value: float | None, when: str | None, unit: str = "mg/dL", ucum: str = "mg/dL", **kw: Any) -> dict[str, Any]:
    code = cc((LOINC, "18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay"), text="LDL Cholesterol, direct")
    value_ = {"valueQuantity": qty(value, unit, ucum)} if value is not None else None
    return c.obs(code, when, value=value_, **kw)


def mds_core(c: Chart, *, hgb: tuple[float, str, str] = (8.1, "g/dL", "g/dL"), epo: tuple[float, str, str] | None = (640, "m[IU]/mL", "m[IU]/mL"),
             rs: float | None = 18, del5q: str | None = "Not detected", ipssr: str | None = "Low", epo_date: str = "2026-10-01") -> None:
    """Hgb / platelets / ANC in a CBC DiagnosticReport, EPO, ring sideroblasts (text-only code), del(5q) FISH, IPSS-R."""
    h = c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", hgb[0], hgb[1], hgb[2], "2026-11-30", local="1534435")
    p = c.lab("777-3", "Platelets [#/volume] in Blood by Automated count", 210, "10*9/L", "10*9/L", "2026-11-30", local="1534436")
    a = c.lab("751-8", "Neutrophils [#/volume] in Blood by Automated count", 2100, "cells/uL", "{cells}/uL", "2026-11-30")
    c.report("58410-2", "CBC panel - Blood by Automated count", "2026-11-30", [h, p, a])
    if epo is not None:
        c.lab("15061-5", "Erythropoietin (EPO) [Units/volume] in Serum or Plasma", epo[0], epo[1], epo[2], epo_date, local="9921")
    if rs is not None:
        c.obs(text_cc("Ring sideroblasts (Prussian blue iron stain), % of erythroid precursors"), "2026-09-15",
              value={"valueQuantity": qty(rs, "%", "%")})
    if del5q is not None:
        res = {"Not detected": (SNOMED, "260415000", "Not detected"), "Detected": (SNOMED, "260373001", "Detected"),
               "Negative": (SNOMED, "260385009", "Negative")}[del5q]
        c.obs(cc((EPIC if c.style == "epic" else CERNER, "MDS-FISH-5Q", "MDS FISH 5q31 (EGR1) deletion"), text="del(5q) by FISH"),
              "2026-09-15", value={"valueCodeableConcept": cc(res, text=del5q)})
    if ipssr is not None:
        c.obs(text_cc("IPSS-R risk category"), "2026-09-20", value={"valueString": ipssr}, cat="exam", profile="us-core-observation-clinical-result")


def mds_dx(c: Chart, code: str, display: str, **kw: Any) -> dict[str, Any]:
    return c.cond(cc((ICD10, code, display), (SNOMED, "109995007", "Myelodysplastic syndrome"), text=display), **kw)


def revlimid_chart(pid: str, platelets: tuple[float, str, str]) -> Chart:
    c = Chart(pid, "1953-06-21", "female")
    c.cond(cc((ICD10, "D46.C", "Myelodysplastic syndrome with isolated del(5q) chromosomal abnormality"),
              (SNOMED, "109995007", "Myelodysplastic syndrome"), text="MDS with isolated del(5q)"))
    c.obs(text_cc("IPSS-R risk category"), "2026-09-20", value={"valueString": "Low"})
    c.obs(cc((LOINC, "62356-1", "Karyotype [Identifier] in Bone marrow by Cytogenetics"), text="Bone marrow karyotype"), "2026-09-12",
          value={"valueString": "46,XX,del(5)(q13q33)[18]/46,XX[2]"})
    c.obs(cc((EPIC, "MDS-FISH-5Q", "MDS FISH 5q31 (EGR1) deletion"), text="del(5q) by FISH"), "2026-09-12",
          value={"valueCodeableConcept": cc((SNOMED, "260373001", "Detected"), text="Detected")})
    c.lab("751-8", "Neutrophils [#/volume] in Blood by Automated count", 1.4, "10*3/uL", "10*3/uL", "2026-11-29")
    c.lab("777-3", "Platelets [#/volume] in Blood by Automated count", platelets[0], platelets[1], platelets[2], "2026-11-29")
    c.lab("718-7", "Hemoglobin [Mass/volume] in Blood", 8.3, "g/dL", "g/dL", "2026-11-29")
    for d in ("2026-10-31", "2026-11-21"):
        c.transfusion(d)
    c.request(None, concept=cc((RXNORM, "602912", "lenalidomide 10 MG Oral Capsule [Revlimid]"), text="REVLIMID 10 MG PO CAPS"),
              status="draft", authored="2026-12-04", dose=(10, "mg"))
    return c


def write(builders: dict[str, Callable[[], dict[str, Any]]], folder: Path, *, skip: Iterable[str] = ()) -> None:
    """Write each builder's Bundle to ``folder/<name>.json`` (indent 1, a final newline), but those in ``skip``."""
    for name, build in builders.items():
        if name not in skip:
            (folder / f"{name}.json").write_text(json.dumps(build(), indent=1) + "\n", "utf-8")
