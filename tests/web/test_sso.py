"""Single sign-on through OpenID Connect, against a local provider started by the test
(tests/web/oidc_provider.py): the code flow with PKCE, state and nonce; a linked identity signs in;
an unlinked one, a tampered ID token, a forged state and a denial are refused and audited."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from mednec.store import identities
from mednec.store.models import AuditEntry
from tests.web.conftest import Web, text_of
from tests.web.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider


@pytest.fixture
def provider(monkeypatch: pytest.MonkeyPatch) -> Iterator[Provider]:
    p = Provider()
    monkeypatch.setenv("MEDNEC_OIDC_ISSUER", p.issuer)
    monkeypatch.setenv("MEDNEC_OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("MEDNEC_OIDC_CLIENT_SECRET", CLIENT_SECRET)
    yield p
    p.close()


def _flow(c: TestClient, nxt: str = "/queue") -> httpx.Response:
    r = c.get(f"/sign-in/sso?next={nxt}", follow_redirects=False)
    assert r.status_code == 303, r.text
    back = httpx.get(r.headers["location"], follow_redirects=False)  # the provider signs the person in
    assert back.status_code == 302
    url = urlparse(back.headers["location"])
    return c.get(f"{url.path}?{url.query}", follow_redirects=False)


def _failed_sso(web: Web) -> int:
    with web.service.db.reading() as s:
        return sum(1 for e in s.execute(sa.select(AuditEntry).where(AuditEntry.action == "auth.failed")).scalars()
                   if e.detail.get("via") == "sso")


def test_a_linked_identity_signs_in(web: Web, provider: Provider) -> None:
    identities.link(web.service.db, web.users["doc"], provider.issuer, provider.subject, now=web.clock.t)
    c = TestClient(web.app)
    assert "Sign in with your organisation" in c.get("/sign-in").text
    r = _flow(c)
    assert r.status_code == 200 and 'url=/queue' in r.text
    q = provider.authorize_query
    assert q["code_challenge_method"] == "S256" and q["nonce"] and q["state"] and q["client_id"] == CLIENT_ID
    assert "Dr Maria Chen" in c.get("/queue").text
    with web.service.db.reading() as s:
        logins = [e.detail for e in s.execute(sa.select(AuditEntry).where(AuditEntry.action == "auth.login")).scalars()]
    assert {"via": "sso"} in [{k: v for k, v in d.items() if k == "via"} for d in logins]


@pytest.mark.parametrize("tamper", ["wrong_aud", "wrong_iss", "wrong_nonce", "bad_signature", "expired", "deny"])
def test_a_bad_answer_from_the_provider_is_refused(web: Web, provider: Provider, tamper: str) -> None:
    identities.link(web.service.db, web.users["doc"], provider.issuer, provider.subject, now=web.clock.t)
    provider.tamper = tamper
    c = TestClient(web.app)
    r = _flow(c)
    assert r.status_code == 401 and 'role="alert"' in r.text
    assert c.get("/queue", follow_redirects=False).status_code in (302, 303)
    assert _failed_sso(web) == 1


def test_an_unlinked_identity_is_refused(web: Web, provider: Provider) -> None:
    c = TestClient(web.app)
    r = _flow(c)
    assert r.status_code == 401 and "not linked to a mednec user" in text_of(r.text)
    assert _failed_sso(web) == 1


def test_a_forged_or_replayed_state_is_refused(web: Web, provider: Provider) -> None:
    identities.link(web.service.db, web.users["doc"], provider.issuer, provider.subject, now=web.clock.t)
    attacker = TestClient(web.app)
    r = attacker.get("/sign-in/sso", follow_redirects=False)
    back = httpx.get(r.headers["location"], follow_redirects=False)
    victim = TestClient(web.app)  # the attacker's callback link opened in another browser (login CSRF)
    url = urlparse(back.headers["location"])
    r = victim.get(f"{url.path}?{url.query}", follow_redirects=False)
    assert r.status_code == 401 and "Start again" in text_of(r.text)
    assert provider.token_requests == 0  # the code was never even exchanged
    forged = parse_qs(url.query)
    r = attacker.get(f"/sign-in/sso/callback?code={forged['code'][0]}&state=guessed", follow_redirects=False)
    assert r.status_code == 401


def test_unlinking_ends_the_session_and_no_sso_without_settings(web: Web, provider: Provider,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    identities.link(web.service.db, web.users["doc"], provider.issuer, provider.subject, now=web.clock.t)
    c = TestClient(web.app)
    assert _flow(c).status_code == 200
    identities.link(web.service.db, web.users["doc2"], provider.issuer, provider.subject, now=web.clock.t)  # relinked
    assert c.get("/queue", follow_redirects=False).status_code in (302, 303)
    monkeypatch.delenv("MEDNEC_OIDC_ISSUER")
    c2 = TestClient(web.app)
    assert "Sign in with your organisation" not in c2.get("/sign-in").text
    assert c2.get("/sign-in/sso", follow_redirects=False).status_code == 404


def _redirect_uri_sent(c: TestClient) -> str:
    r = c.get("/sign-in/sso", follow_redirects=False)
    assert r.status_code == 303, r.text
    return parse_qs(urlparse(r.headers["location"]).query)["redirect_uri"][0]


def test_the_callback_is_under_the_public_url_when_it_is_set(web: Web, provider: Provider,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Behind a proxy the request arrives at an internal address (here http://testserver); the
    provider must send the browser back to the address people use, MEDNEC_PUBLIC_URL, and the code
    exchange must name the same redirect URI (the local provider refuses a different one)."""
    identities.link(web.service.db, web.users["doc"], provider.issuer, provider.subject, now=web.clock.t)
    monkeypatch.setenv("MEDNEC_PUBLIC_URL", "https://mednec.plan.example/")
    c = TestClient(web.app)
    assert _redirect_uri_sent(c) == "https://mednec.plan.example/sign-in/sso/callback"
    r = _flow(c)
    assert urlparse(provider.authorize_query["redirect_uri"]).netloc == "mednec.plan.example"
    assert r.status_code == 200 and "url=/queue" in r.text
    assert "Dr Maria Chen" in c.get("/queue").text


def test_the_callback_is_under_the_request_address_without_a_public_url(web: Web, provider: Provider,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEDNEC_PUBLIC_URL", raising=False)
    c = TestClient(web.app)
    assert _redirect_uri_sent(c) == "http://testserver/sign-in/sso/callback"
