"""The notice of denial (issue 17, item 2): what a Medicare Advantage / NCQA / state notice needs,
filled by the payer profile, with the decisive reason first in plain words and no coaching."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import textstat  # type: ignore[import-untyped]
import yaml

from mednec.errors import ConfigError
from mednec.render.article import ArticleSources
from mednec.render.evidence import load_evidence
from mednec.render.formats import render_markdown
from mednec.render.letters import acronyms, build_document
from mednec.render.payer import PROGRAMS, PayerProfile, load_payer_profile
from mednec.render.phrases import phrases
from mednec.runtime import default_runtime

from .cases import AUDIENCES, EXAMPLES, determination, document, example
from .text import split_references

PROFILE = PayerProfile(plan_name="Acme Health Advantage", member_id="ACM-0042", member_name="Pat Doe",
                       member_services_phone="1-800-555-0100", appeal_address="PO Box 1, Springfield",
                       appeal_fax="1-800-555-0101", appeal_portal="acme.example/appeals",
                       reviewer_name="Dr. R. Reviewer, hematology", reviewer_phone="1-800-555-0102",
                       reviewer_hours="weekdays 8 am to 6 pm", program="medicare_part_d")


def _notice(audience: str = "patient", payer: PayerProfile | None = None, case: Path | None = None):  # type: ignore[no-untyped-def]
    rt = default_runtime()
    policy = rt.catalog.find_drug("luspatercept")
    c = rt.read_case(case or EXAMPLES / "luspatercept-del5q.yaml")
    det = rt.evaluate(c.facts, policy)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name="case", case_title=c.title)
    return det, build_document(det, src, document="denial", audience=audience, payer=payer)


@pytest.mark.parametrize("audience", AUDIENCES)
def test_notice_has_every_required_element(audience: str) -> None:
    _, notice = _notice(audience, PROFILE)
    md = render_markdown(notice)
    for needed in ("Acme Health Advantage", "ACM-0042", "Pat Doe",  # plan name, member id from the profile
                   "appeal", "65 calendar days",  # appeal rights with the program's deadline
                   "PO Box 1, Springfield", "1-800-555-0101", "acme.example/appeals",  # how to file
                   "fast (expedited) appeal",  # expedited appeal
                   "Dr. R. Reviewer, hematology", "1-800-555-0102",  # peer-to-peer with the reviewer's contact
                   "free copy of the rules",  # the criteria free of charge
                   "independent reviewer",  # external review
                   "ATENCIÓN", "CHÚ Ý", "PAUNAWA", "ATTENTION",  # language taglines
                   "72 hours", "24 hours",  # Part D decision time limits, the profile's program
                   "Signature"):
        assert needed.lower() in md.lower(), needed
    assert "[Health plan name]" not in md and "[Member ID]" not in md


def test_without_a_profile_the_plan_details_are_placeholders_and_the_program_follows_the_drug() -> None:
    _, notice = _notice("payer")
    md = render_markdown(notice)
    assert "[Health plan name]" in md and "[Member ID]" in md and "[Peer-to-peer line]" in md
    assert notice.program["id"] == "medicare_advantage_part_b"  # luspatercept has a HCPCS code (J0896)
    assert "65 calendar days" in md


@pytest.mark.parametrize("program", PROGRAMS)
def test_the_profile_chooses_the_timeframes(program: str) -> None:
    _, notice = _notice("clinician", PayerProfile(program=program))
    rt = default_runtime()
    row = load_evidence(rt.catalog.pack_of(rt.catalog.find_drug("luspatercept"))).programs[program]
    md = render_markdown(notice)
    assert notice.program["label"] == row.label and row.label in md
    for figure in (row.standard, row.expedited, row.appeal_deadline):
        if figure:
            assert figure in md
    if not row.standard:
        assert "Your plan's coverage documents give the time limits" in md
    others = [p for p in PROGRAMS if p != program]
    assert not any(load_evidence(rt.catalog.pack_of(rt.catalog.find_drug("luspatercept"))).programs[o].label in
                   md.split("## Physician reviewer")[0] for o in others if o != program and
                   load_evidence(rt.catalog.pack_of(rt.catalog.find_drug("luspatercept"))).programs[o].label
                   not in row.label)


def test_the_profile_may_state_a_timeframe_the_table_leaves_to_the_plan() -> None:
    _, notice = _notice("patient", PayerProfile(program="commercial", standard_decision="15 calendar days",
                                                appeal_deadline="180 calendar days"))
    md = render_markdown(notice)
    assert "within 15 calendar days" in md and "within 180 calendar days" in md


def test_decisive_reason_first_and_only_reasons_that_deny_alone() -> None:
    det, notice = _notice("clinician")
    common_unmet = [c.id for c in det.criteria if c.pathway is None and c.depth == 0 and c.status.value == "not_met"]
    assert [r.criterion.id for r in notice.reasons] == common_unmet == ["no_del5q"]
    md = render_markdown(notice)
    assert md.index("## The main reason") < md.index("## You can appeal")
    # pathway criteria that fail too (ESA failure for an ESA-naive patient...) are not reasons
    pathway_unmet = {c.text for c in det.criteria if c.pathway and c.status.value == "not_met"}
    assert pathway_unmet and not any(t in md for t in pathway_unmet)
    assert split_references(md)[0].count("del(5q)") <= 4


def test_two_common_failures_are_two_reasons_and_no_pathway_is_one(tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "luspatercept-del5q.yaml").read_text())
    raw["facts"]["hemoglobin"] = {"value": 12.1, "unit": "g/dL", "date": "2026-11-10"}
    case = tmp_path / "two.yaml"
    case.write_text(yaml.safe_dump(raw))
    _, notice = _notice("patient", case=case)
    assert [r.criterion.id for r in notice.reasons] == ["no_del5q", "hemoglobin_below_hold"]
    assert "## Other reasons" in render_markdown(notice)
    raw = yaml.safe_load((EXAMPLES / "luspatercept-del5q.yaml").read_text())
    raw["facts"]["del5q"] = False
    raw["facts"]["serum_epo"] = {"value": 650, "unit": "mU/mL", "date": "2026-10-02"}
    case = tmp_path / "nopath.yaml"
    case.write_text(yaml.safe_dump(raw))
    det, notice = _notice("patient", case=case)
    assert det.determination == "does_not_meet_criteria"
    assert len(notice.reasons) == 1 and notice.reasons[0].criterion is None and notice.reasons[0].parts


def test_plain_reasons_read_at_grade_8_or_below() -> None:
    rt = default_runtime()
    ev = load_evidence(rt.catalog.pack_of(rt.catalog.find_drug("luspatercept")))
    texts = [t for p in ev.policies.values() for t in p.plain.unmet.values()]
    assert texts
    for t in texts:
        assert textstat.flesch_kincaid_grade(t) <= 8, t
    _, notice = _notice("patient")
    assert textstat.flesch_kincaid_grade(notice.reasons[0].plain) <= 8


@pytest.mark.parametrize("audience", AUDIENCES)
def test_no_codes_no_coaching_and_every_abbreviation_defined(audience: str) -> None:
    _, notice = _notice(audience)
    md = render_markdown(notice)
    body, _ = split_references(md)
    body = body.split("## Help in your language")[0]
    assert not re.search(r"\b[A-Z]\d{2}\.[0-9A-Z]", body), "an ICD-10 code in the notice"
    for coaching in ("would need", "what would change", "documentation that", "to qualify, send"):
        assert coaching not in body.lower()
    defined = set(phrases()["glossary"])
    brands = {b.upper() for b in notice.article.drug["brands"]}
    assert set(acronyms(body)) - defined - brands - {"CMS", "PO"} == set()
    for word in acronyms(body):
        if word in defined:
            assert f"{word}:" in md.split("## Words used in this notice")[1]


def test_payer_profile_file_and_refusals(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text("plan_name: Acme\nprogram: medicaid\ntaglines: ['Call {phone}.']\nmember_services_phone: '555'\n")
    p = load_payer_profile(f)
    assert p.plan_name == "Acme" and p.program == "medicaid" and p.fill(p.taglines[0]) == "Call 555."
    monkeypatch.setenv("MEDNEC_PAYER_PROFILE", str(f))
    assert load_payer_profile().plan_name == "Acme"
    monkeypatch.delenv("MEDNEC_PAYER_PROFILE")
    assert load_payer_profile() == PayerProfile()
    with pytest.raises(ConfigError, match="unknown key"):
        PayerProfile.from_mapping({"plan": "x"})
    with pytest.raises(ConfigError, match="program must be one of"):
        PayerProfile.from_mapping({"program": "medicare"})
    with pytest.raises(ConfigError, match="no such payer profile"):
        load_payer_profile(tmp_path / "missing.yaml")


def test_example_notice_is_the_golden_example() -> None:
    ex = example("del5q")
    det, _ = determination(ex)
    assert document(ex, "denial", "patient").reasons[0].criterion.id == "no_del5q"
    assert det.determination == "does_not_meet_criteria"


def _every_denial():  # type: ignore[no-untyped-def]
    """A denial for every (example case, MDS policy) pair that does not meet criteria."""
    rt = default_runtime()
    out = []
    for case in sorted(EXAMPLES.glob("luspatercept-*.yaml")):
        c = rt.read_case(case)
        for policy in rt.catalog.policies():
            if rt.catalog.pack_of(policy).id != "mds_anemia":
                continue
            det = rt.evaluate(c.facts, policy)
            if det.determination == "does_not_meet_criteria":
                src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=case.name,
                                        case_title=c.title)
                out.append((case.stem, policy.id, det, src))
    return out


def test_every_policys_denial_has_a_plain_decisive_reason_and_defines_its_abbreviations() -> None:
    denials = _every_denial()
    assert len({p for _, p, _, _ in denials}) >= 3, "denials of several policies"
    defined = set(phrases()["glossary"])
    for case, pid, det, src in denials:
        for audience in AUDIENCES:
            notice = build_document(det, src, document="denial", audience=audience)
            md = render_markdown(notice)
            assert notice.reasons and md.index("## The main reason") < md.index("## You can appeal"), (case, pid)
            body = split_references(md)[0].split("## Help in your language")[0]
            brands = {b.upper() for b in notice.article.drug["brands"]}
            assert set(acronyms(body)) - defined - brands - {"PO"} == set(), (case, pid, audience)
            assert not re.search(r"\b[A-Z]\d{2}\.[0-9A-Z]", body), (case, pid)
            if audience == "patient":
                assert textstat.flesch_kincaid_grade(notice.reasons[0].plain) <= 8, (case, pid, notice.reasons[0].plain)


def test_a_signed_denial_is_the_final_notice_and_names_the_reviewer() -> None:
    """Issue 18: once the physician reviewer has decided and signed, the notice is the plan's
    decision with the reviewer's name and credentials as signed and the date, not a draft; the
    peer-to-peer line names that reviewer when the profile gives none. While the member appeals
    (under review again) the signed denial stands; a signature with a status that is no denial
    (submitted, or approved after an overturn) leaves the draft."""
    det, _ = _notice()
    src = ArticleSources.of(default_runtime().catalog.find_drug("luspatercept"),
                            default_runtime().catalog.pack_of(default_runtime().catalog.find_drug("luspatercept")),
                            default_runtime().dictionary, case_name="case", case_title="t")
    signed = {"name": "Dr Ana Ruiz, MD, hematology", "date": "2026-12-05"}
    for audience in AUDIENCES:
        md = render_markdown(build_document(det, src, document="denial", audience=audience, review_status="denied",
                                            signed=signed))
        assert "This is the plan's decision. Dr Ana Ruiz, MD, hematology" in md and "5 December 2026" in md
        assert "not valid until" not in md and "______" not in md.split("## Physician reviewer")[1].split("##")[0]
        assert "with the doctor who reviewed it (Dr Ana Ruiz, MD, hematology)" in md
        with_profile = render_markdown(build_document(det, src, document="denial", audience=audience,
                                                      review_status="denied", signed=signed, payer=PROFILE))
        assert "(Dr. R. Reviewer, hematology)" in with_profile  # the plan's own peer-to-peer reviewer
    for status in ("submitted", "approved"):
        draft = render_markdown(build_document(det, src, document="denial", audience="patient", signed=signed,
                                               review_status=status))
        assert "not valid until the physician reviewer" in draft and "Dr Ana Ruiz" not in draft
    appealed = render_markdown(build_document(det, src, document="denial", audience="patient", signed=signed,
                                              review_status="under_review"))
    assert "This is the plan's decision. Dr Ana Ruiz" in appealed


@pytest.mark.parametrize("status", ["approved", "denied"])
def test_after_a_decision_the_bottom_line_says_who_decided(status: str) -> None:
    """Issue 18: a decided case's article no longer says 'it becomes a determination only when a
    physician reviewer approves it'; it states the physician's decision and calls the findings the
    recommendation made at submission. Before a decision the article says it is a recommendation."""
    det, _ = _notice()
    rt = default_runtime()
    policy = rt.catalog.find_drug("luspatercept")
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name="case", case_title="t")
    decided = render_markdown(build_document(det, src, document="article", review_status=status))
    assert f"A physician reviewer has decided: {status}." in decided
    assert "becomes a determination only" not in decided
    pending = render_markdown(build_document(det, src, document="article", review_status="under_review"))
    assert "becomes a determination only when a physician reviewer approves it" in pending
