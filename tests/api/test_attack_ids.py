"""Attack: another organisation's ids, guessed ids, case-changed and URL-encoded ids, on every
route that takes an id (API and web pages), on SQLite and PostgreSQL.

The routes are read from the application's router: a route with a path parameter that is not in
:data:`ROUTES` fails the test, so a new route has to say how it is attacked. For each route that
reads an organisation's data, the attacker (a requester of another organisation, signed in by key
or through the web sign-in) gets exactly what it gets for an id that does not exist: 404, and no
byte of the victim's case (its title, patient, facts). Routes whose parameter names something
shared by every organisation (a policy, a CDS service, a drug page) are listed with the reason.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, example
from tests.web.conftest import sign_in

VICTIM_TITLE = "Zorblax Quuxington victim case 7731"  # appears nowhere but in the victim's case


@dataclass(frozen=True)
class Victim:
    case: str
    ev: str
    user: str
    key_id: str


def _walk(routes: list[Any]) -> Iterator[Any]:
    """Every route of the app, also inside included routers (FastAPI 0.16x wraps them)."""
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            yield from _walk(list(inner.routes))
        elif getattr(r, "path", None) is not None and getattr(r, "methods", None):
            yield r


def routes_with_ids(app: Any) -> set[str]:
    """``"METHOD /path/{param}"`` for every route with a path parameter."""
    out = set()
    for r in _walk(list(app.routes)):
        if "{" in r.path:
            for m in r.methods - {"HEAD"}:
                out.add(f"{m} {r.path}")
    return out


# Routes reading or changing an organisation's data: how to fill the path from the victim's ids.
OWNED: dict[str, Callable[[Victim], str]] = {
    "GET /cases/{case_id}": lambda v: f"/cases/{v.case}",
    "PATCH /cases/{case_id}": lambda v: f"/cases/{v.case}",
    "GET /cases/{case_id}/compare": lambda v: f"/cases/{v.case}/compare?drug=reblozyl",
    "POST /cases/{case_id}/evaluations": lambda v: f"/cases/{v.case}/evaluations",
    "GET /evaluations/{eval_id}": lambda v: f"/evaluations/{v.ev}",
    "GET /evaluations/{eval_id}/history": lambda v: f"/evaluations/{v.ev}/history",
    "POST /evaluations/{eval_id}/review": lambda v: f"/evaluations/{v.ev}/review",
    "GET /evaluations/{eval_id}/documents": lambda v: f"/evaluations/{v.ev}/documents",
    "GET /evaluations/{eval_id}/documents/{document}": lambda v: f"/evaluations/{v.ev}/documents/article",
    "POST /users/{user_id}/keys": lambda v: f"/users/{v.user}/keys",
    "DELETE /users/{user_id}/keys/{key_id}": lambda v: f"/users/{v.user}/keys/{v.key_id}",
    # web pages and their downloads
    "GET /answers/{eval_id}": lambda v: f"/answers/{v.ev}",
    "GET /answers/{eval_id}/summary": lambda v: f"/answers/{v.ev}/summary",
    "GET /answers/{eval_id}/json": lambda v: f"/answers/{v.ev}/json",
    "GET /answers/{eval_id}/documents/{doc}": lambda v: f"/answers/{v.ev}/documents/article?format=html",
    "GET /answers/{eval_id}/follow-up": lambda v: f"/answers/{v.ev}/follow-up",
    "POST /answers/{eval_id}/follow-up": lambda v: f"/answers/{v.ev}/follow-up",
    "POST /answers/{eval_id}/attach": lambda v: f"/answers/{v.ev}/attach",
    "POST /answers/{eval_id}/review": lambda v: f"/answers/{v.ev}/review",
    "POST /queue/{eval_id}/claim": lambda v: f"/queue/{v.ev}/claim",
    "GET /cases/{case_id}/payer-variants": lambda v: f"/cases/{v.case}/payer-variants?drug=reblozyl",
}
# Routes whose parameter names something every organisation shares (no organisation's data).
SHARED = {
    "GET /policies/{policy_id}": "published policies are the same for every organisation; drafts by role",
    "GET /policies/{policy_id}/versions/{version}": "drafts by role, of the author's organisation or a reviewing one (test_attack_policy_drafts)",
    "GET /policies/{policy_id}/versions/{version}/impact": "by role; counts and case ids over the reader's organisation unless it reviews all (test_attack_impact_scope)",
    "POST /policies/{policy_id}/versions": "policy authors, by role",
    "POST /policies/{policy_id}/versions/{version}/review": "policy authors, by role",
    "POST /cds-services/{service_id}": "evaluates only what the caller sends",
    "GET /fhir/Questionnaire/{qid}": "questionnaires hold questions, no patient data",
    "GET /editorial-policy/decisions/{ref_id}": "public page",
    "GET /library/{policy_id}": "policy library, by role",
    "GET /library/{policy_id}/versions/{version}": "policy library, by role",
    "GET /drugs/{drug}/{use}": "public page",
}
WEB = ("/answers", "/queue", "/cases/{case_id}/payer-variants")


def test_every_route_with_an_id_is_attacked(world: World) -> None:
    """A route with a path parameter must be in OWNED (attacked below) or SHARED (with a reason)."""
    found = routes_with_ids(world.client.app)
    missing = found - set(OWNED) - set(SHARED)
    assert not missing, f"routes with an id not covered by the attack tests: {sorted(missing)}"
    stale = (set(OWNED) | set(SHARED)) - found
    assert not stale, f"attack table names routes that no longer exist: {sorted(stale)}"


def _victim(w: World) -> Victim:
    case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
    case["title"] = VICTIM_TITLE
    r = w.client.post("/cases", json={"case": case, "title": VICTIM_TITLE}, headers=w.h("req"))
    assert r.status_code == 201, r.text
    cid = r.json()["id"]
    ev = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()["id"]
    victim_user = w.service.accounts.add_user("clinic-a", "Victim User", "requester")
    key_id, _ = w.service.accounts.issue_key(victim_user.id)
    return Victim(cid, ev, victim_user.id, key_id)


def _variants(ident: str) -> dict[str, str]:
    """The ways an attacker spells an id: as is, case-changed, URL-encoded, guessed neighbours."""
    prefix, _, tail = ident.partition("_")
    last = tail[-1]
    bumped = tail[:-1] + ("0" if last != "0" else "1")
    return {
        "real": ident,
        "upper": ident.upper(),
        "swapcase-tail": f"{prefix}_{tail.upper()}",
        "url-encoded": "".join(f"%{b:02X}" for b in ident.encode()),
        "guessed-neighbour": f"{prefix}_{bumped}",
        "sequential": f"{prefix}_1",
        "zeros": f"{prefix}_{'0' * len(tail)}",
        "sql-ish": f"{ident}' OR '1'='1",
        "like-wildcard": f"{prefix}_%",
        "trailing-space": ident + "%20",
    }


def _swap(path: str, real: str, variant: str) -> str:
    return path.replace(real, variant)


def _body_for(name: str) -> tuple[dict[str, Any] | None, dict[str, str]]:
    if name == "PATCH /cases/{case_id}":
        return {"facts": {"serum_epo": 100}}, {"If-Match": '"v1"'}
    if name == "POST /cases/{case_id}/evaluations":
        return {"drug": "reblozyl"}, {}
    if name == "POST /evaluations/{eval_id}/review":
        return {"action": "appeal", "reason": "x"}, {}
    return None, {}


def _web_client(w: World, who: str) -> TestClient:
    c = TestClient(w.client.app, headers={"accept": "text/html"})
    sign_in(c, w.keys[who])
    return c


def _csrf(c: TestClient) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', c.get("/ask").text)
    assert m
    return m.group(1)


def _leaks(text: str) -> list[str]:
    return [s for s in (VICTIM_TITLE, "Zorblax", "1956-02-14") if s in text]


def _ask(w: World, c: TestClient, name: str, path: str, csrf: str, attacker: str) -> Any:
    method = name.split(" ", 1)[0]
    if any(name.split(" ", 1)[1].startswith(p) for p in WEB):
        if method == "POST":
            return c.post(path, data={"csrf": csrf, "action": "appeal", "reason": "x", "question": "x"},
                          follow_redirects=False)
        return c.get(path, follow_redirects=False)
    body, extra = _body_for(name)
    return w.client.request(method, path, json=body, headers=w.h(attacker, **extra))


@pytest.mark.parametrize("attacker", ["req_b", "admin_b"])
def test_another_organisations_ids_are_not_found(world: World, attacker: str) -> None:
    """Every spelling of the victim's ids, asked by another organisation, answers exactly as an id
    that does not exist (404, or the same role refusal) and shows none of the victim's data."""
    w = world
    v = _victim(w)
    if attacker == "admin_b":  # an admin of another organisation: may not touch clinic-a's users and keys
        u = w.service.accounts.add_user("clinic-b", "Admin B", "admin")
        w.keys["admin_b"] = w.service.accounts.create_key(u.id)
    web = _web_client(w, attacker)
    csrf = _csrf(web)
    failures = []
    for name, fill in OWNED.items():
        if attacker == "admin_b" and "/users/" not in name:
            continue  # admins read every organisation's cases by design (README, roles)
        real_path = fill(v)
        ident = next(i for i in (v.key_id, v.ev, v.case, v.user) if i in real_path)
        missing = _ask(w, web, name, _swap(real_path, ident, ident.split("_")[0] + "_doesnotexist00"), csrf, attacker)
        for how, variant in _variants(ident).items():
            r = _ask(w, web, name, _swap(real_path, ident, variant), csrf, attacker)
            if r.status_code >= 500 or _leaks(r.text):
                failures.append((name, how, r.status_code, _leaks(r.text)))
            elif r.status_code != missing.status_code:
                failures.append((name, how, r.status_code, f"a missing id gets {missing.status_code}"))
            elif r.status_code not in (403, 404):
                failures.append((name, how, r.status_code, "expected 404"))
    web.close()
    assert not failures, "\n".join(map(str, failures))


