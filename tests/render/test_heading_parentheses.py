"""No heading nests parentheses (helper docs7): a denial notice's section was headed "Time limits that
apply to your plan (Medicare Advantage (Part B drug))". For every policy's first case of each
determination, every heading of its article and of the document that fits it, in every audience."""

from __future__ import annotations

import re

import pytest

from mednec.render.formats import render_markdown

from .cases import AUDIENCES
from .test_every_policy_letter import CASES, DOC_FOR
from .test_no_empty_sections import _document

NESTED = re.compile(r"\([^()]*\(")


@pytest.mark.parametrize(("policy_id", "want", "path"), CASES, ids=[f"{p}-{w}" for p, w, _ in CASES])
def test_no_heading_nests_parentheses(policy_id: str, want: str, path) -> None:  # type: ignore[no-untyped-def]
    for document in ("article", DOC_FOR[want]):
        for audience in AUDIENCES:
            _, doc = _document(path, policy_id, document, audience)
            heads = [ln for ln in render_markdown(doc).splitlines() if ln.startswith("## ")]
            assert [h for h in heads if NESTED.search(h)] == [], (document, audience)
