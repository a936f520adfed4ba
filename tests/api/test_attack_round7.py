"""Attack round 7 (helper attack7, 2026-12-07): what rounds 3-6 left out, each family its own test, on SQLite and
PostgreSQL, written before mednec's handlers were changed.

- **HEAD on a document** is a check, not a view: it answers the GET's status and headers without rendering the
  document, is not audited as ``document.produce`` and takes nothing from the user's PDF allowance (API and web).
- **FHIR media types** on every FHIR endpoint (DTR as well as PAS): ``application/fhir+json`` when Accept prefers
  it, 406 when Accept allows no JSON.
- **CORS**: no CORS headers unless the operator lists origins (``MEDNEC_CORS_ORIGINS``); then exactly those
  origins, never credentials, never a wildcard; a preflight from another origin gets none.
- **Caching and sniffing**: every API answer that may carry patient data says ``Cache-Control: no-store`` and
  ``X-Content-Type-Options: nosniff``.
- **The API takes no cookie**: a browser signed in to the web app cannot be made to call the JSON API (a
  cross-site ``text/plain`` POST carries the cookie, never a bearer key).
- **Forwarded addresses** do not reset the per-address counts (wrong keys, failed sign-ins).
- **Markup in a physician's registered name and a decision's reason** (the signed denial notice): Typst code is
  printed, HTML escaped.
- **IDOR through filter parameters**: another organisation's case id in ``?case=``, invented ``?org=`` filters.
- **Role escalation**: each role asking for what another role does.
- **PHI in logs along a whole request's life** (case with the patient's name, MRN and birth date, evaluation,
  every document, review, PAS, DTR), with every logger at DEBUG (SQLAlchemy's included); log lines cannot be
  forged with newlines in paths.
- **Content-Disposition** file names are plain tokens in every download.
- **JSON width**: an object of 300,000 keys is answered (refused or read) without a 500.

First contact (see the commit message): the failing ones are strict xfail with the reason, until the commit that
fixes their family.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import logging
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mednec.api import Settings, create_app
from mednec.runtime import default_runtime
from tests.api.conftest import World, example

HELD = Path(__file__).resolve().parents[1] / "heldout"
_spec = importlib.util.spec_from_file_location("requests6_build_for_attacks7", HELD / "requests6" / "build.py")
assert _spec is not None and _spec.loader is not None
r6: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(r6)

SUBMIT = "/fhir/Claim/$submit"
INQUIRE = "/fhir/Claim/$inquire"
PHI = (r6.PHI_NAME, r6.PHI_MRN, r6.PHI_DOB)


@pytest.fixture(autouse=True)
def _on_the_records_day(world: World) -> None:
    world.clock.t = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


def _case_id(w: World, who: str = "req", title: str = "round 7") -> str:
    r = w.client.post("/cases", json={"case": r6._case(), "title": title}, headers=w.h(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _evaluation(w: World, who: str = "req", title: str = "round 7") -> str:
    r = w.client.post(f"/cases/{_case_id(w, who, title)}/evaluations", json={"drug": "Repatha"}, headers=w.h(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def _audited(w: World, action: str) -> int:
    r = w.client.get(f"/audit?action={action}&limit=500", headers=w.h("auditor"))
    assert r.status_code == 200, r.text
    return len(r.json()["items"])


def _web(w: World, who: str, base_url: str = "http://testserver") -> TestClient:
    from tests.web.conftest import sign_in

    c = TestClient(w.client.app, base_url=base_url)
    sign_in(c, w.keys[who])
    return c


# --- HEAD on a document -------------------------------------------------------------------------------------

def _count_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    import mednec.documents as documents

    calls: list[str] = []
    real = documents.produce

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(str(args[2]))
        return real(*args, **kwargs)

    monkeypatch.setattr(documents, "produce", counting)
    return calls


@pytest.mark.parametrize("fmt", ["pdf", "html", "markdown", "json"])
def test_head_on_a_document_renders_and_audits_nothing(world: World, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    ev = _evaluation(world)
    renders = _count_renders(monkeypatch)
    before = _audited(world, "document.produce")
    path = f"/evaluations/{ev}/documents/letter?format={fmt}"
    head = world.client.head(path, headers=world.h("req"))
    assert head.status_code == 200 and head.content == b"", head.status_code
    assert renders == [] and _audited(world, "document.produce") == before, (renders, before)
    get = world.client.get(path, headers=world.h("req"))
    assert get.status_code == 200 and len(renders) == 1 and _audited(world, "document.produce") == before + 1
    for name in ("content-type", "content-disposition"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_head_on_a_pdf_takes_nothing_from_the_allowance(world: World) -> None:
    ev = _evaluation(world)
    statuses = [world.client.head(f"/evaluations/{ev}/documents/article?format=pdf", headers=world.h("req")).status_code
                for _ in range(35)]
    assert set(statuses) == {200}, statuses
    assert world.client.get(f"/evaluations/{ev}/documents/article?format=pdf", headers=world.h("req")).status_code == 200


@pytest.mark.parametrize("doc,status", [("denial", 409), ("info-request", 409), ("nothing", (404, 422))])
def test_head_refuses_what_get_refuses(world: World, doc: str, status: Any) -> None:
    ev = _evaluation(world)
    allowed = status if isinstance(status, tuple) else (status,)
    head = world.client.head(f"/evaluations/{ev}/documents/{doc}", headers=world.h("req"))
    get = world.client.get(f"/evaluations/{ev}/documents/{doc}", headers=world.h("req"))
    assert head.status_code == get.status_code and head.status_code in allowed, (head.status_code, get.status_code)


def test_head_on_a_web_download_is_not_audited(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from mednec.api.guard import HEAD_KEY
    from mednec.web.core import HEAD_KEY as WEB_HEAD_KEY

    assert HEAD_KEY == WEB_HEAD_KEY  # the web app names the guard's key without importing the API
    ev = _evaluation(world)
    c = _web(world, "req")
    renders = _count_renders(monkeypatch)
    before = _audited(world, "document.produce")
    r = c.head(f"/answers/{ev}/documents/letter?format=pdf")
    assert r.status_code == 200 and r.content == b"", r.status_code
    assert renders == [] and _audited(world, "document.produce") == before
    other = _web(world, "req_b")
    assert other.head(f"/answers/{ev}/documents/letter?format=pdf").status_code == 404


# --- FHIR media types on every FHIR endpoint ----------------------------------------------------------------

def _dtr_case() -> dict[str, Any]:
    return json.loads(json.dumps(example("luspatercept-missing-epo.yaml"), default=str))


def _items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [x for i in items for x in [i, *_items(i.get("item") or [])]]


def _answered(q: dict[str, Any]) -> dict[str, Any]:
    """A QuestionnaireResponse answering the first yes/no or number question of ``q``."""
    values = {"boolean": ("valueBoolean", True), "decimal": ("valueDecimal", 10.5), "integer": ("valueInteger", 10)}
    leaf = next(i for kind in values for i in _items(q["item"]) if i.get("type") == kind and "." not in i["linkId"])
    key, value = values[leaf["type"]]
    return {"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": q["url"],
            "item": [{"linkId": leaf["linkId"], "answer": [{key: value}]}]}


def _fhir_calls(w: World) -> dict[str, tuple[str, str, Any]]:
    q = w.client.post("/fhir/questionnaire", json={"case": _dtr_case(), "drug": "reblozyl"}, headers=w.h("req"))
    assert q.status_code == 200, q.text[:300]
    qr = q.json()
    return {
        "DTR questionnaire": ("POST", "/fhir/questionnaire", {"case": _dtr_case(), "drug": "reblozyl"}),
        "Questionnaire search": ("GET", f"/fhir/Questionnaire?url={qr['url']}", None),
        "Questionnaire read": ("GET", f"/fhir/Questionnaire/{qr['id']}", None),
        "$questionnaire-package": ("POST", "/fhir/Questionnaire/$questionnaire-package", {
            "resourceType": "Parameters", "parameter": [{"name": "questionnaire", "valueCanonical": qr["url"]}]}),
        "questionnaire-response": ("POST", "/fhir/questionnaire-response", {
            "case": _dtr_case(), "drug": "reblozyl", "response": _answered(qr)}),
        "PAS $inquire": ("POST", INQUIRE, r6._inquiry("TRN-r7-none")),
    }


FHIR_CALLS = ["DTR questionnaire", "Questionnaire search", "Questionnaire read", "$questionnaire-package",
              "questionnaire-response"]


@pytest.mark.parametrize("name", FHIR_CALLS)
@pytest.mark.parametrize("accept,want", [
    ("application/fhir+json", "application/fhir+json"),
    ("application/fhir+json;q=0.9, application/json;q=0.5", "application/fhir+json"),
    ("application/json", "application/json"), (None, "application/json"),
    ("application/fhir+xml", 406)])
def test_every_fhir_endpoint_follows_accept(world: World, name: str, accept: str | None, want: Any) -> None:
    method, path, body = _fhir_calls(world)[name]
    headers = world.h("req", **({"accept": accept} if accept else {}))
    r = world.client.request(method, path, json=body, headers=headers)
    if want == 406:
        assert r.status_code == 406 and r.headers["content-type"].startswith("application/problem+json"), r.status_code
        return
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"].split(";")[0] == want, r.headers["content-type"]


# --- CORS ---------------------------------------------------------------------------------------------------

CORS_PATHS = [("GET", "/cases"), ("GET", "/health"), ("POST", "/cases"), ("GET", "/cds-services"), ("GET", "/sign-in")]


@pytest.mark.parametrize("method,path", CORS_PATHS)
def test_no_cors_headers_by_default(world: World, method: str, path: str) -> None:
    origin = {"origin": "https://evil.example"}
    r = world.client.request(method, path, headers=world.h("req", **origin), json={"case": r6._case()} if method == "POST" else None)
    assert not [k for k in r.headers if k.lower().startswith("access-control-")], dict(r.headers)
    pre = world.client.options(path, headers={**origin, "access-control-request-method": method,
                                              "access-control-request-headers": "authorization, content-type"})
    assert pre.status_code < 500
    assert not [k for k in pre.headers if k.lower().startswith("access-control-")], dict(pre.headers)


@pytest.fixture
def cors_app(db_url: str, world: World, monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("MEDNEC_CORS_ORIGINS", "https://ehr.example, https://portal.example:8443")
    app = create_app(Settings(database_url=db_url, runtime=default_runtime(), now=world.clock))
    return TestClient(app)


def test_listed_origins_only(world: World, cors_app: TestClient) -> None:
    good = cors_app.get("/cases", headers=world.h("req", origin="https://ehr.example"))
    assert good.status_code == 200
    assert good.headers.get("access-control-allow-origin") == "https://ehr.example", dict(good.headers)
    assert "origin" in good.headers.get("vary", "").lower()
    assert "access-control-allow-credentials" not in good.headers
    port = cors_app.get("/cases", headers=world.h("req", origin="https://portal.example:8443"))
    assert port.headers.get("access-control-allow-origin") == "https://portal.example:8443"
    for bad in ("https://evil.example", "https://ehr.example.evil.example", "http://ehr.example", "null",
                "https://EHR.example.", "https://portal.example"):
        r = cors_app.get("/cases", headers=world.h("req", origin=bad))
        assert "access-control-allow-origin" not in r.headers, (bad, dict(r.headers))
    pre = cors_app.options("/fhir/Claim/$submit", headers={
        "origin": "https://ehr.example", "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type"})
    assert pre.status_code in (200, 204), pre.status_code
    assert pre.headers.get("access-control-allow-origin") == "https://ehr.example"
    allowed = pre.headers.get("access-control-allow-headers", "").lower()
    assert "authorization" in allowed and "content-type" in allowed
    evil = cors_app.options("/cases", headers={"origin": "https://evil.example", "access-control-request-method": "POST"})
    assert "access-control-allow-origin" not in evil.headers and evil.status_code < 500


def test_a_wildcard_origin_setting_is_refused(db_url: str, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from mednec.errors import ConfigError

    monkeypatch.setenv("MEDNEC_CORS_ORIGINS", "*")
    with pytest.raises(ConfigError, match="MEDNEC_CORS_ORIGINS"):
        create_app(Settings(database_url=db_url, runtime=default_runtime(), now=world.clock))


# --- caching and sniffing -----------------------------------------------------------------------------------

def _phi_routes(w: World) -> list[tuple[str, str, Any]]:
    ev = _evaluation(w)
    case = w.client.get(f"/evaluations/{ev}", headers=w.h("req")).json()["case"]
    return [("GET", f"/cases/{case}", None), ("GET", "/cases", None), ("GET", f"/evaluations/{ev}", None),
            ("GET", "/evaluations", None), ("GET", f"/evaluations/{ev}/history", None),
            ("GET", f"/evaluations/{ev}/documents/letter?format=pdf", None),
            ("GET", f"/evaluations/{ev}/documents/letter?format=markdown", None),
            ("GET", f"/evaluations/{ev}/documents/letter?format=html", None),
            ("POST", "/cases", {"case": r6._case()}), ("POST", SUBMIT, r6._reblozyl("TRN-r7-cache")),
            ("GET", f"/evaluations/{ev}/documents/nothing", None), ("GET", "/evaluations/ev_0000", None)]


def test_answers_with_patient_data_are_not_stored_or_sniffed(world: World) -> None:
    failures = []
    for method, path, body in _phi_routes(world):
        r = world.client.request(method, path, json=body, headers=world.h("req"))
        cc = r.headers.get("cache-control", "").lower()
        if "no-store" not in cc or r.headers.get("x-content-type-options", "").lower() != "nosniff":
            failures.append((method, path[:60], r.status_code, cc, r.headers.get("x-content-type-options")))
    assert not failures, failures


# --- the API takes no cookie --------------------------------------------------------------------------------

def test_a_web_session_does_not_work_on_the_api(world: World) -> None:
    c = _web(world, "req")
    before = world.client.get("/cases", headers=world.h("req")).json()["total"]
    for ctype in ("text/plain", "application/json", "application/x-www-form-urlencoded"):
        r = c.post("/cases", content=json.dumps({"case": r6._case(), "title": "csrf"}),
                   headers={"content-type": ctype, "origin": "https://evil.example"})
        assert r.status_code in (401, 403, 415), (ctype, r.status_code)
    assert c.get("/cases").status_code in (401, 403)
    assert world.client.get("/cases", headers=world.h("req")).json()["total"] == before


# --- forwarded addresses ------------------------------------------------------------------------------------

def test_forwarded_addresses_do_not_reset_the_wrong_key_count(world: World) -> None:
    statuses = []
    for i in range(24):
        r = world.client.get("/cases", headers={"Authorization": f"Bearer mk_wrong{i}",
                                                "X-Forwarded-For": f"203.0.113.{i}", "X-Real-IP": f"198.51.100.{i}",
                                                "Forwarded": f"for=192.0.2.{i}"})
        statuses.append(r.status_code)
    assert 429 in statuses, statuses


def test_forwarded_addresses_do_not_reset_the_sign_in_count(world: World) -> None:
    from tests.web.conftest import csrf_of

    c = TestClient(world.client.app)
    statuses = []
    for i in range(24):
        token = csrf_of(c.get("/sign-in").text)
        r = c.post("/sign-in", data={"csrf": token, "api_key": f"mk_wrong{i}", "next": "/"},
                   headers={"X-Forwarded-For": f"203.0.113.{i}"}, follow_redirects=False)
        statuses.append(r.status_code)
    assert 429 in statuses, statuses


def test_the_session_cookie_is_secure_over_https(world: World) -> None:
    from tests.web.conftest import csrf_of

    c = TestClient(world.client.app, base_url="https://testserver")
    token = csrf_of(c.get("/sign-in").text)
    r = c.post("/sign-in", data={"csrf": token, "api_key": world.keys["req"], "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    cookies = [v.lower() for k, v in r.headers.multi_items() if k.lower() == "set-cookie"]
    assert cookies and all("httponly" in v and "secure" in v and "samesite=lax" in v for v in cookies), cookies


# --- markup in a physician's name and a decision's reason ---------------------------------------------------

TYPST_NAMES = ['Dr #read("/etc/passwd") Smith', "Dr /* Open Comment", 'Dr Back\\slash ]"$x$ <lab> @ref',
               "Dr <img src=x onerror=alert(1)> Jones", "Dr `raw` #panic(\"x\") Lee"]


@pytest.mark.parametrize("name", TYPST_NAMES)
def test_markup_in_the_signers_name_and_reason_is_text(world: World, name: str) -> None:
    uid = world.service.accounts.add_user("plan", name, "physician_reviewer").id
    key = world.service.accounts.create_key(uid)
    h = {"Authorization": f"Bearer {key}"}
    r = world.client.post(SUBMIT, json=r6._esa("TRN-r7-sign"), headers=world.h("req"))
    assert r.status_code == 200, r.text[:300]
    ev = [i for i in world.client.get("/evaluations?state=submitted", headers=h).json()["items"]
          if i["drug"] == "epoetin alfa"][0]["id"]
    assert world.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=h).status_code == 200
    reason = 'EPO too high #read("/etc/passwd") </td><script>alert(1)</script> /* x'
    d = world.client.post(f"/evaluations/{ev}/review", json={"action": "approve", "reason": reason, "signature": name},
                          headers=h)
    assert d.status_code == 200, d.text[:300]
    for fmt in ("pdf", "html", "markdown"):
        r = world.client.get(f"/evaluations/{ev}/documents/denial?format={fmt}&audience=patient", headers=world.h("req"))
        assert r.status_code == 200, (fmt, r.status_code, r.text[:300])
        if fmt == "pdf":
            assert r.content.startswith(b"%PDF")
            text = subprocess.run(["pdftotext", "-", "-"], input=r.content, capture_output=True, check=True).stdout
            assert b"root:" not in text
            assert re.sub(r"\s+", "", name.split()[-1]).encode() in re.sub(rb"\s+", b"", text), text[-800:]
        elif fmt == "html":
            assert "<img" not in r.text and "<script>alert" not in r.text and "onerror=alert(1)>" not in r.text
        else:
            assert "<img" not in r.text and "<script>" not in r.text


# --- IDOR through filter parameters -------------------------------------------------------------------------

@pytest.mark.parametrize("query", ["?case={case}", "?org=clinic-a", "?organisation=clinic-a&org_id=clinic-a",
                                   "?case={case}&state=submitted", "?owner=req&created_by=req"])
def test_filters_do_not_reach_another_organisation(world: World, query: str) -> None:
    ev = _evaluation(world)
    case = world.client.get(f"/evaluations/{ev}", headers=world.h("req")).json()["case"]
    for path in ("/evaluations", "/cases"):
        r = world.client.get(path + query.format(case=case), headers=world.h("req_b"))
        assert r.status_code in (200, 422), (path, r.status_code)
        assert ev not in r.text and case not in r.text.replace(f"case={case}", "") and "Repatha" not in r.text


def test_a_clinic_admin_reads_only_its_own_figures(world: World) -> None:
    _evaluation(world)
    uid = world.service.accounts.add_user("clinic-b", "adm_b", "admin").id
    h = {"Authorization": f"Bearer {world.service.accounts.create_key(uid)}"}
    for q in ("", "?org=clinic-a", "?organisation=clinic-a"):
        r = world.client.get("/metrics/prior-auth" + q, headers=h)
        assert r.status_code in (200, 403)
        assert "Repatha" not in r.text and "evolocumab" not in r.text.lower(), r.text[:300]
        assert world.client.get("/audit" + q, headers=h).status_code == 403


# --- role escalation ----------------------------------------------------------------------------------------

def _escalations(w: World) -> list[tuple[str, str, str, Any, tuple[int, ...]]]:
    ev = _evaluation(w)
    own_ev = _evaluation(w, "admin")
    pid = w.client.get("/policies", headers=w.h("author")).json()["items"][0]["id"]
    return [
        ("req", "POST", f"/evaluations/{ev}/review", {"action": "claim"}, (403,)),
        ("req", "POST", f"/evaluations/{ev}/review", {"action": "approve", "reason": "x", "signature": "req"}, (403, 409)),
        ("author", "POST", f"/evaluations/{ev}/review", {"action": "claim"}, (403,)),
        ("auditor", "POST", f"/evaluations/{ev}/review", {"action": "claim"}, (403,)),
        ("admin", "POST", f"/evaluations/{own_ev}/review", {"action": "claim"}, (403, 409)),
        ("doc", "POST", f"/policies/{pid}/versions", {"yaml": "id: x"}, (403,)),
        ("req", "POST", f"/policies/{pid}/versions", {"yaml": "id: x"}, (403,)),
        ("req", "POST", "/users", {"org": "clinic-a", "name": "x", "role": "admin"}, (403,)),
        ("doc", "POST", "/users", {"org": "plan", "name": "x", "role": "physician_reviewer"}, (403,)),
        ("admin", "POST", "/users", {"org": "plan", "name": "x", "role": "admin", "system_admin": True}, (403,)),
        ("admin", "POST", "/users", {"org": "clinic-a", "name": "x", "role": "admin"}, (403,)),
        ("req", "GET", "/audit", None, (403,)),
        ("req", "GET", "/metrics/prior-auth", None, (403,)),
        ("author", "GET", "/audit", None, (403,)),
    ]


def test_roles_do_not_escalate(world: World) -> None:
    failures = []
    for who, method, path, body, want in _escalations(world):
        r = world.client.request(method, path, json=body, headers=world.h(who))
        if r.status_code not in want:
            failures.append((who, method, path, r.status_code))
    assert not failures, failures
    assert world.client.get("/audit?action=review.approve", headers=world.h("auditor")).json()["items"] == []


# --- PHI in logs along a whole request's life --------------------------------------------------------------

def _marked_case() -> dict[str, Any]:
    return {**r6._case(), "patient": {"name": r6.PHI_NAME, "mrn": r6.PHI_MRN, "birth_date": r6.PHI_DOB}}


def _whole_life(w: World) -> None:
    r = w.client.post("/cases", json={"case": _marked_case(), "title": f"{r6.PHI_NAME} {r6.PHI_MRN}"}, headers=w.h("req"))
    assert r.status_code in (201, 422), r.text[:300]
    cid = r.json()["id"] if r.status_code == 201 else _case_id(w, title=f"{r6.PHI_NAME} {r6.PHI_MRN}")
    ev = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "Repatha"}, headers=w.h("req")).json()["id"]
    for doc in ("article", "letter"):
        for fmt in ("markdown", "html", "pdf", "json"):
            w.client.get(f"/evaluations/{ev}/documents/{doc}?format={fmt}&audience=payer", headers=w.h("req"))
    w.client.post(SUBMIT, json=r6._marked(r6._esa("TRN-r7-log")), headers=w.h("req"))
    w.client.post(INQUIRE, json=r6._marked(r6._inquiry("TRN-r7-log", r6._esa)), headers=w.h("req"))
    w.client.post("/fhir/questionnaire", json={"case": _marked_case(), "drug": "Repatha"}, headers=w.h("req"))
    items = w.client.get("/evaluations?state=submitted&limit=100", headers=w.h("doc")).json()["items"]
    for it in items:
        w.client.post(f"/evaluations/{it['id']}/review", json={"action": "claim"}, headers=w.h("doc"))
        w.client.post(f"/evaluations/{it['id']}/review", json={"action": "approve", "reason": r6.PHI_NAME,
                                                               "signature": "doc"}, headers=w.h("doc"))
        w.client.get(f"/evaluations/{it['id']}/documents/denial?format=pdf", headers=w.h("req"))
    c = _web(w, "req")
    c.get(f"/answers/{ev}")
    c.get(f"/answers/{ev}/documents/letter?format=pdf")
    w.client.get(f"/cases/{cid}/x{r6.PHI_NAME}", headers=w.h("req"))
    w.client.get(f"/evaluations?case={r6.PHI_MRN}", headers=w.h("req"))


def test_no_phi_in_any_log_along_a_requests_life(world: World, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG), caplog.at_level(logging.DEBUG, logger="sqlalchemy.engine"), \
            caplog.at_level(logging.DEBUG, logger="httpx"), caplog.at_level(logging.DEBUG, logger="mednec"):
        _whole_life(world)
    text = "\n".join(f"{rec.name} {rec.getMessage()} {rec.args!r} {rec.exc_text or ''}" for rec in caplog.records
                     if not (rec.name.startswith("httpx") and "testserver" in rec.getMessage()))  # the test's own client
    for mark in PHI:
        assert mark not in text, (mark, [m for m in text.splitlines() if mark in m][:3])


LOG_FORGERIES = ["/evaluations/x%0AFORGED%20entry", "/cases/%0D%0AFORGED%20entry", "/answers/x%0AFORGED",
                 "/nowhere%0AFORGED", "/fhir/Questionnaire/%0AFORGED"]


@pytest.mark.parametrize("path", LOG_FORGERIES)
def test_no_forged_log_lines(world: World, path: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        r = world.client.get(path, headers=world.h("req"))
    assert r.status_code < 500 and "Traceback" not in r.text
    for rec in caplog.records:
        assert not any(line.startswith("FORGED") for line in rec.getMessage().splitlines()), rec.getMessage()[:200]


# --- Content-Disposition ------------------------------------------------------------------------------------

DISPOSITION = re.compile(r'^(inline|attachment); filename="[A-Za-z0-9._-]{1,120}"$')


def test_download_file_names_are_plain_tokens(world: World) -> None:
    ev = _evaluation(world, title='x"; filename=evil.html\r\nX-Evil: 1')
    c = _web(world, "req")
    failures = []
    for fmt in ("markdown", "html", "pdf", "json"):
        for client, path, h in ((world.client, f"/evaluations/{ev}/documents/letter?format={fmt}", world.h("req")),
                                (c, f"/answers/{ev}/documents/letter?format={fmt}", {})):
            if client is c and fmt not in ("html", "pdf"):  # the web offers these two
                continue
            r = client.get(path, headers=h)
            cd = r.headers.get("content-disposition")
            if r.status_code != 200 or (cd is not None and not DISPOSITION.match(cd)):
                failures.append((path, r.status_code, cd))
    assert not failures, failures


# --- JSON width ---------------------------------------------------------------------------------------------

def test_a_very_wide_object_is_answered(world: World) -> None:
    body = "{" + ",".join(f'"k{i}":{i}' for i in range(300_000)) + ',"case": {}}'
    r = world.client.post("/cases", content=body.encode(), headers=world.h("req", **{"content-type": "application/json"}))
    assert r.status_code in (400, 413, 422), r.status_code
    assert r.headers["content-type"].startswith("application/problem+json") and "Traceback" not in r.text
    assert len(r.content) < 20_000


# --- the Host header and a CDS client's JWT audience ------------------------------------------------------

def test_a_jwt_for_another_host_is_refused_when_the_public_url_is_set(world: World,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A CDS client's JWT names the service it was made for (aud). With MEDNEC_PUBLIC_URL set, that address is
    the audience, so a token made for another host is refused however the Host header is forged."""
    from tests.api import test_cds_trust as ct

    trusted = ct.trusted.__wrapped__(world)  # type: ignore[attr-defined]
    monkeypatch.setenv("MEDNEC_PUBLIC_URL", "https://mednec.plan.example")
    forged = ct._token(aud=f"http://evil.example/cds-services/{ct.SERVICE}")
    r = trusted.client.post(f"/cds-services/{ct.SERVICE}", json=ct._request(),
                            headers={"Authorization": f"Bearer {forged}", "host": "evil.example"})
    assert r.status_code == 401, r.status_code
    good = ct._token(aud=f"https://mednec.plan.example/cds-services/{ct.SERVICE}")
    r = trusted.client.post(f"/cds-services/{ct.SERVICE}", json=ct._request(),
                            headers={"Authorization": f"Bearer {good}", "host": "evil.example"})
    assert r.status_code == 200, r.text[:300]
