"""A JSON route sent a body of another media type answers 415 (held-out requests8 h05-h07; RFC 9110 §15.5.16).

A case sent as text/plain was a 422 ("$: Input should be a valid dictionary"), a PAS Bundle as application/fhir+xml
and a CDS Hooks call as a form a 400: the body was read as something it did not say it was. Table: every JSON body
route x media types that are not JSON -> 415, a problem document naming Content-Type; controls: JSON media types
(application/json with or without a charset, in any case, application/fhir+json) are read; without credentials the
answer stays 401 (README: a cross-site text/plain POST to the API is a 401); a role the route refuses stays 403.
Written before the change.
"""

from __future__ import annotations

import json

import pytest

from tests.api.conftest import World

ROUTES = [("POST", "/cases", "req"), ("PATCH", "/cases/case_x", "req"), ("POST", "/cases/case_x/evaluations", "req"),
          ("POST", "/evaluations/ev_x/review", "doc"), ("POST", "/users", "admin"),
          ("POST", "/policies/evolocumab-repatha/versions", "author"), ("POST", "/fhir/questionnaire", "req"),
          ("POST", "/fhir/questionnaire-response", "req"), ("POST", "/fhir/Questionnaire/$questionnaire-package", "req"),
          ("POST", "/fhir/Claim/$submit", "req"), ("POST", "/fhir/Claim/$inquire", "req"),
          ("POST", "/cds-services/mednec-order-sign", "req")]
NOT_JSON = ["text/plain", "application/xml", "application/fhir+xml", "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x", "text/csv; charset=utf-8"]
JSON_TYPES = ["application/json", "application/json; charset=utf-8", "APPLICATION/JSON", "application/fhir+json",
              "application/fhir+json; fhirVersion=4.0"]
BODY = json.dumps({"resourceType": "Bundle"}).encode()


@pytest.mark.parametrize(("method", "path", "who"), ROUTES)
@pytest.mark.parametrize("ctype", NOT_JSON)
def test_a_body_that_says_it_is_not_json_is_a_415(world: World, method: str, path: str, who: str, ctype: str) -> None:
    r = world.client.request(method, path, content=BODY, headers={**world.h(who), "content-type": ctype})
    assert r.status_code == 415, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json().get("field") == "Content-Type"


@pytest.mark.parametrize(("method", "path", "who"), ROUTES)
@pytest.mark.parametrize("ctype", JSON_TYPES)
def test_json_media_types_are_read(world: World, method: str, path: str, who: str, ctype: str) -> None:
    r = world.client.request(method, path, content=BODY, headers={**world.h(who), "content-type": ctype})
    assert r.status_code != 415, (r.status_code, r.text[:300])
    assert r.status_code < 500


@pytest.mark.parametrize(("method", "path", "who"), ROUTES)
def test_without_credentials_it_is_still_a_401(world: World, method: str, path: str, who: str) -> None:
    r = world.client.request(method, path, content=BODY, headers={"content-type": "text/plain"})
    assert r.status_code == 401, (r.status_code, r.text[:300])


@pytest.mark.parametrize(("method", "path"), [("POST", "/cases"), ("POST", "/users"), ("POST", "/fhir/Claim/$submit")])
def test_a_refused_role_is_still_a_403(world: World, method: str, path: str) -> None:
    r = world.client.request(method, path, content=BODY, headers={**world.h("auditor"), "content-type": "text/plain"})
    assert r.status_code == 403, (r.status_code, r.text[:300])


def test_an_empty_body_with_any_type_is_not_a_415(world: World) -> None:
    r = world.client.post("/users/u_x/keys", content=b"", headers={**world.h("admin"), "content-type": "text/plain"})
    assert r.status_code != 415, (r.status_code, r.text[:300])
