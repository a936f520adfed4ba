"""Attack: every page and listing, asked by each role of another (non-reviewing) organisation,
shows nothing of clinic-a's requests, on SQLite and PostgreSQL.

tests/api/test_attack_ids.py attacks the routes that take an id; this covers the rest: every GET
route without a path parameter (read from the app's router: a new one must be listed in PAGES
or EXEMPT with a reason), with query parameters that name clinic-a's ids, plus the shared pages
that list cases (the policy library and a draft's impact panel), through the API with a key and
through the web app signed in. Each answer is below 500 and holds no byte of clinic-a's request:
its title, its patient's birth date (unlike clinic-b's own), its case and evaluation ids, its requester's name.

First contact (2026-12-06): no route showed clinic-a's request; the first run's hits were the
test's own (clinic-b's case had the same example birth date; pages echo the ids put in their
URL), corrected before any change to the code. The gaps this session found were the impact
analysis (tests/api/test_attack_impact_scope.py) and the policy library's sample links there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, example
from tests.api.test_attack_ids import _walk
from tests.population.test_impact import VERSION, draft_yaml
from tests.web.conftest import sign_in

TITLE = "Quizzleborp Yarrowmont victim request 5519"
VICTIM_NAME = "Dr Vexilla Thornquist"
BIRTH_DATE = "1931-07-23"

#: GET routes without a path parameter, with the query strings they are tried with ({case}, {ev}:
#: clinic-a's ids)
PAGES: dict[str, tuple[str, ...]] = {
    "/": ("",),
    "/ask": ("",),
    "/queue": ("", "?state=under_review", "?state=submitted&overdue=true", "?q={case}"),
    "/metrics": ("", "?drug=reblozyl"),
    "/audit-log": ("", "?entity={ev}", "?entity={case}", "?action=review"),
    "/library": ("",),
    "/cases": ("", "?limit=100", "?q={case}"),
    "/evaluations": ("", "?case={case}", "?state=under_review", "?overdue=true"),
    "/metrics/prior-auth": ("", "?drug=reblozyl"),
    "/audit": ("", "?entity={ev}", "?entity={case}"),
    "/audit/verify": ("",),
    "/policies": ("",),
    "/fhir/Questionnaire": ("",),
    "/cds-services": ("",),
}
#: GET routes without a path parameter that hold no organisation's data
EXEMPT = {
    "/about": "static text",
    "/docs": "API documentation",
    "/drugs": "public drug list",
    "/editorial-policy": "public page",
    "/health": "liveness",
    "/openapi.json": "the API schema",
    "/public/ask": "anonymous question form (no stored case)",
    "/sign-in": "sign-in form",
    "/sign-in/sso": "redirect to the identity provider",
    "/sign-in/sso/callback": "identity provider callback (no session: tests/web/test_sso.py)",
}
#: shared pages (a path parameter naming something every organisation shares) that list cases
SHARED = ("/library/luspatercept-mds", f"/library/luspatercept-mds/versions/{VERSION}",
          f"/library/luspatercept-mds/versions/{VERSION}?impact=run", "/policies/luspatercept-mds",
          f"/policies/luspatercept-mds/versions/{VERSION}", f"/policies/luspatercept-mds/versions/{VERSION}/impact")
ATTACKERS = ("req_b", "b_admin", "b_physician_reviewer", "b_auditor", "b_policy_author")


def test_every_get_route_without_an_id_is_listed(world: World) -> None:
    found = {r.path for r in _walk(list(world.client.app.routes)) if "GET" in r.methods and "{" not in r.path}
    missing = found - set(PAGES) - set(EXEMPT)
    assert not missing, f"GET routes not covered by the organisation attack: {sorted(missing)}"
    assert not (set(PAGES) | set(EXEMPT)) - found, "the table names routes that no longer exist"


def _victim(w: World) -> dict[str, str]:
    """clinic-a's request, claimed and decided by the plan's reviewer (so queues, figures and the
    audit log all hold it), and a draft whose impact counts it."""
    u = w.service.accounts.add_user("clinic-a", VICTIM_NAME, "requester")
    w.keys["victim"] = w.service.accounts.create_key(u.id)
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    case["facts"]["hemoglobin"] = {"value": 8.5, "unit": "g/dL", "date": "2026-11-01"}
    case["patient"]["birth_date"] = BIRTH_DATE
    r = w.client.post("/cases", json={"case": case, "title": TITLE}, headers=w.h("victim"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    ev = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("victim")).json()["id"]
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc")).status_code == 200
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "approve"}, headers=w.h("doc")).status_code == 200
    assert w.client.post("/policies/luspatercept-mds/versions", json={"yaml": draft_yaml()},
                         headers=w.h("author")).status_code == 201
    assert w.client.post(f"/policies/luspatercept-mds/versions/{VERSION}/review", json={"action": "submit"},
                         headers=w.h("author")).status_code == 200
    return {"case": cid, "ev": ev}


def _clinic_b(w: World) -> None:
    admin = w.service.accounts.add_user("clinic-b", "B admin", "admin")
    w.keys["b_admin"] = w.service.accounts.create_key(admin.id)
    for role in ("physician_reviewer", "auditor"):
        r = w.client.post("/users", json={"org": "clinic-b", "name": f"B {role}", "role": role}, headers=w.h("b_admin"))
        assert r.status_code == 201, r.text
        w.keys[f"b_{role}"] = w.service.accounts.create_key(r.json()["id"])
    # since tests/api/test_attack_role_grants.py a clinic's admin no longer makes policy authors: the operator does
    author = w.service.accounts.add_user("clinic-b", "B policy_author", "policy_author")
    w.keys["b_policy_author"] = w.service.accounts.create_key(author.id)
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    cid = w.client.post("/cases", json={"case": case, "title": "clinic-b's own"}, headers=w.h("req_b")).json()["id"]
    assert w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req_b")).status_code == 201


def _leaks(text: str, v: dict[str, str], url: str = "") -> list[str]:
    """The victim's markers in ``text`` (an id the attacker put in the URL itself may be echoed,
    e.g. in a filter box: the other markers still must not appear)."""
    return [s for s in (TITLE, "Quizzleborp", BIRTH_DATE, v["case"], v["ev"], VICTIM_NAME, "Vexilla")
            if s in text and s not in url]


@pytest.mark.parametrize("attacker", ATTACKERS)
def test_no_page_or_listing_shows_another_organisations_request(world: World, attacker: str) -> None:
    w = world
    v = _victim(w)
    _clinic_b(w)
    web = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(web, w.keys[attacker])
    failures: list[Any] = []
    urls = [path + q.format(**v) for path, qs in PAGES.items() for q in qs] + list(SHARED)
    for url in urls:
        for how, r in (("api", w.client.get(url, headers=w.h(attacker))), ("web", web.get(url, follow_redirects=False))):
            if r.status_code >= 500 or "Traceback" in r.text:
                failures.append((how, url, r.status_code, "server error"))
            elif _leaks(r.text, v, url):
                failures.append((how, url, r.status_code, _leaks(r.text, v, url)))
    web.close()
    assert not failures, "\n".join(map(str, failures))


def test_the_plan_still_sees_the_request(world: World) -> None:
    """The same pages do show clinic-a's request to the plan's reviewer (the test can fail)."""
    w = world
    v = _victim(w)
    web = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(web, w.keys["doc"])
    assert v["ev"] in w.client.get(f"/evaluations?case={v['case']}", headers=w.h("doc")).text
    assert TITLE in web.get("/queue?state=approved").text or v["ev"] in web.get("/queue?state=approved").text
    web.close()
