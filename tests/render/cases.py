"""The bundled example cases the document tests render, with the documents each one fits."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from mednec.render.article import ArticleSources
from mednec.render.letters import build_document
from mednec.runtime import default_runtime

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
AUDIENCES = ("clinician", "payer", "patient")
GENERAL_AS_OF = dt.date(2026, 11, 25)


class Example(NamedTuple):
    name: str  # golden folder
    file: str | None  # None: the general article
    drug: str
    phase: str
    determination: str | None
    documents: tuple[str, ...]


EXAMPLE_CASES = (
    Example("first-line", "luspatercept-first-line.yaml", "luspatercept", "initial", "meets_criteria",
            ("article", "letter")),
    Example("after-esa-failure", "luspatercept-after-esa-failure.yaml", "luspatercept", "initial", "meets_criteria",
            ("article", "letter")),
    Example("del5q", "luspatercept-del5q.yaml", "luspatercept", "initial", "does_not_meet_criteria",
            ("article", "denial")),
    Example("missing-epo", "luspatercept-missing-epo.yaml", "luspatercept", "initial", "insufficient_information",
            ("article", "info-request")),
    Example("continuation", "luspatercept-continuation.yaml", "luspatercept", "continuation", "meets_criteria",
            ("article", "letter")),
    Example("general-luspatercept", None, "luspatercept", "initial", None, ("article",)),
    Example("general-imetelstat", None, "imetelstat", "initial", None, ("article",)),
)

# (example, document, audience) for every document that fits its example
DOCUMENT_MATRIX = tuple((ex, doc, aud) for ex in EXAMPLE_CASES for doc in ex.documents for aud in AUDIENCES)


@cache
def determination(ex: Example) -> Any:
    rt = default_runtime()
    assert ex.file is not None
    case = rt.read_case(EXAMPLES / ex.file)
    return rt.evaluate(case.facts, rt.catalog.find_drug(ex.drug), phase=ex.phase), case


def sources(ex: Example) -> ArticleSources:
    rt = default_runtime()
    policy = rt.catalog.find_drug(ex.drug)
    if ex.file is None:
        return ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary)
    _, case = determination(ex)
    return ArticleSources.of(policy, rt.catalog.pack_of(policy), rt.dictionary, case_name=ex.file,
                             case_title=case.title)


def document(ex: Example, doc: str = "article", audience: str = "clinician") -> Any:
    """Build one document for an example."""
    if ex.file is None:
        return build_document(None, sources(ex), document=doc, audience=audience, general=True,
                              as_of=GENERAL_AS_OF, phase=ex.phase)
    det, _ = determination(ex)
    return build_document(det, sources(ex), document=doc, audience=audience)


def example(name: str) -> Example:
    return next(e for e in EXAMPLE_CASES if e.name == name)
