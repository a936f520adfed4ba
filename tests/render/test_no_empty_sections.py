"""No document shows a heading over nothing (helper docs7, new cases of every pack).

A Wegovy or Repatha article in HTML and on the answer page showed "ESA failure and ineligibility"
(an MDS section) over an empty list, "Guideline status" over an empty list, "Safety" over an empty
list, and "Key trials" over a table with a header row only (Markdown and PDF too): the list, table
and definition-list macros wrote their frame for no items, so the section was never found empty.
For every policy's first test case of each determination, in every format and audience: no empty
list or table, and no heading without content under it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

from mednec.render.article import ArticleSources
from mednec.render.formats import render_html, render_markdown, render_page_html, render_typst
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

from .cases import AUDIENCES
from .test_every_policy_letter import CASES, DOC_FOR

EMPTY_HTML = re.compile(r"<(ul|ol|dl|tbody)>\s*</\1>")
HEADER_ONLY_MD = re.compile(r"^\|[^\n]*\|\n\|(?:---\|)+\n(?!\|)", re.M)
EMPTY_TYP_TABLE = re.compile(r"#tbl\([^\n]*\), \(\n\)\)")


def _document(path: Path, policy_id: str, document: str, audience: str):  # type: ignore[no-untyped-def]
    rt = default_runtime()
    policy = rt.catalog.policy(policy_id)
    raw = yaml.safe_load(path.read_text("utf-8"))
    as_of = raw.get("as_of")
    case = rt.parse_case(raw["case"], as_of=as_of if isinstance(as_of, dt.date) else None)
    det = rt.evaluate(case.facts, policy, phase=raw.get("phase", "initial"), variant=raw.get("variant"))
    if raw.get("variant"):
        policy = policy.with_variant(raw["variant"])
    src = ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=path.name, case_title="t")
    return det, build_document(det, src, document=document, audience=audience)


@pytest.mark.parametrize(("policy_id", "want", "path"), CASES, ids=[f"{p}-{w}" for p, w, _ in CASES])
def test_no_heading_over_an_empty_list_or_table(policy_id: str, want: str, path: Path) -> None:
    for document in ("article", DOC_FOR[want]):
        for audience in AUDIENCES:
            det, doc = _document(path, policy_id, document, audience)
            if det.determination != want:
                pytest.skip(f"{path.name}: {det.determination} here (the case's own test checks it)")
            html, page = render_html(doc), render_page_html(doc)
            md, typ = render_markdown(doc), render_typst(doc)
            where = (document, audience)
            assert EMPTY_HTML.findall(html) == [], where
            assert EMPTY_HTML.findall(page) == [], where
            assert HEADER_ONLY_MD.findall(md) == [], where
            assert EMPTY_TYP_TABLE.findall(typ) == [], where
            if "mds" not in policy_id:
                for text in (md, html, page, typ):
                    assert "ESA failure and ineligibility" not in text, where
