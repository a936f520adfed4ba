"""A plan named in the words that no variant of the policy models is said, never silently dropped.

Found asking "... asking for Repatha. Aetna member.": the answer applied Repatha's own criteria (right:
mednec models no Aetna criteria for Repatha) but nothing said that the named plan was read and not
applied, so a reviewer could take the answer for Aetna's. The family: every shipped policy (with
variants or without) and the payers writers name that its variants do not model, in the sentences of
tests/policies/test_payer_match_family.py. Each must give no variant and one note naming the payer and
saying the policy's own criteria apply; a payer a variant does model must not get that note; a payer
named as not the member's current plan gets no "named as the plan" note.
"""

from __future__ import annotations

import pytest

from mednec.policies.model import Policy
from mednec.policies.payer_match import match
from mednec.runtime import default_runtime

RT = default_runtime()

#: payers and how writers name them (a name a variant somewhere models is only used for policies without it)
NAMES = {
    "Aetna": ("Aetna", "Aetna Better Health"),
    "Humana": ("Humana", "Humana Medicare Advantage"),
    "Kaiser Permanente": ("Kaiser Permanente", "Kaiser"),
    "Anthem": ("Anthem", "Anthem Blue Cross"),
    "Medicare": ("Medicare", "Medicare Part D"),
    "Medicaid": ("Medicaid", "Medi-Cal"),
    "TRICARE": ("TRICARE", "Tricare"),
    "Molina Healthcare": ("Molina Healthcare", "Molina"),
    "UnitedHealthcare": ("UnitedHealthcare", "UHC"),
    "Cigna": ("Cigna",),
}
SENTENCES = ("{p} member, request for the drug", "Insurance: {p}. Is it covered?", "pt has {p} (commercial PPO)",
             "Is this covered by {p}?", "PA for {p}; LDL and BMI attached", "Plan: {p}\nPA request")


def _modelled(policy: Policy) -> set[str]:
    return {a.strip().lower() for v in policy.variants if v.variant is not None for a in v.variant.payer.split("/")}


CASES = [(p.id, payer, name, s) for p in RT.catalog.policies() for payer, names in NAMES.items()
         if payer.lower() not in _modelled(p) for name in names for s in SENTENCES]


@pytest.mark.parametrize(("pid", "payer", "name", "sentence"), CASES)
def test_an_unmodelled_plan_is_said(pid: str, payer: str, name: str, sentence: str) -> None:
    policy = RT.catalog.policy(pid)
    got = match(policy, [sentence.format(p=name)])
    assert got.variant is None
    said = [why for _, why in got.notes if "own criteria apply" in why]
    assert len(said) == 1, got.notes
    assert payer in said[0] or name in said[0], said


@pytest.mark.parametrize("pid", [p.id for p in RT.catalog.policies() if _modelled(p)])
def test_a_modelled_plan_gets_no_such_note(pid: str) -> None:
    policy = RT.catalog.policy(pid)
    for payer in sorted(_modelled(policy)):
        got = match(policy, [f"{payer.title()} member, request for the drug"])
        assert got.variant is not None, payer
        assert not [why for _, why in got.notes if "no variant" in why], got.notes


@pytest.mark.parametrize("pid", [p.id for p in RT.catalog.policies()])
def test_a_former_plan_is_not_named_as_the_plan(pid: str) -> None:
    policy = RT.catalog.policy(pid)
    for text in ("former insurer: Humana", "switched from Humana last year", "no longer with Humana"):
        got = match(policy, [text])
        assert got.variant is None
        assert not [why for _, why in got.notes if "named as the plan" in why], (text, got.notes)
