"""Attack round 8 (helper attack8, 2026-12-07): classes rounds 3-7 left out or covered only in part, each
attack a test asserting the SAFE behaviour, on SQLite and PostgreSQL, written before mednec's code was changed.

- **JWT (CDS Hooks clients)**: ``nbf`` / ``iat`` in the future, ``alg`` spelled ``None`` / ``NONE``, HS/RS confusion
  (HMAC keyed with the client's RSA public key), a key embedded in the header (``jwk``), ``x5u``, a ``crit`` header
  naming an extension nobody understands (RFC 7515 §4.1.11: MUST be refused), hostile ``kid`` values, a claim of the
  wrong type, one registered client's key used for another's issuer, a huge token, and a CDS token presented to the
  rest of the API.
- **Clickjacking**: every HTML answer (web pages, error pages, the API reference at ``/docs``) refuses framing.
- **CSRF by method**: a state-changing web route asked with GET changes nothing.
- **Stored XSS / Typst through FHIR display strings and user names**: a Bundle's patient name, codes' display
  texts and medication text, and a physician's registered name, shown by every page and document.
- **Exports**: no route answers CSV; JSON downloads are JSON (``nosniff``), never HTML.
- **Logs**: ANSI escapes and newlines in what a caller sends never reach a log record raw; an exception whose
  message (or cause) holds patient data logs none of it.
- **ReDoS**: long repetitive questions are answered in bounded time.
- **Numbers**: ``-0``, ``1e309`` and NaN in a FHIR Bundle and a CDS prefetch are no 500.
- **Unicode roles and signatures**: a role spelled with full-width, Cyrillic or zero-width characters is refused;
  a denial signed with a homoglyph of the reviewer's name is refused.
- **Host header**: a forged Host never reaches a generated link (pagination, notification e-mail, web pages).
- **Header injection**: CR/LF in an ``Idempotency-Key`` never becomes a header.
- **Path traversal**: ``drug``, ``variant``, ``program`` and ``audience`` parameters; ``mednec packs new ../x``.
- **SSRF**: more spellings of internal addresses for a CDS client's ``fhirServer``.
- **Races**: two approvals of one claim at once, two claims at once; an approval after the policy changed keeps
  the version that was evaluated.
- **Adverse determinations**: no machine path (PAS ``$submit``) denies; no role but a physician reviewer denies
  through the API; a denial signed with another physician's name is refused.
- **Audit immutability**: no route changes or deletes an entry; no code in ``src`` issues UPDATE or DELETE on
  ``audit_log``; the database itself refuses an UPDATE or a DELETE of an entry (a SQL path: an injected or
  mistaken statement through the service's own connection).

First contact (2026-12-07, 17:16 UTC; 87 tests: 77 per backend and 10 without a database): 2 failed on each
backend, the database refusing an UPDATE and a DELETE of an audit entry (nothing guarded ``audit_log`` below the
service: any statement through its connection changed or removed entries, which only ``mednec audit verify``
would notice afterwards). Every other attack passed on SQLite and PostgreSQL. Three tests were wrong as first
written and were corrected before any code changed (an HS384 token joserfc refuses to build, now signed by hand;
a ``crit`` token joserfc refuses to build, now built with a registry naming the extension; ``case_id`` is
``case`` in an evaluation; the framing test now follows the signed-in redirect of ``/``; the exception test's
patient data no longer sits in its own source line, which a traceback prints). The failing ones are
``xfail(strict=True)`` naming the gap until the commit that fixes their class. The 10 tests without a database
were left out of that run by its ``-k sqlite`` / ``-k postgresql`` selection; run next (17:35 UTC, code unchanged),
9 failed, all test construction: the internal-address spellings were asked of ``check_server`` (which checks the
URL's form; the address is checked when the name is resolved, at fetch time: now asked of ``get_json``, all
refused), and the static scan counted migration 0002's one-off backfill (``UPDATE audit_log SET stripe_seq``, run
by the operator's ``mednec db upgrade``).

Second contact (18:04 UTC, written after the first fix, before the second, run against main's code): a note read
as one endless sentence (the web app reads an uploaded note of up to 100,000 characters) took time quadratic in its
length -- 6,000 characters 3.5-5.9 s, 24,000 characters 42-92 s (a probe of a 200 KB upload ran for minutes) --
3 of 3 note shapes failing; every finding re-read its whole line for dates and its whole sentence for cues.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.api.conftest import World, example
from tests.api.test_cds_trust import AUD, EHR, EHR2, KEY, RSA, STRANGER, _call, _token, trusted  # noqa: F401
from tests.web.conftest import sign_in

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "fhir"
PAYLOADS = ['<script>alert("r8a")</script>', '"><img src=x onerror=alert("r8b")>', ']#panic("r8c")[',
            "#read(\"/etc/passwd\") r8d"]
DANGEROUS = re.compile(r"<script>alert|<img src=x")


def _b64(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(header)}.{_b64(claims)}."


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    body = {"iss": EHR, "sub": "ehr-client", "aud": AUD, "iat": now, "exp": now + 240, "jti": uuid.uuid4().hex}
    body.update(extra)
    return body


def _signed(header: dict[str, Any], claims: dict[str, Any], key: Any = KEY) -> str:
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def _hs_with_rsa_public() -> str:
    import hashlib
    import hmac

    pem = RSA.as_pem(private=False)  # joserfc refuses to make an oct key of it: sign by hand, as an attacker would
    signing = f"{_b64({'alg': 'HS384', 'kid': RSA.kid})}.{_b64(_claims(iss=EHR2))}"
    mac = hmac.new(pem, signing.encode(), hashlib.sha384).digest()
    return signing + "." + base64.urlsafe_b64encode(mac).decode().rstrip("=")


def _embedded_jwk() -> str:
    attacker = ECKey.generate_key("P-384", parameters={"kid": "ehr-1"})
    return _signed({"alg": "ES384", "kid": "ehr-1", "jwk": attacker.as_dict(private=False)}, _claims(), attacker)


def _with_crit() -> str:
    """Signed with the registered key, with a ``crit`` extension mednec cannot understand (joserfc refuses to make
    one unless told the extension exists)."""
    from joserfc import jws
    from joserfc.jws import JWSRegistry
    from joserfc.registry import HeaderParameter

    name = "urn:x-attacker:must-understand"
    reg = JWSRegistry(header_registry={name: HeaderParameter("attacker", "bool")}, algorithms=["ES384"])
    return jws.serialize_compact({"alg": "ES384", "kid": "ehr-1", "crit": [name], name: True},
                                 json.dumps(_claims()).encode(), KEY, registry=reg)


JWT_ATTACKS: dict[str, Any] = {
    "nbf in the future": lambda: _token(nbf=int(time.time()) + 3600),
    "iat in the future": lambda: _token(iat=int(time.time()) + 3600),
    "alg None": lambda: _unsigned({"alg": "None"}, _claims()),
    "alg NONE": lambda: _unsigned({"alg": "NONE", "kid": "ehr-1"}, _claims()),
    "HS384 keyed with the client's RSA public key": _hs_with_rsa_public,
    "attacker key embedded as jwk": _embedded_jwk,
    "x5u to the attacker": lambda: _signed({"alg": "ES384", "kid": "ehr-1", "x5u": "https://attacker.example/c.pem"},
                                           _claims(), STRANGER),
    "crit names an unknown extension": lambda: _with_crit(),
    "kid path traversal": lambda: _signed({"alg": "ES384", "kid": "../../../../etc/passwd"}, _claims(), STRANGER),
    "kid SQL": lambda: _signed({"alg": "ES384", "kid": "x' UNION SELECT key FROM api_keys --"}, _claims(), STRANGER),
    "exp as a string": lambda: _token(exp=str(int(time.time()) + 60)),
    "another client's key for this issuer": lambda: _token(RSA, "RS384", iss=EHR),
}


@pytest.mark.parametrize("why", list(JWT_ATTACKS))
def test_hostile_jwts_are_refused(trusted: World, why: str) -> None:  # noqa: F811
    r = _call(trusted, JWT_ATTACKS[why]())
    assert r.status_code == 401, (why, r.status_code, r.text[:300])
    assert "Traceback" not in r.text and "/etc/passwd" not in r.text and "UNION" not in r.text


def test_a_huge_jwt_is_refused_quickly(trusted: World) -> None:  # noqa: F811
    token = _token(pad="A" * 60_000)
    t0 = time.monotonic()
    r = _call(trusted, token)
    assert r.status_code in (401, 431), r.status_code
    assert time.monotonic() - t0 < 5


def test_a_cds_token_opens_nothing_else(trusted: World) -> None:  # noqa: F811
    """A JWT made for the CDS service is no credential for the rest of the API."""
    for path in ("/cases", "/evaluations", "/audit"):
        r = trusted.client.get(path, headers={"Authorization": f"Bearer {_token()}"})
        assert r.status_code == 401, (path, r.status_code)


# --- clickjacking ------------------------------------------------------------------------------------------

HTML_PAGES = ["/", "/sign-in", "/about", "/editorial-policy", "/docs", "/no-such-page", "/answers/ev_doesnotexist",
              "/library"]


def _refuses_framing(headers: Any) -> bool:
    csp = headers.get("content-security-policy", "")
    return headers.get("x-frame-options", "").upper() == "DENY" or "frame-ancestors 'none'" in csp


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_answer_refuses_framing(world: World, path: str) -> None:
    c = TestClient(world.client.app, headers={"accept": "text/html"})
    sign_in(c, world.keys["req"])
    r = c.get(path)
    assert "text/html" in r.headers.get("content-type", ""), (path, r.status_code, r.headers.get("content-type"))
    assert _refuses_framing(r.headers), (path, r.status_code, dict(r.headers))


# --- CSRF by method ------------------------------------------------------------------------------------------

def _evaluation(w: World, name: str = "luspatercept-first-line.yaml", who: str = "req", title: str = "r8") -> str:
    case = json.loads(json.dumps(example(name), default=str))
    r = w.client.post("/cases", json={"case": case, "title": title}, headers=w.h(who))
    assert r.status_code == 201, r.text
    r = w.client.post(f"/cases/{r.json()['id']}/evaluations", json={"drug": "reblozyl"}, headers=w.h(who))
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


@pytest.mark.parametrize("path", ["/queue/{ev}/claim", "/answers/{ev}/review", "/sign-out"])
def test_state_changing_web_routes_do_nothing_on_get(world: World, path: str) -> None:
    w = world
    ev = _evaluation(w)
    c = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(c, w.keys["doc"])
    r = c.get(path.format(ev=ev) + "?action=claim", follow_redirects=False)
    assert r.status_code in (404, 405), (path, r.status_code)
    assert w.client.get(f"/evaluations/{ev}", headers=w.h("doc")).json()["review"]["state"] == "submitted"
    assert c.get("/queue").status_code == 200 and "Sign in" not in c.get("/queue").text[:2000]


# --- stored XSS and Typst through FHIR display strings and user names ----------------------------------------

def _hostile_bundle() -> dict[str, Any]:
    b = json.loads((FIX / "bundle-first-line.json").read_text())
    payload = " ".join(PAYLOADS)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in ("display", "text") and isinstance(v, str):
                    node[k] = v + " " + payload
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(b)
    b["entry"][0]["resource"]["name"] = [{"family": PAYLOADS[0], "given": [PAYLOADS[1]], "text": PAYLOADS[2]}]
    return b


def _fhir_evaluation(w: World) -> str:
    r = w.client.post("/cases", json={"fhir_bundle": _hostile_bundle(), "drug": "reblozyl", "title": "fhir r8"},
                      headers=w.h("req"))
    assert r.status_code == 201, r.text[:500]
    r = w.client.post(f"/cases/{r.json()['id']}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req"))
    assert r.status_code == 201, r.text[:500]
    return str(r.json()["id"])


@pytest.mark.parametrize("fmt", ["html", "markdown", "web"])
def test_fhir_display_strings_are_text_in_pages_and_documents(world: World, fmt: str) -> None:
    w = world
    ev = _fhir_evaluation(w)
    if fmt == "web":
        c = TestClient(w.client.app, headers={"accept": "text/html"})
        sign_in(c, w.keys["req"])
        texts = [c.get(p).text for p in (f"/answers/{ev}", f"/answers/{ev}/summary", "/queue",
                                        f"/answers/{ev}/documents/article?format=html")]
    else:
        texts = [w.client.get(f"/evaluations/{ev}/documents/{d}?format={fmt}", headers=w.h("req")).text
                 for d in ("article", "info-request")]
    for t in texts:
        assert not DANGEROUS.search(t), DANGEROUS.search(t)
        if fmt == "markdown":
            assert "<script" not in t and "<img" not in t


def test_fhir_display_strings_are_text_in_pdfs(world: World, tmp_path: Path) -> None:
    w = world
    ev = _fhir_evaluation(w)
    r = w.client.get(f"/evaluations/{ev}/documents/article?format=pdf", headers=w.h("req"))
    assert r.status_code == 200, r.text[:300]
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "root:" not in text  # #read("/etc/passwd") did not run


def test_a_physicians_registered_name_is_text_everywhere(world: World) -> None:
    w = world
    u = w.service.accounts.add_user("plan", 'Dr <script>alert("r8n")</script> Evil', "physician_reviewer")
    key = w.service.accounts.create_key(u.id)
    ev = _evaluation(w)
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"},
                         headers={"Authorization": f"Bearer {key}"}).status_code == 200
    c = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(c, w.keys["admin"])
    for page in ("/queue", f"/answers/{ev}", "/audit-log", "/metrics"):
        t = c.get(page).text
        assert '<script>alert("r8n")' not in t, page


# --- exports -------------------------------------------------------------------------------------------------

def test_no_route_answers_csv(world: World) -> None:
    spec = world.client.get("/openapi.json").json()
    assert "text/csv" not in json.dumps(spec)


def test_json_downloads_are_json_not_html(world: World) -> None:
    w = world
    ev = _fhir_evaluation(w)
    c = TestClient(w.client.app)
    sign_in(c, w.keys["req"])
    for r in (c.get(f"/answers/{ev}/json"), w.client.get(f"/evaluations/{ev}/documents/article?format=json",
                                                          headers=w.h("req"))):
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/json"), r.headers["content-type"]
        assert r.headers.get("x-content-type-options") == "nosniff"


# --- logs ----------------------------------------------------------------------------------------------------

ANSI = "\x1b[2J\x1b[31mFAKE ERROR\x1b[0m"


def test_ansi_and_newlines_never_reach_a_log_record_raw(world: World, caplog: pytest.LogCaptureFixture) -> None:
    w = world
    caplog.set_level(logging.DEBUG)
    w.client.get("/cases/" + "%1b%5b31m" + "x%0aFAKE", headers=w.h("req"))
    w.client.get("/cases", params={"q": ANSI + "\nINFO forged"}, headers={**w.h("req"), "User-Agent": ANSI})
    w.client.post("/cases", json={"case": {"facts": {ANSI: 1}}, "title": ANSI}, headers=w.h("req"))
    w.client.get("/cases", headers={"Authorization": "Bearer mk_" + ANSI.replace("\x1b", "")})
    for rec in caplog.records:
        text = rec.getMessage()
        assert "\x1b" not in text and "FAKE ERROR" not in text, text[:200]


def test_an_exception_holding_patient_data_logs_none_of_it(world: World, monkeypatch: pytest.MonkeyPatch,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    w = world
    from mednec.store.cases import Cases

    phi = {"name": "Daniel Okafor", "mrn": "MRN-P-FIRST-LINE", "born": "1956-02-14"}

    def boom(*a: Any, **k: Any) -> Any:  # the message is built from values: a traceback's source lines hold none
        try:
            raise KeyError(" ".join(phi.values()))
        except KeyError as inner:
            raise RuntimeError(f"evaluating {phi['name']} failed") from inner

    cid = w.client.post("/cases", json={"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"),
                                                                       default=str))}, headers=w.h("req")).json()["id"]
    monkeypatch.setattr(Cases, "evaluate", boom)
    caplog.set_level(logging.DEBUG)
    client = TestClient(w.client.app, raise_server_exceptions=False)
    r = client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req"))
    assert r.status_code == 500
    assert "Okafor" not in r.text and "MRN-P" not in r.text
    logged = caplog.text + "".join(str(rec.exc_text or "") + str(rec.exc_info or "") for rec in caplog.records)
    assert "Okafor" not in logged and "MRN-P-FIRST-LINE" not in logged and "1956-02-14" not in logged


# --- ReDoS ---------------------------------------------------------------------------------------------------

REDOS = {
    "no no no": "no " * 1300,
    "digits": "1" * 3990,
    "dotted numbers": "1." * 1990,
    "open parentheses": "(" * 3990,
    "hemoglobin repeated": "hemoglobin 8.1 g/dL " * 190,
    "dates": "1/1/" * 990,
    "word then bang": "a" * 3990 + "!",
    "karyotype": "46,XY," + "del(5)(q13q33)," * 250,
}


@pytest.mark.parametrize("name", list(REDOS))
def test_long_repetitive_questions_take_bounded_time(world: World, name: str) -> None:
    w = world
    t0 = time.monotonic()
    r = w.client.post("/cases", json={"question": REDOS[name][:4000]}, headers=w.h("req"))
    took = time.monotonic() - t0
    assert r.status_code in (201, 422), (name, r.status_code, r.text[:200])
    assert took < 8, (name, took)


# --- numbers -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw", ["-0", "-0.0", "1e309", "NaN", "-1e309"])
def test_odd_numbers_in_a_bundle_are_no_500(world: World, raw: str) -> None:
    w = world
    b = json.loads((FIX / "bundle-first-line.json").read_text())
    obs = next(e["resource"] for e in b["entry"] if e["resource"]["resourceType"] == "Observation"
               and "valueQuantity" in e["resource"])
    obs["valueQuantity"]["value"] = 12345.0
    body = json.dumps({"fhir_bundle": b, "drug": "reblozyl"}).replace("12345.0", raw)
    r = w.client.post("/cases", content=body, headers={**w.h("req"), "Content-Type": "application/json"})
    assert r.status_code in (201, 400, 422), (raw, r.status_code, r.text[:300])
    assert "Traceback" not in r.text


# --- Unicode role names and signatures --------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["ａｄｍｉｎ", "аdmin", "admin\u200b", "Admin", " admin", "physician_reviewer\u0301"])
def test_look_alike_roles_are_refused(world: World, role: str) -> None:
    w = world
    before = len(w.service.accounts.list_users())
    r = w.client.post("/users", json={"org": "plan", "name": "Mallory", "role": role}, headers=w.h("admin"))
    assert r.status_code == 422, (role, r.status_code, r.text[:200])
    assert len(w.service.accounts.list_users()) == before


def _claimed_denial(w: World) -> str:
    ev = _evaluation(w, "luspatercept-del5q.yaml")
    made = w.client.get(f"/evaluations/{ev}", headers=w.h("doc")).json()
    if made["determination"] != "does_not_meet_criteria":
        pytest.skip("the del(5q) example did not give not met")
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc")).status_code == 200
    return ev


@pytest.mark.parametrize("signature", ["dос", "doc2", "Dr Doc2 MD", "d\u043ec"])
def test_a_denial_signed_with_a_look_alike_or_another_name_is_refused(world: World, signature: str) -> None:
    w = world
    ev = _claimed_denial(w)
    r = w.client.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": signature},
                      headers=w.h("doc"))
    assert r.status_code == 422, (signature, r.status_code, r.text[:200])
    assert w.client.get(f"/evaluations/{ev}", headers=w.h("doc")).json()["review"]["decision"] is None


# --- Host header --------------------------------------------------------------------------------------------

EVIL = "evil.example"


def test_a_forged_host_reaches_no_generated_link(world: World) -> None:
    w = world
    for _ in range(3):
        _evaluation(w)
    r = w.client.get("/evaluations?limit=1", headers={**w.h("doc"), "Host": EVIL})
    assert EVIL not in r.text and EVIL not in r.headers.get("link", "")
    r = w.client.get("/cases?limit=1", headers={**w.h("req"), "Host": EVIL})
    assert EVIL not in r.text


def test_a_forged_host_reaches_no_notification(world: World) -> None:
    w = world
    from mednec.store import outbox

    outbox.configure(w.service.db, "clinic-a", email_to="clinic@example.org", webhook_url=None, webhook_secret=None)
    ev = _evaluation(w)
    hdr = {**w.h("doc"), "Host": EVIL}
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=hdr).status_code == 200
    w.client.post(f"/evaluations/{ev}/review", json={"action": "approve"}, headers=hdr)
    with w.service.db.engine.connect() as c:
        rows = [str(x) for x in c.execute(sa.text("SELECT * FROM outbox")).all()]
    assert not any(EVIL in r for r in rows), rows[:2]


def test_a_forged_host_reaches_no_web_page(world: World) -> None:
    w = world
    c = TestClient(w.client.app, headers={"accept": "text/html", "host": EVIL})
    page = c.get("/sign-in")
    assert EVIL not in page.text
    sign_in(c, w.keys["req"])
    for p in ("/", "/ask", "/queue", "/library"):
        r = c.get(p, follow_redirects=False)
        assert EVIL not in r.text and EVIL not in r.headers.get("location", ""), p


# --- header injection, path traversal ----------------------------------------------------------------------------

def test_crlf_in_an_idempotency_key_never_becomes_a_header(world: World) -> None:
    w = world
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    for key in ("k1\r\nSet-Cookie: evil=1", "k2\nX-Evil: 1", "k3%0d%0aX-Evil:%201"):
        try:
            r = w.client.post("/cases", json={"case": case}, headers={**w.h("req"), "Idempotency-Key": key})
        except Exception:  # noqa: BLE001 - the client refusing to send it is as safe
            continue
        assert "evil" not in {k.lower() for k in r.headers} and "set-cookie" not in r.headers, key
        assert r.status_code < 500


@pytest.mark.parametrize("where", ["drug", "variant", "program", "audience"])
def test_traversal_in_name_parameters_is_no_file(world: World, where: str) -> None:
    w = world
    ev = _evaluation(w)
    bad = "../../../../etc/passwd"
    if where == "drug":
        cid = w.client.get(f"/evaluations/{ev}", headers=w.h("req")).json()["case"]
        r = w.client.post(f"/cases/{cid}/evaluations", json={"drug": bad}, headers=w.h("req"))
    elif where == "variant":
        cid = w.client.get(f"/evaluations/{ev}", headers=w.h("req")).json()["case"]
        r = w.client.get(f"/cases/{cid}/compare", params={"drug": "reblozyl", "variant": bad}, headers=w.h("req"))
    elif where == "program":
        cid = w.client.get(f"/evaluations/{ev}", headers=w.h("req")).json()["case"]
        r = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl", "program": bad}, headers=w.h("req"))
    else:
        r = w.client.get(f"/evaluations/{ev}/documents/article", params={"audience": bad, "format": "markdown"},
                         headers=w.h("req"))
    assert r.status_code < 500 and "root:x:0" not in r.text, (where, r.status_code)


def test_packs_new_writes_nowhere_but_its_folder(tmp_path: Path) -> None:
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    (tmp_path / "packs").mkdir()
    for name in ("../escaped", "/tmp/attack8-abs", "a/../../escaped2"):
        r = subprocess.run([sys.executable, "-m", "mednec", "packs", "new", name, "--dir", str(tmp_path / "packs")],
                           capture_output=True, text=True, env=env, timeout=120)
        assert r.returncode == 2, (name, r.returncode, r.stderr[-300:])
    assert not (tmp_path / "escaped").exists() and not (tmp_path / "escaped2").exists()
    assert not Path("/tmp/attack8-abs").exists()


# --- SSRF ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("server", ["https://0/fhir", "https://[::]/fhir", "https://0x7f.1/fhir",
                                    "https://[fd00::1]/fhir", "https://[fe80::1%25eth0]/fhir",
                                    "https://017700000001/fhir", "https://[::ffff:a9fe:a9fe]/fhir",
                                    "https://[64:ff9b::a9fe:a9fe]/fhir"])
def test_more_internal_addresses_are_refused(server: str) -> None:
    """Fetched as a CDS client's ``fhirServer`` is (no operator list): refused before any connection."""
    from mednec.fhir.fetching import FetchRefused, get_json

    with pytest.raises(FetchRefused) as refused:
        get_json(server + "/Patient/1", "tok", listed=(), timeout=2)
    assert "tok" not in str(refused.value)


