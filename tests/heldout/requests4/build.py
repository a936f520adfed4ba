"""Held-out round requests4: requests as outside EHRs, payers and API clients send them (helper requests4,
2026-12-07), written from the CDS Hooks 2.0, Da Vinci CRD 2.x and PAS 2.x specs and the policy YAMLs before
mednec's handlers were read. The clinical content reuses records of the earlier held-out sets whose
determinations were reasoned from the policies (fhir3: r3-g10 Wegovy, r3-l10 Repatha/Cigna, r3-m05 Reblozyl,
r3-g11 Ozempic, r3-l09 Leqvio/BCBS ND; examples/repatha-ascvd.yaml); what is new is the request around them.

``REQUESTS[id]()`` gives ``(method, path, headers, body bytes)``; ``{case}`` in a path is the case that
``q45`` creates. Labels are in expected.yaml.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CRD_SELECT = "/cds-services/mednec-order-select"
CRD_SIGN = "/cds-services/mednec-order-sign"
PAS = "/fhir/Claim/$submit"
JSON = {"Content-Type": "application/json"}
FHIR = {"Content-Type": "application/fhir+json"}

Request = tuple[str, str, dict[str, str], bytes]


def _load(name: str) -> dict[str, Any]:
    return json.loads((ROOT / "fhir3" / f"{name}.json").read_text("utf-8"))


def _b(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _searchset(*resources: dict[str, Any], outcome: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    entries: list[dict[str, Any]] = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    entries += [{"resource": r, "search": {"mode": "outcome"}} for r in outcome or ()]
    return {"resourceType": "Bundle", "type": "searchset", "total": len(resources), "entry": entries}


def _acme_coverage(patient: str) -> dict[str, Any]:
    cov = {"resourceType": "Coverage", "id": "cov-acme", "status": "active", "subscriberId": "AC55501",
           "beneficiary": {"reference": f"Patient/{patient}"},
           "payor": [{"reference": "Organization/payer-acme", "display": "Acme Health Plan"}]}
    org = {"resourceType": "Organization", "id": "payer-acme", "name": "Acme Health Plan", "active": True,
           "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "pay"}]}]}
    return {"resourceType": "Bundle", "type": "searchset", "total": 1,
            "entry": [{"resource": cov, "search": {"mode": "match"}}, {"resource": org, "search": {"mode": "include"}}]}


def _wegovy(hook: str = "order-select", coverage: bool = True, instance: str = "r4q-wegovy") -> dict[str, Any]:
    """r3-g10: 64-year-old man, I25.2 (old MI), BMI 31.2, a 2.4 mg semaglutide pen: Wegovy's CV pathway."""
    doc = _load("r3-g10-wegovy-cds-strength-2.4")
    doc["hook"] = hook
    doc["hookInstance"] = f"7c9a2f14-{instance}"
    if hook == "order-sign":
        doc["context"].pop("selections", None)
    if coverage:
        doc["prefetch"]["coverage"] = _acme_coverage(doc["context"]["patientId"])
        for e in doc["context"]["draftOrders"]["entry"]:
            e["resource"]["insurance"] = [{"reference": "Coverage/cov-acme"}]
    return doc


