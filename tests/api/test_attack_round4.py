"""Attack round 4: tokens, mass assignment, keys in URLs, hostile bytes in token segments, and
patient data in logs and in a population run's error files; SQLite and PostgreSQL where a database
is involved.

- **CDS client JWTs** (tests/api/test_cds_trust.py has the basics): a token not valid yet (``nbf``
  ahead), an ``exp`` that is NaN or infinite (a signed token whose JSON says ``NaN``), an ``aud``
  that is an object holding the audience as a key, a ``jti`` that is not a string, HS256 signed
  with the client's *public* key (the algorithm-confusion attack), and token segments that are not
  JSON a reader can walk (nested thousands deep, NaN): each a 401 problem document, never a 500.
- **Mass assignment.** Bodies with fields a client must not set (``org``, ``org_id``, ``owner``,
  ``created_by``, ``status``, ``role``, ``system_admin`` where it is not the caller's to give) are
  refused (422) and change nothing.
- **Keys in the URL.** ``?api_key=`` and ``?access_token=`` authenticate nobody (a key in a URL ends
  up in proxies' and browsers' histories) and the access log keeps no query string; the web sign-in
  does not take a key from the query string either.
- **Patient data in logs.** Requests carrying a name, birth date, MRN and note text, on their
  success and error paths (API and web), leave none of it in any log record of any logger at
  DEBUG.
- **Population error files** (README, "Population runs": ``errors/*.ndjson`` hold ``patient_id``,
  ``policy_id``, ``stage``, ``kind``, ``field``, ``message``): an unexpected failure's message is its
  type, not the exception's text, which can quote the patient's data.

First contact (2026-12-07, 04:45 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from tests.api.conftest import World, example
from tests.api.test_cds_trust import AUD, EHR, KEY, SERVICE, _request, _token, trusted  # noqa: F401 (fixture)

NAME = "Hortensia Qwertyson-Blix"
BIRTH = "1931-07-29"
MRN = "MRN-40917733"
NOTE = "Qwertyson reports dizziness and syncope at the Blixford clinic"
PHI = (NAME, "Qwertyson", BIRTH, MRN, "Blixford")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _call(w: World, token: str) -> Any:
    return w.client.post(f"/cds-services/{SERVICE}", json=_request(), headers={"Authorization": f"Bearer {token}"})


def _raw_token(header: bytes, payload: bytes) -> str:
    return f"{_b64(header)}.{_b64(payload)}.{_b64(b'sig')}"


def _problem(r: Any, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers["content-type"]
    assert "Traceback" not in r.text and "File \"" not in r.text


# --- CDS client JWTs -----------------------------------------------------------------------------


def _hs256_with_public_key() -> str:
    """The algorithm-confusion attack: the client's public key used as an HMAC secret."""
    secret = json.dumps(KEY.as_dict(private=False), sort_keys=True).encode()
    now = int(time.time())
    return jwt.encode({"alg": "HS256", "kid": KEY.kid}, {"iss": EHR, "aud": AUD, "exp": now + 60,
                                                         "jti": uuid.uuid4().hex}, OctKey.import_key(secret),
                      algorithms=["HS256"])


SIGNED_BAD = {
    "not valid before an hour from now": lambda: _token(nbf=int(time.time()) + 3600),
    "exp NaN": lambda: _token(exp=float("nan")),
    "exp Infinity": lambda: _token(exp=float("inf")),
    "exp -Infinity": lambda: _token(exp=float("-inf")),
    "exp a string": lambda: _token(exp=str(int(time.time()) + 60)),
    "exp true": lambda: _token(exp=True),
    "aud an object holding the audience": lambda: _token(aud={AUD: True}),
    "jti a number": lambda: _token(jti=12345),
    "jti an object": lambda: _token(jti={"a": 1}),
    "HS256 with the public key": _hs256_with_public_key,
}


@pytest.mark.parametrize("why", list(SIGNED_BAD))
def test_signed_tokens_with_hostile_claims_are_401(trusted: World, why: str) -> None:  # noqa: F811
    _problem(_call(trusted, SIGNED_BAD[why]()), 401)


