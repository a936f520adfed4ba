"""Engine behaviour on the bundled examples and hand-built fact sets."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.runtime import Runtime
from mednec.tri import Tri

ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 20)


def _case(rt: Runtime, **facts: object) -> object:
    base: dict[str, object] = {
        "diagnosis": "D46.1", "ipss_r_category": "low", "del5q": False,
        "hemoglobin": 8.1, "serum_epo": 210, "ring_sideroblasts_pct": 22, "sf3b1_mutation": True,
        "rbc_transfusions": [{"date": "2026-10-01", "units": 2}, {"date": "2026-11-01", "units": 2}],
        "esa_history": [], "immediate_correction_needed": False,
    }
    base.update(facts)
    data = {"patient": {"birth_date": "1956-02-14"}, "facts": {k: v for k, v in base.items() if v is not None}}
    return rt.parse_case(data, as_of=AS_OF).facts


def test_every_bundled_example_evaluates_deterministically(runtime: Runtime) -> None:
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    assert examples
    for path in examples:
        case = runtime.read_case(path)
        for policy in runtime.catalog.policies():
            a = json.dumps(runtime.evaluate(case.facts, policy).to_dict(), sort_keys=False)
            b = json.dumps(runtime.evaluate(runtime.read_case(path).facts, policy).to_dict(), sort_keys=False)
            assert a == b, f"{path.name} / {policy.id} is not deterministic"


def test_json_has_the_documented_top_level_keys(runtime: Runtime) -> None:
    det = runtime.evaluate(_case(runtime), "luspatercept").to_dict()
    for key in ("determination", "pathway", "criteria", "missing_documentation", "alternatives",
                "citations", "policy", "input_hash", "what_would_change", "authorization"):
        assert key in det
    assert {"id", "text", "status"} <= set(det["criteria"][0])
    assert {"id", "version"} <= set(det["policy"])


def test_meets_reports_pathway_authorization_and_cited_criteria(runtime: Runtime) -> None:
    det = runtime.evaluate(_case(runtime), "Reblozyl")
    assert det.determination == MEETS
    assert det.pathway is not None and det.pathway.id == "esa_naive_first_line"
    assert det.authorization is not None
    assert det.authorization["end"] == "2027-05-06"  # 24 weeks from 2026-11-20, inclusive
    numbers = {c.n for c in det.citations}
    for crit in det.criteria:
        assert crit.citations, crit.id
        assert set(crit.citations) <= numbers
    assert not det.requires_physician_review


def test_missing_fact_is_unknown_not_false(runtime: Runtime) -> None:
    det = runtime.evaluate(_case(runtime, hemoglobin=None), "luspatercept")
    assert det.criterion("hemoglobin_below_hold").status is Tri.UNKNOWN
    assert det.determination == INSUFFICIENT
    docs = {m.document for m in det.missing_documentation}
    assert docs == {"cbc"}
    assert det.requires_physician_review


def test_ruled_out_pathway_does_not_request_documents(runtime: Runtime) -> None:
    # ESA-naive with EPO <= 500: the after-ESA pathway is ruled out, so its unknown ring
    # sideroblast status is not requested; only the first-line pathway's needs count.
    det = runtime.evaluate(_case(runtime, ring_sideroblasts_pct=None, sf3b1_mutation=None), "luspatercept")
    assert det.determination == MEETS  # EPO 210 <= 500 meets first-line without RS
    det2 = runtime.evaluate(
        _case(runtime, ring_sideroblasts_pct=None, sf3b1_mutation=None, serum_epo=None), "luspatercept"
    )
    assert det2.determination == INSUFFICIENT
    asked = {f for m in det2.missing_documentation for f in m.facts}
    assert asked == {"serum_epo", "ring_sideroblasts_pct", "sf3b1_mutation"}


def test_not_met_lists_what_would_change(runtime: Runtime) -> None:
    det = runtime.evaluate(_case(runtime, hemoglobin=12.0), "luspatercept")
    assert det.determination == NOT_MET
    change = next(c for c in det.changes if c.criterion == "hemoglobin_below_hold")
    assert "11.5" in change.text and "12" in change.text


def test_input_hash_changes_with_a_fact_and_ignores_provenance(runtime: Runtime) -> None:
    a = runtime.evaluate(_case(runtime), "luspatercept").input_hash
    b = runtime.evaluate(_case(runtime, hemoglobin=8.2), "luspatercept").input_hash
    assert a != b
    data = {"patient": {"birth_date": "1956-02-14"}, "facts": {"hemoglobin": 8.1}}
    f1 = runtime.parse_case(data, as_of=AS_OF, source="case file x").facts
    f2 = runtime.parse_case(data, as_of=AS_OF, source="FHIR Observation/1").facts
    assert f1.given_digest() == f2.given_digest()


def test_ipss_r_derived_from_components_and_noted(runtime: Runtime) -> None:
    facts = _case(runtime, ipss_r_category=None, cytogenetic_risk="good", marrow_blasts_pct=3,
                  platelets=120, anc=1.5)
    det = runtime.evaluate(facts, "luspatercept")
    assert any("IPSS-R" in n and "derived" in n for n in det.notes)
    assert det.criterion("lower_risk").status is Tri.MET


def test_alternatives_cover_every_other_policy_of_the_pack_in_sequence_order(runtime: Runtime) -> None:
    facts = _case(runtime, del5q=True, karyotype="abnormal", additional_cytogenetic_abnormalities=0,
                  chromosome7_abnormality=False, anc=1.5, platelets=120)
    det = runtime.evaluate(facts, "luspatercept")
    others = [a.policy for a in det.alternatives]
    lusp = runtime.catalog.policy("luspatercept-mds")
    same_pack = runtime.catalog.pack_of(lusp).policies
    assert sorted(others) == sorted(p.id for p in same_pack if p.id != "luspatercept-mds")
    assert others[0] == "lenalidomide-mds"  # del(5q) comes first in the sequence
    assert det.alternatives[0].determination == MEETS


@pytest.mark.parametrize("name", ["reblozyl", "REBLOZYL", "luspatercept-aamt", "Rytelo", "procrit",
                                  "Retacrit", "aranesp", "revlimid", "epoetin alfa"])
def test_drug_lookup_by_any_name(runtime: Runtime, name: str) -> None:
    assert runtime.catalog.find_drug(name).id.endswith("-mds")


def test_continuation_phase_uses_continuation_criteria(runtime: Runtime) -> None:
    facts = _case(
        runtime,
        treatment_start="2026-05-01",
        treatment_doses=[{"date": "2026-05-01", "dose": 1}, {"date": "2026-05-22", "dose": 1.33}],
    )
    det = runtime.evaluate(facts, "luspatercept", phase="continuation")
    assert det.phase == "continuation"
    assert {c.pathway for c in det.criteria} == {"continuation"}
    assert det.criterion("within_titration_window").status is Tri.MET
    assert det.authorization is not None and det.authorization["period"] == "6 months"