# --- races ---------------------------------------------------------------------------------------------------

def _principal(w: World, who: str) -> Any:
    return w.service.accounts.authenticate(w.keys[who])


def _race(fns: list[Any]) -> list[Any]:
    out: list[Any] = [None] * len(fns)
    gate = threading.Barrier(len(fns))

    def run(i: int) -> None:
        gate.wait()
        try:
            out[i] = fns[i]()
        except Exception as exc:  # noqa: BLE001 - the loser's refusal is the result
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(fns))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_two_approvals_at_once_make_one_decision(world: World) -> None:
    w = world
    ev = _evaluation(w)
    doc = _principal(w, "doc")
    w.service.reviews.act(doc, ev, "claim")
    results = _race([lambda: w.service.reviews.act(doc, ev, "approve") for _ in range(4)])
    assert sum(1 for r in results if not isinstance(r, Exception)) == 1, results
    assert len(w.client.get(f"/audit?action=review.approve&entity={ev}", headers=w.h("auditor")).json()["items"]) == 1


def test_two_claims_at_once_make_one_claimant(world: World) -> None:
    w = world
    ev = _evaluation(w)
    ps = [_principal(w, who) for who in ("doc", "doc2")]
    results = _race([lambda p=p: w.service.reviews.act(p, ev, "claim") for p in ps])
    assert sum(1 for r in results if not isinstance(r, Exception)) == 1, results
    assert len(w.client.get(f"/evaluations/{ev}/history", headers=w.h("doc")).json()["items"]) == 1