def _lisinopril(patient: str) -> dict[str, Any]:
    return {"resourceType": "MedicationRequest", "id": "draft-lisinopril", "status": "draft", "intent": "order",
            "medicationCodeableConcept": {"coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                                      "code": "314076", "display": "lisinopril 10 MG Oral Tablet"}]},
            "subject": {"reference": f"Patient/{patient}"}, "authoredOn": "2026-12-06",
            "insurance": [{"reference": "Coverage/cov-acme"}]}


_OO = {"resourceType": "OperationOutcome", "issue": [{"severity": "warning", "code": "processing",
                                                       "diagnostics": "Some results were suppressed: sensitive"}]}


def q01() -> Request:
    return "POST", CRD_SELECT, JSON, _b(_wegovy())


def q02() -> Request:
    return "POST", CRD_SIGN, JSON, _b(_wegovy("order-sign", instance="q02"))


def q03() -> Request:
    doc = _wegovy("order-sign", instance="q03")
    doc["context"]["draftOrders"]["entry"].append({"resource": _lisinopril(doc["context"]["patientId"])})
    return "POST", CRD_SIGN, JSON, _b(doc)


def q04() -> Request:
    doc = _wegovy("order-sign", instance="q04")
    obs = [e["resource"] for e in doc["prefetch"]["observations"]["entry"]]
    doc["prefetch"]["observations"] = _searchset(*obs, outcome=[_OO])
    cons = [e["resource"] for e in doc["prefetch"]["conditions"]["entry"]]
    doc["prefetch"]["conditions"] = _searchset(*cons, outcome=[{**_OO, "id": "oo-2"}])
    return "POST", CRD_SIGN, JSON, _b(doc)


def q05() -> Request:
    doc = _wegovy("order-sign", instance="q05")
    doc["prefetch"]["patient"]["id"] = "someone-else-77"
    return "POST", CRD_SIGN, JSON, _b(doc)


def q06() -> Request:
    doc = _wegovy("order-sign", instance="q06")
    doc["prefetch"] = {"patient": doc["prefetch"]["patient"]}
    doc["fhirServer"] = None
    return "POST", CRD_SIGN, JSON, _b(doc)


def q07() -> Request:
    doc = _wegovy(instance="q07")
    doc["context"]["selections"] = ["MedicationRequest/not-in-the-drafts"]
    return "POST", CRD_SELECT, JSON, _b(doc)


def q08() -> Request:
    doc = _wegovy("order-sign", instance="q08")
    doc["prefetch"] = {"patient": doc["prefetch"]["patient"]}
    doc["fhirServer"] = "https://ehr.invalid/fhir/r4"
    doc["fhirAuthorization"] = {"access_token": "opaque-token-q08", "token_type": "Bearer", "expires_in": 300,
                                "scope": "patient/*.read", "subject": "mednec"}
    return "POST", CRD_SIGN, JSON, _b(doc)


def q09() -> Request:
    return "POST", CRD_SIGN, JSON, _b(_load("r3-l10-repatha-cds-cigna"))


def q10() -> Request:
    return "POST", CRD_SIGN, JSON, _b(_wegovy("order-sign", coverage=False, instance="q10"))


def q11() -> Request:
    doc = _wegovy("order-sign", instance="q11")
    doc["prefetch"]["observations"] = _searchset()
    return "POST", CRD_SIGN, JSON, _b(doc)


def q12() -> Request:
    return "POST", CRD_SIGN, {"Content-Type": "text/plain"}, _b(_wegovy("order-sign", instance="q12"))


def q13() -> Request:
    doc = _wegovy(instance="q13")
    doc["hook"] = "order-dispatch"
    return "POST", CRD_SELECT, JSON, _b(doc)


def q14() -> Request:
    doc = _wegovy(instance="q14")
    del doc["context"]["draftOrders"]
    return "POST", CRD_SELECT, JSON, _b(doc)


def q15() -> Request:
    return q01()


def _reblozyl_resources() -> list[dict[str, Any]]:
    return [e["resource"] for e in _load("r3-m05-reblozyl-pas-supportinginfo")["entry"]]


_D461 = {"resourceType": "Condition", "id": "con-d461",
         "clinicalStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]},
         "verificationStatus": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-ver-status", "code": "confirmed"}]},
         "code": {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "D46.1",
                              "display": "Refractory anemia with ring sideroblasts"}]},
         "subject": {"reference": "Patient/r3m05"}, "recordedDate": "2026-10-01"}


