"""Held-out round requests8 (helper api8, 2026-12-07): every documented endpoint asked the way a careless or hostile
integrator asks it, written from the README ("The service", "Security and limits", the roles) and RFC 9110 / RFC 9457
before mednec was run on them: roles refused before bodies on every route that needs a role (a refused role gets 403
whatever it sent, also a malformed body or out-of-range query), another organisation's ids on the routes that take
one (404, also where a 304, 409 or 412 would say the record exists), methods (405 with Allow), content types (415),
huge bodies (413), bad JSON (400), no or wrong credentials (401 with WWW-Authenticate), paging out of range, unknown
query parameters, Accept (406 or the default), conditional headers, HEAD / OPTIONS, trailing slashes, URL-encoded
traversal, DTR / CDS Hooks / PAS edge shapes, web pages.

``REQUESTS[id]()`` gives ``(method, path, headers, body bytes)``; ``{name}`` in a path is an id an earlier request
saved (``save:`` in expected.yaml). ``as:`` names the caller: a (clinic-a requester, default), b (clinic-b
requester), r (the plan's physician reviewer), p (the plan's policy author), u (the plan's auditor), anon.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("requests5_build_for_8", HERE.parent / "requests5" / "build.py")
assert _spec is not None and _spec.loader is not None
r5: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(r5)
r4 = r5.r4

PAS = r5.PAS
INQUIRE = r5.INQUIRE
SIGN = r5.CRD_SIGN
JSON = {"Content-Type": "application/json"}
FHIR = {"Content-Type": "application/fhir+json"}

Request = tuple[str, str, dict[str, str], bytes]


def _b(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _reblozyl_case() -> dict[str, Any]:
    """First-line luspatercept met: IPSS-R low, Hb 8.4, EPO 180, RS 18 % with SF3B1, 3 units in 8 weeks, ESA-naive."""
    return {"as_of": "2026-12-06", "patient": {"birth_date": "1949-01-03", "sex": "female"},
            "facts": {"diagnosis": "D46.1", "ipss_r_category": "low",
                      "hemoglobin": {"value": 8.4, "unit": "g/dL", "date": "2026-11-20"},
                      "serum_epo": {"value": 180, "unit": "mU/mL", "date": "2026-11-01"},
                      "ring_sideroblasts_pct": 18, "sf3b1_mutation": True, "del5q": False,
                      "rbc_transfusions": [{"date": "2026-11-01", "units": 2}, {"date": "2026-10-18", "units": 1}],
                      "esa_history": [], "immediate_correction_needed": False}}


def _case(body: dict[str, Any], **headers: str) -> Request:
    return "POST", "/cases", {**JSON, **headers}, _b(body)


# ---- set-up ----------------------------------------------------------------------------------------------------

def s01() -> Request:
    return _case({"case": _reblozyl_case(), "title": "s01 first line"})


def s02() -> Request:
    return "POST", "/cases/{case1}/evaluations", JSON, _b({"drug": "Reblozyl"})


# ---- roles before bodies: a refused role gets 403 whatever it sent ----------------------------------------------

def b01() -> Request:
    """A physician reviewer creates a case (requesters do), with a malformed case."""
    return _case({"case": 5, "colour": "blue"})


def b02() -> Request:
    """An auditor evaluates a case, with a drug of the wrong type."""
    return "POST", "/cases/{case1}/evaluations", JSON, _b({"drug": 7, "phase": "renewal"})


def b03() -> Request:
    """A policy author patches a case's facts, with a malformed body and no If-Match."""
    return "PATCH", "/cases/{case1}", JSON, _b({"facts": "all of them", "replace": "maybe"})


def b04() -> Request:
    """An auditor acts on the review, with an unknown action."""
    return "POST", "/evaluations/{ev1}/review", JSON, _b({"action": "escalate"})


def b05() -> Request:
    """A policy author acts on the review with an empty body."""
    return "POST", "/evaluations/{ev1}/review", JSON, _b({})


def b06() -> Request:
    """A requester creates a user, with an unknown role."""
    return "POST", "/users", JSON, _b({"org": "clinic-a", "role": "god"})


def b07() -> Request:
    """A physician reviewer creates a user, with an empty body."""
    return "POST", "/users", JSON, _b({})


def b08() -> Request:
    """A physician reviewer submits a PAS request, with an empty object."""
    return "POST", PAS, FHIR, _b({})


def b09() -> Request:
    """An auditor asks $inquire, with a Bundle lacking everything."""
    return "POST", INQUIRE, FHIR, _b({"resourceType": "Bundle"})


def b10() -> Request:
    """A requester reads the audit log with an order that does not exist."""
    return "GET", "/audit?order=sideways", {}, b""


def b11() -> Request:
    """A requester reads the audit log with limit 0."""
    return "GET", "/audit?limit=0", {}, b""


def b12() -> Request:
    """A policy author lists evaluations with limit 0 (cases are not visible to policy authors)."""
    return "GET", "/evaluations?limit=0", {}, b""


def b13() -> Request:
    """A physician reviewer reviews a policy version with an unknown action (the family's known member)."""
    return "POST", "/policies/evolocumab-repatha/versions/2027.1.1/review", JSON, _b({"action": "nuke"})