def test_a_decision_after_the_policy_changed_keeps_the_evaluated_version(world: World) -> None:
    """The reviewer decides on the determination that was evaluated: a version published while it was under
    review changes neither the evaluation's version nor what the decision's audit entry names."""
    from tests.api.test_policy_versions import _author2, _new_version_yaml

    w = world
    ev = _evaluation(w)
    before = w.client.get(f"/evaluations/{ev}", headers=w.h("doc")).json()
    pol, ver = before["policy"]["id"], before["policy"]["version"]
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc")).status_code == 200
    assert w.client.post(f"/policies/{pol}/versions", json={"yaml": _new_version_yaml()},
                         headers=w.h("author")).status_code == 201
    review = f"/policies/{pol}/versions/2026.11.2-test/review"
    assert w.client.post(review, json={"action": "submit"}, headers=w.h("author")).status_code == 200
    other = {"Authorization": f"Bearer {_author2(w)}"}
    assert w.client.post(review, json={"action": "publish", "note": "r8"}, headers=other).status_code == 200
    w.service.policies._expires = 0.0
    r = w.client.post(f"/evaluations/{ev}/review", json={"action": "approve"}, headers=w.h("doc"))
    assert r.status_code in (200, 409), r.text
    after = w.client.get(f"/evaluations/{ev}", headers=w.h("doc")).json()
    assert (after["policy"]["id"], after["policy"]["version"]) == (pol, ver)
    if r.status_code == 200:
        entry = w.client.get(f"/audit?action=review.approve&entity={ev}", headers=w.h("auditor")).json()["items"][0]
        assert entry["policy_version"] == f"{pol}@{ver}"


