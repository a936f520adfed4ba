"""Attack: guess API keys, or flood wrong ones.

An API key is ``mk_`` and 32 random bytes (256 bits): guessing one is hopeless, but every wrong key
was audited (an ``auth.failed`` entry: a locked chain head and a write) for anyone on the network,
signed in or not, as fast as they could send. Wrong keys from one client address are counted (in the
database, shared by every worker): past 20 in 5 minutes the client gets 429 with ``Retry-After`` and
nothing more is written; a right key from the same address still works (no lock-out of a clinic
behind one NAT address by someone else's guessing).

First contact (2026-12-07, 01:49 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import sqlalchemy as sa

from mednec.store.models import AuditEntry
from tests.api.conftest import World


def _failures(w: World) -> int:
    with w.service.db.reading() as s:
        q = sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "auth.failed")
        return int(s.execute(q).scalar_one())


def test_wrong_keys_past_the_limit_get_429_and_write_nothing(world: World) -> None:
    statuses = [world.client.get("/cases", headers={"Authorization": f"Bearer mk_guess{i:04d}"}).status_code
                for i in range(40)]
    assert statuses[:20] == [401] * 20, statuses
    assert set(statuses[21:]) == {429}, statuses
    r = world.client.get("/cases", headers={"Authorization": "Bearer mk_one_more"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    assert r.headers["content-type"].startswith("application/problem+json")
    assert _failures(world) <= 21


def test_a_right_key_from_the_same_address_still_works(world: World) -> None:
    for i in range(30):
        world.client.get("/cases", headers={"Authorization": f"Bearer mk_guess{i:04d}"})
    assert world.client.get("/cases", headers=world.h("req")).status_code == 200


def test_cds_hooks_and_fhir_routes_count_wrong_keys_too(world: World) -> None:
    statuses = [world.client.post("/fhir/questionnaire", json={}, headers={"Authorization": f"Bearer mk_g{i}"}).status_code
                for i in range(25)]
    assert statuses[-1] == 429, statuses


def test_tokens_with_unknown_key_ids_do_not_refetch_the_jwks_each_time(world: World) -> None:
    """A JWT naming a registered issuer and a key id its JWKS lacks made mednec fetch the client's
    JWKS again, on every call: anyone could make mednec hammer an EHR (and wait up to 3 s per call).
    An unknown key id refetches at most once a minute (a client that rotated its keys is still
    heard within the minute)."""
    from joserfc.jwk import RSAKey

    from mednec.api.cds_trust import CdsClient, CdsTrust
    from tests.api.test_cds_trust import EHR2, RSA, _call, _token

    user = next(u for u in world.service.accounts.list_users() if u.name == "req")
    fetched: list[str] = []

    def fetch(url: str) -> object:
        fetched.append(url)
        return {"keys": [RSA.as_dict(private=False)]}

    app = world.client.app
    app.state.cds_trust = CdsTrust([CdsClient(EHR2, user.id, jwks_url=f"{EHR2}/.well-known/jwks.json")],  # type: ignore[attr-defined]
                                   world.service.db, fetch=fetch)
    assert _call(world, _token(RSA, "RS384", iss=EHR2)).status_code == 200
    for i in range(30):
        stranger = RSAKey.generate_key(2048, parameters={"kid": f"guess-{i}"}) if i < 2 else None
        key = stranger or RSAKey.import_key(RSA.as_dict(private=True), parameters={"kid": f"guess-{i}"})
        assert _call(world, _token(key, "RS384", iss=EHR2)).status_code == 401
    assert len(fetched) <= 2, f"the JWKS was fetched {len(fetched)} times"