def b14() -> Request:
    """An auditor sends a case that is not JSON at all."""
    return "POST", "/cases", JSON, b'{"case": {"patient": '


def b15() -> Request:
    """No credentials, a malformed case: 401 first."""
    return _case({"case": 5})


def b16() -> Request:
    """Control: a requester's appeal with a reason of the wrong type: a requester may appeal, so the body is checked."""
    return "POST", "/evaluations/{ev1}/review", JSON, _b({"action": "appeal", "reason": 5})


def b17() -> Request:
    """A physician reviewer lists cases with offset -1 (reviewers read cases: the query is checked)."""
    return "GET", "/cases?offset=-1", {}, b""


def b18() -> Request:
    """A policy author lists cases with limit 1000 (cases are not visible to policy authors)."""
    return "GET", "/cases?limit=1000", {}, b""


def b19() -> Request:
    """A requester reads the metrics (reviewers, auditors, admins only), with a query parameter."""
    return "GET", "/metrics/prior-auth?drug=%00", {}, b""


# ---- another organisation's ids ----------------------------------------------------------------------------------

def c01() -> Request:
    return "GET", "/cases/{case1}/compare?drug=Reblozyl", {}, b""


def c02() -> Request:
    return "GET", "/evaluations/{ev1}/history", {}, b""


def c03() -> Request:
    return "HEAD", "/evaluations/{ev1}/documents/letter", {}, b""


def c04() -> Request:
    return "POST", "/cases/{case1}/evaluations", JSON, _b({"drug": "Reblozyl"})


def c05() -> Request:
    return "PATCH", "/cases/{case1}", {**JSON, "If-Match": "*"}, _b({"facts": {"hemoglobin": 9.0}})


def c06() -> Request:
    return "GET", "/evaluations?case={case1}", {}, b""


def c07() -> Request:
    return "POST", "/evaluations/{ev1}/review", JSON, _b({"action": "appeal", "reason": "let me in"})


def c08() -> Request:
    """If-None-Match: * on another organisation's case: a 304 would say it exists."""
    return "GET", "/cases/{case1}", {"If-None-Match": "*"}, b""


def c09() -> Request:
    """A stale If-Match on another organisation's case: a 412 would say it exists."""
    return "PATCH", "/cases/{case1}", {**JSON, "If-Match": '"v999"'}, _b({"facts": {"hemoglobin": 9.0}})


def c10() -> Request:
    """A denial notice of another organisation's met evaluation: a 409 'does not fit' would say it exists."""
    return "GET", "/evaluations/{ev1}/documents/denial", {}, b""


def c11() -> Request:
    """The web answer page of another organisation's evaluation."""
    return "GET", "/answers/{ev1}", {}, b""


# ---- methods, content types, sizes, JSON ---------------------------------------------------------------------------

def h01() -> Request:
    return "DELETE", "/cases", {}, b""


def h02() -> Request:
    return "PUT", "/evaluations/{ev1}", JSON, _b({"state": "approved"})


def h03() -> Request:
    return "GET", PAS, {}, b""


def h04() -> Request:
    return "PATCH", "/cds-services", JSON, b"{}"


def h05() -> Request:
    """A case as text/plain."""
    return "POST", "/cases", {"Content-Type": "text/plain"}, _b({"case": _reblozyl_case()})


def h06() -> Request:
    """A PAS request as XML."""
    return "POST", PAS, {"Content-Type": "application/fhir+xml"}, b'<Bundle xmlns="http://hl7.org/fhir"/>'


def h07() -> Request:
    """A CDS Hooks call as a form."""
    return "POST", SIGN, {"Content-Type": "application/x-www-form-urlencoded"}, b"hook=order-sign&hookInstance=x"


def h08() -> Request:
    """A 7 MiB case (over the 6 MiB limit)."""
    case = _reblozyl_case()
    return _case({"case": case, "title": "t", "question": None, "pad": "x" * (7 * 1024 * 1024)})


def h09() -> Request:
    """A 7 MiB DTR body."""
    return "POST", "/fhir/questionnaire", JSON, _b({"case": _reblozyl_case(), "drug": "Reblozyl",
                                                    "pad": "x" * (7 * 1024 * 1024)})


def h10() -> Request:
    """Single-quoted keys (not JSON)."""
    return "POST", "/cases", JSON, b"{'case': {'patient': {'sex': 'male'}}}"


def h11() -> Request:
    """$inquire with a trailing comma."""
    return "POST", INQUIRE, FHIR, b'{"resourceType": "Bundle", "type": "collection", "entry": [],}'


def h12() -> Request:
    return "GET", "/evaluations", {}, b""


def h13() -> Request:
    return "POST", PAS, FHIR, _b(r5._reblozyl("TRN-r8-anon"))


def h14() -> Request:
    """Basic credentials (the API takes Bearer keys)."""
    return "GET", "/cases", {"Authorization": "Basic dXNlcjpwYXNz"}, b""


def h15() -> Request:
    return "GET", "/cases?limit=201", {}, b""


