"""Held-out round requests6: valid-but-unusual requests and hostile ones through every endpoint, as outside
testers send them (helper api6, 2026-12-07), written from RFC 9110 (HEAD, OPTIONS, 405 Allow, 406, 415,
Content-Encoding), RFC 8259 (UTF-8, byte order mark), FHIR R4 http (mime types), CDS Hooks 2.0, Da Vinci PAS
2.x (updates with their own identifier and Claim.related, spec-55/56 on replaced requests, no update of a
denied request) and the README before mednec was run on them. The clinical records are the earlier sets'
(fhir3 r3-m05 Reblozyl, r3-g10 Wegovy via requests4, examples/repatha-ascvd.yaml via requests4).

``REQUESTS[id]()`` gives ``(method, path, headers, body bytes)``; ``{name}`` in a path or a header is an id an
earlier request saved (``save:`` in expected.yaml). ``as:`` names the caller: ``a`` (clinic-a's requester, the
default), ``b`` (clinic-b's requester), ``r`` (a physician reviewer of the reviewing organisation ``plan``),
``anon`` (no Authorization header). ``at:`` moves the service's clock from that request on.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import zlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("requests5_build_for_6", HERE.parent / "requests5" / "build.py")
assert _spec is not None and _spec.loader is not None
r5: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(r5)
r4 = r5.r4

PAS = r5.PAS
INQUIRE = r5.INQUIRE
SIGN = r5.CRD_SIGN
TRN = r5.TRN
JSON = {"Content-Type": "application/json"}
FHIR = {"Content-Type": "application/fhir+json"}
#: the patient data the PHI checks look for (a name, an MRN and a birth date nobody else in the round has)
PHI_NAME = "Quillfeather"
PHI_MRN = "MRN-77Q-40913"
PHI_DOB = "1951-03-29"

Request = tuple[str, str, dict[str, str], bytes]


def _b(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _claim(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["entry"][0]["resource"]  # type: ignore[no-any-return]


def _reblozyl(trn: str) -> dict[str, Any]:
    return r5._reblozyl(trn)  # type: ignore[no-any-return]


def _esa(trn: str) -> dict[str, Any]:
    return r5._esa(trn)  # type: ignore[no-any-return]


def _marked(doc: dict[str, Any]) -> dict[str, Any]:
    """The Bundle's Patient with the round's PHI marks (name, MRN, birth date)."""
    for e in doc["entry"]:
        res = e["resource"]
        if res["resourceType"] == "Patient":
            res["name"] = [{"use": "official", "family": PHI_NAME, "given": ["Zoë", "Ñúñez"]}]
            res["identifier"][0]["value"] = PHI_MRN
            res["birthDate"] = PHI_DOB
    return doc


def _update(trn: str, prior: str, build: Any = _reblozyl) -> dict[str, Any]:
    return r5._update(trn, prior, build)  # type: ignore[no-any-return]


def _inquiry(trn: str, build: Any = _reblozyl) -> dict[str, Any]:
    doc = build(trn)
    _claim(doc)["meta"]["profile"] = ["http://hl7.org/fhir/us/davinci-pas/StructureDefinition/profile-claim-inquiry"]
    return doc  # type: ignore[no-any-return]


def _case() -> dict[str, Any]:
    return r4._repatha_case()  # type: ignore[no-any-return]


def _wegovy(instance: str) -> dict[str, Any]:
    return r4._wegovy("order-sign", instance=f"r6-{instance}")  # type: ignore[no-any-return]


# ---- the JSON API: cases, evaluations, questions ----------------------------------------------------

def a01() -> Request:
    """A case, Content-Type with a charset parameter (the case later requests use)."""
    return "POST", "/cases", {"Content-Type": "application/json; charset=utf-8"}, _b({"case": _case(), "title": "a01"})


def a02() -> Request:
    """Evaluate it (Repatha), charset in quotes and upper case."""
    return "POST", "/cases/{case}/evaluations", {"Content-Type": 'application/json; charset="UTF-8"'}, \
        _b({"drug": "Repatha"})


def a03() -> Request:
    """A case whose title is in several scripts, with an emoji ZWJ sequence and combining marks."""
    return "POST", "/cases", JSON, _b({"case": _case(), "title": "Zoë Ñúñez — 患者 محمد 👩\u200d⚕️ e\u0301"})


def a04() -> Request:
    """The body starts with a UTF-8 byte order mark (Windows integrations write one)."""
    return "POST", "/cases", JSON, b"\xef\xbb\xbf" + _b({"case": _case(), "title": "a04 with BOM"})


def a05() -> Request:
    """The body gzip-compressed, Content-Encoding: gzip."""
    return "POST", "/cases", {**JSON, "Content-Encoding": "gzip"}, gzip.compress(_b({"case": _case(), "title": "a05"}))


def a06() -> Request:
    """The body deflate-compressed (zlib), Content-Encoding: deflate."""
    return "POST", "/cases", {**JSON, "Content-Encoding": "deflate"}, zlib.compress(_b({"case": _case(), "title": "a06"}))


def a07() -> Request:
    """Content-Encoding: br (Brotli), which the service does not decode."""
    return "POST", "/cases", {**JSON, "Content-Encoding": "br"}, b"\x8b\x03\x80" + _b({"case": _case()})


def a08() -> Request:
    """Content-Encoding: gzip, but the body is plain JSON (a proxy's mistake)."""
    return "POST", "/cases", {**JSON, "Content-Encoding": "gzip"}, _b({"case": _case(), "title": "a08"})


def a09() -> Request:
    """A gzip bomb: 64 KiB compressed, 64 MiB of spaces and a JSON object once decompressed."""
    raw = b"{" + b" " * (64 * 1024 * 1024) + b'"case": {}}'
    return "POST", "/cases", {**JSON, "Content-Encoding": "gzip"}, gzip.compress(raw, compresslevel=9)


def a10() -> Request:
    """POST /cases/ (a trailing slash)."""
    return "POST", "/cases/", JSON, _b({"case": _case(), "title": "a10"})


def a11() -> Request:
    """GET /cases/{case}/ (a trailing slash)."""
    return "GET", "/cases/{case}/", {}, b""


def a12() -> Request:
    """HEAD /cases/{case}: the GET's status and headers, no body."""
    return "HEAD", "/cases/{case}", {}, b""


def a13() -> Request:
    """HEAD /health."""
    return "HEAD", "/health", {}, b""


def a14() -> Request:
    """OPTIONS /cases: which methods the resource allows."""
    return "OPTIONS", "/cases", {}, b""


def a15() -> Request:
    """DELETE /cases/{case}: no such method on a case (405 names the allowed ones)."""
    return "DELETE", "/cases/{case}", {}, b""


def a16() -> Request:
    """A case with 1e999 for the LDL (a number no float holds)."""
    text = _b({"case": _case()}).replace(b'"value": 88', b'"value": 1e999')
    return "POST", "/cases", JSON, text


def a17() -> Request:
    """A 5,000-digit integer for the LDL (Python's int() refuses over 4,300 digits)."""
    text = _b({"case": _case()}).replace(b'"value": 88', b'"value": ' + b"9" * 5000)
    return "POST", "/cases", JSON, text


def a18() -> Request:
    """A 5,000-digit decimal fraction (0.000...088) for the LDL: a legal JSON number no fact can hold."""
    text = _b({"case": _case()}).replace(b'"value": 88', b'"value": 0.' + b"0" * 4998 + b"88")
    return "POST", "/cases", JSON, text


def a19() -> Request:
    """A large but legal body: 200 medication history entries (the same statin course) and a title of 300
    characters (the API's limit)."""
    case = _case()
    case["facts"]["medication_history"] = [dict(case["facts"]["medication_history"][0]) for _ in range(200)]
    return "POST", "/cases", JSON, _b({"case": case, "title": "Ω" * 300})


def a20() -> Request:
    """A question in plain words, in Spanish accents and a Greek mu (µ in 'µmol')."""
    return "POST", "/cases", {"Content-Type": "application/json;charset=UTF-8"}, _b({"question": (
        "Does a 60-year-old man (José Ñúñez) with a prior heart attack, LDL 88 mg/dL on atorvastatin 80 mg for "
        "6 months, qualify for Repatha?")})


def a21() -> Request:
    """JSON sent as application/x-www-form-urlencoded (content-type confusion)."""
    return "POST", "/cases", {"Content-Type": "application/x-www-form-urlencoded"}, _b({"case": _case()})


def a22() -> Request:
    """The case as application/fhir+json (a +json media type: JSON)."""
    return "POST", "/cases", FHIR, _b({"case": _case(), "title": "a22"})


def a23() -> Request:
    """Content-Type application/json, a body in ISO-8859-1 ('é' as the byte 0xE9), charset declared."""
    return "POST", "/cases", {"Content-Type": "application/json; charset=iso-8859-1"}, \
        _b({"case": _case(), "title": "Ren"}).replace(b'"Ren"', b'"Ren\xe9e"')


def a24() -> Request:
    """JSON nested 5,000 levels deep."""
    return "POST", "/cases", JSON, b'{"case": ' + b"[" * 5000 + b"]" * 5000 + b"}"


# ---- documents and the review workflow ----------------------------------------------------------------

def d01() -> Request:
    """The evaluation's letter, Accept: application/pdf and no format parameter."""
    return "GET", "/evaluations/{ev}/documents/letter", {"Accept": "application/pdf"}, b""


def d02() -> Request:
    """The letter, Accept: text/html, no format parameter."""
    return "GET", "/evaluations/{ev}/documents/letter", {"Accept": "text/html"}, b""


def d03() -> Request:
    """The letter, Accept: application/json with a q-value list, no format parameter."""
    return "GET", "/evaluations/{ev}/documents/letter", {"Accept": "text/html;q=0.5, application/json"}, b""


def d04() -> Request:
    """The letter, ?format=pdf and Accept: */*."""
    return "GET", "/evaluations/{ev}/documents/letter?format=pdf", {"Accept": "*/*"}, b""


def d05() -> Request:
    """The letter, Accept: image/png only (a type no document has)."""
    return "GET", "/evaluations/{ev}/documents/letter", {"Accept": "image/png"}, b""


def d06() -> Request:
    """clinic-b downloads clinic-a's letter by its id."""
    return "GET", "/evaluations/{ev}/documents/letter?format=pdf", {}, b""


def d07() -> Request:
    """A document name with traversal, URL-encoded: ../../etc/passwd."""
    return "GET", "/evaluations/{ev}/documents/..%2F..%2Fetc%2Fpasswd", {}, b""


def d08() -> Request:
    """HEAD on the letter."""
    return "HEAD", "/evaluations/{ev}/documents/letter", {}, b""


def d09() -> Request:
    """clinic-b reads clinic-a's evaluation history."""
    return "GET", "/evaluations/{ev}/history", {}, b""


def d10() -> Request:
    """clinic-b claims clinic-a's evaluation for review (a requester may not review; another org's: unseen)."""
    return "POST", "/evaluations/{ev}/review", JSON, _b({"action": "claim"})


def w01() -> Request:
    """A pended ESA request as PAS (TRN-r6-w), to be cancelled: its evaluation becomes withdrawn."""
    return "POST", PAS, FHIR, _b(_esa("TRN-r6-w"))


def w02() -> Request:
    """Cancel TRN-r6-w (Claim.status cancelled)."""
    doc = _esa("TRN-r6-w")
    _claim(doc)["status"] = "cancelled"
    doc["identifier"]["value"] += "-cancel"
    return "POST", PAS, FHIR, _b(doc)


def w03() -> Request:
    """clinic-a lists its withdrawn evaluations (the cancelled request's)."""
    return "GET", "/evaluations?state=withdrawn", {}, b""


def w04() -> Request:
    """The withdrawn evaluation's article (Markdown, for the clinician): it must say withdrawn, not pending review."""
    return "GET", "/evaluations/{wd}/documents/article", {}, b""


def w05() -> Request:
    """The withdrawn evaluation's article for the patient (HTML)."""
    return "GET", "/evaluations/{wd}/documents/article?audience=patient&format=html", {}, b""


def w06() -> Request:
    """A physician reviewer tries to claim the withdrawn evaluation."""
    return "POST", "/evaluations/{wd}/review", JSON, _b({"action": "claim"})


def w07() -> Request:
    """A pended ESA request TRN-r6-x for the reviewer to work."""
    return "POST", PAS, FHIR, _b(_esa("TRN-r6-x"))


def w08() -> Request:
    """The reviewer lists the queue (submitted): finds TRN-r6-x's evaluation."""
    return "GET", "/evaluations?state=submitted&limit=100", {}, b""


def w09() -> Request:
    """The reviewer 'reopens' an evaluation (an action the workflow does not have)."""
    return "POST", "/evaluations/{px}/review", JSON, _b({"action": "reopen"})


def w10() -> Request:
    """The reviewer claims it, Content-Type with a charset."""
    return "POST", "/evaluations/{px}/review", {"Content-Type": "application/json; charset=utf-8"}, \
        _b({"action": "claim"})


def w11() -> Request:
    """The reviewer overturns the not-met recommendation to approved, with a reason in several scripts."""
    return "POST", "/evaluations/{px}/review", JSON, _b({"action": "overturn", "decision": "approved",
                                                          "reason": "Doğru — 承認 ✓"})


def w12() -> Request:
    """The same approval again (already decided)."""
    return w11()


def w13() -> Request:
    """An update of TRN-r6-x after the physician approved it (its own identifier TRN-r6-x2, Claim.related ->
    TRN-r6-x), nothing else changed."""
    doc = _update("TRN-r6-x2", "TRN-r6-x", _esa)
    return "POST", PAS, FHIR, _b(doc)


# ---- PAS: updates under a new identifier, identical resubmissions, denials ----------------------------

def p01() -> Request:
    """TRN-r6-a: r3-m05's Reblozyl request, with the round's PHI marks on the Patient -> certified."""
    return "POST", PAS, FHIR, _b(_marked(_reblozyl("TRN-r6-a")))


def p02() -> Request:
    """An update with its own identifier TRN-r6-a2, Claim.related -> TRN-r6-a (prior), one more Observation."""
    doc = _marked(_update("TRN-r6-a2", "TRN-r6-a"))
    doc["entry"].append({"fullUrl": "http://example.org/fhir/Observation/r6-weight", "resource": {
        "resourceType": "Observation", "id": "r6-weight", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7", "display": "Body weight"}]},
        "subject": {"reference": "Patient/r3m05"}, "effectiveDateTime": "2026-12-02",
        "valueQuantity": {"value": 70, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}}})
    return "POST", PAS, FHIR, _b(doc)


def p03() -> Request:
    """$inquire by the update's own identifier TRN-r6-a2: the request as it stands."""
    return "POST", INQUIRE, FHIR, _b(_marked(_inquiry("TRN-r6-a2")))


def p04() -> Request:
    """$inquire by the replaced identifier TRN-r6-a: the current response (PAS spec-55/56)."""
    return "POST", INQUIRE, FHIR, _b(_marked(_inquiry("TRN-r6-a")))


def p05() -> Request:
    """A second update TRN-r6-a3 whose Claim.related names the first update TRN-r6-a2 (a chain of updates)."""
    return "POST", PAS, FHIR, _b(_marked(_update("TRN-r6-a3", "TRN-r6-a2")))


def p06() -> Request:
    """clinic-b sends an update naming clinic-a's TRN-r6-a2 (the update's own identifier)."""
    return "POST", PAS, FHIR, _b(_update("TRN-r6-b1", "TRN-r6-a2"))


def p07() -> Request:
    """A pended ESA request TRN-r6-e, resubmitted identically two days later (p08)."""
    return "POST", PAS, FHIR, _b(_esa("TRN-r6-e"))


def p08() -> Request:
    """TRN-r6-e again, byte for byte, on 2026-12-08 (a retry after a lost response)."""
    return p07()


def p09() -> Request:
    """clinic-a lists its withdrawn evaluations: TRN-r6-e's first evaluation must not be among them (only the
    cancelled TRN-r6-w's ESA evaluation is)."""
    return "GET", "/evaluations?state=withdrawn&limit=100", {}, b""


def p10() -> Request:
    """$submit with Accept: application/fhir+json: the answer in FHIR's JSON media type."""
    return "POST", PAS, {**FHIR, "Accept": "application/fhir+json"}, _b(_reblozyl("TRN-r6-f"))


def p11() -> Request:
    """$submit with Accept: application/fhir+xml only (mednec writes JSON; PAS spec-15 says JSON)."""
    return "POST", PAS, {**FHIR, "Accept": "application/fhir+xml"}, _b(_reblozyl("TRN-r6-g"))


def p12() -> Request:
    """$submit with Content-Type: application/fhir+json; fhirVersion=4.0 (FHIR's version parameter)."""
    return "POST", PAS, {"Content-Type": "application/fhir+json; fhirVersion=4.0; charset=utf-8"}, \
        _b(_reblozyl("TRN-r6-h"))


def p13() -> Request:
    """$submit gzip-compressed."""
    return "POST", PAS, {**FHIR, "Content-Encoding": "gzip"}, gzip.compress(_b(_reblozyl("TRN-r6-i")))


def p14() -> Request:
    """$submit/ with a trailing slash."""
    return "POST", PAS + "/", FHIR, _b(_reblozyl("TRN-r6-j"))


def p15() -> Request:
    """$submit whose Claim.item[0].quantity.value is a 5,000-digit integer."""
    text = _b(_reblozyl("TRN-r6-k"))
    return "POST", PAS, FHIR, text.replace(b'"quantity": {"value": 1}', b'"quantity": {"value": ' + b"7" * 5000 + b"}", 1)


def p16() -> Request:
    """A PAS request with the PHI marks and a Claim.item that is a string: the error names the field and quotes
    no patient data."""
    doc = _marked(_reblozyl("TRN-r6-l"))
    _claim(doc)["item"] = f"{PHI_NAME} {PHI_MRN} {PHI_DOB}"
    return "POST", PAS, FHIR, _b(doc)


def p17() -> Request:
    """A PAS request with the PHI marks whose Patient.birthDate is after the evaluation date (refused):
    the error names the field, not the date or the patient."""
    doc = _marked(_reblozyl("TRN-r6-m"))
    for e in doc["entry"]:
        if e["resource"]["resourceType"] == "Patient":
            e["resource"]["birthDate"] = "2031-02-14"
            e["resource"]["name"][0]["family"] = PHI_NAME
    return "POST", PAS, FHIR, _b(doc)


def p18() -> Request:
    """An update of a request that was cancelled (TRN-r6-w, cancelled in w02)."""
    return "POST", PAS, FHIR, _b(_update("TRN-r6-w2", "TRN-r6-w", _esa))


def n01() -> Request:
    """A pended ESA request TRN-r6-n, for the physician reviewer to deny."""
    return "POST", PAS, FHIR, _b(_esa("TRN-r6-n"))


def n02() -> Request:
    """The reviewer lists the queue to find TRN-r6-n's evaluation."""
    return "GET", "/evaluations?state=submitted&limit=100", {}, b""


def n03() -> Request:
    """The reviewer claims it."""
    return "POST", "/evaluations/{nx}/review", JSON, _b({"action": "claim"})


def n04() -> Request:
    """The reviewer confirms the not-met recommendation (a denial), signed with their registered name."""
    return "POST", "/evaluations/{nx}/review", JSON, _b({
        "action": "approve", "reason": "EPO above the policy's limit", "signature": "req-r"})


def n05() -> Request:
    """An update TRN-r6-n2 of the denied TRN-r6-n (PAS: a denied request is not updated; a new request is made)."""
    return "POST", PAS, FHIR, _b(_update("TRN-r6-n2", "TRN-r6-n", _esa))


def n06() -> Request:
    """$inquire TRN-r6-n: still the denial."""
    return "POST", INQUIRE, FHIR, _b(_inquiry("TRN-r6-n", _esa))


# ---- CDS Hooks ----------------------------------------------------------------------------------------

def c01() -> Request:
    """Discovery with a trailing slash."""
    return "GET", "/cds-services/", {"Accept": "application/json"}, b""


def c02() -> Request:
    """HEAD on discovery."""
    return "HEAD", "/cds-services", {}, b""


def c03() -> Request:
    """OPTIONS on a service (a browser's CORS preflight from an EHR's web client)."""
    return "OPTIONS", SIGN, {"Origin": "https://ehr.example.org", "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "authorization, content-type"}, b""


def c04() -> Request:
    """order-sign, Content-Type with a charset, gzip-compressed."""
    return "POST", SIGN, {"Content-Type": "application/json; charset=utf-8", "Content-Encoding": "gzip"}, \
        gzip.compress(_b(_wegovy("c04")))


def c05() -> Request:
    """order-sign with a 5,000-digit BMI in prefetch (a number bomb in a FHIR Observation)."""
    doc = _wegovy("c05")
    text = json.dumps(doc)
    i = text.find('"valueQuantity": {"value": ')
    assert i > 0
    j = i + len('"valueQuantity": {"value": ')
    k = j
    while text[k] in "0123456789.":
        k += 1
    return "POST", SIGN, JSON, (text[:j] + "4" * 5000 + text[k:]).encode()


def c06() -> Request:
    """GET on a CDS service (only POST is defined)."""
    return "GET", SIGN, {}, b""


def c07() -> Request:
    """No Authorization header at all."""
    return "POST", SIGN, JSON, _b(_wegovy("c07"))


# ---- web forms ----------------------------------------------------------------------------------------

def f01() -> Request:
    """The sign-in form posted from another site without the form's CSRF token."""
    return "POST", "/sign-in", {"Content-Type": "application/x-www-form-urlencoded",
                                "Origin": "https://evil.example"}, b"api_key={key}"


def f02() -> Request:
    """The ask form posted with an API key as Bearer and no session or CSRF token."""
    return "POST", "/ask", {"Content-Type": "application/x-www-form-urlencoded"}, \
        b"question=Does+a+60-year-old+qualify+for+Repatha%3F"


def f03() -> Request:
    """The sign-out form posted without a CSRF token."""
    return "POST", "/sign-out", {"Content-Type": "application/x-www-form-urlencoded"}, b""


def f04() -> Request:
    """HEAD on the sign-in page."""
    return "HEAD", "/sign-in", {}, b""


# ---- audit --------------------------------------------------------------------------------------------

def u01() -> Request:
    """A requester asks for the audit log of clinic-a's evaluation."""
    return "GET", "/audit?entity={ev}", {}, b""


def u02() -> Request:
    """The reviewer-side auditor is not here; the reviewer asks for the audit log (auditors and admins only)."""
    return "GET", "/audit", {}, b""


REQUESTS = {name: fn for name, fn in dict(globals()).items()
            if callable(fn) and len(name) == 3 and name[0] in "adwpncfu" and name[1:].isdigit()}
