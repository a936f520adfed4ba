"""No criterion that reads a fact rests on secondary sources alone: `mednec policies check` fails on a
fact leaf whose references are all secondary (except the few listed as pending, a list that only
shrinks); a confirmed source, or one knowingly marked unverified, is accepted."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mednec.facts.dictionary import load_dictionary
from mednec.packcheck import citations
from mednec.packcheck.citations import PENDING, citation_problems
from mednec.policies.loader import load_catalog
from mednec.policies.references import Reference, parse_citation


def _ref(status: str) -> Reference:
    return Reference(id="r", kind="label", title="A label", year=2025, status=status)


def _catalog(statuses: dict[str, str], cites: list[str], *, fact: str | None = "age") -> Any:
    node = SimpleNamespace(fact=fact, cites=tuple(parse_citation(c) for c in cites), id="age_label", index=1)
    tree = SimpleNamespace(nodes=(node,))
    policy = SimpleNamespace(id="toy-drug", source="packs/toy/drug/policy.yaml", variants=(),
                             trees=lambda: (("common", tree),))
    refs = {rid: _ref(st) for rid, st in statuses.items()}
    return SimpleNamespace(packs=[SimpleNamespace(references=refs, policies=[policy])])


@pytest.fixture
def no_pending(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(citations, "PENDING", {})


@pytest.mark.usefixtures("no_pending")
@pytest.mark.parametrize(("statuses", "cites"), [
    ({"pi": "secondary"}, ["pi"]),
    ({"pi": "secondary", "summary": "secondary"}, ["pi:1", "summary"]),
    ({}, ["missing"]),
])
def test_a_fact_criterion_without_a_confirmed_source_is_a_problem(statuses: dict[str, str], cites: list[str]) -> None:
    (file, message), = citation_problems(_catalog(statuses, cites))
    assert file == "packs/toy/drug/policy.yaml"
    assert "toy-drug criterion age_label (age) rests on secondary sources alone" in message


@pytest.mark.usefixtures("no_pending")
@pytest.mark.parametrize(("statuses", "cites", "fact"), [
    ({"pi": "confirmed"}, ["pi"], "age"),
    ({"pi": "secondary", "decision": "confirmed"}, ["pi", "decision:2"], "age"),
    ({"pi": "unverified"}, ["pi"], "age"),  # knowingly unverified: the policy's notes say so
    ({"pi": "secondary"}, ["pi"], None),  # a grouping node decides nothing by itself
])
def test_a_confirmed_source_suffices(statuses: dict[str, str], cites: list[str], fact: str | None) -> None:
    assert citation_problems(_catalog(statuses, cites, fact=fact)) == []


def test_a_pending_criterion_passes_until_it_cites_another_source(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(citations, "PENDING", {("toy-drug", "age_label"): "label not read",
                                               ("other-drug", "x"): "a policy not checked here"})
    assert citation_problems(_catalog({"pi": "secondary"}, ["pi"])) == []
    (file, message), = citation_problems(_catalog({"pi": "confirmed"}, ["pi"]))
    assert file.endswith("citations.py") and "toy-drug criterion age_label" in message and "remove it" in message


def test_the_shipped_policies_pass_and_only_the_pending_criteria_lack_a_confirmed_source(
        monkeypatch: pytest.MonkeyPatch) -> None:
    dictionary = load_dictionary()
    catalog, _ = load_catalog(dictionary, None, strict=False)
    assert citation_problems(catalog) == []
    monkeypatch.setattr(citations, "PENDING", {})
    flagged = {m.split(" criterion ")[0] + "/" + m.split(" criterion ")[1].split(" ")[0]
               for _, m in citation_problems(catalog)}
    assert flagged == {f"{p}/{c}" for p, c in PENDING}
