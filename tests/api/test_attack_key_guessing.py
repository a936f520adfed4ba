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
