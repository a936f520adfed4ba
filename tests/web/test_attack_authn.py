"""Attack: authentication, roles, CSRF and sessions, on SQLite and PostgreSQL.

- Bearer keys: missing, malformed, revoked, with whitespace or Unicode, very long; each is a 401
  problem document (never a 500), the same answer for every kind of wrong key.
- Role escalation: a requester, an author and an auditor doing reviewer and admin actions.
- CSRF: every state-changing web form (POST routes read from the app's router) without a token,
  with another session's token, with a non-ASCII token: 403, nothing changed, never a 500.
- Sessions: a forged or tampered cookie is no session; a session fixed before sign-in is replaced
  at sign-in (the CSRF token too); open redirects in ``next``.
"""

from __future__ import annotations

import html
import json
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import World, example
from tests.api.test_attack_ids import _walk

BAD_KEYS: dict[str, str | None] = {
    "missing": None,
    "empty bearer": "Bearer ",
    "scheme only": "Bearer",
    "basic scheme": "Basic dXNlcjpwYXNz",
    "unknown key": "Bearer mk_" + "A" * 43,
    "not a key": "Bearer hello",
    "very long": "Bearer mk_" + "x" * 7000,
    "unicode": "Bearer mk_ключ🔑",
    "zero-width": "Bearer mk_\u200babc",
    "tab inside": "Bearer mk_a\tb",
    "quoted": 'Bearer "mk_abc"',
    "sql-ish": "Bearer mk_' OR '1'='1",
    "jwt-looking": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
    "jwt alg none with dots": "Bearer a.b.c",
}