def test_guessed_ids_are_not_found_for_the_owner_either(world: World) -> None:
    """Spellings other than the exact id are not the case (ids are compared exactly, never as a
    pattern), also for the organisation that owns it; none is a 500."""
    w = world
    v = _victim(w)
    failures = []
    for how, variant in _variants(v.case).items():
        r = w.client.get(f"/cases/{variant}", headers=w.h("req"))
        want = 200 if how in ("real", "url-encoded") else 404
        if r.status_code != want:
            failures.append((how, variant, r.status_code))
    for how, variant in _variants(v.ev).items():
        r = w.client.get(f"/evaluations/{variant}", headers=w.h("req"))
        want = 200 if how in ("real", "url-encoded") else 404
        if r.status_code != want:
            failures.append((how, variant, r.status_code))
    assert not failures, failures


def test_prior_auth_of_another_organisation_is_not_readable(world: World) -> None:
    """PAS: another organisation's identical Claim.identifier neither reads nor changes a request."""
    from pathlib import Path

    w = world
    req = json.loads((Path(__file__).resolve().parents[1] / "fixtures" / "fhir" / "pas-request-del5q.json").read_text())
    r = w.client.post("/fhir/Claim/$submit", json=req, headers=w.h("req"))
    assert r.status_code == 200, r.text
    theirs = w.client.post("/fhir/Claim/$inquire", json=req, headers=w.h("req_b"))
    assert theirs.status_code in (404, 422) and "Traceback" not in theirs.text
    nobody = json.loads(json.dumps(req).replace("PA-2026-1102", "never-sent-42"))
    assert nobody != req
    ghost = w.client.post("/fhir/Claim/$inquire", json=nobody, headers=w.h("req"))
    assert ghost.status_code == theirs.status_code  # another organisation's request looks like none at all
    # the queue of the other organisation does not list it
    items = w.client.get("/evaluations", headers=w.h("req_b")).json()["items"]
    assert items == []


def test_url_encoded_ids_in_the_audit_filter_do_not_leak(world: World) -> None:
    """The audit filter takes ids: only auditors and admins may read it, whatever the spelling."""
    w = world
    v = _victim(w)
    for variant in _variants(v.case).values():
        q = urllib.parse.quote(variant, safe="%")
        r = w.client.get(f"/audit?entity={q}", headers=w.h("req_b"))
        assert r.status_code == 403 and VICTIM_TITLE not in r.text
        r = w.client.get(f"/audit?entity={q}", headers=w.h("auditor"))
        assert r.status_code in (200, 422), r.text
        assert VICTIM_TITLE not in r.text  # entries carry ids, never the case's contents
