"""What every rendered document must satisfy, whatever its wording."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from mednec.render.formats import render_html, render_markdown

from .cases import ALL_CASES, AUDIENCES, DOCUMENT_MATRIX, Example, determination, document, example
from .text import cited_numbers, empty_sections, reference_numbers, split_references

IDS = [f"{e.name}-{d}-{a}" for e, d, a in DOCUMENT_MATRIX]


@pytest.mark.parametrize(("ex", "doc", "audience"), DOCUMENT_MATRIX, ids=IDS)
def test_every_citation_resolves_to_a_reference(ex: Example, doc: str, audience: str) -> None:
    md = render_markdown(document(ex, doc, audience))
    body, refs = split_references(md)
    numbers = reference_numbers(refs)
    assert numbers == list(range(1, len(numbers) + 1)), "references are numbered 1..N without gaps"
    cited = cited_numbers(body)
    assert cited, "the document cites nothing"
    assert cited <= set(numbers), f"citations without a reference: {sorted(cited - set(numbers))}"


@pytest.mark.parametrize(("ex", "doc", "audience"), DOCUMENT_MATRIX, ids=IDS)
def test_no_section_is_empty(ex: Example, doc: str, audience: str) -> None:
    assert empty_sections(render_markdown(document(ex, doc, audience))) == []


@pytest.mark.parametrize("ex", [e for e in ALL_CASES if e.file], ids=[e.name for e in ALL_CASES if e.file])
def test_examples_give_their_documented_determination(ex: Example) -> None:
    det, _ = determination(ex)
    assert det.determination == ex.determination


@pytest.mark.parametrize("ex", ALL_CASES, ids=[e.name for e in ALL_CASES])
def test_same_facts_and_citations_for_every_audience(ex: Example) -> None:
    views = []
    for audience in AUDIENCES:
        data = document(ex, "article", audience).to_dict()
        data.pop("audience")
        data.pop("disclaimer")
        views.append(data)
    assert views[0] == views[1] == views[2]


def test_info_request_lists_exactly_the_missing_documentation() -> None:
    ex = example("missing-epo")
    det, _ = determination(ex)
    md = render_markdown(document(ex, "info-request", "clinician"))
    assert det.missing_documentation
    for m in det.missing_documentation:
        assert m.description in md
        for q in m.questions:
            assert q in md


def test_letter_states_every_met_criterion_with_its_evidence() -> None:
    ex = example("after-esa-failure")
    letter = document(ex, "letter", "clinician")
    md = render_markdown(letter)
    for g in letter.groups:
        for c in g.criteria:
            assert c.status == "met"
            assert c.text in md
    assert "Signature" in md and "NPI" in md


class _Checker(HTMLParser):
    VOID = {"meta", "br", "img", "hr", "link", "input", "col", "area", "base", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
            return
        self.stack.pop()


@pytest.mark.parametrize(("ex", "doc", "audience"), DOCUMENT_MATRIX, ids=IDS)
def test_html_is_well_formed_and_accessible(ex: Example, doc: str, audience: str) -> None:
    html = render_html(document(ex, doc, audience))
    assert html.startswith("<!DOCTYPE html>")
    p = _Checker()
    p.feed(html)
    p.close()
    assert p.errors == [] and p.stack == [], (p.errors, p.stack)
    tags = [t for t, _ in p.tags]
    assert dict(p.tags)["html"].get("lang") == "en"
    assert tags.count("h1") == 1 and "h2" in tags and "main" in tags and "title" in tags
    levels = [int(t[1]) for t in tags if re.fullmatch(r"h[1-6]", t)]
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), f"heading levels skip: {levels}"
    if "table" in tags:
        cols = [a for t, a in p.tags if t == "th" and a.get("scope") == "col"]
        assert cols, "tables need column headers"
        assert tags.count("thead") == tags.count("table")
    ids = {a.get("id") for _, a in p.tags}
    links = {a["href"][1:] for t, a in p.tags if t == "a" and (a.get("href") or "").startswith("#")}
    assert links <= ids, f"links to missing anchors: {links - ids}"
    assert "<style>" in html and "@media print" in html and "<script" not in html