def q16() -> Request:
    """Reblozyl drafted by NDC (59572-0711-01, Reblozyl 25 mg vial) for r3-m05's patient, prefetched."""
    res = _reblozyl_resources()
    by = lambda t: [r for r in res if r["resourceType"] == t]  # noqa: E731
    draft = {"resourceType": "MedicationRequest", "id": "draft-reblozyl", "status": "draft", "intent": "order",
             "medicationCodeableConcept": {"coding": [{"system": "http://hl7.org/fhir/sid/ndc", "code": "59572-0711-01",
                                                       "display": "Reblozyl 25 mg lyophilized powder vial"}]},
             "subject": {"reference": "Patient/r3m05"}, "authoredOn": "2026-12-06",
             "insurance": [{"reference": "Coverage/cov-acme"}]}
    doc = {"hookInstance": "7c9a2f14-q16", "hook": "order-sign", "fhirServer": None,
           "context": {"userId": "Practitioner/prac-77", "patientId": "r3m05",
                       "draftOrders": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": draft}]}},
           "prefetch": {"patient": by("Patient")[0], "coverage": _acme_coverage("r3m05"),
                        "conditions": _searchset(_D461), "observations": _searchset(*by("Observation")),
                        "procedures": _searchset(*by("Procedure")),
                        "medicationRequests": _searchset(), "medicationStatements": _searchset(),
                        "medicationAdministrations": _searchset()}}
    return "POST", CRD_SIGN, JSON, _b(doc)


def q17() -> Request:
    return "POST", CRD_SIGN, JSON, _b([_wegovy("order-sign", instance="q17")])


def q18() -> Request:
    doc = _wegovy("order-sign", instance="q18")
    doc["prefetch"]["observations"] = {"resourceType": "OperationOutcome", "issue": [
        {"severity": "error", "code": "timeout", "diagnostics": "Observation search timed out"}]}
    return "POST", CRD_SIGN, JSON, _b(doc)


# ---- PAS ------------------------------------------------------------------------------------------

def _pas_reblozyl(trn: str, product: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = _load("r3-m05-reblozyl-pas-supportinginfo")
    claim = doc["entry"][0]["resource"]
    claim["identifier"][0]["value"] = trn
    doc["identifier"]["value"] = f"SUB-{trn}"
    if product is not None:
        claim["item"][0]["productOrService"] = product
    return doc


def _code(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}]}


def q20() -> Request:
    return "POST", PAS, FHIR, _b(_pas_reblozyl("TRN-q20"))


def q21() -> Request:
    return "POST", PAS, FHIR, _b(_pas_reblozyl("TRN-q21", _code(
        "http://www.nlm.nih.gov/research/umls/rxnorm", "2262906", "luspatercept-aamt")))


def q22() -> Request:
    return "POST", PAS, FHIR, _b(_pas_reblozyl("TRN-q22", _code(
        "http://hl7.org/fhir/sid/ndc", "59572-0711-01", "Reblozyl 25 mg vial")))


def q23() -> Request:
    return "POST", PAS, FHIR, _b(_pas_reblozyl("TRN-q23", _code(
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J0885",
        "Injection, epoetin alfa, (for non-ESRD use), 1000 units")))


def q24() -> Request:
    return "POST", PAS, FHIR, _b(_pas_reblozyl("TRN-q24", _code(
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J0881",
        "Injection, darbepoetin alfa, 1 microgram (non-ESRD use)")))


def q25() -> Request:
    doc = _load("r3-g11-ozempic-pas-strength-2mg")
    claim = doc["entry"][0]["resource"]
    claim["identifier"][0]["value"] = "TRN-q25"
    info = {"system": "http://terminology.hl7.org/CodeSystem/claiminformationcategory", "code": "info"}
    claim["supportingInfo"] = [
        {"sequence": 1, "category": {"coding": [info]}, "valueReference": {"reference": "Observation/obs2"}},
        {"sequence": 2, "category": {"coding": [info]}, "valueReference": {"reference": "Condition/con1"}},
        {"sequence": 3, "category": {"coding": [info]}, "valueReference": {"reference": "MedicationRequest/med3"}}]
    return "POST", PAS, FHIR, _b(doc)


