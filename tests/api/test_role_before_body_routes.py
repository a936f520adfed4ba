"""A role that may not act is refused before its request is read, on every API route that needs a role (held-out
requests8 b01-b12, b18: the family of requests7 o04, which 31224ff fixed on the policy-version routes only).

A physician reviewer that sent a malformed case to ``POST /cases``, an auditor that sent an unknown action to the
review route, a requester that asked the audit log for ``?limit=0``: each got the 422 of the body's or query's
validation ("action: Input should be 'claim', 'approve', ...", "name: Field required"), describing the schema of an
action the caller may not take, where the role's 403 was the answer. Table: route x every role the route refuses
whatever it sends (README roles; ``store/access.py``) x malformed bodies or out-of-range queries -> 403, naming no
field. The id in a path is made up: a role the route refuses is refused before any record is looked up, so it learns
nothing of which ids exist. Controls: a role the route serves still gets its 422 (or 400) for the same input.
Written before the change.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import World

_BODY_ROUTES: list[tuple[str, str, list[str], list[Any]]] = [
    # method, path, refused roles, malformed bodies
    ("POST", "/cases", ["doc", "author", "auditor"], [{"case": 5, "colour": 1}, [], {}]),
    ("PATCH", "/cases/case_x", ["doc", "author", "auditor"], [{"facts": "all"}, [], {}]),
    ("POST", "/cases/case_x/evaluations", ["doc", "author", "auditor"], [{"drug": 7}, [], {}]),
    ("POST", "/evaluations/ev_x/review", ["author", "auditor"], [{"action": "escalate"}, [], {}]),
    ("POST", "/users", ["req", "doc", "author", "auditor"], [{"role": "god"}, [], {}]),
    ("POST", "/users/u_x/keys", ["req", "doc", "author", "auditor"], [{}]),
    ("POST", "/fhir/Claim/$submit", ["doc", "author", "auditor"], [[], "a string", {"resourceType": 5}]),
    ("POST", "/fhir/Claim/$inquire", ["doc", "author", "auditor"], [[], "a string", {"resourceType": 5}]),
]
_QUERY_ROUTES: list[tuple[str, list[str], list[str]]] = [
    # path, refused roles, out-of-range or malformed queries
    ("/audit", ["req", "doc", "author"], ["limit=0", "order=sideways", "after=-1"]),
    ("/audit/verify", ["req", "doc", "author"], [""]),
    ("/evaluations", ["author"], ["limit=0", "state=nope", "overdue=maybe"]),
    ("/cases", ["author"], ["limit=1000", "offset=-1"]),
    ("/cases/case_x/compare", ["author"], ["", "drug=", "phase=renewal"]),
    ("/evaluations/ev_x/documents/article", ["author"], ["audience=insurer", "format=docx"]),
    ("/evaluations/ev_x/documents/bogus", ["author"], [""]),
    ("/metrics/prior-auth", ["req", "author"], ["x=1"]),
    ("/policies/evolocumab-repatha/versions/2026.12.9/impact", ["req"], [""]),
]

BODY_CASES = [(m, p, who, body) for m, p, roles, bodies in _BODY_ROUTES for who in roles for body in bodies]
QUERY_CASES = [(p, who, q) for p, roles, queries in _QUERY_ROUTES for who in roles for q in queries]


def _refused(r: Any) -> None:
    assert r.status_code == 403, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert not body.get("errors"), body
    assert "Field required" not in r.text and "Input should" not in r.text and "Extra inputs" not in r.text


@pytest.mark.parametrize(("method", "path", "who", "body"), BODY_CASES)
def test_a_role_the_route_refuses_gets_403_whatever_body_it_sent(world: World, method: str, path: str, who: str,
                                                                  body: Any) -> None:
    _refused(world.client.request(method, path, json=body, headers=world.h(who)))


@pytest.mark.parametrize(("path", "who", "query"), QUERY_CASES)
def test_a_role_the_route_refuses_gets_403_whatever_query_it_sent(world: World, path: str, who: str,
                                                                   query: str) -> None:
    _refused(world.client.get(f"{path}?{query}" if query else path, headers=world.h(who)))


@pytest.mark.parametrize(("method", "path", "who", "body", "status"), [
    ("POST", "/cases", "req", {"case": 5}, 422),
    ("POST", "/cases", "admin", {"case": 5}, 422),
    ("POST", "/evaluations/ev_x/review", "doc", {"action": "escalate"}, 422),
    ("POST", "/evaluations/ev_x/review", "req", {"action": "appeal", "reason": 5}, 422),
    ("POST", "/users", "admin", {"role": "god"}, 422),
    ("POST", "/fhir/Claim/$submit", "req", [], 400),
])
def test_a_role_the_route_serves_still_gets_the_body_s_error(world: World, method: str, path: str, who: str,
                                                            body: Any, status: int) -> None:
    r = world.client.request(method, path, json=body, headers=world.h(who))
    assert r.status_code == status, (r.status_code, r.text[:300])


@pytest.mark.parametrize(("path", "who"), [("/audit?limit=0", "auditor"), ("/evaluations?limit=0", "doc"),
                                           ("/cases?offset=-1", "req"), ("/cases/case_x/compare", "doc")])
def test_a_role_the_route_serves_still_gets_the_query_s_error(world: World, path: str, who: str) -> None:
    r = world.client.get(path, headers=world.h(who))
    assert r.status_code == 422, (r.status_code, r.text[:300])


def test_no_credentials_is_still_401_first(world: World) -> None:
    r = world.client.post("/cases", json={"case": 5})
    assert r.status_code == 401 and "www-authenticate" in r.headers
