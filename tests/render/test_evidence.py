"""The pack's evidence file: validated against the policies and the reference library."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mednec.errors import ConfigError
from mednec.policies.loader import read_yaml
from mednec.render.evidence import load_evidence, parse_evidence
from mednec.runtime import default_runtime


@pytest.fixture(scope="module")
def pack_and_raw() -> tuple[Any, dict[str, Any]]:
    rt = default_runtime()
    pack = next(p for p in rt.catalog.packs if p.id == "mds_anemia")
    from pathlib import Path

    return pack, read_yaml(Path(pack.path) / "evidence.yaml")


def test_shipped_evidence_loads_for_every_policy(pack_and_raw: tuple[Any, dict[str, Any]]) -> None:
    pack, _ = pack_and_raw
    ev = load_evidence(pack)
    assert set(ev.policies) == {p.id for p in pack.policies}
    for p in pack.policies:
        e = ev.policy(p.id)
        assert e.key_trials and e.safety and e.monitoring and e.pitfalls and e.guideline


@pytest.mark.parametrize("pack_id", ["glp1_weight_diabetes", "ldl_lowering"])
def test_new_packs_evidence_covers_every_policy_and_renders_three_audiences(pack_id: str) -> None:
    """The GLP-1 and LDL packs: plain words for every criterion and pathway of every policy, and each
    audience's article renders from a real evaluation (the example case for each pack's first policy)."""
    from pathlib import Path

    from mednec.render.article import ArticleSources
    from mednec.render.formats import render
    from mednec.render.letters import build_document

    rt = default_runtime()
    pack = next(p for p in rt.catalog.packs if p.id == pack_id)
    ev = load_evidence(pack)
    assert set(ev.policies) == {p.id for p in pack.policies}
    for p in pack.policies:
        words = ev.policy(p.id).plain
        assert set(words.pathways) == {pw.id for pw in p.pathways}
        assert all(words.criteria.values())
    example = {"glp1_weight_diabetes": ("wegovy-weight-adult.yaml", "Wegovy"),
               "ldl_lowering": ("repatha-ascvd.yaml", "Repatha")}[pack_id]
    case = Path(__file__).parents[2] / "examples" / example[0]
    policy = rt.catalog.find_drug(example[1])
    parsed = rt.read_case(case)
    det = rt.evaluate(parsed.facts, policy)
    assert det.determination == "meets_criteria"
    src = ArticleSources.of(policy, pack, rt.dictionary, case_name=case.name, case_title=parsed.title)
    for audience in ("clinician", "payer", "patient"):
        text = render(build_document(det, src, document="article", audience=audience), "markdown")
        assert isinstance(text, str) and example[1] in text


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda d: d["policies"]["luspatercept-mds"].update(trials=[]), "unknown key(s) trials"),
        (lambda d: d["policies"]["luspatercept-mds"]["safety"][0].update(cite=["no-such-ref"]), "no-such-ref"),
        (lambda d: d["policies"]["luspatercept-mds"]["plain"]["criteria"].pop("adult"), "missing entries for adult"),
        (lambda d: d["policies"]["luspatercept-mds"]["plain"]["criteria"].update(bogus="x"), "unknown key(s) bogus"),
        (lambda d: d["policies"].pop("imetelstat-mds"), "no evidence for policies"),
        (lambda d: d["common"]["timeframes"][0].update(status="maybe"), "status must be one of"),
    ],
    ids=["unknown-key", "unknown-reference", "missing-plain-criterion", "unknown-criterion", "missing-policy",
         "bad-status"],
)
def test_bad_evidence_is_rejected_with_its_place(pack_and_raw: tuple[Any, dict[str, Any]], mutate: Any,
                                                 needle: str) -> None:
    pack, raw = pack_and_raw
    data = copy.deepcopy(raw)
    mutate(data)
    with pytest.raises(ConfigError) as exc:
        parse_evidence(data, pack)
    assert needle in str(exc.value)
