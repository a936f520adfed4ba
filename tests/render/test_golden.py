"""Golden files, once per document (issue 17, item 7): for every document type x bundled example,
the clinician version as Markdown and JSON; the payer version as a unified diff against the
clinician Markdown (they differ in a few lines); the patient version, a different text, as its own
short Markdown. A wording change touches one file per document.

Regenerate after an intended change with ``MEDNEC_UPDATE_GOLDEN=1 python -m pytest tests/render``
and review the diff of ``tests/golden/`` like code.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from mednec.render.formats import render_json, render_markdown

from .cases import EXAMPLE_CASES, GOLDEN, Example, document

UPDATE = os.environ.get("MEDNEC_UPDATE_GOLDEN") == "1"
DOCS = [(ex, doc) for ex in EXAMPLE_CASES for doc in ex.documents]


def _check(path: Path, text: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        return
    assert path.is_file(), f"no golden file {path}; run with MEDNEC_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text("utf-8")
    assert text == expected, (f"{path} differs from the rendered document; "
                              "run with MEDNEC_UPDATE_GOLDEN=1 and review the diff")


def payer_diff(clinician: str, payer: str) -> str:
    """The payer version as a unified diff against the clinician version (no context lines)."""
    lines = difflib.unified_diff(clinician.splitlines(keepends=True), payer.splitlines(keepends=True),
                                 "clinician.md", "payer.md", n=0)
    return "".join(lines)


@pytest.mark.parametrize(("ex", "doc"), DOCS, ids=[f"{e.name}-{d}" for e, d in DOCS])
def test_golden_document_and_its_audience_variants(ex: Example, doc: str) -> None:
    clinician = render_markdown(document(ex, doc, "clinician"))
    _check(GOLDEN / ex.name / f"{doc}.md", clinician)
    _check(GOLDEN / ex.name / f"{doc}.json", render_json(document(ex, doc, "clinician")))
    payer_md = render_markdown(document(ex, doc, "payer"))
    payer = payer_diff(clinician, payer_md)
    assert len(payer) < len(payer_md), "the payer diff is shorter than the payer document"
    _check(GOLDEN / ex.name / f"{doc}-payer.diff", payer)
    _check(GOLDEN / ex.name / f"{doc}-patient.md", render_markdown(document(ex, doc, "patient")))


def test_no_stray_golden_files() -> None:
    """Every golden file belongs to a document the matrix renders (no leftovers after a rename)."""
    wanted = {GOLDEN / e.name / f"{d}{suffix}" for e, d in DOCS
              for suffix in (".md", ".json", "-payer.diff", "-patient.md")}
    present = {p for p in GOLDEN.rglob("*") if p.is_file()}
    assert present - wanted == set()
