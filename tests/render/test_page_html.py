"""The article as the body of a web page (render_page_html): the same sections as the HTML
document, without what the page shows itself, and with sections folded by the rules of
mednec.render.folding. Built from the templates, not by editing rendered HTML."""

from __future__ import annotations

import re

import pytest

from mednec.engine.benefit import with_benefit
from mednec.render.formats import render_html, render_page_html
from mednec.render.letters import build_document
from mednec.runtime import default_runtime
from tests.render.cases import AUDIENCES, determination, document, example, sources

_OPENING = re.compile(r'<(section|details class="art-sec") id="([^"]+)"')


def _layout(html: str) -> dict[str, str]:
    return {ident: ("open" if tag == "section" else "closed") for tag, ident in _OPENING.findall(html)}


@pytest.mark.parametrize("audience", AUDIENCES)
@pytest.mark.parametrize("name", ["missing-epo", "del5q", "general-luspatercept"])
def test_the_page_body_has_the_documents_sections_without_the_frame(name: str, audience: str) -> None:
    art = document(example(name), "article", audience)
    page, full = render_page_html(art), render_html(art)
    assert "<article" not in page and "<h1" not in page and 'class="meta"' not in page
    assert 'class="running"' not in page and 'id="related"' not in page
    assert '<p class="verdict' not in page  # the page's decision card says it once
    full_ids = [i for i in re.findall(r'<section id="([^"]+)"', full) if i != "related"]
    assert list(_layout(page)) == full_ids  # every other section, in the same order


def test_sections_fold_by_the_rules() -> None:
    layout = _layout(render_page_html(document(example("missing-epo"), "article", "clinician")))
    assert layout["bottom-line"] == "open"  # the first section: the short answer
    assert layout["disclaimer"] == "open"  # always open
    assert layout["necessity"] == "open"  # an h2 holding subsections keeps its heading open...
    assert layout["criteria"] == layout["documentation"] == "closed"  # ...and they fold one by one
    assert layout["missing"] == "open"  # inside a folded section a subsection stays as it is
    assert layout["facts"] == layout["references"] == "closed"  # an h2 without subsections folds whole


def test_the_patient_page_drops_the_status_note_and_keeps_the_benefit_note() -> None:
    """Before, the page dropped the first note after the title, which under a plan's benefit
    exclusion was the benefit statement, and kept "Submitted — pending review. Last updated ..."."""
    rt, ex = default_runtime(), example("wegovy")
    policy = rt.catalog.find_drug(ex.drug)
    det = with_benefit(determination(ex)[0], policy, rt.catalog.pack_of(policy), "medicare_part_d", ())
    art = build_document(det, sources(ex), document="article", audience="patient")
    page = render_page_html(art)
    assert "Last updated" not in page  # the page shows the review status itself
    assert "benefit does not cover" in page
    assert _layout(page)["decided"] == "open"
    assert "Last updated" in render_html(art)  # the document keeps it
