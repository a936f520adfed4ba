"""An initial authorisation period per pathway (issue 19: Zepbound for sleep apnea gets 12 months,
weight management 6): the met pathway's own period, else the policy's; a parameter and a variant
may set it; a period without a source is a problem; every surface that prints the period names
the pathways whose period differs. A toy pack in a temporary folder exercises the language; the
Zepbound checks read the shipped policy."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mednec.errors import ConfigError
from mednec.packcheck.check import check_all
from mednec.policies.describe import describe_policy
from mednec.runtime import Runtime
from tests.policies.toy_pack import write_toy_pack

AS_OF = dt.date(2026, 12, 1)

FACTS = """
version: "1"
documents:
  plan_note: Treatment plan
facts:
  route_a:
    label: Route A applies
    type: boolean
    document: plan_note
  route_b:
    label: Route B applies
    type: boolean
    document: plan_note
"""

REFS = """
house-rules: {kind: decision, title: House rules, issuer: mednec, year: 2026}
payer-x-2026: {kind: payer_policy, title: Payer X drug policy, issuer: Payer X, year: 2026}
"""

POLICY = """
id: toy-drug
version: "1.0"
effective_date: 2026-01-01
title: Toy drug
drug: {generic: toydrug, brands: [Toyzo]}
conditions: [{system: ICD-10-CM, code: E78.00}]
parameters:
  b_months: {value: 12, text: initial authorisation for route B in months, cite: [house-rules]}
pathways:
  - id: route_b
    name: Route B
    cite: [house-rules]
    initial_authorization: {months: {param: b_months}, cite: [house-rules], note: Route B's own period.}
    criteria:
      - {id: b, text: Route B applies, cite: [house-rules], fact: route_b, is: true}
  - id: route_a
    name: Route A
    cite: [house-rules]
    criteria:
      - {id: a, text: Route A applies, cite: [house-rules], fact: route_a, is: true}
initial_authorization: {months: 6, cite: [house-rules]}
variants:
  - id: payer-x
    name: Payer X commercial
    payer: Payer X
    document: Payer X drug policy 2026
    url: https://example.org/payer-x
    seen: 2026-11-30
    cite: [payer-x-2026]
    values: {b_months: 9}
"""


def write_pack(root: Path, policy: str = POLICY) -> Path:
    return write_toy_pack(root, facts=FACTS, refs=REFS, policy=policy)


@pytest.fixture
def rt(tmp_path: Path) -> Runtime:
    return Runtime.load(write_pack(tmp_path))


def _det(rt: Runtime, variant: str | None = None, **given: object):  # type: ignore[no-untyped-def]
    policy = rt.catalog.find_drug("toydrug").with_variant(variant)  # type: ignore[union-attr]
    return rt.evaluate(rt.parse_case({"facts": given}, as_of=AS_OF).facts, policy)


def test_the_met_pathway_gives_its_own_period(rt: Runtime) -> None:
    det = _det(rt, route_b=True, route_a=False)
    assert det.pathway is not None and det.pathway.id == "route_b"
    assert det.authorization is not None
    assert (det.authorization["period"], det.authorization["end"]) == ("12 months", "2027-11-30")
    assert det.authorization["note"] == "Route B's own period."


def test_a_pathway_without_its_own_period_gets_the_policys(rt: Runtime) -> None:
    det = _det(rt, route_b=False, route_a=True)
    assert det.pathway is not None and det.pathway.id == "route_a"
    assert det.authorization is not None
    assert (det.authorization["period"], det.authorization["end"]) == ("6 months", "2027-05-31")


def test_no_period_unless_met(rt: Runtime) -> None:
    assert _det(rt, route_b=False, route_a=False).authorization is None


def test_a_variant_sets_the_pathways_period(rt: Runtime) -> None:
    det = _det(rt, "payer-x", route_b=True, route_a=False)
    assert det.authorization is not None and det.authorization["period"] == "9 months"


def test_the_policy_names_each_differing_period(rt: Runtime) -> None:
    p = rt.catalog.find_drug("toydrug")
    assert p is not None
    assert p.initial_text() == "6 months (12 months for route B)"
    d = describe_policy(p, rt.catalog.pack_of(p))
    assert d["initial_authorization"]["period"] == "6 months"
    assert [pw.get("initial_authorization", {}).get("period") for pw in d["pathways"]] == ["12 months", None]


def test_policies_check_finds_nothing_but_the_missing_cases(tmp_path: Path) -> None:
    # the parameter is used (by the pathway's period), the period has its source: only the toy
    # pack's missing test cases are reported
    report = check_all(write_pack(tmp_path))
    problems = [p for ps in report.problems.values() for p in ps]
    assert problems and all("case" in p for p in problems), problems


def test_a_pathway_period_without_a_source_is_a_problem(tmp_path: Path) -> None:
    bad = POLICY.replace("initial_authorization: {months: {param: b_months}, cite: [house-rules], note: Route B's own period.}",
                         "initial_authorization: {months: {param: b_months}}")
    with pytest.raises(ConfigError) as err:
        Runtime.load(write_pack(tmp_path, bad))
    assert "authorization period has no citation" in str(err.value)
    assert "pathways[0].initial_authorization" in str(err.value)


def test_a_pathway_period_rejects_unknown_keys(tmp_path: Path) -> None:
    bad = POLICY.replace("note: Route B's own period.}", "days: 3}")
    with pytest.raises(ConfigError, match="days"):
        Runtime.load(write_pack(tmp_path, bad))


def test_zepbound_sleep_apnea_twelve_months_weight_six() -> None:
    rt = Runtime.load()
    p = rt.catalog.policy("tirzepatide-zepbound")
    assert p.initial_period("osa").text == "12 months"
    assert p.initial_period("weight_adult").text == "6 months"
    assert p.initial_text() == "6 months (12 months for moderate-to-severe obstructive sleep apnea with obesity)"
