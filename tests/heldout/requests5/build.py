"""Held-out round requests5: requests as outside EHRs, payers, API clients and careless or hostile callers send
them (helper api5, 2026-12-07), written from the CDS Hooks 2.0, Da Vinci CRD 2.x and PAS 2.x specs, RFC 8259
and the policy YAMLs before mednec's handlers were changed. The clinical records are the earlier sets' (fhir3
r3-g10 Wegovy, r3-l10 Repatha/Cigna, r3-m05 Reblozyl; examples/repatha-ascvd.yaml via requests4); what is new
is the request around them: PAS updates (a resubmission, Claim.related) and cancellations, draft orders for
another patient, Coverages whose period has ended or not begun, duplicate JSON keys, a second organisation
reading or changing the first one's requests, Unicode and traversal in ids, wrong JSON types in PAS Claims.

``REQUESTS[id]()`` gives ``(method, path, headers, body bytes)``; ``{case}`` in a path is the case ``a01`` creates
and ``{ev}`` the evaluation ``a02`` creates. A request whose label has ``as: b`` is sent by clinic-b's requester.
Labels are in expected.yaml.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("requests4_build_for_5", HERE.parent / "requests4" / "build.py")
assert _spec is not None and _spec.loader is not None
r4: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(r4)

CRD_SIGN = r4.CRD_SIGN
PAS = r4.PAS
INQUIRE = "/fhir/Claim/$inquire"
JSON = r4.JSON
FHIR = r4.FHIR
TRN = "http://example.org/PATIENT_EVENT_TRACE_NUMBER"
UPDATE_PROFILE = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-update"
CERT_TYPE = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition/extension-certificationType"

Request = tuple[str, str, dict[str, str], bytes]


def _b(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _period(start: str | None, end: str | None) -> dict[str, str]:
    return {k: v for k, v in (("start", start), ("end", end)) if v}


# ---- CDS Hooks ----------------------------------------------------------------------------------

def _wegovy(instance: str) -> dict[str, Any]:
    return r4._wegovy("order-sign", instance=f"r5-{instance}")  # type: ignore[no-any-return]


def _repatha_cigna(instance: str, period: dict[str, str] | None) -> dict[str, Any]:
    doc = r4._load("r3-l10-repatha-cds-cigna")
    doc["hookInstance"] = f"5d1e0c2a-{instance}"
    cov = doc["prefetch"]["coverage"]["entry"][0]["resource"]
    if period is not None:
        cov["period"] = period
    return doc  # type: ignore[no-any-return]


def c01() -> Request:
    """The draft order is for another patient than context.patientId."""
    doc = _wegovy("c01")
    doc["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {"reference": "Patient/someone-else-77"}
    return "POST", CRD_SIGN, JSON, _b(doc)


def c02() -> Request:
    """Two drafts: the Wegovy order for the hook's patient, a Repatha order for someone else."""
    doc = _wegovy("c02")
    doc["context"]["draftOrders"]["entry"].append({"resource": {
        "resourceType": "MedicationRequest", "id": "draft-repatha-other", "status": "draft", "intent": "order",
        "medicationCodeableConcept": r4._code("http://www.nlm.nih.gov/research/umls/rxnorm", "1665904",
                                              "evolocumab 140 MG/ML Auto-Injector [Repatha]"),
        "subject": {"reference": "Patient/r3l10"}, "authoredOn": "2026-12-06"}})
    return "POST", CRD_SIGN, JSON, _b(doc)


def c03() -> Request:
    """The draft's subject is the hook's patient as an absolute URL: the same patient."""
    doc = _wegovy("c03")
    pid = doc["context"]["patientId"]
    doc["context"]["draftOrders"]["entry"][0]["resource"]["subject"] = {
        "reference": f"https://ehr.example.org/fhir/Patient/{pid}"}
    return "POST", CRD_SIGN, JSON, _b(doc)


