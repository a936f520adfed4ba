"""Patient documents read at grade 6 or below (textstat Flesch-Kincaid), lists included; fact
lists in words; no double negatives; who decides and whom to call (issue 17, item 5)."""

from __future__ import annotations

import re

import pytest
import textstat  # type: ignore[import-untyped]

from mednec.render.formats import render_markdown

from .cases import DOCUMENT_MATRIX, Example, document, example
from .text import MARKS, prose, split_references

PATIENT = [m for m in DOCUMENT_MATRIX if m[2] == "patient"]
IDS = [f"{e.name}-{d}" for e, d, _ in PATIENT]
JARGON = re.compile(r"IPSS-R|\bD\d{2}\.|mU/mL|10\^9/L|ESA-naive|\bSF3B1 mutation:|g/dL|ICD")


def _readable(md: str) -> str:
    """The document without the taglines in other languages (they are not English prose)."""
    return re.sub(r"## Help in your language\n.*?(?=\n## )", "", md, flags=re.S)


def _list_items(md: str) -> list[str]:
    body, _ = split_references(md)
    return [MARKS.sub("", ln[2:]).strip() for ln in body.splitlines() if ln.startswith("- ")]


@pytest.mark.parametrize(("ex", "doc", "audience"), PATIENT, ids=IDS)
def test_patient_documents_read_at_grade_6_or_below(ex: Example, doc: str, audience: str) -> None:
    md = _readable(render_markdown(document(ex, doc, audience)))
    grade = textstat.flesch_kincaid_grade(prose(md))
    assert grade <= 6, f"grade {grade}"
    items = _list_items(md)
    assert items
    lists = textstat.flesch_kincaid_grade("\n".join(i if i.endswith((".", "?", ":")) else i + "." for i in items))
    assert lists <= 6, f"lists read at grade {lists}"


@pytest.mark.parametrize(("ex", "doc", "audience"), [m for m in PATIENT if m[1] in ("article", "letter")],
                         ids=[i for i, m in zip(IDS, PATIENT, strict=True) if m[1] in ("article", "letter")])
def test_fact_lists_are_in_words(ex: Example, doc: str, audience: str) -> None:
    md = render_markdown(document(ex, doc, audience))
    if "## The facts" not in md:
        assert ex.file is None
        return
    facts = md.split("## The facts")[1].split("\n## ")[0]
    assert not JARGON.search(facts), JARGON.search(facts)
    for line in facts.splitlines():
        if line.startswith("- "):
            assert textstat.flesch_kincaid_grade(line[2:]) <= 8, line


@pytest.mark.parametrize("name", ["del5q", "first-line", "missing-epo", "continuation"])
def test_no_double_negatives_and_who_decides(name: str) -> None:
    md = render_markdown(document(example(name), "article", "patient"))
    for line in md.splitlines():
        low = line.lower()
        assert not re.search(r"\bnot met\b.*\bnot\b|\bno\.\s*$|do not have .* (no|not)\b", low), line
    assert "Your health plan makes the decision." in md or "Your health plan will decide." in md
    assert "Call your health plan" in md and "Call your doctor's office" in md
    assert "health plan checks a list of rules" not in md.lower(), "mednec's checks are not the plan's decision"


def test_patient_article_lists_side_effects() -> None:
    md = render_markdown(document(example("first-line"), "article", "patient"))
    effects = md.split("## Side effects")[1].split("\n## ")[0]
    assert "tired" in effects and "blood pressure" in effects and "blood clot" in effects
