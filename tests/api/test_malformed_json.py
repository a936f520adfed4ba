"""A body that is not JSON is a 400 on every endpoint; JSON of the wrong shape stays a 422 on mednec's own API
(helper cases7, 2026-12-07; requests7 x02).

RFC 9110 §15.5.1: 400 is for "malformed request syntax"; §15.5.21: 422 is for content whose type the server
understands and "the syntax of the request content is correct" but which it cannot process. A truncated body, a
trailing comma, single quotes or a comment are syntax errors, so 400 with the problem naming ``$`` and where the
JSON broke. CDS Hooks and FHIR already answered every malformed request with 400 (tests/api/test_fhir_api.py);
the rest of the API answered a syntax error with 422, like a schema error. A well-formed body of the wrong shape
(``42``, a list, a case that is a string) is still a 422 there (400 on the FHIR paths, as before).

First contact (on e7971c3): the five JSON-API endpoints answered the first syntax error with 422 (5 of the 13
tests failed on SQLite); the FHIR paths and the wrong-shape bodies passed. After: 13/13.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import World

MALFORMED = [b'{"case": {"facts": {"bmi": 31}}', b'{"case": {"facts": {"bmi": 31,}}}', b"{'case': {}}",
             b'{case: {}}', b'{"case": {} // comment\n}', b"{", b'{"drug": "Repatha"} trailing']
WRONG_SHAPE = [b"42", b"[1, 2]", b'{"case": "facts: {bmi: 31}"}']

#: (method, path) of every JSON endpoint; {case} / {ev} are made first
JSON_API = [("POST", "/cases"), ("POST", "/cases/{case}/evaluations"), ("PATCH", "/cases/{case}"),
            ("POST", "/evaluations/{ev}/review"), ("POST", "/users")]
FHIR_API = [("POST", "/fhir/questionnaire"), ("POST", "/cds-services/mednec-order-sign"),
            ("POST", "/fhir/Claim/$submit")]


def _ids(w: World) -> dict[str, str]:
    case = {"as_of": "2026-12-01", "patient": {"birth_date": "1964-04-18", "sex": "male"},
            "facts": {"prior_mi": True, "ldl_c": {"value": 88, "unit": "mg/dL", "date": "2026-11-01"}}}
    cid = w.client.post("/cases", json={"case": case}, headers=w.h("req")).json()["id"]
    ev = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "Repatha"}, headers=w.h("req")).json()["id"]
    return {"case": cid, "ev": ev}


def _send(w: World, method: str, path: str, body: bytes, ids: dict[str, str]) -> object:
    who = "admin" if path == "/users" else "req"
    headers = w.h(who, **{"Content-Type": "application/json", "If-Match": '"v1"'})
    return w.client.request(method, path.format(**ids), content=body, headers=headers)


@pytest.mark.parametrize(("method", "path"), JSON_API + FHIR_API)
def test_syntax_errors_are_400_naming_the_body(world: World, method: str, path: str) -> None:
    ids = _ids(world)
    for body in MALFORMED:
        r = _send(world, method, path, body, ids)
        assert r.status_code == 400, (path, body, r.status_code, r.text[:300])  # type: ignore[attr-defined]
        problem = r.json()  # type: ignore[attr-defined]
        assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
        assert problem["field"] == "$" and "malformed JSON" in problem["detail"], problem


@pytest.mark.parametrize(("method", "path"), JSON_API)
def test_well_formed_json_of_the_wrong_shape_is_still_422(world: World, method: str, path: str) -> None:
    ids = _ids(world)
    for body in WRONG_SHAPE:
        r = _send(world, method, path, body, ids)
        assert r.status_code == 422, (path, body, r.status_code, r.text[:300])  # type: ignore[attr-defined]
