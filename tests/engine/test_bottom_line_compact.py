"""The undecided bottom line names each missing fact once per pathway (a family, over every shipped policy).

Found by asking for Repatha with the treatment history incomplete: the bottom line listed 31
alternatives for the ASCVD pathway ("Treatment history and Prior myocardial infarction, or ...,
or Treatment history and Statins contraindicated and Prior myocardial infarction, or Statins
contraindicated and Treatment history and ..."): the same alternative twice in another order, and
alternatives that hold another one whole (documenting the smaller one is already enough). A reviewer
writes "treatment history or a statin contraindication, and one of: MI, angina, ...".

The family: every shipped policy's case files, with the facts as given, with each one fact removed and
with no facts at all. For every undecided answer, each pathway's part of the bottom line names every
fact at most once. And the pure part: the alternatives are reduced to the smallest ones (no repeats,
none holding another), and when they are every combination of one fact from each of some groups they
are said as those groups, which mean exactly the same alternatives.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mednec.engine import evaluate as engine_evaluate
from mednec.packcheck.cases import case_files
from mednec.runtime import default_runtime

RT = default_runtime()


def _variants() -> list[tuple[str, Any, dict[str, Any], dict[str, Any]]]:
    out = []
    for policy in RT.catalog.policies():
        for path in case_files(policy):
            spec = yaml.safe_load(path.read_text())
            if "case" not in spec or not isinstance(spec["case"].get("facts"), dict):
                continue
            facts = spec["case"]["facts"]
            out.append((f"{policy.id}/{path.stem}/as-given", policy, spec, facts))
            out.append((f"{policy.id}/{path.stem}/none", policy, spec, {}))
            for k in sorted(facts):
                out.append((f"{policy.id}/{path.stem}/-{k}", policy, spec, {f: v for f, v in facts.items() if f != k}))
    return out


VARIANTS = _variants()


#: every fact's label, longest first (a label inside a longer one is then not counted twice); a fact asked to be
#: ruled out ("Pregnant ruled out") is its own request beside the same fact asked as documented
LABELS = sorted({w for f in RT.dictionary.facts.values() for w in (f.label, f.label + " ruled out")},
                key=len, reverse=True)


def _likely(bottom_line: str) -> str:
    """The bottom line's "Likely to meet" sentence, without the presumptions that follow it (those name the
    criteria presumed and the statements to attest, not the facts to document)."""
    return bottom_line.split(" Presumed, not documented: ")[0]


def _parts(bottom_line: str) -> list[str]:
    body = _likely(bottom_line).removeprefix("Likely to meet once these are documented: ").removesuffix(".")
    return body.split("; or ")


def _evaluate(policy: Any, spec: dict[str, Any], facts: dict[str, Any]) -> Any:
    case = {**spec["case"], "facts": facts}
    parsed = RT.parse_case(case, as_of=dt.date.fromisoformat(str(spec.get("as_of", "2026-12-01"))))
    return RT.evaluate(parsed.facts, policy.with_variant(spec.get("variant")), phase=str(spec.get("phase", "initial")))


def _repeated_labels(part: str, labels: list[str]) -> list[str]:
    part = re.sub(r" \(pathway “[^”]*”\)$", "", part)
    out = []
    for label in labels:
        n = part.count(label)
        if n > 1:
            out.append(label)
        part = part.replace(label, "\x00")
    return out


@pytest.mark.parametrize(("name", "policy", "spec", "facts"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_each_missing_fact_named_once_per_pathway(name: str, policy: Any, spec: dict[str, Any],
                                                   facts: dict[str, Any]) -> None:
    det = _evaluate(policy, spec, facts)
    if det.determination.value != "insufficient_information":
        return
    for part in _parts(det.bottom_line):
        assert not _repeated_labels(part, LABELS), (name, part)


# --- the pure part -------------------------------------------------------------------------------------

_FACTS = st.sampled_from("abcdefg")
_FAMILY = st.lists(st.lists(_FACTS, min_size=1, max_size=4).map(lambda s: tuple(dict.fromkeys(s))),
                   min_size=1, max_size=8)


@settings(max_examples=400, deadline=None)
@given(_FAMILY)
def test_alternatives_reduce_to_the_smallest(sets: list[tuple[str, ...]]) -> None:
    minimal, groups = engine_evaluate._needed_groups(sets)  # noqa: SLF001
    as_sets = [frozenset(s) for s in minimal]
    assert len(set(as_sets)) == len(as_sets)  # no alternative twice
    assert not any(a < b for a, b in itertools.permutations(as_sets, 2))  # none holds another whole
    original = [frozenset(s) for s in sets]
    assert set(as_sets) <= set(original)
    assert all(any(m <= o for m in as_sets) for o in original)  # each original alternative is still covered
    if groups is not None:
        product = {frozenset(p) for p in itertools.product(*groups)}
        assert product == set(as_sets)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(_FACTS, min_size=1, max_size=3, unique=True), min_size=1, max_size=3))
def test_a_product_is_said_as_its_groups(raw_groups: list[list[str]]) -> None:
    seen: set[str] = set()
    groups = []
    for g in raw_groups:  # disjoint groups
        g = [f for f in g if f not in seen]
        seen.update(g)
        if g:
            groups.append(g)
    sets = [tuple(p) for p in itertools.product(*groups)]
    minimal, found = engine_evaluate._needed_groups(sets)  # noqa: SLF001
    assert {frozenset(m) for m in minimal} == {frozenset(s) for s in sets}
    assert found is not None
    assert sorted(sorted(g) for g in found) == sorted(sorted(g) for g in groups)
    phrase = engine_evaluate._needed_phrase(sets, str.upper)  # noqa: SLF001
    for f in seen:
        assert phrase.count(f.upper()) == 1, phrase


def test_the_repatha_example_reads_as_a_reviewer_would() -> None:
    policy = RT.catalog.find_drug("Repatha")
    facts = {"age": 62, "diagnosis": "E78.01", "dlcn_score": 7, "ldl_c": {"value": 160, "unit": "mg/dL"},
             "medication_history": [{"drug": "rosuvastatin", "dose": 40, "dose_unit": "mg", "response": "ongoing"}]}
    det = RT.evaluate(RT.parse_case({"facts": facts}, as_of=dt.date(2026, 12, 7)).facts, policy)
    assert det.determination.value == "insufficient_information"
    assert len(_likely(det.bottom_line)) < 700, det.bottom_line