def _encode(value: str) -> bytes:
    """A header value as a client would send it (UTF-8; latin-1 where it fits)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


@pytest.mark.parametrize("path", ["/cases", "/evaluations", "/audit", "/cds-services/mednec-order-sign"])
def test_wrong_keys_are_401_problem_documents(world: World, path: str) -> None:
    w = world
    failures = []
    for name, header in BAD_KEYS.items():
        headers: dict[str, Any] = {} if header is None else {"authorization": _encode(header)}
        method = "POST" if path.startswith("/cds-services") else "GET"
        r = w.client.request(method, path, headers=headers, json={} if method == "POST" else None)
        if path.startswith("/cds-services") and r.status_code == 400:
            continue  # the hook request itself is checked first (malformed): no data either way
        if r.status_code != 401 or not r.headers["content-type"].startswith("application/problem+json"):
            failures.append((name, r.status_code, r.text[:200]))
        if "Traceback" in r.text or "mk_" + "A" * 43 in r.text:
            failures.append((name, "echoes", r.text[:200]))
    assert not failures, failures


def test_key_with_surrounding_whitespace_and_revoked_keys(world: World) -> None:
    w = world
    key = w.keys["req"]
    assert w.client.get("/cases", headers={"authorization": f"Bearer   {key}  "}).status_code == 200
    assert w.client.get("/cases", headers={"authorization": f"bearer {key}"}).status_code == 200
    # the key with a character changed, cut or extended is unknown
    for wrong in (key[:-1], key + "A", key.upper(), key[:-1] + ("A" if key[-1] != "A" else "B")):
        assert w.client.get("/cases", headers={"authorization": f"Bearer {wrong}"}).status_code == 401
    u = w.service.accounts.add_user("clinic-a", "Soon Revoked", "requester")
    key_id, k = w.service.accounts.issue_key(u.id)
    assert w.client.get("/cases", headers={"authorization": f"Bearer {k}"}).status_code == 200
    w.service.accounts.revoke_key(key_id)
    assert w.client.get("/cases", headers={"authorization": f"Bearer {k}"}).status_code == 401


def _case(w: World, who: str = "req") -> tuple[str, str]:
    body = {"case": json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))}
    c = w.client.post("/cases", json=body, headers=w.h(who)).json()["id"]
    ev = w.client.post(f"/cases/{c}/evaluations", json={"drug": "reblozyl"}, headers=w.h(who)).json()["id"]
    return c, ev


REVIEW_ACTIONS: list[dict[str, Any]] = [
    {"action": "claim"},
    {"action": "approve", "signature": "Dr Ana Ruiz"},
    {"action": "overturn", "decision": "denied", "reason": "x", "signature": "Dr Ana Ruiz"},
    {"action": "request_changes", "reason": "x"},
    {"action": "request_info", "reason": "x"},
]


def test_role_escalation_is_refused(world: World) -> None:
    """Requesters, authors and auditors may not review; nobody but an admin creates users or keys;
    a reviewer may not approve or deny an evaluation it created; a denial needs the reviewer's name."""
    w = world
    _, ev = _case(w)
    failures = []
    for who in ("req", "req_b", "author", "auditor"):
        for body in REVIEW_ACTIONS:
            r = w.client.post(f"/evaluations/{ev}/review", json=body, headers=w.h(who))
            if r.status_code not in (403, 404):
                failures.append((who, body["action"], r.status_code))
        for path, body in (("/users", {"org": "clinic-a", "name": "x", "role": "admin"}),
                           ("/users/usr_x/keys", None),
                           ("/policies/luspatercept-mds/versions", {"yaml": "x: 1"})):
            if who == "author" and path.startswith("/policies"):
                continue
            r = w.client.post(path, json=body, headers=w.h(who))
            if r.status_code not in (403, 404):
                failures.append((who, path, r.status_code))
        r = w.client.post("/users", json={"org": "clinic-a", "name": "x", "role": "admin", "system_admin": True},
                          headers=w.h(who))
        if r.status_code != 403:
            failures.append((who, "system admin", r.status_code))
    # an admin that is not a system administrator cannot make one
    r = w.client.post("/users", json={"org": "plan", "name": "x", "role": "admin", "system_admin": True},
                      headers=w.h("admin"))
    if r.status_code != 403:
        failures.append(("admin", "system admin", r.status_code))
    # a denial is signed by the reviewer who decides, with their own name
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc")).status_code == 200
    for signature in ("", " ", "\u200b", "Dr Sam Patel", "x" * 300):
        r = w.client.post(f"/evaluations/{ev}/review", json={"action": "overturn", "decision": "denied",
                                                             "reason": "not met", "signature": signature},
                          headers=w.h("doc"))
        if r.status_code not in (403, 409, 422):
            failures.append(("doc signs as", signature[:20], r.status_code))
    # the other reviewer did not claim it: it may not decide it
    r = w.client.post(f"/evaluations/{ev}/review", json={"action": "approve", "signature": "doc2"}, headers=w.h("doc2"))
    if r.status_code not in (403, 409):
        failures.append(("doc2 decides doc's claim", r.status_code))
    # the admin created a case: it may not claim or decide it
    _, own = _case(w, "admin")
    r = w.client.post(f"/evaluations/{own}/review", json={"action": "claim"}, headers=w.h("admin"))
    if r.status_code not in (403, 409):
        failures.append(("admin claims own", r.status_code))
    assert not failures, failures


# -- the web forms -------------------------------------------------------------------------------


def _browser(w: World, who: str | None) -> TestClient:
    from tests.web.conftest import sign_in

    c = TestClient(w.client.app, headers={"accept": "text/html"})
    if who:
        sign_in(c, w.keys[who])
    return c


def _token(c: TestClient) -> str:
    for page in ("/ask", "/queue", "/sign-in"):
        m = re.search(r'name="csrf" value="([^"]+)"', c.get(page).text)
        if m:
            return m.group(1)
    raise AssertionError("no CSRF token on /ask, /queue or /sign-in")


def _post_routes(app: Any) -> Iterator[str]:
    for r in _walk(list(app.routes)):
        if "POST" in r.methods and not r.path.startswith(("/cases", "/evaluations", "/users", "/policies", "/fhir",
                                                          "/cds-services")):
            yield r.path