def test_a_second_approval_is_a_conflict(world: World) -> None:
    w = world
    ev = _evaluation(w)
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc")).status_code == 200
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "approve"}, headers=w.h("doc")).status_code == 200
    again = w.client.post(f"/evaluations/{ev}/review", json={"action": "approve"}, headers=w.h("doc"))
    assert again.status_code == 409


# --- adverse determinations need a physician -----------------------------------------------------------------

def test_pas_never_denies_without_a_physician(world: World) -> None:
    w = world
    req = json.loads((FIX / "pas-request-del5q.json").read_text())
    r = w.client.post("/fhir/Claim/$submit", json=req, headers=w.h("req"))
    assert r.status_code == 200, r.text[:300]
    text = json.dumps(r.json())
    assert '"A3"' not in text and "denied" not in text.lower().replace("not denied", ""), text[:500]


@pytest.mark.parametrize("who", ["req_b", "author", "auditor"])
def test_no_other_role_denies_through_the_api(world: World, who: str) -> None:
    w = world
    ev = _evaluation(w)
    for body in ({"action": "claim"}, {"action": "overturn", "decision": "denied", "reason": "x", "signature": who},
                 {"action": "approve", "signature": who}):
        r = w.client.post(f"/evaluations/{ev}/review", json=body, headers=w.h(who))
        assert r.status_code in (403, 404), (who, body["action"], r.status_code)
    assert w.client.get(f"/evaluations/{ev}", headers=w.h("doc")).json()["review"]["decision"] is None


