"""Determination.policy and .authorization are typed (PolicyInfo, AuthorizationInfo): what the
engine writes has exactly the declared keys, with and without a payer variant."""

from __future__ import annotations

from pathlib import Path

from mednec.engine.determination import AuthorizationInfo, Determination, PolicyInfo
from mednec.runtime import Runtime

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# (the module's postponed annotations hide NotRequired from TypedDict's own key sets at run time)
OPTIONAL = {"variant", "parameters"}
REQUIRED = set(PolicyInfo.__annotations__) - OPTIONAL


def test_policy_and_authorization_have_the_declared_keys() -> None:
    rt = Runtime.load()
    det = rt.evaluate(rt.read_case(EXAMPLES / "luspatercept-first-line.yaml").facts, "luspatercept")
    assert det.determination == "meets_criteria" and det.authorization is not None
    assert set(det.policy) == REQUIRED and len(REQUIRED) == 8
    assert set(det.authorization) == set(AuthorizationInfo.__annotations__)
    back = Determination.from_dict(det.to_dict(), rt.dictionary)
    assert back.policy == det.policy and back.authorization == det.authorization


def test_a_variant_adds_the_optional_keys() -> None:
    rt = Runtime.load()
    policy = next(p for p in rt.catalog.policies() if p.variants)
    variant = policy.with_variant(policy.variants[0].variant.id)  # type: ignore[union-attr]
    det = rt.evaluate(rt.parse_case({"facts": {}}).facts, variant)
    assert set(det.policy) == REQUIRED | OPTIONAL
    assert det.policy["variant"]["id"] == policy.variants[0].variant.id  # type: ignore[union-attr]
