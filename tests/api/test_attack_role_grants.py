"""Attack: an organisation's admin grants itself more than its organisation may have.

The rule (README, "Roles"): a policy author writes policy versions that, once published, apply to
every organisation, so the role is granted only by a system administrator or by an admin of a
reviewing organisation (for its own staff). A clinic's admin creates requesters, and its own
physician reviewers, auditors and admins (who read their own organisation's cases only), never a
policy author; and never a user in another organisation or a system administrator.

First contact (2026-12-07, 01:12 UTC): see the commit that adds this file.
"""

from __future__ import annotations

import pytest

from tests.api.conftest import World


@pytest.fixture
def clinic_admin(world: World) -> str:
    u = world.service.accounts.add_user("clinic-a", "clinic admin", "admin")
    world.keys["cadmin"] = world.service.accounts.create_key(u.id)
    return "cadmin"


def _create(w: World, who: str, org: str, role: str, **extra: object) -> int:
    r = w.client.post("/users", json={"org": org, "name": f"new {role}", "role": role, **extra}, headers=w.h(who))
    assert "Traceback" not in r.text
    return r.status_code


def test_a_clinic_admin_cannot_create_a_policy_author(world: World, clinic_admin: str) -> None:
    assert _create(world, clinic_admin, "clinic-a", "policy_author") == 403
    with world.service.db.reading() as s:
        import sqlalchemy as sa

        from mednec.store.models import User
        authors = s.execute(sa.select(User).where(User.org_id == "clinic-a", User.role == "policy_author")).all()
    assert authors == []


def test_a_clinic_admin_still_manages_its_own_staff(world: World, clinic_admin: str) -> None:
    for role in ("requester", "physician_reviewer", "auditor", "admin"):
        assert _create(world, clinic_admin, "clinic-a", role) == 201, role


def test_a_clinic_admin_cannot_reach_another_organisation_or_make_a_system_admin(world: World,
                                                                                  clinic_admin: str) -> None:
    assert _create(world, clinic_admin, "plan", "requester") == 403
    assert _create(world, clinic_admin, "clinic-b", "policy_author") == 403
    assert _create(world, clinic_admin, "clinic-a", "admin", system_admin=True) == 403


def test_a_reviewing_organisations_admin_creates_its_policy_authors(world: World) -> None:
    assert _create(world, "admin", "plan", "policy_author") == 201
    assert _create(world, "admin", "clinic-a", "policy_author") == 403  # not another organisation's


def test_a_system_admin_creates_policy_authors_anywhere(world: World) -> None:
    u = world.service.accounts.add_user("plan", "root", "admin", system_admin=True)
    world.keys["root"] = world.service.accounts.create_key(u.id)
    assert _create(world, "root", "clinic-a", "policy_author") == 201


def test_a_policy_author_cannot_create_users(world: World) -> None:
    assert _create(world, "author", "plan", "policy_author") == 403
    assert _create(world, "author", "plan", "admin") == 403
