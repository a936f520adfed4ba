"""Every output lists the presumptions an answer rests on: JSON, text, Markdown summary, the
article ("Assumed — the request must attest"), the letter of medical necessity (a sentence
the prescriber signs), the CRD card and the PAS ClaimResponse process notes."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from mednec.fhir.cards import build_card
from mednec.fhir.pas import _reasons as pas_notes
from mednec.render.article import ArticleSources
from mednec.render.formats import render_markdown
from mednec.render.letters import build_document
from mednec.render.markdown import determination_markdown
from mednec.render.terminal import print_determination
from mednec.runtime import Runtime, default_runtime

PACK = Path(__file__).resolve().parents[2] / "src" / "mednec" / "packs" / "mds_anemia"
ATTEST = "Luspatercept is not being used as a substitute for RBC transfusion"


@pytest.fixture(scope="module")
def rt() -> Runtime:
    return default_runtime()


def _det(rt: Runtime, rel: str) -> tuple[Any, Any]:
    spec = yaml.safe_load((PACK / rel).read_text())
    case = rt.parse_case(spec["case"], as_of=spec["as_of"])
    policy = rt.catalog.find_drug(rel.split("/")[0].replace("_", " "))
    return rt.evaluate(case.facts, policy), policy


def test_every_output_lists_the_presumptions(rt: Runtime) -> None:
    det, policy = _det(rt, "luspatercept/cases/19-meets-presumed-not-immediate-correction.yaml")
    assert det.determination == "meets_criteria"
    assert {a.criterion for a in det.assumptions} == {"adult", "not_immediate_correction"}
    data = det.to_dict()
    assert any(ATTEST in a["attest"] and a["why"] and a["fact"] == "immediate_correction_needed"
               for a in data["assumptions"])
    buf = io.StringIO()
    print_determination(det, Console(file=buf, width=200, color_system=None))
    assert "Assumed — the request must attest" in buf.getvalue() and ATTEST in buf.getvalue()
    md = determination_markdown(det)
    assert "## Assumed — the request must attest" in md and ATTEST in md
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
    article = render_markdown(build_document(det, src, document="article", audience="clinician"))
    assert "Assumed — the request must attest" in article and ATTEST in article
    letter = render_markdown(build_document(det, src, document="letter", audience="clinician"))
    signature = letter[letter.index("Attestation and signature"):]
    assert "By signing, I attest" in signature and ATTEST in signature
    card = build_card(det, {"id": "mr-1"}, policy, source_label="mednec", source_url="https://x.example",
                      dtr_launch_url="https://x.example/dtr")
    assert "Assumed — the request must attest" in card["detail"] and ATTEST in card["detail"]
    notes = pas_notes(det)
    assert any(n.startswith("Attested by the request") and ATTEST in n for n in notes)


def test_inferences_are_shown_with_their_source(rt: Runtime) -> None:
    det, policy = _det(rt, "epoetin_alfa/cases/15-meets-symptomatic-inferred-from-transfusions.yaml")
    assert det.determination == "meets_criteria" and det.assumptions == ()
    (x,) = det.inferences
    assert x.criterion == "symptomatic_anemia" and "RBC transfusions" in x.because
    md = determination_markdown(det)
    assert "inferred from RBC transfusions" in md
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
    article = render_markdown(build_document(det, src, document="article", audience="clinician"))
    assert "Inferred from other documented facts" in article


def test_no_presumption_no_section(rt: Runtime) -> None:
    det, _ = _det(rt, "luspatercept/cases/02-meets-first-line-rs-negative-low-epo.yaml")
    assert det.assumptions == () and "Assumed" not in determination_markdown(det)
    assert not any(n.startswith("Attested") for n in pas_notes(det))
