"""Benefit versus necessity: a plan's benefit exclusion is reported beside the clinical determination,
never instead of it, worded apart ('not covered by this plan's benefit') in JSON, text, Markdown, the
article and the letters; the GLP-1 pack's Medicare Part D weight-loss exclusion by pathway."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from mednec.engine.determination import Benefit, Determination
from mednec.packcheck.check import check_all
from mednec.policies.loader import read_yaml
from mednec.render.article import ArticleSources
from mednec.render.formats import render
from mednec.render.letters import build_document
from mednec.render.markdown import determination_markdown
from mednec.render.terminal import print_determination
from mednec.runtime import Runtime, default_runtime
from tests.policies.test_throwaway_pack import write_gout

AS_OF = dt.date(2026, 11, 20)
WORDS = "not covered by this plan's benefit"

BENEFITS = """
exclusions:
  - id: test_program_gout
    benefit: Test drug benefit
    programs: [commercial]
    text: This benefit does not cover urate-lowering infusions
    applies_to: {urikase-gout: []}
    cite: [gout-statute]
  - id: named_only
    benefit: Named plan benefit
    text: Excluded by the plan's own design
    applies_to: {urikase-gout: [refractory]}
    cite: [gout-statute]
"""


@pytest.fixture(scope="module")
def rt(tmp_path_factory: pytest.TempPathFactory) -> Runtime:
    root = write_gout(tmp_path_factory.mktemp("benefit"))
    (root / "gout" / "benefits.yaml").write_text(BENEFITS)
    refs = root / "gout" / "references.yaml"
    refs.write_text(refs.read_text() + "gout-statute: {kind: regulation, title: 'Test Act section 1: exclusions', "
                    "issuer: tests, year: 2026}\n")
    return Runtime.load(root)


def _facts(rt: Runtime, urate: float) -> object:
    return rt.parse_case({"facts": {"diagnosis": "M10.9", "serum_urate": urate, "tophi_present": True}},
                         as_of=AS_OF).facts


@pytest.mark.parametrize("urate", [9.0, 5.0])
def test_the_clinical_determination_is_unchanged(rt: Runtime, urate: float) -> None:
    plain = rt.evaluate(_facts(rt, urate), "urikase")  # type: ignore[arg-type]
    under = rt.evaluate(_facts(rt, urate), "urikase", program="commercial")  # type: ignore[arg-type]
    assert plain.benefit is None and under.benefit is not None
    assert under.determination == plain.determination and under.input_hash == plain.input_hash
    a, b = plain.to_dict(), under.to_dict()
    assert b.pop("benefit")["status"] == "excluded"
    assert a == b  # everything else identical


def test_program_and_named_exclusions(rt: Runtime) -> None:
    f = _facts(rt, 9.0)
    assert rt.evaluate(f, "urikase", program="medicaid").benefit is None  # type: ignore[arg-type]
    named = rt.evaluate(f, "urikase", exclusions=("named_only",)).benefit  # type: ignore[arg-type]
    assert named is not None and named.rule == "named_only" and named.pathways == ("refractory",)


def test_every_surface_words_it_apart(rt: Runtime) -> None:
    det = rt.evaluate(_facts(rt, 9.0), "urikase", program="commercial")  # type: ignore[arg-type]
    data = det.to_dict()
    assert data["determination"] == "meets_criteria"
    assert data["benefit"]["wording"] == WORDS and data["benefit"]["sources"][0]["text"] == "Test Act section 1"
    assert Determination.from_dict(json.loads(json.dumps(data, default=str))).benefit == det.benefit
    console = Console(record=True, width=200)
    print_determination(det, console)
    text = console.export_text()
    assert WORDS in text and "not a clinical finding" in text and "MEETS CRITERIA" in text
    assert WORDS in determination_markdown(det)
    policy = rt.catalog.find_drug("urikase")
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
    for document, audience in (("article", "clinician"), ("letter", "payer"), ("article", "patient")):
        doc = build_document(det, src, document=document, audience=audience)
        md = str(render(doc, "markdown"))
        assert (WORDS if audience != "patient" else "does not cover") in md, (document, audience)
    not_met = rt.evaluate(_facts(rt, 5.0), "urikase", program="commercial")  # type: ignore[arg-type]
    denial = str(render(build_document(not_met, src, document="denial", audience="payer"), "markdown"))
    assert WORDS in denial
    # a determination without a plan says nothing about benefits
    assert "benefit" not in rt.evaluate(_facts(rt, 9.0), "urikase").to_dict()  # type: ignore[arg-type]


def test_check_rejects_bad_exclusions(tmp_path: Path) -> None:
    root = write_gout(tmp_path)
    (root / "gout" / "benefits.yaml").write_text(BENEFITS.replace("[refractory]", "[weight_loss]").replace(
        "cite: [gout-statute]", "cite: [no-such-ref]", 1))
    problems = [m for msgs in check_all(root).problems.values() for m in msgs]
    assert any("has no pathway weight_loss" in m for m in problems), problems
    assert any("no-such-ref" in m for m in problems), problems


def _test_case(rt: Runtime, path: Path) -> Any:
    raw = read_yaml(path)
    return rt.parse_case(raw["case"], as_of=dt.date.fromisoformat(str(raw["as_of"])))


def test_medicare_part_d_excludes_weight_loss_not_cardiovascular_use() -> None:
    rt = default_runtime()
    cases = Path(__file__).resolve().parents[2] / "src/mednec/packs/glp1_weight_diabetes/wegovy/cases"
    weight = _test_case(rt, cases / "01-meets-adult-bmi-32-six-months-diet.yaml")
    det = rt.evaluate(weight.facts, "Wegovy", program="medicare_part_d")
    assert det.determination == "meets_criteria" and det.pathway is not None
    assert isinstance(det.benefit, Benefit) and det.benefit.status == "excluded"
    assert det.benefit.rule == "medicare_part_d_weight_loss"
    assert {s["id"] for s in det.benefit.sources} == {"ssa-1860d-2-e-2-a", "ssa-1927-d-2-a"}
    cv = _test_case(rt, cases / "05-meets-cv-prior-mi-bmi-27.yaml")
    cv_det = rt.evaluate(cv.facts, "Wegovy", program="medicare_part_d")
    assert cv_det.pathway is not None and cv_det.pathway.id == "cv_risk_reduction"
    assert cv_det.benefit is None
    assert rt.evaluate(weight.facts, "Wegovy", program="commercial").benefit is None
    assert rt.evaluate(weight.facts, "Wegovy", exclusions=("medicaid_weight_loss",)).benefit is not None


def test_a_question_naming_part_d_gets_the_benefit_beside_the_answer() -> None:
    from mednec.ask import answer, program_in

    rt = default_runtime()
    q = "Is Wegovy covered under Medicare Part D for a 67-year-old with BMI 34 after 6 months of a diet programme?"
    a = answer(q, rt, as_of=dt.date(2026, 12, 6))
    assert a.determination is not None and a.determination.determination == "meets_criteria"
    assert a.determination.benefit is not None and a.determination.benefit.status == "excluded"
    plain = answer(q.replace(" under Medicare Part D", ""), rt, as_of=dt.date(2026, 12, 6))
    assert plain.determination is not None and plain.determination.benefit is None
    assert plain.determination.determination == "meets_criteria"
    assert program_in("his Medicare drug plan") == "medicare_part_d" and program_in("Medicaid in Ohio") is None


def test_a_met_use_part_d_covers_is_not_hidden_by_a_met_weight_use() -> None:
    # Issue 19 item 5: a Medicare patient after a myocardial infarction with BMI 32 and a lifestyle
    # programme meets both Wegovy's adult weight pathway (listed first, so reported) and its
    # cardiovascular pathway; Part D excludes only the weight-loss use, so the request is not
    # excluded as a whole: the benefit names weight management as the excluded use, others remain.
    rt = default_runtime()
    facts = rt.parse_case({"patient": {"sex": "male"}, "facts": {
        "age": 66, "bmi": "32 kg/m2", "prior_mi": True, "lifestyle_program_months": 6,
        "mtc_men2_history": False, "concurrent_glp1": False, "pregnant": False}}, as_of=AS_OF).facts
    det = rt.evaluate(facts, "Wegovy", program="medicare_part_d")
    assert det.determination == "meets_criteria"
    assert {p.id for p in det.pathways if p.status.value == "met"} == {"weight_adult", "cv_risk_reduction"}
    assert isinstance(det.benefit, Benefit)
    assert det.benefit.status == "excluded_for_some_uses"
    assert det.benefit.pathways == ("weight_adult",)