def q26() -> Request:
    doc = _pas_reblozyl("TRN-q26")
    claim = doc["entry"][0]["resource"]
    claim["meta"]["profile"] = ["http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-update"]
    claim["related"] = [{"claim": {"identifier": {"system": "http://example.org/PATIENT_EVENT_TRACE_NUMBER",
                                                  "value": "TRN-q20"}},
                         "relationship": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/related-claim-relationship",
                                                      "code": "prior"}]}}]
    return "POST", PAS, FHIR, _b(doc)


def q27() -> Request:
    doc = _pas_reblozyl("TRN-q20")
    doc["identifier"]["value"] = "SUB-TRN-q20-cancel"
    doc["entry"][0]["resource"]["status"] = "cancelled"
    return "POST", PAS, FHIR, _b(doc)


def q28() -> Request:
    return "POST", PAS, FHIR, _b(_load("r3-l09-leqvio-pas-bcbsnd"))


def q29() -> Request:
    return "POST", PAS, {"Content-Type": "application/xml"}, _b(_pas_reblozyl("TRN-q29"))


def q30() -> Request:
    doc = _pas_reblozyl("TRN-q30")
    doc["entry"] = doc["entry"][1:]
    return "POST", PAS, FHIR, _b(doc)


def q31() -> Request:
    return q20()


def q32() -> Request:
    return "POST", PAS, FHIR, _b(_pas_reblozyl("TRN-q32", _code(
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J1439",
        "Injection, ferric carboxymaltose, 1 mg")))


# ---- mednec's JSON API ----------------------------------------------------------------------------

def _repatha_case() -> dict[str, Any]:
    return {"as_of": "2026-12-01", "patient": {"birth_date": "1964-04-18", "sex": "male"},
            "facts": {"diagnosis": "I25.2", "prior_mi": True,
                      "ldl_c": {"value": 88, "unit": "mg/dL", "date": "2026-11-01"},
                      "medication_history": [{"drug": "atorvastatin", "dose": 80, "dose_unit": "mg",
                                              "start": "2026-06-01", "response": "ongoing"}],
                      "concurrent_pcsk9": False}}


def q40() -> Request:
    return "POST", "/cases", JSON, _b({"case": _repatha_case(), "title": "q40", "foo": "bar"})


def q41() -> Request:
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": "Repatha", "extra": True})


def q42() -> Request:
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": ["Repatha"]})


def q43() -> Request:
    case = _repatha_case()
    case["facts"]["medication_history"] = [{"drug": "atorvastatin", "dose": 80, "dose_unit": "mg",
                                            "start": "2026-06-01", "response": "ongoing"}] * 50_000
    return "POST", "/cases", JSON, _b({"case": case})


def q44() -> Request:
    return "POST", "/cases", {"Content-Type": "text/plain"}, _b({"case": _repatha_case()})


def q45() -> Request:
    return "POST", "/cases", {**JSON, "Idempotency-Key": "r4-q45-once"}, _b({"case": _repatha_case(), "title": "q45"})


def q46() -> Request:
    return q45()


def q47() -> Request:
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": "Repatha"})


def q48() -> Request:
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": "Wegovy"})


def q49() -> Request:
    return "POST", "/cases", JSON, _b({"question": (
        "Does a 70-year-old man with lower-risk MDS with ring sideroblasts (RS 20%), serum EPO 650, needing "
        "2 units of red cells every 8 weeks, qualify for Reblozyl?")})


def q50() -> Request:
    return "POST", "/cases", JSON, b"42"


def q51() -> Request:
    res = _reblozyl_resources()
    keep = [r for r in res if r["resourceType"] in ("Patient", "Observation", "Procedure", "DiagnosticReport")]
    bundle = {"resourceType": "Bundle", "type": "collection",
              "entry": [{"fullUrl": f"urn:uuid:0000-{i}", "resource": r} for i, r in enumerate([*keep, _D461])]}
    return "POST", "/cases", JSON, _b({"fhir_bundle": bundle, "drug": "Reblozyl"})


