"""Attack round 4: counts that move when only another organisation acts.

tests/web/test_attack_org_pages.py looks for clinic-a's bytes (its title, ids, patient) in what
clinic-b's staff see. A count gives an organisation away without a byte of it: a ``total`` of a
listing, a queue length, a metric, a "next page" link, an audit sequence number. So this test is
differential: clinic-b's requester, admin and auditor read every page and listing (the GET routes
of test_attack_org_pages.PAGES, with its query strings naming clinic-a's ids), through the API with
a key and through the web app signed in; then clinic-a does more (new cases, evaluations, submitted
and decided requests, failed sign-ins); clinic-b reads everything again and must see exactly what it
saw before (apart from per-request tokens). SQLite and PostgreSQL.

First contact (2026-12-07, 04:35 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import World, example
from tests.web.conftest import sign_in
from tests.web.test_attack_org_pages import PAGES


def _act(w: World, n: int) -> tuple[str, str]:
    """clinic-a creates ``n`` requests; the plan claims the last one. The last ids."""
    cid = ev = ""
    for i in range(n):
        case = json.loads(json.dumps(example("luspatercept-first-line.yaml"), default=str))
        r = w.client.post("/cases", json={"case": case, "title": f"clinic-a request {i}"}, headers=w.h("req"))
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        r = w.client.post(f"/cases/{cid}/evaluations", json={"drug": "reblozyl"}, headers=w.h("req"))
        assert r.status_code == 201, r.text
        ev = r.json()["id"]
    r = w.client.post(f"/evaluations/{ev}/review", json={"action": "claim"}, headers=w.h("doc"))
    assert r.status_code == 200, r.text
    for _ in range(3):
        w.client.get("/cases", headers={"Authorization": "Bearer mk_wrong"})
    return cid, ev


_VOLATILE = [
    (re.compile(r'name="csrf" value="[^"]*"'), 'name="csrf" value=""'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
    (re.compile(r'"csrf"\s*:\s*"[^"]*"'), '"csrf": ""'),
]


def _normal(r: Any) -> str:
    text = f"{r.status_code} {r.text}"
    for rx, to in _VOLATILE:
        text = rx.sub(to, text)
    return text


def _readers(w: World) -> dict[str, tuple[TestClient, dict[str, str]]]:
    """clinic-b's staff: (client, headers) by API key and by a signed-in browser."""
    out: dict[str, tuple[TestClient, dict[str, str]]] = {}
    admin = w.service.accounts.add_user("clinic-b", "b-admin", "admin")  # not a reviewing organisation:
    admin_key = w.service.accounts.create_key(admin.id)  # its other staff are made by its admin
    for role in ("requester", "admin", "auditor"):
        key = admin_key
        if role != "admin":
            r = w.client.post("/users", json={"org": "clinic-b", "name": f"b-{role}", "role": role},
                              headers={"Authorization": f"Bearer {admin_key}"})
            assert r.status_code == 201, r.text
            key = w.service.accounts.create_key(r.json()["id"])
        out[f"api {role}"] = (w.client, {"Authorization": f"Bearer {key}"})
        browser = TestClient(w.client.app, headers={"accept": "text/html"})
        sign_in(browser, key)
        out[f"web {role}"] = (browser, {})
    return out


def _read_all(readers: dict[str, tuple[TestClient, dict[str, str]]], case: str, ev: str) -> dict[str, str]:
    seen = {}
    for who, (client, headers) in readers.items():
        for path, queries in PAGES.items():
            for q in queries:
                url = path + q.format(case=case, ev=ev)
                seen[f"{who} GET {url}"] = _normal(client.get(url, headers=headers, follow_redirects=False))
    return seen


def test_nothing_clinic_b_reads_moves_when_only_clinic_a_acts(world: World) -> None:
    case, ev = _act(world, 1)
    readers = _readers(world)
    before = _read_all(readers, case, ev)
    _act(world, 3)
    after = _read_all(readers, case, ev)
    moved = sorted(k for k in before if before[k] != after[k])
    detail = {k: _first_difference(before[k], after[k]) for k in moved[:5]}
    assert moved == [], f"{len(moved)} answers changed with clinic-a's activity: {detail}"
    for client, _ in readers.values():
        if client is not world.client:
            client.close()


def _first_difference(a: str, b: str) -> str:
    i = next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"...{a[max(0, i - 80):i + 80]!r} -> ...{b[max(0, i - 80):i + 80]!r}"