def c04() -> Request:
    """r3-l10 (Cigna member) whose Cigna Coverage ended on 2025-12-31."""
    return "POST", CRD_SIGN, JSON, _b(_repatha_cigna("c04", _period("2025-01-01", "2025-12-31")))


def c05() -> Request:
    """The same Coverage in force all of 2026."""
    return "POST", CRD_SIGN, JSON, _b(_repatha_cigna("c05", _period("2026-01-01", "2026-12-31")))


def c06() -> Request:
    """The Cigna Coverage starts on 2027-01-01 (not yet in force)."""
    return "POST", CRD_SIGN, JSON, _b(_repatha_cigna("c06", _period("2027-01-01", None)))


def c07() -> Request:
    """Wegovy, Acme Coverage ended 2026-06-30T23:59:59Z (a dateTime end)."""
    doc = _wegovy("c07")
    doc["prefetch"]["coverage"]["entry"][0]["resource"]["period"] = _period("2025-07-01", "2026-06-30T23:59:59Z")
    return "POST", CRD_SIGN, JSON, _b(doc)


def c08() -> Request:
    """Wegovy, Acme Coverage with an open-ended period from 2024."""
    doc = _wegovy("c08")
    doc["prefetch"]["coverage"]["entry"][0]["resource"]["period"] = _period("2024-01-01", None)
    return "POST", CRD_SIGN, JSON, _b(doc)


def c09() -> Request:
    """context.patientId given twice with different values (a duplicate JSON key)."""
    doc = _wegovy("c09")
    text = json.dumps(doc)
    pid = doc["context"]["patientId"]
    text = text.replace(f'"patientId": "{pid}"', f'"patientId": "someone-else-77", "patientId": "{pid}"', 1)
    return "POST", CRD_SIGN, JSON, text.encode()


def c10() -> Request:
    """An Observation in prefetch belongs to another patient (BMI 31.2 of Patient/someone-else-77); the hook's
    patient has no BMI of their own."""
    doc = _wegovy("c10")
    for e in doc["prefetch"]["observations"]["entry"]:
        e["resource"]["subject"] = {"reference": "Patient/someone-else-77"}
    return "POST", CRD_SIGN, JSON, _b(doc)


def c11() -> Request:
    """The draft order's subject is missing (R4 requires it): the hook's own patient is the only one named."""
    doc = _wegovy("c11")
    doc["context"]["draftOrders"]["entry"][0]["resource"].pop("subject", None)
    return "POST", CRD_SIGN, JSON, _b(doc)


# ---- PAS ------------------------------------------------------------------------------------------

def _reblozyl(trn: str) -> dict[str, Any]:
    return r4._pas_reblozyl(trn)  # type: ignore[no-any-return]


def _esa(trn: str) -> dict[str, Any]:
    return r4._pas_reblozyl(trn, r4._code("https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets", "J0885",
                                          "Injection, epoetin alfa, (for non-ESRD use), 1000 units"))  # type: ignore[no-any-return]


