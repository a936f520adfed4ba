"""Write the held-out FHIR bundles in this folder: ``python tests/heldout/fhir/build.py``.

Ten bundles shaped as EHRs export them (LOINC vitals and labs in varied UCUM units, ICD-10-CM and
SNOMED CT conditions, MedicationStatement / MedicationRequest histories with status reasons),
written before any rule was changed for them. Every code is spelled out here, not imported from
mednec. The expected answers are in ``expected.yaml``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parents[2]) not in sys.path:  # run as a script: the repository root
    sys.path.insert(0, str(HERE.parents[2]))

from tests.code_systems import ICD10, LOINC, RXNORM, SNOMED, UCUM  # noqa: E402

VITALS = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}
LAB = {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "laboratory"}]}


class Chart:
    def __init__(self, pid: str, birth: str, sex: str) -> None:
        self.pid, self.subject, self.n = pid, {"reference": f"Patient/{pid}"}, 0
        self.res: list[dict[str, Any]] = [{"resourceType": "Patient", "id": pid, "birthDate": birth, "gender": sex}]

    def _id(self, kind: str) -> str:
        self.n += 1
        return f"{kind}-{self.n}"

    def obs(self, code: str, display: str, value: float, unit: str, when: str, *, vital: bool = False,
            ucum: str | None = None) -> Chart:
        self.res.append({"resourceType": "Observation", "id": self._id("obs"), "status": "final",
                         "category": [VITALS if vital else LAB], "subject": self.subject,
                         "code": {"coding": [{"system": LOINC, "code": code, "display": display}], "text": display},
                         "effectiveDateTime": when,
                         "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": ucum or unit}})
        return self

    def text_obs(self, text: str, value: float, unit: str, when: str) -> Chart:
        self.res.append({"resourceType": "Observation", "id": self._id("obs"), "status": "final",
                         "subject": self.subject, "code": {"text": text}, "effectiveDateTime": when,
                         "valueQuantity": {"value": value, "unit": unit}})
        return self

    def cond(self, system: str, code: str, display: str, onset: str = "2024-01-10") -> Chart:
        self.res.append({"resourceType": "Condition", "id": self._id("cond"), "subject": self.subject,
                         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
                         "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
                         "code": {"coding": [{"system": system, "code": code, "display": display}], "text": display},
                         "onsetDateTime": onset})
        return self

    def statement(self, name: str, dose: float, unit: str, status: str, start: str, end: str | None = None,
                  reason: str | None = None, rxcui: str | None = None) -> Chart:
        coding = [{"system": RXNORM, "code": rxcui, "display": name}] if rxcui else []
        r: dict[str, Any] = {"resourceType": "MedicationStatement", "id": self._id("ms"), "status": status,
                             "subject": self.subject, "medicationCodeableConcept": {"coding": coding, "text": name},
                             "effectivePeriod": {"start": start, **({"end": end} if end else {})},
                             "dosage": [{"text": f"{dose:g} {unit} daily",
                                         "doseAndRate": [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]}]}
        if reason:
            r["statusReason"] = [{"text": reason}]
        self.res.append(r)
        return self

    def request(self, name: str, dose: float, unit: str, status: str, authored: str, reason: str | None = None) -> Chart:
        r: dict[str, Any] = {"resourceType": "MedicationRequest", "id": self._id("mr"), "status": status, "intent": "order",
                             "subject": self.subject, "medicationCodeableConcept": {"text": name}, "authoredOn": authored,
                             "dosageInstruction": [{"text": f"{dose:g} {unit} daily",
                                                    "doseAndRate": [{"doseQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit}}]}]}
        if reason:
            r["statusReason"] = {"text": reason}
        self.res.append(r)
        return self

    def bundle(self) -> dict[str, Any]:
        return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-12-06T10:00:00Z",
                "entry": [{"fullUrl": f"urn:uuid:{self.pid}-{r['id']}", "resource": r} for r in self.res]}


BUNDLES: dict[str, Chart] = {
    # Wegovy, adult with hypertension; weight and height in pounds and inches; no lifestyle record
    "hf01-wegovy-lb-in": Chart("p1", "1978-05-02", "female")
    .obs("29463-7", "Body weight", 245, "[lb_av]", "2026-11-20", vital=True)
    .obs("8302-2", "Body height", 68, "[in_i]", "2026-11-20", vital=True)
    .cond(SNOMED, "38341003", "Hypertensive disorder, systemic arterial"),
    # Wegovy, cardiovascular risk reduction: SNOMED old MI, BMI observation
    "hf02-wegovy-cv-snomed": Chart("p2", "1961-09-14", "male")
    .obs("39156-5", "Body mass index (BMI) [Ratio]", 29.4, "kg/m2", "2026-11-02", vital=True)
    .cond(SNOMED, "22298006", "Myocardial infarction", onset="2022-03-01"),
    # Zepbound, OSA: ICD-10 G47.33, AHI as a text-coded observation, BMI in kg/m2
    "hf03-zepbound-osa": Chart("p3", "1970-01-20", "male")
    .obs("39156-5", "Body mass index", 36.1, "kg/m2", "2026-10-15", vital=True)
    .cond(ICD10, "G47.33", "Obstructive sleep apnea (adult) (pediatric)")
    .text_obs("Apnea-hypopnea index (AHI)", 31, "/h", "2026-09-30"),
    # Ozempic: SNOMED type 2 diabetes, HbA1c in mmol/mol (IFCC LOINC), metformin active
    "hf04-ozempic-ifcc": Chart("p4", "1966-02-11", "female")
    .cond(SNOMED, "44054006", "Diabetes mellitus type 2")
    .obs("59261-8", "Hemoglobin A1c/Hemoglobin.total in Blood by IFCC protocol", 70, "mmol/mol", "2026-11-25")
    .statement("metformin 1000 MG Oral Tablet", 2000, "mg", "active", "2021-06-01", rxcui="861007"),
    # Mounjaro: E11.65, A1c %, metformin stopped for intolerance (MedicationRequest)
    "hf05-mounjaro-metformin-stopped": Chart("p5", "1971-07-07", "male")
    .cond(ICD10, "E11.65", "Type 2 diabetes mellitus with hyperglycemia")
    .obs("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", 9.1, "%", "2026-11-10")
    .request("metformin", 1000, "mg", "stopped", "2024-02-01", reason="GI intolerance - diarrhea"),
    # Repatha: I25.2 old MI, direct LDL in mmol/L, atorvastatin 80 active since 2025
    "hf06-repatha-mmol": Chart("p6", "1958-12-01", "male")
    .cond(ICD10, "I25.2", "Old myocardial infarction", onset="2024-06-01")
    .obs("18262-6", "LDL Cholesterol (direct)", 3.1, "mmol/L", "2026-10-01")
    .statement("atorvastatin 80 MG Oral Tablet", 80, "mg", "active", "2025-01-01", rxcui="259255"),
    # Praluent: SNOMED MI, calculated LDL, two statins stopped for muscle symptoms at their lowest doses
    "hf07-praluent-intolerance": Chart("p7", "1955-03-03", "female")
    .cond(SNOMED, "22298006", "Myocardial infarction", onset="2020-11-11")
    .obs("13457-7", "LDL Cholesterol (calculated)", 98, "mg/dL", "2026-11-15")
    .statement("atorvastatin", 10, "mg", "stopped", "2023-01-01", "2023-03-01", reason="myalgia")
    .statement("rosuvastatin", 5, "mg", "stopped", "2023-06-01", "2023-08-15", reason="muscle pain"),
    # Leqvio, primary hyperlipidemia with diabetes: LDL (2089-1), rosuvastatin and ezetimibe active
    "hf08-leqvio-primary": Chart("p8", "1963-04-04", "female")
    .cond(ICD10, "E11.9", "Type 2 diabetes mellitus without complications")
    .cond(ICD10, "E78.5", "Hyperlipidemia, unspecified")
    .obs("2089-1", "Cholesterol in LDL", 125, "mg/dL", "2026-11-01")
    .statement("rosuvastatin", 20, "mg", "active", "2025-01-15")
    .statement("ezetimibe", 10, "mg", "active", "2026-06-01"),
    # Repatha: lipid panel only (total, HDL, triglycerides), ischemic stroke I63.9, atorvastatin 40 active
    "hf09-repatha-panel-only": Chart("p9", "1960-10-10", "male")
    .cond(ICD10, "I63.9", "Cerebral infarction, unspecified", onset="2023-05-05")
    .obs("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", 240, "mg/dL", "2026-11-18")
    .obs("2085-9", "HDL Cholesterol", 45, "mg/dL", "2026-11-18")
    .obs("2571-8", "Triglyceride", 150, "mg/dL", "2026-11-18")
    .statement("atorvastatin", 40, "mg", "active", "2024-01-01"),
    # Nexletol: coded familial hypercholesterolemia only, LDL in mmol/L, two statins not tolerated
    "hf10-nexletol-fh-code": Chart("p10", "1976-08-08", "female")
    .cond(ICD10, "E78.01", "Familial hypercholesterolemia")
    .obs("18262-6", "LDL Cholesterol", 4.2, "mmol/L", "2026-11-20")
    .statement("atorvastatin", 10, "mg", "stopped", "2022-01-01", "2022-02-15", reason="muscle aches")
    .statement("simvastatin", 20, "mg", "stopped", "2022-05-01", "2022-06-01", reason="myalgias"),
}


def _esa_not_taken(effective: dict[str, Any]) -> dict[str, Any]:
    """The first-line luspatercept fixture (ESA-naive by a ``not-taken`` statement for the ESA class), with
    the statement given ``effective`` (a time): "not taken during that time" is not "never taken"."""
    bundle: dict[str, Any] = json.loads((HERE.parents[1] / "fixtures" / "fhir" / "bundle-first-line.json").read_text("utf-8"))
    for e in bundle["entry"]:
        r = e["resource"]
        if r["resourceType"] == "MedicationStatement" and r["status"] == "not-taken":
            r.pop("note", None)
            r.update(effective)
    return bundle


# second round (session 2026-12-06, helper textgaps): an ESA MedicationStatement not-taken for a stated time
EXTRA: dict[str, dict[str, Any]] = {
    "hf11-reblozyl-esa-not-taken-period": _esa_not_taken({"effectivePeriod": {"start": "2026-09-01", "end": "2026-11-30"}}),
    "hf12-reblozyl-esa-not-taken-datetime": _esa_not_taken({"effectiveDateTime": "2026-11-10"}),
    "hf13-reblozyl-esa-never": _esa_not_taken({}),
}

if __name__ == "__main__":
    for name, chart in BUNDLES.items():
        (HERE / f"{name}.json").write_text(json.dumps(chart.bundle(), indent=1) + "\n", "utf-8")
    for name, bundle in EXTRA.items():
        (HERE / f"{name}.json").write_text(json.dumps(bundle, indent=1) + "\n", "utf-8")