UNSIGNED_BAD = {
    "header nested 3000 deep": (b"[" * 3000 + b"]" * 3000, b"{}"),
    "payload nested 3000 deep": (b'{"alg": "ES384"}', b'{"iss": ' + b"[" * 3000 + b"]" * 3000 + b"}"),
    "header with NaN": (b'{"alg": NaN}', b"{}"),
    "payload with a 5000-digit number": (b'{"alg": "ES384"}', b'{"iss": "' + EHR.encode() + b'", "exp": '
                                         + b"9" * 5000 + b"}"),
    "header not UTF-8": (b'{"alg": "\xff\xfe"}', b"{}"),
    "header with a lone surrogate": (b'{"alg": "\\ud800"}', b"{}"),
    "header a list": (b'["ES384"]', b"{}"),
}


@pytest.mark.parametrize("why", list(UNSIGNED_BAD))
def test_token_segments_that_are_not_walkable_json_are_401(trusted: World, why: str) -> None:  # noqa: F811
    header, payload = UNSIGNED_BAD[why]
    _problem(_call(trusted, _raw_token(header, payload)), 401)


# --- mass assignment -----------------------------------------------------------------------------


def _case_body(title: str = "mass assignment case") -> dict[str, Any]:
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    return {"case": case, "title": title}


@pytest.mark.parametrize("extra", [{"org": "clinic-b"}, {"org_id": "clinic-b"}, {"owner": "x"},
                                   {"created_by": "usr_x"}, {"id": "cas_chosen"}, {"status": "approved"}])
def test_fields_a_client_may_not_set_are_refused(world: World, extra: dict[str, Any]) -> None:
    body = {**_case_body(), **extra}
    r = world.client.post("/cases", json=body, headers=world.h("req"))
    _problem(r, 422)
    r = world.client.post("/cases", json=_case_body(), headers=world.h("req"))
    assert r.status_code == 201, r.text
    cid, etag = r.json()["id"], r.headers.get("etag", "")
    before = world.client.get(f"/cases/{cid}", headers=world.h("req")).json()
    r = world.client.patch(f"/cases/{cid}", json={"case": _case_body()["case"], **extra},
                           headers=world.h("req", **{"If-Match": etag}))
    assert r.status_code in (422, 428), r.text
    after = world.client.get(f"/cases/{cid}", headers=world.h("req")).json()
    assert after == before
    assert world.client.get(f"/cases/{cid}", headers=world.h("req_b")).status_code == 404


@pytest.mark.parametrize("extra", [{"org_id": "plan"}, {"id": "usr_chosen"}, {"is_admin": True},
                                   {"roles": ["admin"]}, {"password": "x"}])
def test_user_bodies_with_extra_fields_are_refused(world: World, extra: dict[str, Any]) -> None:
    admin_b = world.service.accounts.add_user("clinic-b", "admin-b", "admin")
    key = world.service.accounts.create_key(admin_b.id)
    before = len(world.service.accounts.list_users())
    r = world.client.post("/users", json={"org": "clinic-b", "name": "new", "role": "requester", **extra},
                          headers={"Authorization": f"Bearer {key}"})
    _problem(r, 422)
    assert len(world.service.accounts.list_users()) == before


def test_review_bodies_with_extra_fields_are_refused(world: World) -> None:
    r = world.client.post("/cases", json=_case_body(), headers=world.h("req"))
    ev = world.client.post(f"/cases/{r.json()['id']}/evaluations", json={"drug": "reblozyl"},
                           headers=world.h("req")).json()["id"]
    for extra in ({"actor": "doc"}, {"role": "admin"}, {"reviewer_id": "usr_x"}, {"org": "plan"}):
        r = world.client.post(f"/evaluations/{ev}/review", json={"action": "claim", **extra},
                              headers=world.h("doc"))
        _problem(r, 422)
    r = world.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=world.h("doc"))
    assert r.status_code == 200, r.text  # the same body without the extra field is accepted


# --- keys in the URL -----------------------------------------------------------------------------


@pytest.mark.parametrize("param", ["api_key", "access_token", "key", "token", "authorization"])
def test_a_key_in_the_query_string_authenticates_nobody(world: World, param: str) -> None:
    r = world.client.get(f"/cases?{param}={world.keys['req']}")
    _problem(r, 401)
    r = world.client.get(f"/cases?{param}=Bearer%20{world.keys['req']}")
    _problem(r, 401)


