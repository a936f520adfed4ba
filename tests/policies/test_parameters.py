"""Policy parameters and payer variants: defaults, a variant's values, validation.

A small pack is written to a temporary folder (its own facts, references and one policy), so
these tests exercise the policy language, not any shipped policy's content.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mednec.errors import ConfigError, UnknownDrugError
from mednec.packcheck.check import check_all
from mednec.runtime import Runtime
from tests.policies.toy_pack import write_toy_pack

AS_OF = dt.date(2026, 12, 1)

FACTS = """
version: "1"
documents:
  lipid_panel: Lipid panel with date
  plan_note: Treatment plan
facts:
  ldl_c:
    label: LDL-C
    type: number
    unit: mg/dL
    units: {mg/dL: 1, mmol/L: 38.67}
    range: [1, 1000]
    document: lipid_panel
    question: What is the LDL-C?
  on_ezetimibe:
    label: Ezetimibe tried
    type: boolean
    document: plan_note
  risk_group:
    label: Risk group
    type: category
    values: {high: {label: high}, very_high: {label: very high}, other: {label: other}}
    document: plan_note
"""

REFS = """
payer-x-2026: {kind: payer_policy, title: Payer X drug policy, issuer: Payer X, year: 2026}
house-rules: {kind: decision, title: House rules, issuer: mednec, year: 2026}
"""

POLICY = """
id: toy-drug
version: "1.0"
effective_date: 2026-01-01
title: Toy drug
drug: {generic: toydrug, brands: [Toyzo]}
conditions: [{system: ICD-10-CM, code: E78.00}]
parameters:
  ldl_min: {value: 70, unit: mg/dL, text: lowest qualifying LDL-C, cite: [house-rules]}
  ezetimibe_required: {value: false, text: an ezetimibe trial is required, cite: [house-rules]}
  groups: {value: [very_high], text: qualifying risk groups, cite: [house-rules]}
  months: {value: 12, text: initial authorisation in months, cite: [house-rules]}
pathways:
  - id: main
    name: Main
    cite: [house-rules]
    criteria:
      - id: ldl_high
        text: LDL-C at or above the policy's threshold
        cite: [house-rules]
        fact: ldl_c
        ge: {param: ldl_min}
      - id: ezetimibe_step
        text: Ezetimibe tried
        cite: [house-rules]
        enabled_by: ezetimibe_required
        fact: on_ezetimibe
        is: true
      - id: risk
        text: Risk group qualifies
        cite: [house-rules]
        fact: risk_group
        in: {param: groups}
initial_authorization: {months: {param: months}, cite: [house-rules]}
variants:
  - id: payer-x
    name: Payer X commercial
    payer: Payer X
    document: Payer X drug policy 2026
    url: https://example.org/payer-x
    seen: 2026-11-30
    cite: [payer-x-2026]
    values: {ldl_min: 55, ezetimibe_required: true, groups: [high, very_high], months: 6}