def q52() -> Request:
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": "Repatha", "as_of": 20261206})


# ---- second batch (written after the first fixes, before mednec was run on them) -----------------

def _reblozyl_hook(instance: str, coding: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(q16()[3])
    doc["hookInstance"] = f"7c9a2f14-{instance}"
    doc["context"]["draftOrders"]["entry"][0]["resource"]["medicationCodeableConcept"] = coding
    return doc


def q60() -> Request:
    return "POST", CRD_SIGN, JSON, _b(_reblozyl_hook("q60", _code(
        "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J0896", "Injection, luspatercept-aamt, 0.25 mg")))


def q61() -> Request:
    doc = _wegovy("order-sign", instance="q61")
    doc["prefetch"]["observations"]["link"] = [
        {"relation": "self", "url": "https://ehr.example.org/fhir/Observation?patient=r3g10"},
        {"relation": "next", "url": "https://ehr.example.org/fhir/Observation?patient=r3g10&page=2"}]
    return "POST", CRD_SIGN, JSON, _b(doc)


def q62() -> Request:
    doc = _wegovy("order-sign", instance="q62")
    doc["context"]["draftOrders"]["entry"].append({"resource": {
        "resourceType": "MedicationRequest", "id": "draft-repatha", "status": "draft", "intent": "order",
        "medicationCodeableConcept": _code("http://www.nlm.nih.gov/research/umls/rxnorm", "1665904",
                                           "evolocumab 140 MG/ML Auto-Injector [Repatha]"),
        "subject": {"reference": "Patient/r3g10"}, "authoredOn": "2026-12-06",
        "insurance": [{"reference": "Coverage/cov-acme"}]}})
    return "POST", CRD_SIGN, JSON, _b(doc)


def q63() -> Request:
    doc = _wegovy("order-sign", instance="q63")
    doc["prefetch"] = {"patient": doc["prefetch"]["patient"]}
    doc["fhirServer"] = "http://169.254.169.254/latest/meta-data"
    doc["fhirAuthorization"] = {"access_token": "t", "token_type": "Bearer", "expires_in": 300,
                                "scope": "patient/*.read", "subject": "mednec"}
    return "POST", CRD_SIGN, JSON, _b(doc)


def _pas_repatha_cigna(trn: str) -> dict[str, Any]:
    hook = _load("r3-l10-repatha-cds-cigna")
    pre = hook["prefetch"]
    patient = pre["patient"]
    org = {"resourceType": "Organization", "id": "payer-cigna", "name": "Cigna Healthcare",
           "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "pay"}]}]}
    cov = {"resourceType": "Coverage", "id": "cov-cigna", "status": "active", "subscriberId": "ZX9876543",
           "beneficiary": {"reference": f"Patient/{patient['id']}"},
           "payor": [{"reference": "Organization/payer-cigna", "display": "Cigna Healthcare"}]}
    rx = {"resourceType": "MedicationRequest", "id": "rx-repatha", "status": "active", "intent": "order",
          "medicationCodeableConcept": _code("http://www.nlm.nih.gov/research/umls/rxnorm", "1665904",
                                             "evolocumab 140 MG/ML Auto-Injector [Repatha]"),
          "subject": {"reference": f"Patient/{patient['id']}"}, "authoredOn": "2026-12-06"}
    claim = {"resourceType": "Claim", "id": f"claim-{trn}",
             "meta": {"profile": ["http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim"]},
             "identifier": [{"system": "http://example.org/PATIENT_EVENT_TRACE_NUMBER", "value": trn}],
             "status": "active", "type": _code("http://terminology.hl7.org/CodeSystem/claim-type", "pharmacy", "Pharmacy"),
             "use": "preauthorization", "patient": {"reference": f"Patient/{patient['id']}"},
             "created": "2026-12-06T09:00:00Z", "insurer": {"reference": "Organization/payer-cigna"},
             "provider": {"reference": "Organization/payer-cigna"},
             "priority": _code("http://terminology.hl7.org/CodeSystem/processpriority", "normal", "Normal"),
             "insurance": [{"sequence": 1, "focal": True, "coverage": {"reference": "Coverage/cov-cigna"}}],
             "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": _code(
                 "http://hl7.org/fhir/sid/icd-10-cm", "I25.2", "Old myocardial infarction")}],
             "item": [{"sequence": 1, "productOrService": _code(
                 "http://www.nlm.nih.gov/research/umls/rxnorm", "1665904", "evolocumab 140 MG/ML Auto-Injector [Repatha]"),
                 "quantity": {"value": 2}}],
             "prescription": {"reference": "MedicationRequest/rx-repatha"}}
    record = [e["resource"] for k in ("conditions", "observations", "medicationRequests") for e in pre[k]["entry"]]
    entries = [claim, patient, *record, rx, org, cov]
    return {"resourceType": "Bundle", "type": "collection", "timestamp": "2026-12-06T09:00:00Z",
            "identifier": {"system": "http://example.org/SUBMITTER_TRANSACTION_IDENTIFIER", "value": f"SUB-{trn}"},
            "entry": [{"fullUrl": f"http://example.org/fhir/{r['resourceType']}/{r['id']}", "resource": r}
                      for r in entries]}


