"""A use the plan's benefit excludes gets a denial notice (issue 17, item 2: a coverage denial is a
denial): the reason is the benefit's rule with its statute, not a clinical criterion; appeal rights,
peer-to-peer, external review and language help apply as for any denial; the clinical
determination is unchanged and stays in the article."""

from __future__ import annotations

from pathlib import Path

import pytest
import textstat  # type: ignore[import-untyped]

from mednec.engine.determination import MEETS, NOT_MET
from mednec.errors import InputError
from mednec.render.article import ArticleSources
from mednec.render.formats import printed, render_markdown
from mednec.render.letters import build_document
from mednec.render.payer import PayerProfile
from mednec.render.trim import references_of
from mednec.runtime import default_runtime

from .cases import AUDIENCES, EXAMPLES
from .text import cited_numbers, reference_numbers, split_references

PART_D = PayerProfile(plan_name="Acme Medicare Rx", program="medicare_part_d")
WEIGHT_CASE = EXAMPLES / "wegovy-weight-adult.yaml"


def _under(drug: str, case: Path = WEIGHT_CASE, program: str | None = "medicare_part_d",
           exclusions: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    rt = default_runtime()
    policy = rt.catalog.find_drug(drug)
    c = rt.read_case(case)
    det = rt.evaluate(c.facts, policy, program=program, exclusions=exclusions)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name="case", case_title=c.title)
    return det, src


def _excluded_policies() -> list[str]:
    """Every drug a pack's benefit rules name (the class of input, not one example)."""
    rt = default_runtime()
    drugs = []
    for pack in {id(rt.catalog.pack_of(p)): rt.catalog.pack_of(p) for p in rt.catalog.policies()}.values():
        for rule in pack.benefits:
            drugs += [rt.catalog.policy(pid).drug.brands[0] for pid in rule.applies_to]
    return sorted(set(drugs))


@pytest.mark.parametrize("drug", _excluded_policies())
@pytest.mark.parametrize("audience", AUDIENCES)
def test_an_excluded_use_gets_a_coverage_denial(drug: str, audience: str) -> None:
    det, src = _under(drug)
    if det.benefit is None or det.benefit.status != "excluded":
        pytest.skip(f"{drug}: the weight case is not an excluded use under Part D ({det.benefit})")
    notice = build_document(det, src, document="denial", audience=audience, payer=PART_D)
    first = notice.reasons[0]
    assert first.criterion is None and first.rule and "weight loss" in first.plain
    if det.determination != NOT_MET:  # the clinical criteria are met: the benefit is the only reason
        assert len(notice.reasons) == 1
    md = render_markdown(notice)
    # a patient's notice lists only sources a patient can read: the statute is not one, so a
    # patient's notice of a benefit exclusion may have no reference list (and then no citations)
    body, refs = split_references(md) if "\n## References\n" in md or audience != "patient" else (md, "")
    assert "does not pay for" in body and "It is not a judgement about your health" in body
    for needed in ("appeal", "fast (expedited) appeal", "independent", "free copy of the rules", "ATENCIÓN",
                   "65 calendar days", "within 24 hours", "within 72 hours",  # the Part D time limits
                   "Medicare Part D" if audience != "patient" else "Medicare drug plan"):
        assert needed.lower() in body.lower(), needed
    # the patient reads the rule once, in the reason; the plan's staff also get the coverage statement
    # worded apart from the clinical answer (tests/policies/test_benefits.py) and the rule quoted
    assert body.count("Medicare Part D does not cover drugs when used for weight loss") == (1 if audience == "patient"
                                                                                             else 3)
    assert "MDS" not in body, "no glossary entry from another pack"
    numbers = reference_numbers(refs)
    assert cited_numbers(body) == set(numbers) and numbers == list(range(1, len(numbers) + 1))
    if audience == "patient":
        assert all(r.for_patients for r in references_of(printed(notice)))
        reason = body.split("## The main reason")[1].split("\n## ")[0]
        assert textstat.flesch_kincaid_grade(reason) <= 8, reason
    else:
        assert "Social Security Act section 1860D-2(e)(2)(A)" in body  # the rule's source by name, cited
        assert {r.id for r in references_of(printed(notice))} >= {"ssa-1860d-2-e-2-a"}
        # the appeal deadline and the time limits cite the Part D regulation and CMS's guidance,
        # as they do in a clinical denial
        deadline = next(line for line in body.splitlines() if "65 calendar days" in line)
        limits = next(line for line in body.splitlines() if "within 24 hours" in line)
        assert cited_numbers(deadline) and cited_numbers(limits), (deadline, limits)
        assert {r.id for r in references_of(printed(notice))} >= {"cfr-423-568-572", "cfr-423-584"}


def test_the_family_is_not_empty() -> None:
    excluded = [d for d in _excluded_policies() if (b := _under(d)[0].benefit) and b.status == "excluded"]
    assert "Wegovy" in excluded, excluded


def test_a_use_the_benefit_does_not_exclude_gets_no_denial() -> None:
    det, src = _under("Ozempic", EXAMPLES / "ozempic-type2-diabetes.yaml")
    assert det.determination == MEETS and det.benefit is None
    with pytest.raises(InputError, match="only produced for does_not_meet_criteria"):
        build_document(det, src, document="denial", payer=PART_D)
    det, src = _under("Wegovy", program=None)  # no plan named: no exclusion applies
    assert det.benefit is None
    with pytest.raises(InputError):
        build_document(det, src, document="denial")


def test_a_plan_that_names_the_medicaid_exclusion_denies_by_it() -> None:
    det, src = _under("Wegovy", program=None, exclusions=("medicaid_weight_loss",))
    assert det.benefit is not None and det.benefit.status == "excluded"
    md = render_markdown(build_document(det, src, document="denial", audience="payer",
                                        payer=PayerProfile(program="medicaid", exclusions=("medicaid_weight_loss",))))
    assert "State Medicaid outpatient drug benefit" in md and "Social Security Act section 1927(d)(2)(A)" in md
    assert "State fair hearing" in md or "independent" in md.lower()


def test_the_article_cites_the_exclusions_source() -> None:
    det, src = _under("Wegovy")
    md = render_markdown(build_document(det, src, document="article", audience="clinician"))
    note = next(line for line in md.splitlines() if "not covered by this plan's benefit" in line)
    assert cited_numbers(note), note
