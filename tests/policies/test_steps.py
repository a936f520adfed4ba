"""Step therapy from the treatment history (the ``tried`` leaf): drug or class, weeks, dose,
intensity, outcome, count; three-valued; parameters and variants; `policies check` validation."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest

from mednec.packcheck.check import check_all
from mednec.runtime import Runtime
from mednec.tri import Tri

AS_OF = dt.date(2026, 11, 20)

PACK = 'id: lipidtoy\ntitle: Toy lipids\nversion: "1"\npolicies: [pcsk]\n' + dedent("""
    drug_classes:
      statin: {label: statin, drugs: [atorvastatin, rosuvastatin, simvastatin]}
    drugs:
      - {generic: atorvastatin, names: [Lipitor]}
      - {generic: rosuvastatin, names: [Crestor]}
      - {generic: simvastatin, names: [Zocor]}
      - {generic: ezetimibe, names: [Zetia]}
""")
FACTS = 'version: "1"\ndocuments: {}\n'
REFS = "r: {kind: decision, title: Toy rules, issuer: tests, year: 2026}\n"
POLICY = """
id: pcsk-toy
version: "1"
effective_date: 2026-01-01
title: Toy PCSK9
drug: {generic: pcskumab, brands: [Pcsk]}
conditions: [{system: ICD-10-CM, code: E78.01}]
parameters:
  statin_weeks: {value: 8, text: weeks of statin, cite: [r]}
  statins_needed: {value: 1, text: statins to try, cite: [r]}
pathways:
  - id: main
    name: Main
    cite: [r]
    criteria:
      - id: statin_step
        text: A high-intensity statin for at least the policy's weeks, still taken or stopped for failure or intolerance
        cite: [r]
        fact: medication_history
        tried:
          class: statin
          min_weeks: {param: statin_weeks}
          intensity: high
          outcome: [ongoing, failure, intolerance]
          count: {param: statins_needed}
      - id: ezetimibe_step
        text: Ezetimibe tried, or contraindicated
        cite: [r]
        fact: medication_history
        tried: {drugs: [ezetimibe], outcome: [ongoing, failure, intolerance, contraindication]}
initial_authorization: {months: 12, cite: [r]}
variants:
  - id: strict
    name: Strict payer
    payer: Strict
    document: Strict policy
    seen: 2026-11-30
    cite: [r]
    values: {statin_weeks: 12, statins_needed: 2}
