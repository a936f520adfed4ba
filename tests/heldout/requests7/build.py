"""Held-out round requests7 (helper cases7, 2026-12-07): the service as outside integrators call it, written from the
README's "The service" section and "The case file" before mednec was run on them: case files in the round-7 spellings
sent through ``POST /cases`` (mixed date forms, comparators, doubt answers, keys twice), evaluations of one case for
two drugs, plain-language questions, the compare endpoint, conditional requests (``If-Match: *``, ``If-None-Match: *``,
a stale ETag), pagination and filters (limit / offset bounds, unknown states, a case filter), idempotency keys (the
same key with another body, another organisation's identical key), content types and malformed bodies (YAML, a
truncated body, NaN, a case as a string), documents that do not fit the determination, unknown audiences and formats,
the review workflow by role (a requester claiming, approving an insufficient-information recommendation, appealing
an approval, overturning without a reason, metrics), policies, DTR, CDS Hooks and PAS.

``REQUESTS[id]()`` gives ``(method, path, headers, body bytes)``; ``{name}`` in a path is an id an earlier request
saved (``save:`` in expected.yaml). ``as:`` names the caller as in requests6.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
_spec = importlib.util.spec_from_file_location("requests5_build_for_7", HERE.parent / "requests5" / "build.py")
assert _spec is not None and _spec.loader is not None
r5: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(r5)
r4 = r5.r4

PAS = r5.PAS
INQUIRE = r5.INQUIRE
SIGN = r5.CRD_SIGN
SELECT = r4.CRD_SELECT
JSON = {"Content-Type": "application/json"}
FHIR = {"Content-Type": "application/fhir+json"}

Request = tuple[str, str, dict[str, str], bytes]


def _b(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _reblozyl_case() -> dict[str, Any]:
    """cases7 m01: mixed date forms, a comparator EPO, detected / not detected."""
    return {"as_of": "2026-12-06", "patient": {"birth_date": "3rd January 1949", "sex": "woman"},
            "facts": {"diagnosis": "D46.1", "ipss_r_category": "low",
                      "hemoglobin": {"value": "8.4 g/dL", "date": "2026-11-20T08:15:00-05:00"},
                      "serum_epo": "< 200 mU/mL", "ring_sideroblasts_pct": 18,
                      "sf3b1_mutation": "detected", "del5q": "not detected",
                      "rbc_transfusions": [{"date": "20261101", "units": "2 U"}, {"date": "2026/10/18", "units": 1}],
                      "esa_history": [], "immediate_correction_needed": "no"}}


def _wegovy_doubt_case() -> dict[str, Any]:
    """cases7 g03: pregnancy 'not yet confirmed'."""
    return {"as_of": "2026-12-06", "patient": {"birth_date": "1992-10-02", "sex": "F"},
            "facts": {"bmi": 35.2, "lifestyle_program_months": 4, "mtc_men2_history": "N",
                      "concurrent_glp1": "N", "pregnant": "not yet confirmed"}}


def _wegovy_renewal_case() -> dict[str, Any]:
    """cases7 g10: 250 -> 237.5 lb (5.0 %)."""
    return {"as_of": "2026-12-06", "patient": {"birth_date": "1977-12-12", "sex": "female"},
            "facts": {"weight_baseline": {"value": "250 lb", "date": "2026-05-04"},
                      "weight": {"value": "237.5 lb", "date": "2026-12-01"},
                      "lifestyle_continued": "Yes", "on_maintenance_dose": "Yes", "mtc_men2_history": "No",
                      "concurrent_glp1": "No", "pregnant": "No"}}


def _aetna_case() -> dict[str, Any]:
    """cases7 g11: programme 5 months (Aetna asks 6)."""
    return {"as_of": "2026-12-06", "patient": {"birth_date": "1983-08-08", "sex": "male"},
            "facts": {"bmi": 33, "lifestyle_program_months": "5 months", "prior_mi": False,
                      "prior_ischemic_stroke": False, "symptomatic_pad": False, "mtc_men2_history": False,
                      "concurrent_glp1": False}}


def _case(body: dict[str, Any], **headers: str) -> Request:
    return "POST", "/cases", {**JSON, **headers}, _b(body)


# ---- case files through the API (cases7 spellings) -------------------------------------------------------

def k01() -> Request:
    """cases7 m01 as the `case` of POST /cases."""
    return _case({"case": _reblozyl_case(), "title": "k01 mixed dates"})


def k02() -> Request:
    """Evaluate it for Reblozyl."""
    return "POST", "/cases/{case1}/evaluations", JSON, _b({"drug": "Reblozyl"})


def k03() -> Request:
    """The same case for Procrit (two drugs, one case)."""
    return "POST", "/cases/{case1}/evaluations", JSON, _b({"drug": "Procrit"})


def k04() -> Request:
    """A bound in the value and a comparator beside it."""
    case = _reblozyl_case()
    case["facts"]["serum_epo"] = {"value": "> 500", "unit": "mU/mL", "comparator": "<="}
    return _case({"case": case})


def k05() -> Request:
    """The drug written inside the case (not a case-file key)."""
    case = _reblozyl_case()
    case["drug"] = "Reblozyl"
    return _case({"case": case})


def k06() -> Request:
    """bmi twice in one facts object with different values (raw JSON)."""
    body = ('{"case": {"as_of": "2026-12-06", "patient": {"birth_date": "1979-03-17", "sex": "female"}, '
            '"facts": {"bmi": 31.0, "lifestyle_program_months": 6, "bmi": 26.0}}}')
    return "POST", "/cases", JSON, body.encode()


def k07() -> Request:
    """hypertension twice with the same value."""
    body = ('{"case": {"as_of": "2026-12-06", "patient": {"birth_date": "1979-03-17", "sex": "female"}, '
            '"facts": {"bmi": 28.1, "hypertension": true, "lifestyle_program_months": 6, "hypertension": true}}}')
    return "POST", "/cases", JSON, body.encode()


def k08() -> Request:
    """A transfusion dated 11/04/2026 (4 November or 11 April)."""
    case = _reblozyl_case()
    case["facts"]["rbc_transfusions"] = [{"date": "10/14/2026", "units": 2}, {"date": "11/04/2026", "units": 2}]
    return _case({"case": case})


def k09() -> Request:
    """ANC '1,200 /uL'."""
    case = _reblozyl_case()
    case["facts"]["anc"] = "1,200 /uL"
    return _case({"case": case})


def k10() -> Request:
    """cases7 g03 (pregnancy not yet confirmed)."""
    return _case({"case": _wegovy_doubt_case(), "title": "k10 doubt"})


def k11() -> Request:
    """Evaluate it for Wegovy."""
    return "POST", "/cases/{case3}/evaluations", JSON, _b({"drug": "Wegovy"})


def k12() -> Request:
    """cases7 g11 (Aetna, 5 months of programme)."""
    return _case({"case": _aetna_case(), "title": "k12 aetna"})


def k13() -> Request:
    """The case under every payer variant of Wegovy."""
    return "GET", "/cases/{case5}/compare?drug=Wegovy", {}, b""


def k14() -> Request:
    """A variant asked for in the evaluation body (the API has no such field)."""
    return "POST", "/cases/{case5}/evaluations", JSON, _b({"drug": "Wegovy", "variant": "aetna-2022"})


def k15() -> Request:
    """phase 'renewal' (the API's word is continuation)."""
    return "POST", "/cases/{case5}/evaluations", JSON, _b({"drug": "Wegovy", "phase": "renewal"})


def k16() -> Request:
    """The drug in lower case."""
    return "POST", "/cases/{case5}/evaluations", JSON, _b({"drug": "wegovy"})


def k17() -> Request:
    """A misspelt drug."""
    return "POST", "/cases/{case5}/evaluations", JSON, _b({"drug": "Wegovvy"})


def k18() -> Request:
    """cases7 g10 (a Wegovy renewal)."""
    return _case({"case": _wegovy_renewal_case(), "title": "k18 renewal"})


def k19() -> Request:
    """Evaluate it as a continuation, expedited."""
    return "POST", "/cases/{case6}/evaluations", JSON, _b({"drug": "Wegovy", "phase": "continuation",
                                                          "urgency": "expedited"})


def k20() -> Request:
    """PATCH without If-Match."""
    return "PATCH", "/cases/{case1}", JSON, _b({"facts": {"hemoglobin": 8.3}})


def k21() -> Request:
    """PATCH with If-Match: * (RFC 9110 13.1.1: true when a current representation exists)."""
    return "PATCH", "/cases/{case1}", {**JSON, "If-Match": "*"}, _b({"facts": {"hemoglobin": 8.3}})


def k22() -> Request:
    """PATCH with a stale entity tag."""
    return "PATCH", "/cases/{case1}", {**JSON, "If-Match": '"not-the-current-etag"'}, _b({"facts": {"hemoglobin": 8.2}})


def k23() -> Request:
    """GET with If-None-Match: * on a case that exists (RFC 9110 13.1.2: false -> 304 for GET)."""
    return "GET", "/cases/{case1}", {"If-None-Match": "*"}, b""


def k24() -> Request:
    """PATCH a fact by a name that is no fact id."""
    return "PATCH", "/cases/{case1}", {**JSON, "If-Match": "*"}, _b({"facts": {"hgb": 8.0}})


def k25() -> Request:
    """The evaluation's as_of in words."""
    return "POST", "/cases/{case1}/evaluations", JSON, _b({"drug": "Reblozyl", "as_of": "next Tuesday"})


# ---- questions ---------------------------------------------------------------------------------------------

def q01() -> Request:
    return _case({"question": "Does a 58-year-old man who had a heart attack in 2023, LDL 92 mg/dL last month on "
                              "atorvastatin 80 mg daily for a year, qualify for Repatha?"})


def q02() -> Request:
    return "POST", "/cases/{qcase}/evaluations", JSON, _b({"drug": "Repatha"})


def q03() -> Request:
    """An empty question."""
    return _case({"question": ""})


def q04() -> Request:
    """A case and a question in one body."""
    return _case({"case": _aetna_case(), "question": "Does she qualify for Wegovy?"})


def q05() -> Request:
    """An empty object."""
    return "POST", "/cases", JSON, b"{}"


def q06() -> Request:
    """A 4,001-character question (over the documented 4,000)."""
    return _case({"question": "Does he qualify for Repatha? " + "x" * 3972})


# ---- pagination and filters --------------------------------------------------------------------------------

def g01() -> Request:
    return "GET", "/cases?limit=2", {}, b""


def g02() -> Request:
    return "GET", "/cases?limit=0", {}, b""


def g03() -> Request:
    return "GET", "/cases?offset=-1", {}, b""


def g04() -> Request:
    return "GET", "/cases?limit=ten", {}, b""


def g05() -> Request:
    return "GET", "/evaluations?state=pending", {}, b""


def g06() -> Request:
    return "GET", "/evaluations?overdue=maybe", {}, b""


def g07() -> Request:
    """The evaluations of one case."""
    return "GET", "/evaluations?case={case1}", {}, b""


def g08() -> Request:
    """An offset past the end."""
    return "GET", "/evaluations?limit=1&offset=1000000", {}, b""


def g09() -> Request:
    """State in upper case."""
    return "GET", "/evaluations?state=SUBMITTED", {}, b""


# ---- idempotency -------------------------------------------------------------------------------------------

def i01() -> Request:
    return _case({"case": _aetna_case(), "title": "i01"}, **{"Idempotency-Key": "r7-i01"})


def i02() -> Request:
    return i01()


def i03() -> Request:
    """The same key with another body."""
    return _case({"case": _aetna_case(), "title": "i03 another body"}, **{"Idempotency-Key": "r7-i01"})


def i04() -> Request:
    """clinic-b sends the same key and body (its own request)."""
    return i01()


def i05() -> Request:
    return "POST", "/cases/{case1}/evaluations", {**JSON, "Idempotency-Key": "r7-i05"}, _b({"drug": "Reblozyl"})


def i06() -> Request:
    return i05()


# ---- content types and malformed bodies --------------------------------------------------------------------

def x01() -> Request:
    """The case file as YAML."""
    return "POST", "/cases", {"Content-Type": "application/x-yaml"}, \
        b"case:\n  patient: {birth_date: 1979-03-17, sex: female}\n  facts: {bmi: 31}\n"


def x02() -> Request:
    """A truncated body."""
    return "POST", "/cases", JSON, _b({"case": _aetna_case()})[:-7]


def x03() -> Request:
    """NaN (not JSON, RFC 8259 6)."""
    return "POST", "/cases", JSON, b'{"case": {"patient": {"sex": "male"}, "facts": {"ldl_c": NaN}}}'


def x04() -> Request:
    """The case as a YAML string inside the JSON."""
    return _case({"case": "patient: {sex: male}\nfacts: {ldl_c: 120}\n"})


def x05() -> Request:
    """An evaluation with no body."""
    return "POST", "/cases/{case1}/evaluations", JSON, b""


def x06() -> Request:
    """ldl_c true."""
    return _case({"case": {"patient": {"sex": "male", "age": 60}, "facts": {"ldl_c": True}}})


# ---- documents ---------------------------------------------------------------------------------------------

def d01() -> Request:
    return "GET", "/evaluations/{ev1}/documents", {}, b""


def d02() -> Request:
    return "GET", "/evaluations/{ev1}/documents/letter?format=json", {}, b""


def d03() -> Request:
    """A denial notice of a meets-criteria evaluation."""
    return "GET", "/evaluations/{ev1}/documents/denial", {}, b""


def d04() -> Request:
    """An information request of a meets-criteria evaluation."""
    return "GET", "/evaluations/{ev1}/documents/info-request", {}, b""


def d05() -> Request:
    """The patient's information request of the insufficient-information Wegovy evaluation, as HTML."""
    return "GET", "/evaluations/{evw}/documents/info-request?audience=patient&format=html", {}, b""


def d06() -> Request:
    return "GET", "/evaluations/{ev1}/documents/article?audience=insurer", {}, b""


def d07() -> Request:
    return "GET", "/evaluations/{ev1}/documents/letter?format=docx", {}, b""


# ---- the review workflow -----------------------------------------------------------------------------------

def r01() -> Request:
    """The requester claims its own evaluation."""
    return "POST", "/evaluations/{ev1}/review", JSON, _b({"action": "claim"})


def r02() -> Request:
    return "POST", "/evaluations/{ev1}/review", JSON, _b({"action": "claim"})


def r03() -> Request:
    """The reviewer approves the meets-criteria recommendation."""
    return "POST", "/evaluations/{ev1}/review", JSON, _b({"action": "approve"})


def r04() -> Request:
    return "GET", "/evaluations/{ev1}/history", {}, b""


def r05() -> Request:
    """The requester appeals an approval."""
    return "POST", "/evaluations/{ev1}/review", JSON, _b({"action": "appeal", "reason": "why not"})


def r06() -> Request:
    return "POST", "/evaluations/{evw}/review", JSON, _b({"action": "claim"})


def r07() -> Request:
    """Approve an insufficient-information recommendation."""
    return "POST", "/evaluations/{evw}/review", JSON, _b({"action": "approve"})


def r08() -> Request:
    """Overturn without a reason."""
    return "POST", "/evaluations/{evw}/review", JSON, _b({"action": "overturn", "decision": "approved"})


def r09() -> Request:
    return "POST", "/evaluations/{evw}/review", JSON, _b({"action": "request_info",
                                                         "reason": "Pregnancy test result, please"})


def r10() -> Request:
    """The requester releases a claim it does not hold."""
    return "POST", "/evaluations/{ev2}/review", JSON, _b({"action": "release"})


def r11() -> Request:
    return "GET", "/metrics/prior-auth", {}, b""


def r12() -> Request:
    return "GET", "/metrics/prior-auth", {}, b""


def r13() -> Request:
    """An unknown action."""
    return "POST", "/evaluations/{ev2}/review", JSON, _b({"action": "escalate"})


# ---- policies ----------------------------------------------------------------------------------------------

def o01() -> Request:
    return "GET", "/policies", {}, b""


def o02() -> Request:
    return "GET", "/policies/evolocumab-repatha", {}, b""


def o03() -> Request:
    return "GET", "/policies/no-such-policy", {}, b""


def o04() -> Request:
    """A requester drafts a policy version."""
    return "POST", "/policies/evolocumab-repatha/versions", JSON, _b({"version": "2027.1.1"})


# ---- DTR, CDS Hooks, PAS -----------------------------------------------------------------------------------

def f01() -> Request:
    return "POST", "/fhir/questionnaire", JSON, _b({"case": _wegovy_doubt_case(), "drug": "Wegovy"})


def f02() -> Request:
    return "POST", "/fhir/questionnaire", JSON, _b({"case": _wegovy_doubt_case(), "drug": "Wegovy",
                                                   "phase": "renewal"})


def f03() -> Request:
    return "GET", "/fhir/Questionnaire?url=http%3A%2F%2Fnowhere.example%2FQuestionnaire%2F1", {}, b""


def f04() -> Request:
    return "GET", "/fhir/Questionnaire/does-not-exist", {}, b""


def f05() -> Request:
    return "GET", "/cds-services", {}, b""


def f06() -> Request:
    """Wegovy order-sign (r3-g10: old MI, BMI 31.2) as application/fhir+json."""
    return "POST", SIGN, FHIR, _b(r4._wegovy("order-sign", instance="r7-f06"))


def f07() -> Request:
    return "POST", "/cds-services/no-such-service", JSON, _b(r4._wegovy("order-sign", instance="r7-f07"))


def f08() -> Request:
    """An order-select request sent to the order-sign service."""
    return "POST", SIGN, JSON, _b(r4._wegovy("order-select", instance="r7-f08"))


def f09() -> Request:
    return "POST", PAS, FHIR, _b(r5._reblozyl("TRN-r7-a"))


def f10() -> Request:
    return "POST", INQUIRE, FHIR, _b(r5._inquiry("TRN-r7-a"))


def f11() -> Request:
    """A bare Claim, not a Bundle."""
    return "POST", PAS, FHIR, _b(r5._claim(r5._reblozyl("TRN-r7-b")))


def f12() -> Request:
    """$inquire for a request never submitted."""
    return "POST", INQUIRE, FHIR, _b(r5._inquiry("TRN-r7-never"))


REQUESTS = {name: fn for name, fn in dict(globals()).items()
            if callable(fn) and len(name) == 3 and name[0] in "kqgixdrof" and name[1:].isdigit()}
