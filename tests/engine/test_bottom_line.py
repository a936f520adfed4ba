"""A bottom line that helps (issue 13 item 6), as generated families over the shipped cases.

* Every meeting case with any one or two of its given facts removed is met or undecided, never
  denied; undecided, it says "Likely to meet once these are documented: ..." and names a pathway.
* Adding a contrary statement to a meeting case flips it to not met.
* An undecided pathway that no documentation could meet is ruled out: the answer is not met and
  says that the missing documents would not change it (a toy policy: two tests on one fact).
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.policies.toy_pack import write_toy_pack

from mednec.packcheck.cases import case_files
from mednec.runtime import Runtime, default_runtime

RT = default_runtime()


def _meeting_cases() -> list[tuple[str, Any, dict[str, Any]]]:
    out = []
    for policy in RT.catalog.policies():
        if policy.pack != "mds_anemia":
            continue
        for path in case_files(policy):
            spec = yaml.safe_load(path.read_text())
            if (spec.get("expect") or {}).get("determination") == "meets_criteria":
                out.append((f"{policy.id}/{path.stem}", policy, spec))
    return out


MEETING = _meeting_cases()


def _evaluate(policy: Any, spec: dict[str, Any], facts: dict[str, Any]) -> Any:
    case = {**spec["case"], "facts": facts}
    parsed = RT.parse_case(case, as_of=dt.date.fromisoformat(str(spec["as_of"])))
    return RT.evaluate(parsed.facts, policy, phase=str(spec.get("phase", "initial")))


@pytest.mark.parametrize(("name", "policy", "spec"), MEETING, ids=[m[0] for m in MEETING])
def test_removing_documents_never_denies(name: str, policy: Any, spec: dict[str, Any]) -> None:
    facts = spec["case"]["facts"]
    keys = sorted(facts)
    for r in (1, 2):
        for drop in itertools.combinations(keys, r):
            given = {k: v for k, v in facts.items() if k not in drop}
            det = _evaluate(policy, spec, given)
            assert det.determination.value in ("meets_criteria", "insufficient_information"), (name, drop)
            if det.determination.value == "insufficient_information":
                assert det.bottom_line.startswith("Likely to meet once these are documented: "), det.bottom_line
                assert det.missing_documentation
                if spec.get("phase", "initial") == "initial":
                    assert "pathway “" in det.bottom_line
            else:
                assert det.bottom_line.startswith("Meets the criteria")


CONTRARY = {
    "luspatercept-mds": {"immediate_correction_needed": True},
    "imetelstat-mds": {"concurrent_esa": True},
    "epoetin-alfa-mds": {"anemia_symptomatic": False},
    "darbepoetin-alfa-mds": {"anemia_symptomatic": False},
}


@pytest.mark.parametrize(("name", "policy", "spec"), [m for m in MEETING if m[1].id in CONTRARY
                                                      and m[2].get("phase", "initial") == "initial"],
                         ids=[m[0] for m in MEETING if m[1].id in CONTRARY and m[2].get("phase", "initial") == "initial"])
def test_a_contrary_statement_flips_to_not_met(name: str, policy: Any, spec: dict[str, Any]) -> None:
    facts = {**spec["case"]["facts"], **CONTRARY[policy.id]}
    det = _evaluate(policy, spec, facts)
    assert det.determination.value == "does_not_meet_criteria", name
    assert det.bottom_line.startswith("Does not meet the criteria")


TOY_FACTS = """
version: "1"
documents: {labs: Lab results}
facts:
  group:
    label: Group
    type: category
    values: {a: {label: a}, b: {label: b}}
    document: labs
    question: Which group?
  level:
    label: Level
    type: number
    unit: u
    units: {u: 1}
    range: [0, 100]
    document: labs
    question: What level?
"""
TOY_POLICY = """
id: toy-drug
version: "1.0"
effective_date: 2026-01-01
title: Toy drug
drug: {generic: toydrug}
conditions: [{system: ICD-10-CM, code: D46.9}]
pathways:
  - id: impossible
    name: Needs group a and group b at once
    cite: [house]
    criteria:
      - {id: is_a, text: Group a, cite: [house], fact: group, eq: a}
      - {id: is_b, text: Group b, cite: [house], fact: group, eq: b}
      - {id: level_low, text: Level below 10, cite: [house], fact: level, lt: 10}
  - id: possible
    name: Level above 50
    cite: [house]
    criteria:
      - {id: level_high, text: Level above 50, cite: [house], fact: level, gt: 50}
