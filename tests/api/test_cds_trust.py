"""CDS Hooks 2.0 "Trusting CDS Clients": signed JWTs from registered clients, alongside API keys."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from mednec.api.cds_trust import CdsClient, CdsTrust
from tests.api.conftest import World

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
SERVICE = "mednec-order-sign"
AUD = f"http://testserver/cds-services/{SERVICE}"
EHR = "https://ehr.example.org"
EHR2 = "https://other-ehr.example.org"
KEY = ECKey.generate_key("P-384", parameters={"kid": "ehr-1"})
RSA = RSAKey.generate_key(2048, parameters={"kid": "ehr2-a"})
STRANGER = ECKey.generate_key("P-384", parameters={"kid": "ehr-1"})  # same kid, another key


def _request() -> Any:
    return json.loads((FIX / "cds-order-sign-request.json").read_text())


def _token(key: Any = KEY, alg: str = "ES384", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": EHR, "sub": "ehr-client", "aud": AUD, "iat": now, "exp": now + 240, "jti": uuid.uuid4().hex}
    body.update(claims)
    header = {"alg": alg, "typ": "JWT", "kid": key.kid}
    return jwt.encode(header, {k: v for k, v in body.items() if v is not None}, key, algorithms=[alg])


@pytest.fixture
def trusted(world: World) -> World:
    """Two registered clients: one with inline keys, one with a JWKS URL (served by a stub)."""
    user = next(u for u in world.service.accounts.list_users() if u.name == "req")
    fetched: list[str] = []

    def fetch(url: str) -> Any:
        fetched.append(url)
        return {"keys": [RSA.as_dict(private=False)]}

    app: Any = world.client.app
    app.state.cds_trust = CdsTrust(
        [CdsClient(EHR, user.id, jwks={"keys": [KEY.as_dict(private=False)]}),
         CdsClient(EHR2, user.id, jwks_url=f"{EHR2}/.well-known/jwks.json")],
        world.service.db, fetch=fetch)
    app.state.fetched = fetched
    return world


def _call(w: World, token: str) -> Any:
    return w.client.post(f"/cds-services/{SERVICE}", json=_request(), headers={"Authorization": f"Bearer {token}"})


def test_a_registered_clients_signed_jwt_is_accepted(trusted: World) -> None:
    r = _call(trusted, _token())
    assert r.status_code == 200, r.text
    assert r.json()["cards"]


def test_a_jwks_url_client_is_verified_with_its_fetched_keys(trusted: World) -> None:
    r = _call(trusted, _token(RSA, "RS384", iss=EHR2))
    assert r.status_code == 200, r.text
    assert _call(trusted, _token(RSA, "RS384", iss=EHR2)).status_code == 200
    assert trusted.client.app.state.fetched == [f"{EHR2}/.well-known/jwks.json"]  # type: ignore[attr-defined]
    bad_jku = _token(RSA, "RS384", iss=EHR2)
    header = {"alg": "RS384", "kid": RSA.kid, "jku": "https://attacker.example/jwks.json"}
    now = int(time.time())
    bad_jku = jwt.encode(header, {"iss": EHR2, "aud": AUD, "exp": now + 60, "jti": uuid.uuid4().hex}, RSA,
                         algorithms=["RS384"])
    assert _call(trusted, bad_jku).status_code == 401


def test_a_replayed_token_is_refused(trusted: World) -> None:
    token = _token()
    assert _call(trusted, token).status_code == 200
    again = _call(trusted, token)
    assert again.status_code == 401 and "replayed" in again.json()["detail"]


@pytest.mark.parametrize(("why", "token"), [
    ("another audience", lambda: _token(aud="https://elsewhere.example/cds-services/x")),
    ("expired", lambda: _token(exp=int(time.time()) - 120)),
    ("exp too far ahead", lambda: _token(exp=int(time.time()) + 3600)),
    ("no exp", lambda: _token(exp=None)),
    ("no jti", lambda: _token(jti=None)),
    ("unregistered issuer", lambda: _token(iss="https://unknown.example")),
    ("signed with another key", lambda: _token(STRANGER)),
    ("symmetric HS256", lambda: jwt.encode({"alg": "HS256", "kid": "ehr-1"}, {
        "iss": EHR, "aud": AUD, "exp": int(time.time()) + 60, "jti": "x"}, OctKey.generate_key(256),
        algorithms=["HS256"])),
    ("alg none", lambda: ".".join(
        __import__("base64").urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")
        for part in ({"alg": "none"}, {"iss": EHR, "aud": AUD, "exp": int(time.time()) + 60, "jti": "n"})) + "."),
    ("not a JWT", lambda: "abc.def.ghi"),
])
def test_untrusted_tokens_are_401(trusted: World, why: str, token: Any) -> None:
    r = _call(trusted, token())
    assert r.status_code == 401, (why, r.text)


def test_api_keys_keep_working_alongside(trusted: World) -> None:
    r = trusted.client.post(f"/cds-services/{SERVICE}", json=_request(), headers=trusted.h("req"))
    assert r.status_code == 200


def test_clients_load_from_json() -> None:
    from mednec.api.cds_trust import load_clients
    from mednec.errors import InputError

    clients = load_clients([{"iss": EHR, "user_id": "usr_1", "jwks_url": f"{EHR}/jwks"}])
    assert clients == (CdsClient(EHR, "usr_1", None, f"{EHR}/jwks"),)
    with pytest.raises(InputError):
        load_clients([{"iss": EHR, "user_id": "usr_1"}])
