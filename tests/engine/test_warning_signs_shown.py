"""A warning sign that keeps a presumption from being made is shown, and the answer asks for what is needed.

A criterion presumed met when the record is silent ("Not pregnant", "No personal or family history of
medullary thyroid carcinoma", ...) is asked instead when a warning sign is documented ("pregnancy possible",
"MTC or MEN 2 possible", ...). A reviewer reading the answer must see *why* it asks and *what* would settle
it. Generated over every shipped policy, every presumption with warning signs, and every meeting case of
that policy (the warning sign added to its facts):

* the criterion is unknown, and its evidence lists the warning sign with its value (not only the
  presumed fact as "not documented", which leaves the reader guessing why the presumption was not made);
* the bottom line does not ask to document the presumed-absent condition by its bare name ("Likely to
  meet once these are documented: Pregnant"): a criterion needing a condition to be absent asks for it
  to be ruled out.

Held out: written before the change, first contact in the commit that adds it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from mednec.packcheck.cases import case_files
from mednec.policies.model import Node, Policy, Tree
from mednec.runtime import default_runtime

RT = default_runtime()


def _trees(policy: Policy) -> list[Tree]:
    """The initial review's trees: the common criteria and each pathway's."""
    return [policy.common, *(p.tree for p in policy.pathways)]


def _owner(tree: Tree, leaf: Node) -> Node | None:
    """The reported criterion whose subtree holds ``leaf`` (the deepest one)."""
    best: Node | None = None
    for node in tree.nodes:
        if node.is_criterion and any(n is leaf for n in _walk(node)):
            best = node
    return best


def _walk(node: Node) -> list[Node]:
    out = [node]
    for c in node.children:
        out += _walk(c)
    return out


def _signs() -> list[tuple[str, Policy, Node, Node, Node, dict[str, Any]]]:
    out = []
    for policy in RT.catalog.policies():
        specs = []
        for path in case_files(policy):
            spec = yaml.safe_load(path.read_text())
            if (spec.get("expect") or {}).get("determination") == "meets_criteria" \
                    and str(spec.get("phase", "initial")) == "initial":
                specs.append((path.stem, spec))
        for tree in _trees(policy):
            for leaf in tree.nodes:
                if leaf.presume is None:
                    continue
                for sign in leaf.presume.unless:
                    if sign.kind != "leaf" or sign.op != "is" or sign.operand is not True \
                            or RT.dictionary.facts[str(sign.fact)].derived_by:  # a calculated sign is not given
                        continue
                    owner = _owner(tree, leaf)
                    for stem, spec in specs:
                        if str(sign.fact) in (spec["case"].get("facts") or {}):
                            continue
                        out.append((f"{policy.id}/{owner.id if owner else leaf.fact}/{sign.fact}/{stem}", policy,
                                    leaf, sign, owner, spec))
    return out


SIGNS = _signs()


def _evaluate(policy: Policy, spec: dict[str, Any], leaf: Node, sign: Node) -> Any:
    """The meeting case with the presumed fact left out (the record silent on it) and the warning sign given."""
    facts = {k: v for k, v in (spec["case"].get("facts") or {}).items() if k != leaf.fact}
    facts[str(sign.fact)] = True
    parsed = RT.parse_case({**spec["case"], "facts": facts}, as_of=dt.date.fromisoformat(str(spec["as_of"])))
    return RT.evaluate(parsed.facts, policy, phase="initial")


def test_the_family_is_not_empty() -> None:
    assert len({(p.id, str(s.fact)) for _, p, _, s, _, _ in SIGNS}) >= 10


@pytest.mark.parametrize(("name", "policy", "leaf", "sign", "owner", "spec"), SIGNS, ids=[s[0] for s in SIGNS])
def test_a_documented_warning_sign_is_shown_beside_the_criterion_it_keeps_open(
        name: str, policy: Policy, leaf: Node, sign: Node, owner: Node | None, spec: dict[str, Any]) -> None:
    d = _evaluate(policy, spec, leaf, sign)
    assert owner is not None
    crit = next(c for c in d.criteria if c.id == owner.id)
    assert crit.status.value == "unknown", (crit.status, d.bottom_line)
    shown = {e.fact: getattr(e, "value", None) for e in crit.evidence}
    assert shown.get(str(sign.fact)) is True, f"{sign.fact} not among the evidence of {owner.id}: {sorted(shown)}"


@pytest.mark.parametrize(("name", "policy", "leaf", "sign", "owner", "spec"), SIGNS, ids=[s[0] for s in SIGNS])
def test_the_bottom_line_asks_for_an_absent_condition_to_be_ruled_out(
        name: str, policy: Policy, leaf: Node, sign: Node, owner: Node | None, spec: dict[str, Any]) -> None:
    d = _evaluate(policy, spec, leaf, sign)
    line = d.bottom_line
    if not line.startswith("Likely to meet once these are documented"):
        return
    label = RT.dictionary.facts[str(leaf.fact)].label
    if leaf.op == "is" and leaf.operand is False and label in line:
        assert f"{label} ruled out" in line, line