"""


def write(root: Path, policy: str = POLICY) -> Path:
    pack = root / "lipidtoy"
    (pack / "pcsk" / "cases").mkdir(parents=True)
    (pack / "pack.yaml").write_text(PACK)
    (pack / "facts.yaml").write_text(FACTS)
    (pack / "references.yaml").write_text(REFS)
    (pack / "pcsk" / "policy.yaml").write_text(dedent(policy))
    return root


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    return Runtime.load(write(tmp_path_factory.mktemp("steps")))


def status(rt: Runtime, history: list[dict[str, Any]] | None, criterion: str = "statin_step",
           variant: str | None = None) -> Tri:
    facts: dict[str, Any] = {} if history is None else {"medication_history": history}
    f = rt.parse_case({"facts": facts}, as_of=AS_OF).facts
    det = rt.evaluate(f, "Pcsk", variant=variant)
    return det.criterion(criterion).status


def course(drug: str, weeks: float | None = 10, dose: float | None = 80, response: str = "none",
           **more: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"drug": drug, "response": response, **more}
    if weeks is not None:
        c["start"] = AS_OF - dt.timedelta(days=round(weeks * 7) + 14)
        c["end"] = AS_OF - dt.timedelta(days=14)
    if response == "ongoing":
        c.pop("end", None)
        if weeks is not None:
            c["start"] = AS_OF - dt.timedelta(days=round(weeks * 7))
    if dose is not None:
        c["dose"] = dose
        c.setdefault("dose_unit", "mg")
    return c


def test_undocumented_history_is_unknown_and_an_empty_one_is_not_met(rt: Runtime) -> None:
    assert status(rt, None) is Tri.UNKNOWN
    assert status(rt, []) is Tri.NOT_MET


def test_the_weeks_boundary_is_inclusive(rt: Runtime) -> None:
    assert status(rt, [course("atorvastatin", weeks=8)]) is Tri.MET
    assert status(rt, [course("atorvastatin", weeks=7.86)]) is Tri.NOT_MET
    assert status(rt, [course("Lipitor", weeks=8.14)]) is Tri.MET  # by brand name


def test_intensity_from_the_dose_or_given(rt: Runtime) -> None:
    assert status(rt, [course("atorvastatin", dose=20)]) is Tri.NOT_MET  # 20 mg is moderate
    assert status(rt, [course("rosuvastatin", dose=20)]) is Tri.MET  # 20 mg is high
    assert status(rt, [course("atorvastatin", dose=None)]) is Tri.UNKNOWN  # no dose: intensity unknown
    assert status(rt, [course("atorvastatin", dose=None, intensity="high")]) is Tri.MET
    assert status(rt, [course("atorvastatin", dose=0.08, dose_unit="g")]) is Tri.MET  # 80 mg


def test_outcomes(rt: Runtime) -> None:
    assert status(rt, [course("atorvastatin", response="ongoing")]) is Tri.MET
    assert status(rt, [course("atorvastatin", response="intolerant")]) is Tri.MET
    assert status(rt, [course("atorvastatin", response="response")]) is Tri.NOT_MET  # it worked: no failure
    assert status(rt, [course("atorvastatin", response="none", reason_stopped="other")]) is Tri.NOT_MET
    assert status(rt, [course("atorvastatin", weeks=None)]) is Tri.UNKNOWN  # no start: weeks unknown
    # another drug's course says nothing about statins
    assert status(rt, [course("ezetimibe")]) is Tri.NOT_MET


def test_contraindication_counts_only_where_listed(rt: Runtime) -> None:
    never = {"drug": "ezetimibe", "response": "contraindicated"}
    assert status(rt, [never], "ezetimibe_step") is Tri.MET
    assert status(rt, [{"drug": "atorvastatin", "response": "contraindicated"}]) is Tri.NOT_MET


def test_a_variant_changes_weeks_and_count(rt: Runtime) -> None:
    one = [course("atorvastatin", weeks=10)]
    assert status(rt, one) is Tri.MET
    assert status(rt, one, variant="strict") is Tri.NOT_MET  # 12 weeks and two statins
    two = [course("atorvastatin", weeks=13), course("rosuvastatin", weeks=12.5, dose=40)]
    assert status(rt, two, variant="strict") is Tri.MET
    maybe = [course("atorvastatin", weeks=13), course("rosuvastatin", weeks=None, dose=40)]
    assert status(rt, maybe, variant="strict") is Tri.UNKNOWN
    same_drug_twice = [course("atorvastatin", weeks=13), course("Lipitor", weeks=14)]
    assert status(rt, same_drug_twice, variant="strict") is Tri.NOT_MET  # two different drugs


def test_kleene_over_generated_histories(rt: Runtime) -> None:
    """Unknown is never a guess: filling in a missing start or dose moves unknown to met or not met,
    never met to not met or back."""
    drugs = ["atorvastatin", "simvastatin", "ezetimibe"]
    for drug, weeks, dose, resp in itertools.product(drugs, [None, 4, 9], [None, 10, 80], ["none", "ongoing", "response"]):
        s = status(rt, [course(drug, weeks=weeks, dose=dose, response=resp)])
        for w2, d2 in itertools.product([weeks] if weeks is not None else [4, 9], [dose] if dose is not None else [10, 80]):
            full = status(rt, [course(drug, weeks=w2, dose=d2, response=resp)])
            assert full is not Tri.UNKNOWN
            if s is not Tri.UNKNOWN:
                assert full is s, (drug, weeks, dose, resp)


@pytest.mark.parametrize(("edit", "message"), [
    (("class: statin", "class: statins"), "class 'statins' is not in drug_classes"),
    (("drugs: [ezetimibe]", "drugs: [Zetia]"), "write its generic name, 'ezetimibe'"),
    (("drugs: [ezetimibe]", "drugs: [bempedoic acid]"), "'bempedoic acid' is not a drug of this pack"),
    (("intensity: high", "intensity: maximal"), "intensity must be low, moderate or high"),
    (("outcome: [ongoing, failure, intolerance]", "outcome: [failed]"), "outcome 'failed' is not one of"),
    (("min_weeks: {param: statin_weeks}", "min_weeks: {param: statin_wks}"), "unknown parameter 'statin_wks'"),
    (("count: {param: statins_needed}", "count: 0"), "count must be a whole number"),
    (("        fact: medication_history\n        tried:\n          class", "        fact: age\n        tried:\n          class"),
     "use fact: medication_history"),
])
def test_policies_check_names_the_problem(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    assert edit[0] in POLICY
    report = check_all(write(tmp_path, POLICY.replace(*edit, 1)))
    found = [m for msgs in report.problems.values() for m in msgs]
    assert any(message in m for m in found), found
