"""Reference lists as printed: exactly what the document cites, patient documents only sources a
patient can read, identifiers as links, no editorial notes in the text (issue 17, item 1)."""

from __future__ import annotations

import re

import pytest

from mednec.policies.references import parse_references
from mednec.render.formats import printed, render_html, render_markdown
from mednec.render.trim import references_of
from mednec.runtime import default_runtime

from .cases import DOCUMENT_MATRIX, FORMER_GAPS, Example, document, example
from .text import cited_numbers, reference_numbers, split_references

IDS = [f"{e.name}-{d}-{a}" for e, d, a in DOCUMENT_MATRIX]
# words that report the editors' research, not the evidence; and the project's internal paths
NOTES = ("not verified", "unverified", "secondary source", "vetted", "not accessible", "shared/clinical",
         "/work/", "mds-anemia-decisions", "mds-anemia-facts")


def _pack():  # type: ignore[no-untyped-def]
    rt = default_runtime()
    return rt.catalog.pack_of(rt.catalog.find_drug("luspatercept"))


@pytest.mark.parametrize(("ex", "doc", "audience"), DOCUMENT_MATRIX, ids=IDS)
def test_reference_list_is_exactly_what_the_document_cites(ex: Example, doc: str, audience: str) -> None:
    body, refs = split_references(render_markdown(document(ex, doc, audience)))
    numbers = reference_numbers(refs)
    assert numbers == list(range(1, len(numbers) + 1))
    assert cited_numbers(body) == set(numbers), "every listed reference is cited and every citation is listed"


@pytest.mark.parametrize(("ex", "doc", "audience"), [m for m in DOCUMENT_MATRIX if m[2] == "patient"],
                         ids=[i for i, m in zip(IDS, DOCUMENT_MATRIX, strict=True) if m[2] == "patient"])
def test_patient_documents_list_only_sources_a_patient_can_read(ex: Example, doc: str, audience: str) -> None:
    built = document(ex, doc, audience)
    refs = references_of(printed(built))
    assert refs and all(r.for_patients for r in refs), [r.id for r in refs if not r.for_patients]


@pytest.mark.parametrize(("ex", "doc", "audience"), DOCUMENT_MATRIX, ids=IDS)
def test_no_editorial_notes_or_internal_paths(ex: Example, doc: str, audience: str) -> None:
    md = render_markdown(document(ex, doc, audience)).lower()
    assert [n for n in NOTES if n in md] == []


def test_trimming_twice_changes_nothing() -> None:
    for ex, doc, audience in DOCUMENT_MATRIX[:6]:
        once = printed(document(ex, doc, audience))
        assert printed(once) == once


def test_identifiers_are_links() -> None:
    ex = next(e for e, d, _ in DOCUMENT_MATRIX if e.name == "first-line")
    html = render_html(document(ex, "article", "clinician"))
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/31914241/"' in html
    assert 'href="https://doi.org/10.1056/NEJMoa1908892"' in html
    md = render_markdown(document(ex, "article", "clinician"))
    assert "[PMID 31914241](<https://pubmed.ncbi.nlm.nih.gov/31914241/>)" in md


def test_the_nordic_score_is_two_papers() -> None:
    refs = _pack().references
    derivation, validation = refs["nordic-score-1997"], refs["nordic-score-2003"]
    assert derivation.year == 1997 and "proposal for a predictive model" in derivation.title
    assert derivation.doi == "10.1046/j.1365-2141.1997.4013211.x"
    assert validation.year == 2003 and validation.title.startswith("A validated decision model")
    assert validation.doi == "10.1046/j.1365-2141.2003.04153.x"


def test_the_decision_records_are_cited_as_editorial_decisions() -> None:
    ref = _pack().references["mednec-mds-decisions"]
    assert ref.formatted().count("mednec editorial decision") == 1 and "/" not in ref.formatted()


def test_dates_keep_the_precision_of_the_source() -> None:
    for ref in _pack().references.values():
        if ref.revision_date:
            assert re.fullmatch(r"(\d{1,2} )?(January|February|March|April|May|June|July|August|September|"
                                r"October|November|December) \d{4}", ref.revision_date), (ref.id, ref.revision_date)


def test_for_patients_must_be_a_boolean() -> None:
    from mednec.errors import ConfigError

    with pytest.raises(ConfigError, match="for_patients"):
        parse_references({"x": {"kind": "label", "title": "t", "year": 2020, "for_patients": "yes"}}, source="t")
    ok = parse_references({"x": {"kind": "label", "title": "t", "year": 2020, "for_patients": True}}, source="t")
    assert ok["x"].for_patients and "for_patients" in ok["x"].to_dict()


@pytest.mark.parametrize(("name", "doc", "audience"), sorted(FORMER_GAPS))
def test_former_gap_patient_document_cites_a_source_a_patient_can_read(name: str, doc: str, audience: str) -> None:
    refs = references_of(printed(document(example(name), doc, audience)))
    assert refs and all(r.for_patients for r in refs)
