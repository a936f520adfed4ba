"""An answer resting on presumptions says what was presumed and what the request must attest, in the same words
in its JSON summary (``bottom_line``), the article's bottom line and the information request's opening, for every
pack and for both answers a presumption can carry: meets the criteria and "likely to meet once documented"
(helper docs8).

Found: a met answer's ``bottom_line`` said "Assumed, the request must attest: ..." (the statement only, not what
was presumed) while its article's bottom line said nothing of it; an undecided answer's "Likely to meet once these
are documented: ..." never said that the likely answer also rested on an undocumented statement, in the JSON, the
article or the information request sent to the prescriber, who must attest it on the request that follows.
Table: pack x answer, each case built from a bundled example with the presumed fact left out, plus controls with
the fact stated (no presumption, no such sentence).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from mednec.engine.determination import INSUFFICIENT, MEETS
from mednec.render.article import ArticleSources
from mednec.render.formats import render_json, render_markdown
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

ROOT = Path(__file__).resolve().parents[2]
PRESUMED, ATTEST = "Presumed, not documented:", "the request must attest:"


def _case(path: str, drop: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((ROOT / path).read_text("utf-8"))
    for section, keys in drop.items():
        for k in keys:
            raw.get(section, {}).pop(k, None)
    return raw


# (id, case file, what is left out, drug, expected answer, presumed criterion)
CASES = [
    ("mds-meets", "examples/luspatercept-first-line.yaml", {"facts": ("immediate_correction_needed",)}, "Reblozyl",
     MEETS, "not_immediate_correction"),
    ("mds-likely", "examples/luspatercept-missing-epo.yaml", {"facts": ("immediate_correction_needed",)}, "Reblozyl",
     INSUFFICIENT, "not_immediate_correction"),
    ("glp1-meets", "examples/wegovy-weight-adult.yaml", {"facts": ("mtc_men2_history",)}, "Wegovy", MEETS,
     "no_mtc_men2"),
    ("glp1-likely", "tests/render/new_packs/wegovy-missing-programme.yaml", {"facts": ("mtc_men2_history",)}, "Wegovy",
     INSUFFICIENT, "no_mtc_men2"),
    ("ldl-meets", "examples/repatha-ascvd.yaml", {"facts": ("concurrent_pcsk9",)}, "Repatha", MEETS,
     "no_concurrent_pcsk9"),
    ("ldl-likely", "tests/render/new_packs/repatha-missing-ldl.yaml", {"facts": ("concurrent_pcsk9",)}, "Repatha",
     INSUFFICIENT, "no_concurrent_pcsk9"),
]


def _det(path: str, drop: dict[str, tuple[str, ...]], drug: str) -> tuple[Any, Any]:
    rt = default_runtime()
    raw = _case(path, drop)
    as_of = raw.get("as_of")
    case = rt.parse_case(raw, as_of=as_of if isinstance(as_of, dt.date) else None)
    policy = rt.catalog.find_drug(drug)
    det = rt.evaluate(case.facts, policy)
    return det, ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=Path(path).name)


def _sentence(det: Any, criterion: str) -> tuple[str, str]:
    a = next(a for a in det.assumptions if a.criterion == criterion)
    return a.criterion_text, a.attest


@pytest.mark.parametrize(("cid", "path", "drop", "drug", "want", "criterion"), CASES, ids=[c[0] for c in CASES])
def test_the_summary_says_what_was_presumed_and_what_to_attest(cid: str, path: str, drop: dict[str, tuple[str, ...]],
                                                                 drug: str, want: str, criterion: str) -> None:
    det, src = _det(path, drop, drug)
    assert det.determination == want
    text, attest = _sentence(det, criterion)
    line = det.bottom_line
    assert PRESUMED in line and text.rstrip(".") in line and ATTEST in line and attest.rstrip(".") in line, line
    for audience in ("clinician", "payer"):
        doc = build_document(det, src, document="article", audience=audience)
        md = render_markdown(doc)
        top = md.split("\n## ")[1]  # the article's first section: its bottom line
        assert PRESUMED in top and attest.rstrip(".") in top, (audience, top[:1500])
        bottom = [c["text"] if isinstance(c, dict) else c for c in _bottom(render_json(doc))]
        assert any(PRESUMED in b and attest.rstrip(".") in b for b in bottom), (audience, bottom)
    if want == INSUFFICIENT:
        md = render_markdown(build_document(det, src, document="info-request", audience="clinician"))
        opening = md.split("\n## ")[1]
        assert PRESUMED in opening and attest.rstrip(".") in opening, opening[:1500]
    else:
        md = render_markdown(build_document(det, src, document="letter", audience="clinician"))
        assert attest.rstrip(".") in md.split("By signing, I attest:")[1]


def _bottom(js: str) -> list[Any]:
    import json

    data = json.loads(js)
    node = data.get("article", data)
    found = node.get("bottom_line")
    if found is None:  # a document wrapping its article
        for v in data.values():
            if isinstance(v, dict) and "bottom_line" in v:
                found = v["bottom_line"]
    assert found is not None, list(data)
    return list(found) if isinstance(found, list) else [found]


@pytest.mark.parametrize(("cid", "path", "drug", "want"),
                         [("mds-meets", "examples/luspatercept-first-line.yaml", "Reblozyl", MEETS),
                          ("glp1-likely", "tests/render/new_packs/wegovy-missing-programme.yaml", "Wegovy", INSUFFICIENT),
                          ("ldl-likely", "tests/render/new_packs/repatha-missing-ldl.yaml", "Repatha", INSUFFICIENT)],
                         ids=["mds-meets", "glp1-likely", "ldl-likely"])
def test_no_presumption_no_sentence(cid: str, path: str, drug: str, want: str) -> None:
    det, _ = _det(path, {}, drug)
    assert det.determination == want
    if not det.assumptions:
        assert PRESUMED not in det.bottom_line and "Assumed" not in det.bottom_line


@pytest.mark.parametrize(("cid", "path", "drop", "drug", "want", "criterion"), CASES, ids=[c[0] for c in CASES])
def test_the_patient_summary_says_it_too(cid: str, path: str, drop: dict[str, tuple[str, ...]], drug: str, want: str,
                                         criterion: str) -> None:
    """The patient's version of the same summary (the article's, the letter's and the information request's
    opening list): the presumed rule in the patient's words with the words the patient article's rule list uses
    for it ("Your records do not say this. Your doctor confirms it by asking for the medicine.")."""
    from mednec.render.phrases import phrase

    det, src = _det(path, drop, drug)
    said = phrase("plain_rules.presumed")
    docs = ["article", "letter" if want == MEETS else "info-request"]
    for doc in docs:
        md = render_markdown(build_document(det, src, document=doc, audience="patient"))
        opening = md.split("\n## ")[1]
        assert any(said in ln for ln in opening.splitlines() if ln.startswith("- ")), (doc, opening[:1200])
