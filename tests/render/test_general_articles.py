"""The general article (``mednec report --general``, the criteria without a patient) of every
policy (helper docs7, following the README's commands on every pack).

Seen: "When is semaglutide (Wegovy) medically necessary and appropriate for anemia in lower-risk
myelodysplastic syndromes (MDS)?" -- every general article's title named the MDS pack's condition --
and "Review status: Submitted — pending physician review" on a description of criteria that has no
patient and no request, in every audience and in the PDF's running line.
"""

from __future__ import annotations

import pytest

from mednec.render.formats import render_markdown, render_typst
from mednec.runtime import default_runtime

from .cases import AUDIENCES, Example, document

POLICIES = sorted((p.id, p.drug.brands[0], p.title) for p in default_runtime().catalog.policies())


@pytest.mark.parametrize(("policy_id", "drug", "title"), POLICIES, ids=[p for p, _, _ in POLICIES])
def test_general_article_names_its_own_use_and_no_pending_review(policy_id: str, drug: str, title: str) -> None:
    use = title.partition(" for ")[2]
    assert use, title
    ex = Example("general", None, drug, "initial", None, ("article",))
    for audience in AUDIENCES:
        doc = document(ex, "article", audience)
        md = render_markdown(doc)
        heading = md.splitlines()[0]
        if audience != "patient":  # the patient's title names the medicine only
            assert heading.endswith(f" for {use}?"), heading
        if "mds" not in policy_id:
            assert "myelodysplastic" not in heading.lower(), heading
        for text in (md, render_typst(doc)):
            assert "pending physician review" not in text, audience
            assert "no patient and no request" in text, audience