CSRF_TOKENS: dict[str, str | None] = {
    "none": None,
    "empty": "",
    "forged": "forged-token",
    "non-ascii": "jeton-é-🔑",
    "nul-free control": "\x7f\x01",
    "very long": "a" * 5000,
}


@pytest.mark.parametrize("who", ["req", "doc"])
def test_every_web_form_needs_the_sessions_csrf_token(world: World, who: str) -> None:
    """Every POST page, with no token, a forged one, another session's or a non-ASCII one: 403
    (or the sign-in form's own refusal), never a 500, and nothing is created."""
    w = world
    _, ev = _case(w)
    victim = _browser(w, who)
    other = _browser(w, "req_b")
    tokens = {**CSRF_TOKENS, "another session's": _token(other)}
    paths = sorted(set(_post_routes(w.client.app)))
    assert "/sign-out" in paths and "/ask" in paths and "/answers/{eval_id}/review" in paths
    before = w.client.get("/audit?order=newest&limit=1", headers=w.h("auditor")).json()["items"][0]["seq"]
    failures = []
    for path in paths:
        url = path.replace("{eval_id}", ev)
        for name, token in tokens.items():
            data = {"question": "Reblozyl for MDS?", "action": "claim", "api_key": w.keys["req"],
                    "reason": "x", "drug": "reblozyl"}
            if token is not None:
                data["csrf"] = token
            r = victim.post(url, data=data, follow_redirects=False)
            if r.status_code != 403 or "Traceback" in r.text:
                failures.append((path, name, r.status_code))
    after = w.client.get("/audit?order=newest&limit=1", headers=w.h("auditor")).json()["items"][0]
    assert not failures, failures
    # a refused form changed nothing (the only audited events allowed: failed sign-ins, none here)
    assert after["seq"] == before, after
    home = victim.get("/", follow_redirects=False)  # still signed in: the start page sends it to its work
    assert home.status_code == 303 and home.headers["location"] in ("/ask", "/queue"), home.headers


