"""The letter of medical necessity reads as a prescriber's letter (issue 17, item 3): request
details a payer can process, qualifying facts in prose with dates, the attestations the
prescriber signs, enclosures that exist, and a continuation letter with the response in figures."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mednec.render.article import ArticleSources
from mednec.render.formats import render_markdown
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

from .cases import AUDIENCES, EXAMPLES, document, example


def _letter(case: Path, phase: str = "initial"):  # type: ignore[no-untyped-def]
    rt = default_runtime()
    policy = rt.catalog.find_drug("luspatercept")
    c = rt.read_case(case)
    det = rt.evaluate(c.facts, policy, phase=phase)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name="case", case_title=c.title)
    return build_document(det, src, document="letter")


@pytest.mark.parametrize("audience", [a for a in AUDIENCES if a != "patient"])  # the patient's version explains it
def test_request_details_a_payer_can_process(audience: str) -> None:
    md = render_markdown(document(example("first-line"), "letter", audience))
    for needed in ("**Drug:** luspatercept-aamt (Reblozyl)",
                   "1 mg/kg (the label's starting dose) × 72 kg (weight on 10 November 2026) = 72 mg per dose",
                   "Every 3 weeks, subcutaneous injection", "J0896", "288 billing units per dose (0.25 mg each)",
                   "**Site of care:**", "**Start date:** 20 November 2026"):
        assert needed in md, needed


def test_qualifying_facts_are_prose_with_dates() -> None:
    md = render_markdown(document(example("first-line"), "letter", "clinician"))
    facts = md.split("## Qualifying facts")[1].split("## ")[0]
    assert "Hemoglobin was 8.1 g/dL on 10 November 2026" in facts
    assert "Serum erythropoietin was 210 mU/mL on 2 October 2026" in facts
    assert "|" not in facts and "- " not in facts, "prose, not a table or a list"


def test_enclosures_exist() -> None:
    naive = render_markdown(document(example("first-line"), "letter", "clinician"))
    enclosed = naive.split("## Enclosed documents")[1].split("## ")[0]
    assert "ESA treatment records" not in enclosed, "no ESA records for an ESA-naive patient"
    assert "Prescriber's statement" not in enclosed, "the letter is the prescriber's statement"
    failed = render_markdown(document(example("after-esa-failure"), "letter", "clinician"))
    assert "ESA treatment records" in failed.split("## Enclosed documents")[1].split("## ")[0]


def test_attestations_the_prescriber_signs() -> None:
    letter = document(example("first-line"), "letter", "clinician")
    md = render_markdown(letter)
    signed = md.split("## Attestation and signature")[1]
    assert "Not requested as a substitute for RBC transfusion to correct anemia immediately." in signed
    assert "accurate and is supported by the enclosed records" in signed
    assert signed.index("By signing, I attest") < signed.index("Signature:")


def test_continuation_letter_states_the_response_and_dose_levels_with_units() -> None:
    md = render_markdown(document(example("continuation"), "letter", "clinician"))
    response = md.split("## Response on treatment")[1].split("## ")[0]
    assert "the patient received 8 RBC units" in response and "2 units" in response
    assert "1 mg/kg × 2" in response and "1.33 mg/kg × 2" in response and "1.75 mg/kg × 4" in response
    assert "1.75 mg/kg (the current dose level) × 72 kg" in md and "= 126 mg per dose" in md
    assert "504 billing units" in md
    assert not re.search(r"\d dose level\b", md), "a dose level without its unit"


def test_without_a_weight_the_mg_dose_is_left_for_the_prescriber(tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "luspatercept-first-line.yaml").read_text())
    del raw["facts"]["body_weight"]
    case = tmp_path / "noweight.yaml"
    case.write_text(yaml.safe_dump(raw))
    md = render_markdown(_letter(case))
    assert "× [weight] kg = [dose] mg per dose" in md and "[billing units per dose]" in md


def test_presumptions_are_attested_by_the_prescriber(tmp_path: Path) -> None:
    raw = yaml.safe_load((EXAMPLES / "luspatercept-first-line.yaml").read_text())
    raw["facts"].pop("immediate_correction_needed", None)
    case = tmp_path / "presumed.yaml"
    case.write_text(yaml.safe_dump(raw))
    letter = _letter(case)
    md = render_markdown(letter)
    signed = md.split("## Attestation and signature")[1]
    assert ("Luspatercept is not being used as a substitute for RBC transfusion in a patient who needs immediate "
            "correction of anemia.") in signed
