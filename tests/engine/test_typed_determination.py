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


def _plain_json(value: object, where: str = "$") -> list[str]:
    """Where ``value`` holds anything but JSON's own types (exact types: no tuple, date, enum member)."""
    if value is None or type(value) in (str, int, float, bool):
        return []
    if type(value) is list:
        return [w for i, v in enumerate(value) for w in _plain_json(v, f"{where}[{i}]")]  # type: ignore[arg-type]
    if type(value) is dict:
        return ([f"{where}: key {k!r}" for k in value if type(k) is not str]  # type: ignore[union-attr]
                + [w for k, v in value.items() for w in _plain_json(v, f"{where}.{k}")])  # type: ignore[union-attr]
    return [f"{where}: {type(value).__name__}"]


def test_the_json_form_holds_only_json_values() -> None:
    """What jsontypes.JSONObject promises statically (to_dict), checked at run time on every example
    case and a payer variant: the TypedDicts cast into it (policy, authorization) included."""
    rt = Runtime.load()
    dets = [rt.evaluate(rt.read_case(p).facts, p.name.split("-")[0],  # the file names the drug first
                        phase="continuation" if "continuation" in p.name else "initial")
            for p in sorted(EXAMPLES.glob("*.yaml"))]
    policy = next(p for p in rt.catalog.policies() if p.variants)
    dets.append(rt.evaluate(rt.parse_case({"facts": {}}).facts,
                            policy.with_variant(policy.variants[0].variant.id)))  # type: ignore[union-attr]
    assert len(dets) >= 5 and any(d.authorization for d in dets) and any("variant" in d.policy for d in dets)
    for det in dets:
        assert _plain_json(det.to_dict()) == []