def test_the_access_log_keeps_no_query_string(world: World) -> None:
    """uvicorn's access record is (client, method, path with query, HTTP version, status)."""
    logger = logging.getLogger("uvicorn.access")
    record = logger.makeRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("10.0.0.9:5555", "GET", f"/cases?api_key={world.keys['req']}&q={MRN}", "1.1", 401),
                               None)
    for f in logger.filters:
        f.filter(record)
    message = record.getMessage()
    assert world.keys["req"] not in message and MRN not in message, message


def test_the_web_sign_in_takes_no_key_from_the_query_string(world: World) -> None:
    c = world.client
    r = c.get(f"/sign-in?api_key={world.keys['req']}&next=/queue", headers={"accept": "text/html"},
              follow_redirects=False)
    assert r.status_code in (200, 303, 400, 405, 422), r.text
    page = c.get("/queue", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code in (303, 401, 403), page.status_code


# --- patient data in logs ------------------------------------------------------------------------


def _phi_case() -> dict[str, Any]:
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    case["patient"]["birth_date"] = BIRTH
    case["patient"]["id"] = MRN
    case["notes"] = [{"text": NOTE, "date": "2026-11-01"}]
    return case


def _ours(r: logging.LogRecord) -> bool:
    """Not the test's own client (TestClient is httpx: it logs each request it sends to testserver)."""
    return not (r.name.startswith(("httpx", "httpcore")) and "testserver" in str(r.args))


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "".join(f"{r.getMessage()}{r.msg}{r.args}{r.exc_text or ''}" for r in caplog.records if _ours(r))


def test_requests_with_patient_data_log_none_of_it(world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("mednec", "uvicorn", "uvicorn.error", "uvicorn.access", "httpx", "httpcore", "fastapi",
                 "starlette", "sqlalchemy", "multipart", "python_multipart"):
        caplog.set_level(logging.DEBUG, logger=name)  # restored after the test
    c, h = world.client, world.h("req")
    answers = []
    answers.append(c.post("/cases", json={"case": _phi_case(), "title": NAME}, headers=h))
    cid = answers[-1].json().get("id")
    bad = _phi_case()
    bad["facts"]["hemoglobin"] = {"value": NAME, "unit": "g/dL", "date": BIRTH}
    answers.append(c.post("/cases", json={"case": bad, "title": NAME}, headers=h))
    answers.append(c.post("/cases", json={"case": _phi_case(), "title": NAME, "mrn": MRN}, headers=h))
    answers.append(c.post("/cases", content=f'{{"title": "{NAME}", "case": {{"patient": "{MRN}"'.encode(),
                          headers={**h, "content-type": "application/json"}))
    answers.append(c.post("/cases", json={"case": _phi_case(), "title": NAME}, headers={"Authorization": f"Bearer {MRN}"}))
    if cid:
        answers.append(c.patch(f"/cases/{cid}", json={"case": bad}, headers={**h, "If-Match": '"0"'}))
        answers.append(c.post(f"/cases/{cid}/evaluations", json={"drug": NAME}, headers=h))
        ev = c.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=h)
        answers.append(ev)
        if ev.status_code == 201:
            answers.append(c.post(f"/evaluations/{ev.json()['id']}/review", json={"action": "submit", "reason": NOTE},
                                  headers=h))
    answers.append(c.get(f"/cases?q={NAME}&patient={MRN}&birth_date={BIRTH}", headers=h))
    answers.append(c.get(f"/audit?entity={MRN}", headers=world.h("auditor")))
    answers.append(c.get(f"/cases/{MRN}", headers=h))
    assert all(r.status_code < 500 for r in answers), [(r.status_code, r.text[:200]) for r in answers]
    text = _logged(caplog)
    leaked = [p for p in PHI if p in text]
    where = [(r.name, r.levelname, r.getMessage()[:300]) for r in caplog.records
             if _ours(r) and any(p in f"{r.getMessage()}{r.exc_text or ''}" for p in PHI)][:3]
    assert leaked == [], f"patient data in the logs: {leaked} in {where}"


def test_web_forms_with_patient_data_log_none_of_it(world: World, caplog: pytest.LogCaptureFixture) -> None:
    from tests.web.conftest import csrf_of, sign_in

    caplog.set_level(logging.DEBUG)
    c = world.client
    c.headers["accept"] = "text/html"
    sign_in(c, world.keys["req"])
    token = csrf_of(c.get("/ask").text)
    answers = [
        c.post("/ask", data={"csrf": token, "question": f"{NAME} DOB {BIRTH} {MRN}: {NOTE}. Reblozyl?"}),
        c.post("/ask/upload", data={"csrf": token},
               files={"upload": (f"{NAME}.txt", f"{NAME} {BIRTH} {MRN}\n{NOTE}".encode(), "text/plain")}),
        c.post("/ask/upload", data={"csrf": token},
               files={"upload": (f"{MRN}.json", f'{{"resourceType": "Bundle", "entry": "{NAME}"}}'.encode(),
                                 "application/json")}),
        c.post("/ask/upload", data={"csrf": token},
               files={"upload": (f"{MRN}.txt", f"{NAME}\x00{BIRTH}".encode(), "text/plain")}),
        c.post("/ask/evaluate", data={"csrf": token, "case": f"patient: {NAME}\nbirth: {BIRTH}"}),
        c.post("/ask", data={"csrf": "wrong", "question": f"{NAME} {MRN}"}),
    ]
    assert all(r.status_code < 500 for r in answers), [(r.status_code, r.text[:200]) for r in answers]
    text = _logged(caplog)
    leaked = [p for p in PHI if p in text]
    assert leaked == [], f"patient data in the logs: {leaked}"


# --- population error files ----------------------------------------------------------------------


def test_an_unexpected_failures_error_record_holds_its_type_not_its_text() -> None:
    """The errors file is for the analyst who ran the batch; what it quotes of a patient is the id
    (README) and, for a wrong value, the field and a short excerpt. An unexpected exception's text
    is anything a library put there: a float() failure quotes the value, a KeyError the key."""
    from mednec.population.results import error_record

    for exc in (ValueError(f"could not convert string to float: '{NAME} {BIRTH}'"), KeyError(NOTE),
                TypeError(f"bad operand for {MRN}")):
        rec = error_record("p-1", "mds", "evaluate", exc)
        text = json.dumps(rec.to_dict())
        assert not [p for p in PHI if p in text], text
        assert type(exc).__name__ in rec.message
        assert rec.kind == "internal"


def test_a_batch_with_patient_data_in_bad_cases_prints_none_of_it(tmp_path: Any) -> None:
    """`mednec batch` over case files whose values are wrong in ways that quote them: what it prints
    (stdout and stderr) holds counts and paths, no patient data; each errors file line holds exactly
    the documented keys (README, "Population runs")."""
    from pathlib import Path

    from typer.testing import CliRunner

    from mednec.cli import app

    folder = Path(tmp_path) / "cases"
    folder.mkdir()
    (folder / "p-hb.yaml").write_text(f"facts: {{hemoglobin: {{value: '{NAME}', unit: g/dL}}}}\n")
    (folder / "p-unit.yaml").write_text(f"facts: {{hemoglobin: {{value: 8.1, unit: '{MRN}'}}}}\n")
    (folder / "p-json.json").write_text(f'{{"patient": {{"birth_date": "{BIRTH}", "name": "{NAME}"')
    (folder / "p-key.yaml").write_text(f"patient: {{birth_date: {BIRTH}}}\n'{NAME}': 1\n")
    out = Path(tmp_path) / "out"
    r = CliRunner().invoke(app, ["batch", str(folder), "--out", str(out), "-p", "Reblozyl", "--as-of", "2026-11-20"])
    assert r.exit_code == 0, r.output
    printed = r.output + (r.stderr if r.stderr_bytes is not None else "")
    assert not [p for p in PHI if p in printed], printed
    lines = [json.loads(x) for f in sorted((out / "errors").glob("*.ndjson")) for x in f.read_text().splitlines()]
    assert len(lines) == 4, lines
    assert all(set(e) == {"patient_id", "policy_id", "stage", "kind", "field", "message"} for e in lines), lines