def q64() -> Request:
    return "POST", PAS, FHIR, _b(_pas_repatha_cigna("TRN-q64"))


def q65() -> Request:
    doc = _pas_reblozyl("TRN-q20")
    doc["entry"][0]["resource"]["meta"]["profile"] = [
        "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-inquiry"]
    return "POST", "/fhir/Claim/$inquire", FHIR, _b(doc)


def q66() -> Request:
    return "POST", PAS, FHIR, _b(_pas_reblozyl("TRN-q66", _code(
        "urn:oid:2.16.840.1.113883.6.285", "J0896", "Injection, luspatercept-aamt, 0.25 mg")))


def q67() -> Request:
    doc = _pas_reblozyl("TRN-q67")
    claim = doc["entry"][0]["resource"]
    claim["supportingInfo"].append({"sequence": 9, "category": {"coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/claiminformationcategory", "code": "info"}]},
        "valueReference": {"reference": "Observation/not-in-this-bundle"}})
    return "POST", PAS, FHIR, _b(doc)


def q68() -> Request:
    return "POST", "/cases/{case}/evaluations", {**JSON, "Idempotency-Key": "r4-q68-eval"}, _b({"drug": "Repatha"})


def q69() -> Request:
    return q68()


def q70() -> Request:
    return "POST", "/cases", JSON, _b({"case": _repatha_case(), "title": ["q70"]})


def q71() -> Request:
    return "PATCH", "/cases/{case}", JSON, _b({"facts": {"ldl_c": {"value": 95, "unit": "mg/dL", "date": "2026-11-20"}}})


def q72() -> Request:
    doc = _wegovy("order-sign", instance="q72")
    doc["extension"] = {"com.example.ehr.session": {"site": "north"}}
    return "POST", CRD_SIGN, JSON, _b(doc)


def q73() -> Request:
    doc = _wegovy("order-sign", instance="q73")
    doc["prefetch"]["coverage"]["entry"][0]["resource"]["status"] = "cancelled"
    for e in doc["context"]["draftOrders"]["entry"]:
        e["resource"].pop("insurance", None)
    return "POST", CRD_SIGN, JSON, _b(doc)


REQUESTS: dict[str, Callable[[], Request]] = {
    name: fn for name, fn in sorted(globals().items()) if name[:1] == "q" and name[1:].isdigit() and callable(fn)}

