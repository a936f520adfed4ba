"""Browser sessions (issue 12, item 8): sign-out ends the session on the server (a copied cookie
stops working), sign-out is a CSRF-protected POST, and a link from another site keeps a valid
session instead of wiping it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.conftest import Web, csrf_of, sign_in


def _cookie(c: TestClient) -> str:
    value = c.cookies.get("mednec_session")
    assert value
    return str(value)


def test_a_copied_cookie_stops_working_after_sign_out(web: Web) -> None:
    c = web.client("req")
    stolen = _cookie(c)
    r = c.post("/sign-out", data={"csrf": csrf_of(c.get("/ask").text)}, follow_redirects=False)
    assert r.status_code == 303
    thief = TestClient(web.app, headers={"accept": "text/html"})
    thief.cookies.set("mednec_session", stolen)
    r = thief.get("/ask", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")
    # signing in again works, with a new session
    fresh = TestClient(web.app, headers={"accept": "text/html"})
    sign_in(fresh, web.keys["req"])
    assert fresh.get("/ask", follow_redirects=False).status_code == 200


def test_sign_out_is_a_csrf_protected_post(web: Web) -> None:
    c = web.client("req")
    assert c.get("/sign-out", follow_redirects=False).status_code in (404, 405)
    assert c.post("/sign-out", data={"csrf": "forged"}, follow_redirects=False).status_code == 403
    # a cross-site form post: the browser sends no cookie (SameSite=Lax) and the response must not
    # replace the real session's cookie
    before = _cookie(c)
    other = TestClient(web.app, headers={"accept": "text/html", "sec-fetch-site": "cross-site"})
    r = other.post("/sign-out", data={"csrf": "x"}, follow_redirects=False)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert c.get("/ask", follow_redirects=False).status_code == 200
    assert _cookie(c) == before or c.get("/ask").status_code == 200


def test_a_deep_link_from_another_site_keeps_the_session(web: Web) -> None:
    c = web.client("doc")
    r = c.get("/queue", headers={"sec-fetch-site": "cross-site", "referer": "https://ehr.example/x"},
              follow_redirects=False)
    assert r.status_code == 200
    assert "mednec_session=;" not in r.headers.get("set-cookie", "")
    assert c.get("/queue", follow_redirects=False).status_code == 200
    # a cross-site link that arrives without the cookie gets a sign-in page, but no cookie that
    # would overwrite the browser's session
    anonymous = TestClient(web.app, headers={"accept": "text/html", "sec-fetch-site": "cross-site"})
    r = anonymous.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and "set-cookie" not in r.headers


def test_revoking_a_key_ends_its_browser_sessions_at_once(web: Web) -> None:
    c = web.client("auditor")
    assert c.get("/audit-log", follow_redirects=False).status_code == 200
    key_id = web.service.accounts.user_keys(web.users["auditor"])[0].id
    web.service.accounts.revoke_key(key_id)
    assert c.get("/audit-log", follow_redirects=False).status_code == 303