def test_session_cookie_forgery_and_fixation(world: World) -> None:
    w = world
    anon = _browser(w, None)
    anon.get("/sign-in")
    fixed_cookie = anon.cookies.get("mednec_session")
    fixed_token = _token(anon)
    assert fixed_cookie
    from tests.web.conftest import sign_in

    sign_in(anon, w.keys["req"])
    assert anon.cookies.get("mednec_session") != fixed_cookie  # a new cookie at sign-in
    assert _token(anon) != fixed_token  # and a new CSRF token: one seen before sign-in is worthless
    # the cookie from before sign-in is still anonymous
    fixed = TestClient(w.client.app, headers={"accept": "text/html"})
    fixed.cookies.set("mednec_session", str(fixed_cookie))
    assert fixed.get("/ask", follow_redirects=False).status_code == 303
    # tampered, truncated, random and oversized cookies are no session, and never a 500
    good = str(anon.cookies.get("mednec_session"))
    for bad in (good[:-2] + "xx", good[: len(good) // 2], "garbage", "a.b.c", "é" * 10, "x" * 4000,
                good.replace(".", "..", 1)):
        c = TestClient(w.client.app, headers={"accept": "text/html"})
        r = c.get("/ask", headers={"cookie": f"mednec_session={bad}".encode()}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/sign-in"), (bad[:20], r.status_code)


OPEN_REDIRECTS = [
    "https://evil.example/", "//evil.example/", "/\\evil.example", "\\\\evil.example", "https:evil.example",
    "javascript:alert(1)", "/%2F%2Fevil.example", " //evil.example", "\t//evil.example", "/\t/evil.example",
    "http://localhost@evil.example/", "%2F%2Fevil.example", "data:text/html,<script>alert(1)</script>",
    "/sign-in\r\nLocation: https://evil.example", "///evil.example", "/./evil.example/../", "//%09/evil.example",
]


def _leaves_site(target: str) -> bool:
    """Whether a browser following ``target`` from this site ends up elsewhere (WHATWG URL parsing:
    tabs and newlines are dropped, a backslash is a slash in http(s) URLs)."""
    cleaned = re.sub(r"[\t\n\r]", "", target).strip().replace("\\", "/")
    resolved = urllib.parse.urlsplit(urllib.parse.urljoin("http://testserver/sign-in", cleaned))
    return resolved.scheme not in ("http", "https") or resolved.netloc != "testserver"


def test_no_open_redirect_after_sign_in(world: World) -> None:
    w = world
    failures = []
    for target in OPEN_REDIRECTS:
        c = _browser(w, None)
        page = c.get("/sign-in", params={"next": target})
        m = re.search(r'name="next" value="([^"]*)"', page.text)
        kept = html.unescape(m.group(1)) if m else "/"
        if page.status_code != 200 or _leaves_site(kept):
            failures.append(("form", target, page.status_code, kept))
        r = c.post("/sign-in", data={"csrf": _token(c), "api_key": w.keys["req"], "next": target},
                   follow_redirects=False)
        loc = r.headers.get("location", "")
        if r.status_code != 303 or _leaves_site(loc) or "\n" in loc or "\r" in loc:
            failures.append(("post", target, r.status_code, loc))
        c.close()
    assert not failures, failures


def test_a_non_ascii_sso_state_is_refused_not_a_500(web: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The SSO callback compares the state in constant time; a state with non-ASCII characters
    (compare_digest refuses such str) is a refusal like any wrong state."""
    from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider

    p = Provider()
    try:
        monkeypatch.setenv("MEDNEC_OIDC_ISSUER", p.issuer)
        monkeypatch.setenv("MEDNEC_OIDC_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("MEDNEC_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        c = TestClient(web.app)
        assert c.get("/sign-in/sso", follow_redirects=False).status_code == 303  # the flow cookie is set
        for state in ("é", "🔑" * 10, "\u200b", "ä" * 3000):
            r = c.get("/sign-in/sso/callback", params={"code": "x", "state": state}, follow_redirects=False)
            assert r.status_code == 401 and "Traceback" not in r.text, (state[:5], r.status_code)
        assert p.token_requests == 0
    finally:
        p.close()


@pytest.mark.parametrize("route", ["overturn", "approve"])
def test_only_a_physician_reviewer_makes_an_adverse_decision(world: World, route: str) -> None:
    """A denial is an adverse determination: only a physician reviewer signs it (42 CFR 422.566(d)
    and 423.566(d): made by a physician or other appropriate health care professional). An admin
    may claim and approve, but a denial it signs with its own name is refused (the web form goes
    through the same service); nothing changes."""
    w = world
    # del(5q) is not met for luspatercept (lenalidomide first): approving that recommendation denies
    name = "luspatercept-del5q.yaml" if route == "approve" else "luspatercept-first-line.yaml"
    body = {"case": json.loads(json.dumps(example(name), default=str))}
    cid = w.client.post("/cases", json=body, headers=w.h("req")).json()["id"]
    made = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req")).json()
    ev = made["id"]
    admin_name = w.service.accounts.authenticate(w.keys["admin"]).name
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("admin")).status_code == 200
    if route == "overturn":
        if made["determination"] != "meets_criteria":
            pytest.skip("the example did not give meets criteria")
        action = {"action": "overturn", "decision": "denied", "reason": "not met", "signature": admin_name}
    else:
        if made["determination"] != "does_not_meet_criteria":
            pytest.skip("the del(5q) example did not give not met")
        action = {"action": "approve", "signature": admin_name}
    r = w.client.post(f"/evaluations/{ev}/review", json=action, headers=w.h("admin"))
    assert r.status_code == 403, r.text
    after = w.client.get(f"/evaluations/{ev}", headers=w.h("admin")).json()["review"]
    assert after["state"] == "under_review" and after["decision"] is None and not after["signed"], after
    # the claim stands and nothing was decided (another reviewer cannot claim it meanwhile)
    assert w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc")).status_code == 409
