"""Every endpoint refuses the wrong role (403) or another organisation (404), learning nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.api.conftest import World, example


def _setup(w: World) -> tuple[str, str]:
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    case = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    ev = w.client.post(f"/cases/{case}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"]
    return case, ev


def _calls(case: str, ev: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    return [
        ("POST", "/cases", body),
        ("GET", "/cases", None),
        ("GET", f"/cases/{case}", None),
        ("GET", f"/evaluations/{ev}/documents", None),
        ("GET", f"/evaluations/{ev}/documents/article?format=html", None),
        ("PATCH", f"/cases/{case}", {"facts": {"serum_epo": 100}}),
        ("POST", f"/cases/{case}/evaluations", {"drug": "reblozyl"}),
        ("GET", "/evaluations", None),
        ("GET", f"/evaluations/{ev}", None),
        ("GET", f"/evaluations/{ev}/history", None),
        ("POST", f"/evaluations/{ev}/review", {"action": "claim"}),
        ("GET", "/metrics/prior-auth", None),
        ("GET", "/audit", None),
        ("GET", "/audit/verify", None),
        ("POST", "/users", {"org": "x", "name": "x", "role": "requester"}),
        ("POST", "/users/usr_x/keys", None),
        ("GET", "/policies", None),
        ("GET", "/policies/luspatercept-mds", None),
    ]


# which roles may call each endpoint at all (everything else must get 403)
ALLOWED = {
    "POST /cases": {"req", "req_b", "admin"},
    "GET /cases": {"req", "req_b", "doc", "doc2", "auditor", "admin"},
    "GET /cases/{case}": {"req", "doc", "doc2", "auditor", "admin"},
    "GET /evaluations/{ev}/documents": {"req", "doc", "doc2", "auditor", "admin"},
    "GET /evaluations/{ev}/documents/article": {"req", "doc", "doc2", "auditor", "admin"},
    "PATCH /cases/{case}": {"req", "admin"},
    "POST /cases/{case}/evaluations": {"req", "admin"},
    "GET /evaluations": {"req", "req_b", "doc", "doc2", "auditor", "admin"},
    "GET /evaluations/{ev}": {"req", "doc", "doc2", "auditor", "admin"},
    "GET /evaluations/{ev}/history": {"req", "doc", "doc2", "auditor", "admin"},
    "POST /evaluations/{ev}/review": {"doc", "doc2", "admin"},
    "GET /metrics/prior-auth": {"doc", "doc2", "auditor", "admin"},
    "GET /audit": {"auditor", "admin"},
    "GET /audit/verify": {"auditor", "admin"},
    "POST /users": {"admin"},
    "POST /users/{user}/keys": {"admin"},
    "GET /policies": {"req", "req_b", "doc", "doc2", "author", "auditor", "admin"},
    "GET /policies/{policy}": {"req", "req_b", "doc", "doc2", "author", "auditor", "admin"},
}
NAMES = list(ALLOWED)


@pytest.mark.parametrize("who", ["req", "req_b", "doc", "author", "auditor"])
def test_roles_and_organisations(world: World, who: str) -> None:
    w = world
    case, ev = _setup(w)
    for (method, path, body), name in zip(_calls(case, ev), NAMES, strict=True):
        headers = w.h(who, **({"If-Match": '"v1"'} if method == "PATCH" else {}))
        r = w.client.request(method, path, json=body, headers=headers)
        if who not in ALLOWED[name]:
            if who == "req_b" and name in ("GET /cases/{case}", "PATCH /cases/{case}", "POST /cases/{case}/evaluations",
                                          "GET /evaluations/{ev}/documents", "GET /evaluations/{ev}/documents/article",
                                          "GET /evaluations/{ev}", "GET /evaluations/{ev}/history",
                                          "POST /evaluations/{ev}/review"):
                assert r.status_code == 404, (who, name, r.status_code)  # another organisation: not found
                # indistinguishable from an id that does not exist at all
                ghost = w.client.request(method, path.replace(case, "case_doesnotexist").replace(ev, "ev_doesnotexist"),
                                         json=body, headers=headers)
                norm = r.text.replace(case, "X").replace(ev, "X")
                assert norm == ghost.text.replace("case_doesnotexist", "X").replace("ev_doesnotexist", "X")
                assert "clinic-a" not in r.text
            else:
                assert r.status_code == 403, (who, name, r.status_code, r.text)
            assert r.headers["content-type"].startswith("application/problem+json")
        else:
            assert r.status_code < 400 or r.status_code == 404 and "users/usr_x" in path, (who, name, r.status_code, r.text)


def test_other_organisation_lists_do_not_show_foreign_cases(world: World) -> None:
    w = world
    case, ev = _setup(w)
    assert w.client.get("/cases", headers=w.h("req_b")).json()["total"] == 0
    assert w.client.get("/evaluations", headers=w.h("req_b")).json()["total"] == 0
    assert w.client.get("/cases", headers=w.h("doc")).json()["total"] == 1


def test_no_or_bad_credentials_get_401(world: World) -> None:
    w = world
    assert w.client.get("/cases").status_code == 401
    r = w.client.get("/cases", headers={"Authorization": "Bearer mk_not-a-key"})
    assert r.status_code == 401 and r.json()["code"] == "unauthorized"


FHIR = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "fhir"


def _fhir(name: str) -> Any:
    return json.loads((FHIR / name).read_text())


@pytest.mark.parametrize("who", ["req", "req_b", "doc", "author", "auditor", "admin"])
def test_fhir_endpoints_roles_and_organisations(world: World, who: str) -> None:
    """CDS Hooks and DTR evaluate only what the caller sends and read nothing stored: any signed-in
    role may call them (an EHR, a reviewer checking what is missing). PAS stores and reads an
    organisation's requests: requesters (and admins) only, and another organisation's request is
    indistinguishable from one that does not exist."""
    w = world
    h = w.h(who)
    assert w.client.post("/cds-services/mednec-order-sign", json=_fhir("cds-order-sign-request.json"), headers=h).status_code == 200
    body = {"case": json.loads(json.dumps(example("luspatercept-missing-epo.yaml"), default=str)), "drug": "reblozyl"}
    assert w.client.post("/fhir/questionnaire", json=body, headers=h).status_code == 200
    claim = _fhir("pas-request-del5q.json")
    r = w.client.post("/fhir/Claim/$submit", json=claim, headers=h)
    if who in ("req", "req_b", "admin"):
        assert r.status_code == 200, r.text
    else:
        assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert w.client.post("/fhir/Claim/$inquire", json=claim, headers=h).status_code == (
        200 if who in ("req", "req_b", "admin") else 403)


def test_another_organisations_prior_auth_request_is_not_found(world: World) -> None:
    w = world
    claim = _fhir("pas-request-del5q.json")
    assert w.client.post("/fhir/Claim/$submit", json=claim, headers=w.h("req")).status_code == 200
    foreign = w.client.post("/fhir/Claim/$inquire", json=claim, headers=w.h("req_b"))
    ghost_claim = json.loads(json.dumps(claim).replace("PA-2026-1102", "PA-0000-0000"))
    ghost = w.client.post("/fhir/Claim/$inquire", json=ghost_claim, headers=w.h("req"))
    assert foreign.status_code == ghost.status_code == 422
    assert foreign.json()["detail"].replace("PA-2026-1102", "X") == ghost.json()["detail"].replace("PA-0000-0000", "X")
    assert "clinic-a" not in foreign.text


def test_fhir_endpoints_need_credentials(world: World) -> None:
    w = world
    for path, body in (("/cds-services/mednec-order-sign", _fhir("cds-order-sign-request.json")),
                       ("/fhir/questionnaire", {"case": {}, "drug": "reblozyl"}),
                       ("/fhir/Claim/$submit", _fhir("pas-request-del5q.json"))):
        assert w.client.post(path, json=body).status_code == 401, path