# --- audit immutability --------------------------------------------------------------------------------------

def test_no_route_changes_or_deletes_an_audit_entry(world: World) -> None:
    w = world
    from tests.api.test_attack_ids import _walk

    for r in _walk(list(w.client.app.routes)):
        if r.path.startswith("/audit"):
            assert not (set(r.methods) & {"PUT", "PATCH", "DELETE", "POST"}), (r.path, r.methods)
    for method in ("PUT", "PATCH", "DELETE"):
        assert w.client.request(method, "/audit", headers=w.h("admin")).status_code == 405
        assert w.client.request(method, "/audit/1", headers=w.h("admin")).status_code in (404, 405)


def test_no_code_updates_or_deletes_the_audit_log() -> None:
    src = ROOT / "src" / "mednec"
    bad = []
    for f in src.rglob("*.py"):
        if f.parent.name == "versions" and f.name < "0021":  # schema migrations run by the operator before the guard
            continue
        t = f.read_text()
        if re.search(r"(?i)(update|delete\s+from)\s+audit_log\b|sa\.(update|delete)\(\s*AuditEntry", t):
            bad.append(str(f.relative_to(src)))
    assert not bad, bad


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET action = 'review.forged' WHERE seq = :seq",
                                       "DELETE FROM audit_log WHERE seq = :seq"])