def _claim(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["entry"][0]["resource"]  # type: ignore[no-any-return]


def _cancel(doc: dict[str, Any]) -> dict[str, Any]:
    _claim(doc)["status"] = "cancelled"
    doc["identifier"]["value"] += "-cancel"
    return doc


def _update(trn: str, prior: str, build: Callable[[str], dict[str, Any]] = _reblozyl) -> dict[str, Any]:
    doc = build(trn)
    claim = _claim(doc)
    claim["meta"]["profile"] = [UPDATE_PROFILE]
    claim["related"] = [{"claim": {"identifier": {"system": TRN, "value": prior}},
                         "relationship": {"coding": [{
                             "system": "http://terminology.hl7.org/CodeSystem/related-claim-relationship",
                             "code": "prior"}]}}]
    return doc


def _inquiry(trn: str) -> dict[str, Any]:
    doc = _reblozyl(trn)
    _claim(doc)["meta"]["profile"] = ["http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-inquiry"]
    return doc


def pre_auth_ref(org: str, trn: str) -> str:
    """The preAuthRef mednec documents for a request (README, PAS: unique per submitting organisation)."""
    return "MN-" + hashlib.sha256(f"{org}|{TRN}|{trn}".encode()).hexdigest()[:16].upper()


def p01() -> Request:
    return "POST", PAS, FHIR, _b(_reblozyl("TRN-r5-a"))


def p02() -> Request:
    return "POST", PAS, FHIR, _b(_esa("TRN-r5-b"))


def p03() -> Request:
    """A second, identical submission of TRN-r5-a."""
    return p01()


def p04() -> Request:
    """TRN-r5-a submitted again with one more Observation (more documentation): the same request, updated."""
    doc = _reblozyl("TRN-r5-a")
    doc["identifier"]["value"] = "SUB-TRN-r5-a-2"
    doc["entry"].append({"fullUrl": "http://example.org/fhir/Observation/r5-weight", "resource": {
        "resourceType": "Observation", "id": "r5-weight", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"}]},
        "subject": {"reference": "Patient/r3m05"}, "effectiveDateTime": "2026-12-01",
        "valueQuantity": {"value": 71, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}})
    return "POST", PAS, FHIR, _b(doc)


def p05() -> Request:
    """An update (profile-claim-update) with its own identifier TRN-r5-c, Claim.related -> TRN-r5-a as prior."""
    return "POST", PAS, FHIR, _b(_update("TRN-r5-c", "TRN-r5-a"))


def p06() -> Request:
    """An update naming a prior request nobody submitted."""
    return "POST", PAS, FHIR, _b(_update("TRN-r5-d", "TRN-r5-never-sent"))


def p07() -> Request:
    """Cancel the pended TRN-r5-b (Claim.status cancelled, its own identifier)."""
    return "POST", PAS, FHIR, _b(_cancel(_esa("TRN-r5-b")))


def p08() -> Request:
    """$inquire for TRN-r5-b after its cancellation."""
    doc = _inquiry("TRN-r5-b")
    _claim(doc)["item"][0]["productOrService"] = _claim(_esa("x"))["item"][0]["productOrService"]
    return "POST", INQUIRE, FHIR, _b(doc)


def p09() -> Request:
    """Cancel TRN-r5-a, which mednec certified (A1)."""
    return "POST", PAS, FHIR, _b(_cancel(_reblozyl("TRN-r5-a")))


def p10() -> Request:
    """Cancel a request nobody submitted."""
    return "POST", PAS, FHIR, _b(_cancel(_reblozyl("TRN-r5-never-sent")))


def p11() -> Request:
    """A pended ESA request TRN-r5-e (clinic-a)."""
    return "POST", PAS, FHIR, _b(_esa("TRN-r5-e"))


def p12() -> Request:
    """clinic-b cancels TRN-r5-e, clinic-a's pended request (same Claim.identifier)."""
    return "POST", PAS, FHIR, _b(_cancel(_esa("TRN-r5-e")))


def p13() -> Request:
    """clinic-a asks for TRN-r5-e: still pended (clinic-b's cancellation changed nothing)."""
    doc = _inquiry("TRN-r5-e")
    return "POST", INQUIRE, FHIR, _b(doc)


def p14() -> Request:
    """clinic-b asks for clinic-a's TRN-r5-a by the preAuthRef clinic-a was given."""
    doc = _inquiry("TRN-r5-zz")
    _claim(doc)["insurance"][0]["preAuthRef"] = [pre_auth_ref("clinic-a", "TRN-r5-a")]
    return "POST", INQUIRE, FHIR, _b(doc)


def p15() -> Request:
    """clinic-b sends an update whose Claim.related names clinic-a's TRN-r5-a."""
    return "POST", PAS, FHIR, _b(_update("TRN-r5-f", "TRN-r5-a"))


def p16() -> Request:
    """An update of the cancelled TRN-r5-b."""
    return "POST", PAS, FHIR, _b(_update("TRN-r5-g", "TRN-r5-b", _esa))


def p17() -> Request:
    """Cancel by item: certificationType 3 (Cancel) on the pended TRN-r5-e's item."""
    doc = _esa("TRN-r5-e")
    doc["identifier"]["value"] = "SUB-TRN-r5-e-cancel"
    _claim(doc)["item"][0]["extension"] = [{"url": CERT_TYPE, "valueCodeableConcept": {"coding": [
        {"system": "https://codesystem.x12.org/005010/1322", "code": "3", "display": "Cancel"}]}}]
    return "POST", PAS, FHIR, _b(doc)


def p18() -> Request:
    """Claim.status given twice: "active", then "cancelled" (a duplicate JSON key)."""
    text = json.dumps(_reblozyl("TRN-r5-h"))
    text = text.replace('"status": "active"', '"status": "active", "status": "cancelled"', 1)
    return "POST", PAS, FHIR, text.encode()


def p19() -> Request:
    """Claim.patient names a patient the Bundle does not hold; the Bundle's record is Patient/r3m05."""
    doc = _reblozyl("TRN-r5-i")
    _claim(doc)["patient"] = {"reference": "Patient/someone-else-77"}
    return "POST", PAS, FHIR, _b(doc)


def p20() -> Request:
    """Claim.item[0].sequence is the text "one"."""
    doc = _reblozyl("TRN-r5-j")
    _claim(doc)["item"][0]["sequence"] = "one"
    return "POST", PAS, FHIR, _b(doc)


def p21() -> Request:
    """Claim.item is a string."""
    doc = _reblozyl("TRN-r5-k")
    _claim(doc)["item"] = "J0896"
    return "POST", PAS, FHIR, _b(doc)


def _repatha_cigna_via_clearing_house(trn: str, start: str, end: str) -> Request:
    """r3-l10's Repatha request as PAS, the Cigna Coverage in force from ``start`` to ``end``, the Claim sent to a
    clearing house."""
    doc = r4._pas_repatha_cigna(trn)
    for e in doc["entry"]:
        r = e["resource"]
        if r["resourceType"] == "Coverage":
            r["period"] = _period(start, end)
        if r["resourceType"] == "Claim":
            r["insurer"] = {"display": "UM clearing house"}
    return "POST", PAS, FHIR, _b(doc)


def p22() -> Request:
    """r3-l10's Repatha request as PAS, the Cigna Coverage ended 2025-12-31, the Claim sent to a clearing house."""
    return _repatha_cigna_via_clearing_house("TRN-r5-l", "2025-01-01", "2025-12-31")


def p23() -> Request:
    """The same with the Cigna Coverage in force (2026)."""
    return _repatha_cigna_via_clearing_house("TRN-r5-m", "2026-01-01", "2026-12-31")


def p24() -> Request:
    """clinic-b submits its own request with clinic-a's identifier TRN-r5-b (cancelled at clinic-a)."""
    return "POST", PAS, FHIR, _b(_esa("TRN-r5-b"))


# ---- mednec's JSON API ----------------------------------------------------------------------------

def _case() -> dict[str, Any]:
    return r4._repatha_case()  # type: ignore[no-any-return]


def a01() -> Request:
    return "POST", "/cases", JSON, _b({"case": _case(), "title": "r5 a01"})


def a02() -> Request:
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": "Repatha"})


def a03() -> Request:
    """"title" twice with different values."""
    return "POST", "/cases", JSON, b'{"title": "first", "case": ' + _b(_case()) + b', "title": "second"}'


def a04() -> Request:
    """ldl_c given twice inside the case's facts, 88 and 40 mg/dL."""
    text = json.dumps({"case": _case()})
    text = text.replace('"ldl_c": {', '"ldl_c": {"value": 40, "unit": "mg/dL", "date": "2026-11-01"}, "ldl_c": {', 1)
    return "POST", "/cases", JSON, text.encode()


def a05() -> Request:
    """"drug" twice: Repatha, then Wegovy."""
    return "POST", "/cases/{case}/evaluations", JSON, b'{"drug": "Repatha", "drug": "Wegovy"}'


def a06() -> Request:
    """The same key given twice with the same value (as case files allow)."""
    return "POST", "/cases", JSON, b'{"title": "same", "title": "same", "case": ' + _b(_case()) + b"}"


def a07() -> Request:
    """"drug" and "dr\\u0075g": the same key after JSON decoding, two values."""
    return "POST", "/cases/{case}/evaluations", JSON, b'{"drug": "Repatha", "dr\\u0075g": "Wegovy"}'


def a08() -> Request:
    """clinic-b reads clinic-a's case."""
    return "GET", "/cases/{case}", {}, b""


def a09() -> Request:
    """clinic-b evaluates clinic-a's case."""
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": "Repatha"})


def a10() -> Request:
    """clinic-b reads clinic-a's evaluation."""
    return "GET", "/evaluations/{ev}", {}, b""


def a11() -> Request:
    """clinic-b reads clinic-a's evaluation's article."""
    return "GET", "/evaluations/{ev}/documents/article", {}, b""


def a12() -> Request:
    """clinic-b appeals clinic-a's evaluation."""
    return "POST", "/evaluations/{ev}/review", JSON, _b({"action": "appeal", "reason": "we disagree"})


def a13() -> Request:
    """A requester asks for the audit log."""
    return "GET", "/audit", {}, b""


def a14() -> Request:
    """A case id with a Cyrillic 'с' for the Latin 'c'."""
    return "GET", "/cases/\u0441as_0000000000000000", {}, b""


def a15() -> Request:
    """A traversal in a document kind."""
    return "GET", "/evaluations/{ev}/documents/..%2F..%2F..%2Fetc%2Fpasswd", {}, b""


def a16() -> Request:
    """A traversal in a Questionnaire id."""
    return "GET", "/fhir/Questionnaire/..%2F..%2Fpyproject.toml", {}, b""


def a17() -> Request:
    """A file URL as the canonical searched for."""
    return "GET", "/fhir/Questionnaire?url=file:///etc/passwd", {}, b""


def a18() -> Request:
    """A case nested 500 levels deep inside a fact."""
    return "POST", "/cases", JSON, b'{"case": {"facts": {"x": ' + b"[" * 500 + b"]" * 500 + b"}}}"


def a19() -> Request:
    """A form-encoded body."""
    return "POST", "/cases", {"Content-Type": "application/x-www-form-urlencoded"}, b"case=1&title=x"


def a20() -> Request:
    """Two credentials in one Authorization header (as a proxy joins two headers): clinic-a's and clinic-b's."""
    return "GET", "/cases", {"Authorization": "Bearer {key}, Bearer {key_b}"}, b""


def a21() -> Request:
    """A document format that is a path."""
    return "GET", "/evaluations/{ev}/documents/article?format=..%2F..%2Fetc%2Fpasswd", {}, b""


def a22() -> Request:
    """as_of on 30 February."""
    return "POST", "/cases/{case}/evaluations", JSON, _b({"drug": "Repatha", "as_of": "2026-02-30"})


def a23() -> Request:
    """A DTR questionnaire request with "drug" twice."""
    body = json.dumps({"case": _case(), "drug": "Repatha"})
    return "POST", "/fhir/questionnaire", JSON, body.replace('"drug": "Repatha"', '"drug": "Wegovy", "drug": "Repatha"').encode()


def a24() -> Request:
    """The evaluation list after the PAS requests (clinic-a): one evaluation per request mednec accepted."""
    return "GET", "/evaluations?state=submitted&limit=200", {}, b""


REQUESTS: dict[str, Callable[[], Request]] = {
    name: fn for name, fn in sorted(globals().items())
    if len(name) == 3 and name[0] in "acp" and name[1:].isdigit() and callable(fn)}

__all__ = ["REQUESTS", "pre_auth_ref"]