def h16() -> Request:
    return "GET", "/cases?offset=1000000001", {}, b""


def h17() -> Request:
    """The auditor reads the audit log with limit 501."""
    return "GET", "/audit?limit=501", {}, b""


def h18() -> Request:
    """An unknown query parameter."""
    return "GET", "/cases?colour=blue", {}, b""


def h19() -> Request:
    """A case asked for as XML."""
    return "GET", "/cases/{case1}", {"Accept": "application/xml"}, b""


def h20() -> Request:
    """Questionnaire search answering FHIR JSON."""
    return "GET", "/fhir/Questionnaire?url=http%3A%2F%2Fnowhere.example%2FQ%2F1", {"Accept": "application/fhir+json"}, b""


def h21() -> Request:
    """The DTR questionnaire asked for as HTML only."""
    return "POST", "/fhir/questionnaire", {**JSON, "Accept": "text/html"}, _b({"case": _reblozyl_case(), "drug": "Reblozyl"})


def h22() -> Request:
    """A document asked for as CSV only."""
    return "GET", "/evaluations/{ev1}/documents/article", {"Accept": "text/csv"}, b""


def h23() -> Request:
    """?format=json wins over an Accept for HTML."""
    return "GET", "/evaluations/{ev1}/documents/article?format=json", {"Accept": "text/html"}, b""


def h24() -> Request:
    return "HEAD", "/cases/{case1}", {}, b""


def h25() -> Request:
    return "OPTIONS", "/evaluations/{ev1}/review", {}, b""


def h26() -> Request:
    return "OPTIONS", PAS, {}, b""


def h27() -> Request:
    return "GET", "/cases/", {}, b""


def h28() -> Request:
    return "GET", "/evaluations/{ev1}/", {}, b""


def h29() -> Request:
    return "GET", "/evaluations/{ev1}/documents/..%2F..%2F..%2Fetc%2Fpasswd", {}, b""


def h30() -> Request:
    return "GET", "/static/..%2F..%2F..%2Fpyproject.toml", {}, b""


def h31() -> Request:
    return "GET", "/fhir/Questionnaire/..%2F..%2Fcases", {}, b""


def h32() -> Request:
    """A path nothing serves, asked for JSON."""
    return "GET", "/v2/cases", {"Accept": "application/json"}, b""


def h33() -> Request:
    """If-None-Match with a tag that is not the evaluation's."""
    return "GET", "/evaluations/{ev1}", {"If-None-Match": 'W/"nonsense"'}, b""


def h34() -> Request:
    """A JSON array where an object is expected."""
    return "POST", "/cases", JSON, b"[]"


def h35() -> Request:
    """A published version's impact for a version that does not exist."""
    return "GET", "/policies/evolocumab-repatha/versions/2099.1.1/impact", {}, b""


def h36() -> Request:
    """Traversal in a policy id."""
    return "GET", "/policies/..%2F..%2Fetc%2Fpasswd", {}, b""


def h37() -> Request:
    """An empty Bearer."""
    return "GET", "/cases", {"Authorization": "Bearer "}, b""


def h38() -> Request:
    """An evaluation whose JSON body has a 'drug' list."""
    return "POST", "/cases/{case1}/evaluations", JSON, _b({"drug": ["Reblozyl", "Procrit"]})


# ---- DTR, CDS Hooks, PAS ------------------------------------------------------------------------------------------

def f01() -> Request:
    """$questionnaire-package with an empty object (not a Parameters resource)."""
    return "POST", "/fhir/Questionnaire/$questionnaire-package", FHIR, _b({})


def f02() -> Request:
    """A CDS Hooks call without its hook."""
    doc = r4._wegovy("order-sign", instance="r8-f02")
    doc.pop("hook", None)
    return "POST", SIGN, JSON, _b(doc)


def f03() -> Request:
    """questionnaire-response without the response."""
    return "POST", "/fhir/questionnaire-response", JSON, _b({"case": _reblozyl_case(), "drug": "Reblozyl"})


def f04() -> Request:
    """Discovery with an unknown query parameter."""
    return "GET", "/cds-services?foo=bar", {}, b""


def f05() -> Request:
    """A PAS Claim Bundle as a JSON string."""
    return "POST", PAS, FHIR, _b(json.dumps(r5._reblozyl("TRN-r8-str")))


def f06() -> Request:
    """DTR for a drug mednec has no policy for."""
    return "POST", "/fhir/questionnaire", JSON, _b({"case": _reblozyl_case(), "drug": "Aspirin"})


# ---- web pages ---------------------------------------------------------------------------------------------------

def w01() -> Request:
    return "DELETE", "/ask", {}, b""


def w02() -> Request:
    return "GET", "/library/..%2F..%2Fetc%2Fpasswd", {}, b""


def w03() -> Request:
    """The public ask form posted as JSON."""
    return "POST", "/public/ask", JSON, _b({"question": "Is Repatha covered?"})


def w04() -> Request:
    return "GET", "/library/evolocumab-repatha", {}, b""


REQUESTS = {name: fn for name, fn in dict(globals()).items()
            if callable(fn) and len(name) == 3 and name[0] in "sbchfw" and name[1:].isdigit()}
