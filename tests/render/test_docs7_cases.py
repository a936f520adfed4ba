"""Twelve cases helper docs7 wrote from clinical practice (not copies of the bundled examples) to look
at every document as its readers would: an approval, denial recommendations, information missing from
several documents, renewals, a payer variant, a 14- and an 11-year-old, a patient with safety warnings.
Each renders its article in every audience and the document that fits it, in Markdown, HTML and JSON;
the determinations are the ones helper docs7 checked by hand against the policies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from mednec.engine.determination import INSUFFICIENT, MEETS, NOT_MET
from mednec.render.article import ArticleSources
from mednec.render.formats import render_html, render_json, render_markdown
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

from .cases import AUDIENCES

HERE = Path(__file__).resolve().parent / "docs7_cases"
DOC_FOR = {MEETS: "letter", NOT_MET: "denial", INSUFFICIENT: "info-request"}
CASES = [  # file, drug, phase, variant, determination
    ("c01-rytelo-approve.yaml", "Rytelo", "initial", None, MEETS),
    ("c02-reblozyl-del5q-deny.yaml", "Reblozyl", "initial", None, NOT_MET),
    ("c03-epoetin-insufficient.yaml", "Epogen", "initial", None, INSUFFICIENT),
    ("c04-reblozyl-renewal-fail.yaml", "Reblozyl", "continuation", None, NOT_MET),
    ("c05-wegovy-adolescent.yaml", "Wegovy", "initial", None, MEETS),
    ("c06-zepbound-safety.yaml", "Zepbound", "initial", None, NOT_MET),
    ("c07-mounjaro-approve.yaml", "Mounjaro", "initial", None, MEETS),
    ("c08-wegovy-renewal.yaml", "Wegovy", "continuation", None, MEETS),
    ("c09-repatha-cigna.yaml", "Repatha", "initial", "cigna", MEETS),
    ("c09-repatha-cigna.yaml", "Repatha", "initial", None, INSUFFICIENT),
    ("c10-praluent-pediatric-hefh.yaml", "Praluent", "initial", None, MEETS),
    ("c11-leqvio-statin-intolerant.yaml", "Leqvio", "initial", None, MEETS),
    ("c12-nexletol-insufficient.yaml", "Nexletol", "initial", None, INSUFFICIENT),
]


@pytest.mark.parametrize(("name", "drug", "phase", "variant", "want"), CASES,
                         ids=[f"{c[0][:3]}-{c[3] or 'default'}" for c in CASES])
def test_case_renders_every_document(name: str, drug: str, phase: str, variant: str | None, want: str) -> None:
    rt = default_runtime()
    raw = yaml.safe_load((HERE / name).read_text("utf-8"))
    as_of = raw.get("as_of")
    case = rt.parse_case(raw, as_of=as_of if isinstance(as_of, dt.date) else None)
    policy = rt.catalog.find_drug(drug)
    det = rt.evaluate(case.facts, policy, phase=phase, variant=variant)
    assert det.determination == want
    if variant:
        policy = policy.with_variant(variant)
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=name, case_title=raw["title"])
    for document in ("article", DOC_FOR[want]):
        for audience in AUDIENCES:
            doc = build_document(det, src, document=document, audience=audience)
            assert render_markdown(doc) and render_html(doc) and render_json(doc)
