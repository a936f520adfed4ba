"""Sign-in, sessions, CSRF, security headers and the public pages."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi.testclient import TestClient

from mednec.store.models import ApiKey, AuditEntry
from tests.web.conftest import Web, csrf_of, text_of


def test_public_pages(web: Web) -> None:
    c = web.client()
    for path, words in [("/", "Is this drug medically necessary"), ("/about", "The human review rule"),
                        ("/editorial-policy", "Policies in force"), ("/sign-in", "API key")]:
        r = c.get(path)
        assert r.status_code == 200, path
        assert words in text_of(r.text)
        assert r.headers["content-security-policy"].startswith("default-src 'self'")
        assert r.headers["x-frame-options"] == "DENY"
    about = text_of(c.get("/about").text)
    assert "SB 1120" in about and "SB 815" in about and "Disclaimer" in about
    assert "three" in about.lower() and "deterministic" in about.lower()


def test_static_files(web: Web) -> None:
    c = web.client()
    assert c.get("/static/app.css").status_code == 200
    assert "addEventListener" in c.get("/static/app.js").text


def test_sign_in_sets_a_signed_httponly_lax_cookie_and_is_audited(web: Web) -> None:
    c = TestClient(web.app)
    page = c.get("/sign-in")
    r = c.post("/sign-in", data={"csrf": csrf_of(page.text), "api_key": web.keys["req"], "next": "/queue"},
               follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/queue"
    cookie = r.headers["set-cookie"]
    # Lax (issue 12): a deep link from another site keeps the session; cross-site POSTs carry no cookie
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert web.keys["req"] not in cookie  # the key itself never goes into the cookie
    with web.service.db.reading() as s:
        actions = [e.action for e in s.execute(sa.select(AuditEntry)).scalars()]
    assert "auth.login" in actions
    assert "Dr Ana Ruiz" in c.get("/queue").text


def test_bad_key_and_missing_key(web: Web) -> None:
    c = TestClient(web.app)
    token = csrf_of(c.get("/sign-in").text)
    r = c.post("/sign-in", data={"csrf": token, "api_key": "mk_wrong"})
    assert r.status_code == 401 and "not valid" in r.text and 'aria-invalid="true"' in r.text
    r = c.post("/sign-in", data={"csrf": token, "api_key": ""})
    assert r.status_code == 401 and "Enter your API key" in r.text
    with web.service.db.reading() as s:
        assert "auth.failed" in [e.action for e in s.execute(sa.select(AuditEntry)).scalars()]


def test_csrf_is_required(web: Web) -> None:
    c = TestClient(web.app)
    c.get("/sign-in")
    r = c.post("/sign-in", data={"csrf": "forged", "api_key": web.keys["req"]})
    assert r.status_code == 403 and "expired" in r.text
    signed = web.client("req")
    assert signed.post("/sign-out", data={}).status_code == 403
    assert signed.post("/ask", data={"question": "x"}).status_code == 403


def test_tampered_cookie_is_ignored(web: Web) -> None:
    c = TestClient(web.app, headers={"accept": "text/html"})
    c.cookies.set("mednec_session", "eyJjIjoiYSIsImsiOiJiIn0.forged.sig")
    r = c.get("/queue", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/sign-in")


def test_sign_out(web: Web) -> None:
    c = web.client("req")
    r = c.post("/sign-out", data={"csrf": csrf_of(c.get("/ask").text)}, follow_redirects=False)
    assert r.status_code == 303
    assert c.get("/ask", follow_redirects=False).headers["location"].startswith("/sign-in?next=%2Fask")


def test_revoked_key_ends_the_session(web: Web) -> None:
    c = web.client("req")
    assert c.get("/ask").status_code == 200
    with web.service.db.session() as s:
        for k in s.execute(sa.select(ApiKey).where(ApiKey.user_id == web.users["req"])).scalars():
            k.revoked_at = web.clock()
    assert c.get("/ask", follow_redirects=False).status_code == 303  # at once: keys are looked up per request


def test_open_redirects_are_refused(web: Web) -> None:
    c = TestClient(web.app)
    token = csrf_of(c.get("/sign-in").text)
    r = c.post("/sign-in", data={"csrf": token, "api_key": web.keys["req"], "next": "//evil.example/x"},
               follow_redirects=False)
    assert r.headers["location"] == "/"


def test_home_sends_each_role_to_its_start(web: Web) -> None:
    expect = {"req": "/ask", "doc": "/queue", "auditor": "/queue", "author": "/library", "admin": "/queue"}
    for who, where in expect.items():
        assert web.client(who).get("/", follow_redirects=False).headers["location"] == where


def test_unknown_page_is_html_for_browsers_and_a_problem_for_api_clients(web: Web) -> None:
    r = web.client().get("/no-such-page")
    assert r.status_code == 404 and "Page not found" in r.text
    r = TestClient(web.app).get("/no-such-page", headers={"accept": "application/json"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert TestClient(web.app).get("/health").json()["ok"] is True
