"""Presumed and inferred facts in the policy language: parsing, `policies check`, semantics.

A toy pack (its own facts, references and one policy) exercises the language, not a shipped
policy: a presumed criterion is met when its fact is undocumented and no warning sign is; a
stated contrary value is not met; a documented warning sign turns it back into a question; an
inferred value is used only when the fact is undocumented and says what it was inferred from.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from mednec.packcheck.check import check_all
from mednec.runtime import Runtime
from tests.policies.toy_pack import write_toy_pack

AS_OF = dt.date(2026, 12, 1)

FACTS = """
version: "1"
documents:
  labs: Lab results with date
  attest: Prescriber's statement
facts:
  hb:
    label: Hemoglobin
    type: number
    unit: g/dL
    units: {g/dL: 1}
    range: [1, 25]
    document: labs
    question: What is the hemoglobin?
  urgent:
    label: Needs urgent correction
    type: boolean
    document: attest
    question: Is urgent correction needed?
  bleeding:
    label: Bleeding
    type: boolean
    document: attest
  units_16w:
    label: Units in 16 weeks
    type: number
    unit: units
    units: {units: 1}
    range: [0, 100]
    document: labs
  symptomatic:
    label: Symptomatic
    type: boolean
    document: attest
    question: Is the anemia symptomatic?
  extra_count:
    label: Other abnormalities
    type: number
    unit: count
    units: {count: 1}
    range: [0, 30]
    document: labs
  group:
    label: Group
    type: category
    values: {good: {label: good}, poor: {label: poor}}
    document: labs
"""

REFS = """
house-rules: {kind: decision, title: House rules, issuer: mednec, year: 2026}
"""

POLICY = """
id: toy-drug
version: "1.0"
effective_date: 2026-01-01
title: Toy drug
drug: {generic: toydrug, brands: [Toyzo]}
conditions: [{system: ICD-10-CM, code: D46.9}]
pathways:
  - id: main
    name: Main
    cite: [house-rules]
    criteria:
      - id: hb_low
        text: Hemoglobin below 10
        cite: [house-rules]
        fact: hb
        lt: 10
      - id: not_urgent
        text: Not for urgent correction
        cite: [house-rules]
        fact: urgent
        is: false
        presume:
          attest: The drug is not requested for urgent correction.
          why: A statement of intent.
          unless:
            - {fact: hb, lt: 6}
            - {fact: bleeding, is: true}
          cite: [house-rules]
      - id: symptoms
        text: Symptomatic anemia
        cite: [house-rules]
        fact: symptomatic
        is: true
        infer:
          - when: {fact: units_16w, gt: 0}
            value: true
            because: transfusions in the last 16 weeks
      - id: few_extra
        text: At most one other abnormality
        cite: [house-rules]
        fact: extra_count
        le: 1
        infer:
          - when: {fact: group, eq: good}
            between: [0, 1]
            because: the good group