def test_the_database_refuses_to_change_an_audit_entry(world: World, statement: str) -> None:
    w = world
    _evaluation(w)
    with w.service.db.engine.connect() as c:
        seq = c.execute(sa.text("SELECT max(seq) FROM audit_log")).scalar()
    refused = False
    try:
        with w.service.db.engine.begin() as c:
            c.execute(sa.text(statement), {"seq": seq})
    except sa.exc.DBAPIError:
        refused = True
    assert refused, statement
    with w.service.db.engine.connect() as c:
        assert c.execute(sa.text("SELECT action FROM audit_log WHERE seq = :s"), {"s": seq}).scalar() != "review.forged"


def test_the_audit_chain_still_verifies_after_the_attacks(world: World) -> None:
    w = world
    _evaluation(w)
    r = w.client.get("/audit/verify", headers=w.h("auditor"))
    assert r.status_code == 200 and r.json().get("ok", True) is True, r.text[:300]





# --- ReDoS, second contact: notes (the web app reads an uploaded note of up to 100,000 characters) -------------

NOTE_UNITS = {"negated values": "no hemoglobin 8.1 g/dL, ", "family findings": "mother with MDS and del(5q), ",
              "dated values": "Hb 8.1 g/dL on 2026-11-01, "}


@pytest.mark.parametrize("name", list(NOTE_UNITS))
def test_a_long_repetitive_note_is_read_in_linear_time(name: str) -> None:
    """A note of one endless sentence costs time in proportion to its length, never to its square: four times
    the text takes well under eight times the time (a quadratic reader takes sixteen)."""
    from mednec.ask import answer
    from mednec.runtime import default_runtime

    rt = default_runtime()
    unit = NOTE_UNITS[name]

    def took(n: int) -> float:
        t0 = time.monotonic()
        answer("Is Reblozyl medically necessary?", rt, as_of=dt.date(2026, 12, 7), note=(unit * (n // len(unit) + 1))[:n])
        return time.monotonic() - t0

    took(500)  # warm the note reader
    small, large = took(6000), took(24000)
    assert large < 8 * small + 1, (name, round(small, 2), round(large, 2))


# --- the physician who denied does not decide the appeal (fixed by the lead after round 8) ---------------------------------------------------

def test_the_physician_who_denied_does_not_decide_the_appeal(world: World) -> None:
    """Separation of duties, as for the request's creator: a denial's reconsideration is made by someone who did not
    make the denial. Before this was fixed, the physician who signed the denial claimed the appeal and could deny it again."""
    w = world
    ev = _claimed_denial(w)
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": "doc"},
                         headers=w.h("doc")).status_code == 200
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "appeal", "reason": "new labs"},
                         headers=w.h("req")).status_code == 200
    same = w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc"))
    assert same.status_code in (403, 409), same.text
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc2")).status_code == 200
