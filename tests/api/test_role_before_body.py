"""A role that may not act is refused before its request body is read (held-out requests7 o04's family).

A requester who sent a malformed policy draft got the body's 422 ("yaml: Field required", naming the schema's fields)
instead of the role's 403: the body was validated before the route ran the role check. A refusal should not depend
on the shape of what the refused caller sent, nor describe the schema of an action they may not take. Table: every
role that may not draft or review a policy version x bodies that are malformed in different ways (missing field,
wrong type, extra field, empty object, a list) -> 403; controls: the policy author's malformed body stays a 422.
Written before the change.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import World

POLICY = "/policies/evolocumab-repatha"
BODIES: list[Any] = [{}, {"version": "2026.12.9"}, {"yaml": 5}, {"yaml": "x", "extra": 1}, [], {"action": 3},
                     {"action": "publish", "note": {"a": 1}}]
NOT_AUTHORS = ["req", "doc", "auditor"]
PATHS = [f"{POLICY}/versions", f"{POLICY}/versions/2026.12.4/review"]


@pytest.mark.parametrize("who", NOT_AUTHORS)
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("body", BODIES)
def test_a_role_that_may_not_act_gets_403_whatever_it_sent(world: World, who: str, path: str, body: Any) -> None:
    r = world.client.post(path, json=body, headers=world.h(who))
    assert r.status_code == 403, (r.status_code, r.text[:200])
    assert "Field required" not in r.text and "Extra inputs" not in r.text


@pytest.mark.parametrize("body", [{}, {"yaml": 5}, {"yaml": "x", "extra": 1}])
def test_the_author_s_malformed_draft_is_still_a_422(world: World, body: Any) -> None:
    r = world.client.post(f"{POLICY}/versions", json=body, headers=world.h("author"))
    assert r.status_code == 422, (r.status_code, r.text[:200])