initial_authorization: {months: 6, cite: [house]}
"""


HOUSE = "house: {kind: decision, title: House, issuer: mednec, year: 2026}\n"


@pytest.fixture
def toy(tmp_path: Path) -> Runtime:
    return Runtime.load(write_toy_pack(tmp_path, facts=TOY_FACTS, refs=HOUSE, policy=TOY_POLICY))


def test_a_pathway_no_document_could_meet_is_ruled_out(toy: Runtime) -> None:
    policy = toy.catalog.find_drug("toydrug")
    ev = lambda **f: toy.evaluate(toy.parse_case({"facts": f}, as_of=dt.date(2026, 12, 1)).facts, policy)  # noqa: E731
    det = ev(level=5)  # 'possible' not met; 'impossible' is Kleene-unknown but can never be met
    assert det.determination.value == "does_not_meet_criteria"
    assert det.bottom_line.startswith("Would not meet the criteria whatever the missing documents show")
    det = ev()  # nothing documented: 'possible' could still be met by a level above 50
    assert det.determination.value == "insufficient_information"
    assert det.bottom_line == "Likely to meet once these are documented: Level (pathway “Level above 50”)."
    assert copy.deepcopy(det.to_dict())["bottom_line"] == det.bottom_line


# Alternatives are named as alternatives (a reviewer read "Treatment history, Statins
# contraindicated" as needing both when either would do). The family: any criterion tree with
# "any of" nodes among undocumented facts, over every shipped undecided case, and a toy policy
# with each shape (or, and-of-ors, or-of-ands, a fact shared by two alternatives).

TOY_OR_POLICY = """
id: toy-or
version: "1.0"
effective_date: 2026-01-01
title: Toy drug
drug: {generic: toyor}
conditions: [{system: ICD-10-CM, code: D46.9}]
pathways:
  - id: shapes
    name: Shapes
    cite: [house]
    criteria:
      - {id: high, text: Level above 50, cite: [house], fact: level, gt: 50}
      - id: either
        text: Group a, or a low second level
        cite: [house]
        any_of:
          - {fact: group, eq: a}
          - {fact: second, lt: 5}
initial_authorization: {months: 6, cite: [house]}
"""

TOY_OR_FACTS = TOY_FACTS.rstrip() + """
  second:
    label: Second level
    type: number
    unit: u
    units: {u: 1}
    range: [0, 100]
    document: labs
    question: What second level?
"""


@pytest.fixture
def toy_or(tmp_path: Path) -> Runtime:
    return Runtime.load(write_toy_pack(tmp_path, facts=TOY_OR_FACTS, refs=HOUSE, policy=TOY_OR_POLICY))


def test_alternatives_are_joined_with_or(toy_or: Runtime) -> None:
    policy = toy_or.catalog.find_drug("toyor")
    ev = lambda **f: toy_or.evaluate(toy_or.parse_case({"facts": f}, as_of=dt.date(2026, 12, 1)).facts, policy)  # noqa: E731
    assert ev().bottom_line == "Likely to meet once these are documented: Level, and either Group, or Second level (pathway “Shapes”)."
    assert ev(level=60).bottom_line == "Likely to meet once these are documented: either Group, or Second level (pathway “Shapes”)."
    assert ev(level=60, group="b").bottom_line == "Likely to meet once these are documented: Second level (pathway “Shapes”)."


def _flat_labels(det: Any) -> set[str]:
    """Every fact label the missing-documentation list asks for."""
    return {RT.dictionary.facts[f].label for m in det.missing_documentation for f in m.facts}


def _undecided() -> list[tuple[str, Any]]:
    out = []
    for p in RT.catalog.policies():
        for path in case_files(p):
            spec = yaml.safe_load(path.read_text())
            if (spec.get("expect") or {}).get("determination") != "insufficient_information":
                continue
            det = _evaluate(p.with_variant(spec.get("variant")), spec, spec["case"].get("facts") or {})
            if det.bottom_line.startswith("Likely"):
                out.append((f"{p.id}/{path.stem}", det))
    return out


UNDECIDED = _undecided()


def test_undecided_cases_exist_in_every_pack() -> None:
    assert len({name.split("/")[0] for name, _ in UNDECIDED}) >= 10, [n for n, _ in UNDECIDED]


@pytest.mark.parametrize(("name", "det"), UNDECIDED, ids=[u[0] for u in UNDECIDED])
def test_bottom_line_names_only_facts_asked_for(name: str, det: Any) -> None:
    """The structured bottom line names no fact the missing-documentation list does not ask for,
    and an "either" always has an "or"."""
    line = re.sub(r" \(pathway “[^”]*”\)", "", det.bottom_line)
    labels = {RT.dictionary.facts[f].label for f in RT.dictionary.facts}
    named = {lb for lb in labels if lb in line}
    asked = _flat_labels(det)
    assert named, line
    assert not {n for n in named if not any(n in a or a in n for a in asked)}, (line, asked)
    if "either " in line:
        assert " or " in line.split("either ", 1)[1], line
