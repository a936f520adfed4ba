"""Attack: policy drafts across organisations.

A policy version, once published, applies to every organisation's requests, and an unpublished
one is its author's organisation's work. So: an unpublished version (draft, in review, rejected)
is seen only by its author's organisation and by a reviewing organisation (the plan; or a system
administrator); publishing or rejecting one is a reviewing organisation's decision. Before this,
a clinic's admin could make a policy author (POST /users) who read the plan's drafts and, with a
second such author, published a version for everyone.

First contact (2026-12-06): every test here failed (clinic-b's staff read the plan's draft and
its YAML, and clinic-b's authors published one).
"""

from __future__ import annotations

import pytest

from tests.api.conftest import World
from tests.population.test_impact import VERSION, draft_yaml

POLICY = "/policies/luspatercept-mds"


def _staff(w: World, org: str, prefix: str) -> None:
    admin = w.service.accounts.add_user(org, f"{prefix} admin", "admin")
    w.keys[f"{prefix}_admin"] = w.service.accounts.create_key(admin.id)
    # since test_attack_role_grants.py a clinic's admin no longer makes policy authors (403): the operator
    # places them (`mednec users add`), and the drafts of such authors must still stay in their organisation
    for n in ("", "2"):
        author = w.service.accounts.add_user(org, f"{prefix} policy_author{n}", "policy_author")
        w.keys[f"{prefix}_policy_author{n}"] = w.service.accounts.create_key(author.id)
    r = w.client.post("/users", json={"org": org, "name": f"{prefix} physician_reviewer", "role": "physician_reviewer"},
                      headers=w.h(f"{prefix}_admin"))
    assert r.status_code == 201, r.text
    w.keys[f"{prefix}_physician_reviewer"] = w.service.accounts.create_key(r.json()["id"])


def _versions(w: World, who: str) -> set[str]:
    return {v["version"] for v in w.client.get(POLICY, headers=w.h(who)).json()["versions"]}


@pytest.mark.parametrize("who", ["b_policy_author", "b_physician_reviewer", "b_admin"])
def test_another_organisations_draft_is_not_found(world: World, who: str) -> None:
    w = world
    _staff(w, "clinic-b", "b")
    assert w.client.post(f"{POLICY}/versions", json={"yaml": draft_yaml()}, headers=w.h("author")).status_code == 201
    assert VERSION in _versions(w, "doc")
    assert VERSION not in _versions(w, who)
    for path in (f"{POLICY}/versions/{VERSION}", f"{POLICY}/versions/{VERSION}/impact"):
        r = w.client.get(path, headers=w.h(who))
        assert r.status_code == 404, (path, r.status_code, r.text[:200])
        assert "lt: 8.0" not in r.text
    for action in ("submit", "publish", "reject"):
        r = w.client.post(f"{POLICY}/versions/{VERSION}/review", json={"action": action}, headers=w.h(who))
        refused = 403 if who == "b_physician_reviewer" else 404  # a reviewer never reviews policy versions
        assert r.status_code == refused, (action, r.status_code, r.text[:200])


def test_only_a_reviewing_organisation_publishes(world: World) -> None:
    w = world
    _staff(w, "clinic-b", "b")
    _staff(w, "clinic-a", "a")
    r = w.client.post(f"{POLICY}/versions", json={"yaml": draft_yaml()}, headers=w.h("b_policy_author"))
    assert r.status_code == 201, r.text
    review = f"{POLICY}/versions/{VERSION}/review"
    assert w.client.post(review, json={"action": "submit"}, headers=w.h("b_policy_author")).status_code == 200
    assert VERSION in _versions(w, "b_policy_author2") and VERSION in _versions(w, "author")  # its own, and the plan
    assert VERSION not in _versions(w, "a_policy_author")  # another clinic's
    for action in ("publish", "reject"):
        r = w.client.post(review, json={"action": action}, headers=w.h("b_policy_author2"))
        assert r.status_code == 403, (action, r.status_code, r.text[:200])
    assert w.client.get(f"{POLICY}/versions/{VERSION}", headers=w.h("author")).json()["status"] == "in_review"
    r = w.client.post(review, json={"action": "publish"}, headers=w.h("author"))
    assert r.status_code == 200, r.text
    assert VERSION in _versions(w, "a_policy_author")  # published: everyone's
