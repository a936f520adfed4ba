"""Boundary cases generated from every numeric threshold (mednec.packcheck.boundaries): below, at and
above in the policy's unit, 0.1 % either side in every other unit; the criterion's words against its
operator. A shipped pack passes; seeded mistakes (a threshold in another unit, words that disagree with
the operator, a predicate off by one side) are caught."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from mednec.packcheck.boundaries import check_policy
from mednec.packcheck.check import check_all
from mednec.policies import compile as policy_compile
from mednec.runtime import Runtime, default_runtime

FACTS = """
version: "1"
documents: {lipids: Lipid panel}
facts:
  ldl_c:
    label: LDL-C
    type: number
    unit: mg/dL
    units: {mg/dL: 1, mmol/L: 38.67}
    range: [1, 1000]
    document: lipids
"""
REFS = "r: {kind: decision, title: Rules, issuer: tests, year: 2026}\n"


def policy(criterion: str) -> str:
    return dedent(f"""
    id: toy
    version: "1"
    effective_date: 2026-01-01
    title: Toy
    drug: {{generic: toydrug, brands: [Toyzo]}}
    conditions: [{{system: ICD-10-CM, code: E78.00}}]
    pathways:
      - id: main
        name: Main
        cite: [r]
        criteria:
          - {criterion}
    initial_authorization: {{months: 12, cite: [r]}}
    """)


def runtime(root: Path, criterion: str) -> Runtime:
    pack = root / "toy"
    (pack / "toy").mkdir(parents=True)
    (pack / "pack.yaml").write_text('id: toy\ntitle: Toy\nversion: "1"\npolicies: [toy]\n')
    (pack / "facts.yaml").write_text(dedent(FACTS))
    (pack / "references.yaml").write_text(REFS)
    (pack / "toy" / "policy.yaml").write_text(policy(criterion))
    return Runtime.load(root)


def problems(root: Path, criterion: str) -> tuple[int, list[str]]:
    rt = runtime(root, criterion)
    rep = check_policy(rt.catalog.find_drug("toydrug"), rt.dictionary)
    return rep.generated, rep.problems


def test_shipped_policies_generate_and_pass() -> None:
    rt = default_runtime()
    total = 0
    for p in rt.catalog.policies():
        rep = check_policy(p, rt.dictionary)
        assert rep.problems == [], (p.id, rep.problems)
        total += rep.generated
    assert total > 100


@pytest.mark.parametrize("op", ["lt", "le", "gt", "ge"])
def test_every_operator_in_both_units(tmp_path: Path, op: str) -> None:
    n, found = problems(tmp_path, f"{{id: ldl, text: LDL-C test, cite: [r], fact: ldl_c, {op}: 70}}")
    assert found == [] and n == 5  # 69.99 / 70 / 70.01 mg/dL and 0.1 % either side in mmol/L


def test_a_threshold_written_in_another_unit_is_exact_at_the_boundary(tmp_path: Path) -> None:
    # 1.8 mmol/L is 69.606 mg/dL; a case giving exactly 1.8 mmol/L must meet 'at least 1.8 mmol/L'
    n, found = problems(tmp_path, "{id: ldl, text: LDL-C at least 1.8 mmol/L, cite: [r], fact: ldl_c, ge: 1.8, unit: mmol/L}")
    assert found == [], found
    assert n == 5


def test_words_that_disagree_with_the_operator(tmp_path: Path) -> None:
    _, found = problems(tmp_path, "{id: ldl, text: LDL-C at least 70 mg/dL, cite: [r], fact: ldl_c, gt: 70}")
    assert any("words say ≥ but the test is >" in p for p in found), found
    _, found = problems(tmp_path / "b", "{id: ldl, text: LDL-C 70 mg/dL or more, cite: [r], fact: ldl_c, ge: 70}")
    assert found == []
    _, found = problems(tmp_path / "c", "{id: ldl, text: LDL-C below 100 mg/dL, cite: [r], fact: ldl_c, le: 100}")
    assert any("words say < but the test is ≤" in p for p in found), found


def test_a_predicate_on_the_wrong_side_is_caught(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mutation: the compiled 'ge' behaves as 'gt' -- every ge threshold fails at the boundary."""
    real = policy_compile._predicate  # noqa: SLF001

    def wrong(node):  # type: ignore[no-untyped-def]
        if node.op == "ge":
            x = node.operand
            return lambda v: v > x
        return real(node)

    monkeypatch.setattr(policy_compile, "_predicate", wrong)
    _, found = problems(tmp_path, "{id: ldl, text: LDL-C test, cite: [r], fact: ldl_c, ge: 70}")
    assert any("70 mg/dL (at the threshold 70 mg/dL) is not_met, expected met" in p for p in found), found


def test_policies_check_reports_them(tmp_path: Path) -> None:
    runtime(tmp_path, "{id: ldl, text: LDL-C at least 70 mg/dL, cite: [r], fact: ldl_c, gt: 70}")
    report = check_all(tmp_path)
    assert any("words say ≥" in m for msgs in report.problems.values() for m in msgs)
    assert report.to_dict()["boundaries"] == {"toy": 5}