"""


def write_pack(root: Path, policy: str = POLICY) -> Path:
    return write_toy_pack(root, facts=FACTS, refs=REFS, policy=policy)


@pytest.fixture
def rt(tmp_path: Path) -> Runtime:
    return Runtime.load(write_pack(tmp_path))


def facts(rt: Runtime, **given: object) -> object:
    return rt.parse_case({"facts": given}, as_of=AS_OF).facts


def test_defaults_decide_the_default_policy(rt: Runtime) -> None:
    p = rt.catalog.find_drug("Toyzo")
    det = rt.evaluate(facts(rt, ldl_c=60, risk_group="very_high"), p)  # type: ignore[arg-type]
    assert det.determination == "does_not_meet_criteria"
    assert det.criterion("ldl_high").condition == "LDL-C ≥ 70 mg/dL"
    # the ezetimibe step is off by default: met, and says why, without asking for anything
    ez = det.criterion("ezetimibe_step")
    assert ez.status.value == "met" and "not required" in ez.condition and ez.evidence == ()
    assert "variant" not in det.policy


def test_a_variant_uses_its_values(rt: Runtime) -> None:
    v = rt.catalog.find_drug("toydrug").with_variant("payer-x")
    f = facts(rt, ldl_c=60, risk_group="high", on_ezetimibe=True)
    det = rt.evaluate(f, v)  # type: ignore[arg-type]
    assert det.determination == "meets_criteria"
    assert det.criterion("ldl_high").condition == "LDL-C ≥ 55 mg/dL"
    assert det.authorization is not None and det.authorization["period"] == "6 months"
    assert det.policy["variant"]["id"] == "payer-x" and det.policy["variant"]["seen"] == "2026-11-30"
    assert det.policy["parameters"]["ldl_min"] == {"value": 55, "unit": "mg/dL", "default": 70}
    # the same facts under the default policy hash apart from the variant's answer
    assert rt.evaluate(f, rt.catalog.find_drug("toydrug")).input_hash != det.input_hash  # type: ignore[arg-type]
    # the step the variant requires is asked for when undocumented
    det2 = rt.evaluate(facts(rt, ldl_c=60, risk_group="high"), v)  # type: ignore[arg-type]
    assert det2.determination == "insufficient_information"
    assert {f for m in det2.missing_documentation for f in m.facts} == {"on_ezetimibe"}


def test_threshold_parameter_in_other_units(rt: Runtime) -> None:
    v = rt.catalog.find_drug("toydrug").with_variant("payer-x")
    # 1.42 mmol/L = 54.9 mg/dL (below 55); 1.43 mmol/L = 55.3 mg/dL
    below = rt.evaluate(facts(rt, ldl_c="1.42 mmol/L", risk_group="high", on_ezetimibe=True), v)  # type: ignore[arg-type]
    above = rt.evaluate(facts(rt, ldl_c="1.43 mmol/L", risk_group="high", on_ezetimibe=True), v)  # type: ignore[arg-type]
    assert below.criterion("ldl_high").status.value == "not_met"
    assert above.criterion("ldl_high").status.value == "met"


def test_unknown_variant_names_the_known_ones(rt: Runtime) -> None:
    with pytest.raises(UnknownDrugError, match="payer-x"):
        rt.catalog.find_drug("toydrug").with_variant("payer-y")


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("ge: {param: ldl_min}", "ge: {param: ldl_minimum}"), "unknown parameter 'ldl_minimum'"),
        (("ge: {param: ldl_min}", "ge: {param: groups}"), "a comparison needs a number"),
        (("values: {ldl_min: 55,", "values: {ldl_min: [55],"), "gives ldl_min = [55]"),
        (("values: {ldl_min: 55,", "values: {ldl_cut: 55,"), "sets unknown parameter 'ldl_cut'"),
        (("  months: {value: 12,", "  unused: {value: 1, text: x, cite: [house-rules]}\n  months: {value: 12,"),
         "'unused' is declared but never used"),
        (("    cite: [payer-x-2026]\n", ""), "cites no source"),
        (("enabled_by: ezetimibe_required", "enabled_by: ldl_min"), "enabled_by needs true or false"),
    ],
)
def test_parameter_problems_are_reported(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    assert edit[0] in POLICY
    write_pack(tmp_path, POLICY.replace(*edit))
    report = check_all(tmp_path)
    problems = [p for ps in report.problems.values() for p in ps]
    assert any(message in p for p in problems), problems
    with pytest.raises(ConfigError):
        Runtime.load(tmp_path)


def test_compare_lists_every_variant_with_what_it_needs(rt: Runtime) -> None:
    from mednec.compare import compare

    policy = rt.catalog.find_drug("toydrug")
    f = facts(rt, ldl_c=60, risk_group="high")
    data = compare(rt, f, policy).to_dict()  # type: ignore[arg-type]
    assert [v["variant"] for v in data["variants"]] == ["default", "payer-x"]
    default, payer = data["variants"]
    assert default["determination"] == "does_not_meet_criteria"
    assert {c["id"] for c in default["not_met"]} == {"ldl_high", "risk"}
    assert payer["determination"] == "insufficient_information"
    assert payer["needs"][0]["facts"] == ["on_ezetimibe"]
    assert {p["id"] for p in payer["parameters"]} == {"ldl_min", "ezetimibe_required", "groups", "months"}
    assert payer["source"]["document"] == "Payer X drug policy 2026"
    assert {d["id"] for d in data["differs"]} == {"ldl_high", "ezetimibe_step", "risk"}
    # a variant passed in still compares from the defaults
    assert compare(rt, f, policy.with_variant("payer-x")).to_dict()["variants"][0]["variant"] == "default"  # type: ignore[arg-type]
