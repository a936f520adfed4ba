"""The compiled criteria trees against the hand-written Kleene truth tables of tests/test_tri.py.

A leaf ``{fact: F, is: true}`` is MET when F is true, NOT_MET when F is false and UNKNOWN when F
is missing, so every truth value can be fed in. Both compiled forms are checked: ``run`` (every
node evaluated and its status recorded) and ``check`` (short-circuiting, verdict only).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mednec.facts.dictionary import FactDictionary
from mednec.policies.compile import _Ctx, compile_tree
from mednec.policies.model import Tree
from mednec.policies.references import Reference
from mednec.policies.schema import parse_node
from mednec.runtime import Runtime
from mednec.tri import Tri
from tests.test_tri import AND_TABLE, NOT_TABLE, OR_TABLE

M, N, U = Tri.MET, Tri.NOT_MET, Tri.UNKNOWN
INPUT = {M: True, N: False}  # UNKNOWN: the fact is missing


@pytest.fixture(scope="module")
def dictionary() -> FactDictionary:
    return Runtime.load().dictionary


@pytest.fixture(scope="module")
def booleans(dictionary: FactDictionary) -> list[str]:
    facts = [k for k, f in dictionary.facts.items() if f.type == "boolean"]
    assert len(facts) >= 4
    return facts


_REF = {"t": Reference("t", "decision", "test reference", 2026)}


def _compile(raw: dict[str, Any], dictionary: FactDictionary) -> Tree:
    """One criterion (id, text, cite) whose condition is ``raw``."""
    ctx = _Ctx(dictionary, _REF)
    node = parse_node({"id": "c", "text": "the criterion", "cite": ["t"], **raw}, "criteria[0]")
    tree = compile_tree((node,), ctx, "criteria")
    assert ctx.problems == []
    return tree


def _values(statuses: dict[str, Tri]) -> dict[str, Any]:
    return {fact: INPUT[t] for fact, t in statuses.items() if t is not U}


def _both(tree: Tree, values: dict[str, Any]) -> tuple[Tri, Tri, list[Tri]]:
    out = [U] * len(tree.nodes)
    return tree.run(values, out), tree.check(values), out


@pytest.mark.parametrize(("kind", "table"), [("all_of", AND_TABLE), ("any_of", OR_TABLE)])
def test_binary_nodes_follow_the_tables(kind: str, table: list[tuple[Tri, Tri, Tri]], dictionary: FactDictionary,
                                        booleans: list[str]) -> None:
    a, b = booleans[:2]
    tree = _compile({kind: [{"fact": a, "is": True}, {"fact": b, "is": True}]}, dictionary)
    for ta, tb, want in table:
        run, check, out = _both(tree, _values({a: ta, b: tb}))
        assert (run, check) == (want, want), (kind, ta, tb)
        assert out[1:] == [want, ta, tb]  # the group and both leaves recorded (node 0 is the implicit root)


def test_not_follows_the_table(dictionary: FactDictionary, booleans: list[str]) -> None:
    tree = _compile({"not": {"fact": booleans[0], "is": True}}, dictionary)
    for t, want in NOT_TABLE:
        run, check, out = _both(tree, _values({booleans[0]: t}))
        assert (run, check) == (want, want)
        assert out[1:] == [want, t]


_AND = {(a, b): r for a, b, r in AND_TABLE}
_OR = {(a, b): r for a, b, r in OR_TABLE}
_NOT = dict(NOT_TABLE)


def _truth(raw: dict[str, Any], statuses: dict[str, Tri]) -> Tri:
    """The tree's value by folding the hand-written binary tables (no code under test)."""
    if "fact" in raw:
        return statuses[raw["fact"]]
    if "not" in raw:
        return _NOT[_truth(raw["not"], statuses)]
    kind = "all_of" if "all_of" in raw else "any_of"
    table, acc = (_AND, M) if kind == "all_of" else (_OR, N)  # the empty and / or
    for child in raw[kind]:
        acc = table[(acc, _truth(child, statuses))]
    return acc


def _trees(facts: int) -> st.SearchStrategy[dict[str, Any]]:
    leaves = st.integers(0, facts - 1).map(lambda i: {"fact": i})
    return st.recursive(
        leaves,
        lambda kids: st.one_of(
            kids.map(lambda k: {"not": k}),
            st.lists(kids, min_size=1, max_size=4).map(lambda ks: {"all_of": ks}),
            st.lists(kids, min_size=1, max_size=4).map(lambda ks: {"any_of": ks}),
        ),
        max_leaves=12,
    )


def _named(raw: dict[str, Any], names: list[str]) -> dict[str, Any]:
    if "fact" in raw:
        return {"fact": names[raw["fact"]], "is": True}
    if "not" in raw:
        return {"not": _named(raw["not"], names)}
    kind = next(iter(raw))
    return {kind: [_named(c, names) for c in raw[kind]]}


@settings(max_examples=300, deadline=None)
@given(tree=_trees(4), statuses=st.lists(st.sampled_from([M, N, U]), min_size=4, max_size=4))
def test_random_trees_match_the_tables(tree: dict[str, Any], statuses: list[Tri], dictionary: FactDictionary,
                                       booleans: list[str]) -> None:
    names = booleans[:4]
    raw = _named(tree, names)
    compiled = _compile(raw, dictionary)
    given_statuses = dict(zip(names, statuses, strict=True))
    want = _truth(raw, given_statuses)
    run, check, out = _both(compiled, _values(given_statuses))
    assert run == want and check == want
    assert out[0] == want  # the implicit all_of root over one criterion
