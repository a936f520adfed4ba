"""The revised MDS decisions (issue 13 item 2) as generated families, beside the policy cases.

* An ESA course without response: < 6 weeks is too short (not met), 6 to < 8 weeks is unknown
  and asks for the course, >= 8 weeks is failure -- at every day of the boundary.
* A partial response is a failure once ended, or while >= 2 units in 8 weeks or Hb < 10.
* Luspatercept pathway C (off-label) is offered by default and a payer variant can switch it off.
* Continuation: a fall in units counts only from one-third fewer (or 8 weeks transfusion-free).
"""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from mednec.policies.compile import compile_policy
from mednec.policies.loader import read_yaml
from mednec.policies.schema import VariantModel, parse_policy
from mednec.runtime import Runtime, default_runtime

PACK = Path(__file__).resolve().parents[2] / "src" / "mednec" / "packs" / "mds_anemia"
AS_OF = dt.date(2026, 11, 20)


@pytest.fixture(scope="module")
def rt() -> Runtime:
    return default_runtime()


def _case(rel: str) -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load((PACK / rel).read_text())
    return spec


def _eval(rt: Runtime, case: dict[str, Any], drug: str, phase: str = "initial") -> Any:
    return rt.evaluate(rt.parse_case(case, as_of=AS_OF).facts, rt.catalog.find_drug(drug), phase=phase)


@pytest.mark.parametrize("days", range(35, 64))
def test_esa_trial_length_boundaries(rt: Runtime, days: int) -> None:
    """Luspatercept after ESA (RS+, EPO 300): a finished course without response of ``days``."""
    case = copy.deepcopy(_case("luspatercept/cases/03-meets-after-esa-failure.yaml")["case"])
    start = dt.date(2026, 3, 1)
    case["facts"]["esa_history"] = [{"drug": "epoetin alfa", "start": start.isoformat(),
                                     "end": (start + dt.timedelta(days=days)).isoformat(), "response": "none"}]
    det = _eval(rt, case, "luspatercept")
    want = "met" if days >= 56 else "unknown" if days >= 42 else "not_met"
    assert det.criterion("esa_failure").status.value == want
    if want == "unknown":
        assert det.determination == "insufficient_information"
        assert {f for m in det.missing_documentation for f in m.facts} == {"esa_history"}
        assert any("dose" in q for m in det.missing_documentation for q in m.questions)
    else:
        assert det.determination == ("meets_criteria" if want == "met" else "does_not_meet_criteria")


@pytest.mark.parametrize(("end", "units", "hb", "failed"), [
    ("2026-06-01", 0, 11.0, True),     # ended: failure whatever the numbers
    (None, 2, 10.5, True),             # still transfused
    (None, 0, 9.9, True),              # hemoglobin below 10
    (None, 0, 10.0, False),            # responding
    (None, 1, 10.8, False),            # one unit in 8 weeks: responding
])
def test_partial_response(rt: Runtime, end: str | None, units: int, hb: float, failed: bool) -> None:
    case = copy.deepcopy(_case("epoetin_alfa/cases/01-meets-esa-naive.yaml")["case"])
    course = {"drug": "darbepoetin alfa", "start": "2026-03-01", "response": "partial"}
    if end:
        course["end"] = end
    case["facts"]["esa_history"] = [course]
    case["facts"]["rbc_transfusions"] = [{"date": "2026-11-01", "units": units}] if units else []
    case["facts"]["hemoglobin"] = {"value": hb, "unit": "g/dL", "date": "2026-11-12"}
    det = _eval(rt, case, "epoetin alfa")
    assert det.criterion("no_prior_esa_failure").status.value == ("not_met" if failed else "met")


def _variant_policy(rt: Runtime, values: dict[str, Any]) -> Any:
    policy = rt.catalog.find_drug("luspatercept")
    pack = rt.catalog.pack_of(policy)
    model = parse_policy(read_yaml(Path(policy.source)))
    v = VariantModel("on-label-only", "On-label only", "Payer X", "Payer X policy", "", dt.date(2026, 12, 1),
                     ("mednec-mds-decisions",), values, "", "variants[0]")
    compiled, problems = compile_policy(model, rt.dictionary, pack.references, source=policy.source, pack=pack.id,
                                        variant=v)
    assert not problems
    return compiled


def test_pathway_c_is_offered_and_a_variant_can_switch_it_off(rt: Runtime) -> None:
    case = _case("luspatercept/cases/27-meets-pathway-c-rs-negative-after-esa.yaml")["case"]
    facts = rt.parse_case(case, as_of=AS_OF).facts
    det = rt.evaluate(facts, rt.catalog.find_drug("luspatercept"))
    assert det.determination == "meets_criteria" and det.pathway is not None
    assert det.pathway.id == "after_esa_rs_negative" and "off-label" in det.pathway.name
    off = _variant_policy(rt, {"rs_negative_after_esa": False})
    assert "after_esa_rs_negative" not in [p.id for p in off.pathways]
    det2 = rt.evaluate(facts, off)
    assert det2.determination == "does_not_meet_criteria"
    assert det2.policy["parameters"]["rs_negative_after_esa"]["value"] is False


@pytest.mark.parametrize(("pre", "on", "reduced"), [
    (9, 6, True), (9, 7, False), (8, 6, False), (6, 4, True), (12, 8, True), (12, 9, False), (3, 2, True),
])
def test_one_third_fewer_units(rt: Runtime, pre: int, on: int, reduced: bool) -> None:
    """16 weeks before (as single-unit transfusions 2 weeks apart) against the last 16 weeks on
    treatment, with a transfusion in the last 8 weeks so transfusion independence does not apply."""
    case = copy.deepcopy(_case("luspatercept/cases/15-continuation-meets-burden-reduced.yaml")["case"])
    start = dt.date(2026, 5, 1)
    before = [{"date": (start - dt.timedelta(days=7 + 7 * (i % 15))).isoformat(), "units": 1 + (i >= 15)}
              for i in range(min(pre, 15))]
    before = before[: pre] if pre <= 15 else before
    units_before = sum(t["units"] for t in before)
    during = [{"date": (AS_OF - dt.timedelta(days=3 + 12 * i)).isoformat(), "units": 1} for i in range(on)]
    case["facts"]["rbc_transfusions"] = before + during
    det = _eval(rt, case, "luspatercept", "continuation")
    assert units_before == pre
    assert det.fact_set.value("transfusion_burden_reduced") is reduced


def test_ipss_r_decided_without_a_blood_count(rt: Runtime) -> None:
    det = _eval(rt, _case("luspatercept/cases/36-meets-ipss-r-decided-without-platelets.yaml")["case"], "luspatercept")
    assert det.criterion("lower_risk").status.value == "met"
    cat = det.fact_set["ipss_r_category"]
    assert "decided without platelets: any value gives <= 4.5" in cat.provenance.detail
    undecided = _eval(rt, _case("luspatercept/cases/37-insufficient-ipss-r-platelets-decide.yaml")["case"],
                      "luspatercept")
    assert {f for m in undecided.missing_documentation for f in m.facts} == {"platelets"}
    assert undecided.bottom_line.startswith("Likely to meet once these are documented: Platelets")