initial_authorization: {months: 6, cite: [house-rules]}
"""


def write_pack(root: Path, policy: str = POLICY) -> Path:
    return write_toy_pack(root, facts=FACTS, refs=REFS, policy=policy)


@pytest.fixture
def rt(tmp_path: Path) -> Runtime:
    return Runtime.load(write_pack(tmp_path))


MEETING = {"hb": 8.0, "units_16w": 4, "group": "good"}


def run(rt: Runtime, **given: object) -> object:
    f = rt.parse_case({"facts": given}, as_of=AS_OF).facts
    return rt.evaluate(f, rt.catalog.find_drug("toydrug"))


def test_presumed_and_inferred_meet_and_are_listed(rt: Runtime) -> None:
    det = run(rt, **MEETING)
    assert det.determination == "meets_criteria"  # type: ignore[attr-defined]
    (a,) = det.assumptions  # type: ignore[attr-defined]
    assert (a.criterion, a.fact, a.attest) == ("not_urgent", "urgent", "The drug is not requested for urgent correction.")
    assert a.why and a.citations
    inferred = {x.criterion: x for x in det.inferences}  # type: ignore[attr-defined]
    assert set(inferred) == {"symptoms", "few_extra"}
    assert inferred["symptoms"].value == "yes" and "transfusions" in inferred["symptoms"].because
    assert inferred["few_extra"].value == "between 0 and 1"
    ev = det.criterion("symptoms").evidence[0]  # type: ignore[attr-defined]
    assert ev.provenance.detail.startswith("inferred from ")
    data = det.to_dict()  # type: ignore[attr-defined]
    assert data["assumptions"][0]["attest"] == a.attest and data["assumptions"][0]["why"] == a.why
    assert [x["criterion"] for x in data["inferences"]] == ["symptoms", "few_extra"]


def test_a_stated_contrary_value_is_not_met(rt: Runtime) -> None:
    det = run(rt, **MEETING, urgent=True)
    assert det.determination == "does_not_meet_criteria"  # type: ignore[attr-defined]
    assert det.criterion("not_urgent").status.value == "not_met"  # type: ignore[attr-defined]
    assert det.assumptions == ()  # type: ignore[attr-defined]
    # a stated fact wins over an inference too
    det = run(rt, **MEETING, symptomatic=False)
    assert det.criterion("symptoms").status.value == "not_met"  # type: ignore[attr-defined]
    assert det.inferences == () or all(x.criterion != "symptoms" for x in det.inferences)  # type: ignore[attr-defined]


@pytest.mark.parametrize("sign", [{"hb": 5.5}, {"bleeding": True}])
def test_a_warning_sign_turns_the_presumption_into_a_question(rt: Runtime, sign: dict[str, object]) -> None:
    det = run(rt, **{**MEETING, **sign})
    assert det.determination == "insufficient_information"  # type: ignore[attr-defined]
    assert det.criterion("not_urgent").status.value == "unknown"  # type: ignore[attr-defined]
    assert {f for m in det.missing_documentation for f in m.facts} == {"urgent"}  # type: ignore[attr-defined]
    change = next(c for c in det.changes if c.criterion == "not_urgent")  # type: ignore[attr-defined]
    assert "Not presumed because" in change.text
    assert det.assumptions == ()  # type: ignore[attr-defined]


def test_no_rule_holds_leaves_the_fact_required(rt: Runtime) -> None:
    det = run(rt, hb=8.0, units_16w=0, group="poor")
    assert det.criterion("symptoms").status.value == "unknown"  # type: ignore[attr-defined]
    assert det.criterion("few_extra").status.value == "unknown"  # type: ignore[attr-defined]
    assert {f for m in det.missing_documentation for f in m.facts} == {"symptomatic", "extra_count"}  # type: ignore[attr-defined]


def test_every_undocumented_subset_of_a_meeting_case_is_never_denied(rt: Runtime) -> None:
    """Generated family: drop any subset of a meeting case's facts -> met or insufficient, never
    denied; then add each contrary statement -> not met."""
    full = {**MEETING, "urgent": False, "symptomatic": True, "extra_count": 0}
    keys = list(full)
    for r in range(len(keys) + 1):
        for drop in itertools.combinations(keys, r):
            given = {k: v for k, v in full.items() if k not in drop}
            det = run(rt, **given)
            assert det.determination in ("meets_criteria", "insufficient_information"), (drop, det.determination)  # type: ignore[attr-defined]
            for contrary in ({"urgent": True}, {"symptomatic": False}, {"extra_count": 3}):
                assert run(rt, **{**given, **contrary}).determination == "does_not_meet_criteria", (drop, contrary)  # type: ignore[attr-defined]


BAD = [
    ("presume on a group", POLICY.replace("""      - id: hb_low
        text: Hemoglobin below 10
        cite: [house-rules]
        fact: hb
        lt: 10""", """      - id: hb_low
        text: Hemoglobin below 10
        cite: [house-rules]
        presume: {attest: x, why: y, cite: [house-rules]}
        all_of: [{fact: hb, lt: 10}]"""), "presume and infer belong on a leaf"),
    ("warning sign reads the fact", POLICY.replace("- {fact: bleeding, is: true}", "- {fact: urgent, is: true}"),
     "cannot read the presumed fact"),
    ("inference reads itself", POLICY.replace("when: {fact: units_16w, gt: 0}", "when: {fact: symptomatic, is: true}"),
     "cannot read 'symptomatic' itself"),
    ("wrong value type", POLICY.replace("            value: true", "            value: 3"), "is true or false"),
    ("between on a boolean", POLICY.replace("            value: true", "            between: [0, 1]"),
     "between needs a number fact"),
    ("presumption without a citation", POLICY.replace("""          cite: [house-rules]
      - id: symptoms""", """      - id: symptoms"""), "needs a citation"),
    ("unknown key", POLICY.replace("why: A statement of intent.", "why: A statement of intent.\n          because: no"),
     "unknown key(s) because"),
    ("unknown citation", POLICY.replace("""          cite: [house-rules]
      - id: symptoms""", """          cite: [nowhere]
      - id: symptoms"""), "not in the reference library"),
]


@pytest.mark.parametrize(("name", "policy", "message"), BAD, ids=[b[0] for b in BAD])
def test_policies_check_validates_declarations(tmp_path: Path, name: str, policy: str, message: str) -> None:
    report = check_all(write_pack(tmp_path, policy))
    problems = " ".join(p for ps in report.problems.values() for p in ps)
    assert message in problems, problems
