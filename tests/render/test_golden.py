"""Golden files: every document type x audience x bundled example, as Markdown and JSON.

Regenerate after an intended change with ``MEDNEC_UPDATE_GOLDEN=1 python -m pytest tests/render``
and review the diff of ``tests/golden/`` like code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mednec.render.formats import render_json, render_markdown

from .cases import DOCUMENT_MATRIX, GOLDEN, Example, document

UPDATE = os.environ.get("MEDNEC_UPDATE_GOLDEN") == "1"


def _check(path: Path, text: str) -> None:
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        return
    assert path.is_file(), f"no golden file {path}; run with MEDNEC_UPDATE_GOLDEN=1 to create it"
    expected = path.read_text("utf-8")
    assert text == expected, (f"{path} differs from the rendered document; "
                              "run with MEDNEC_UPDATE_GOLDEN=1 and review the diff")


@pytest.mark.parametrize(("ex", "doc", "audience"), DOCUMENT_MATRIX,
                         ids=[f"{e.name}-{d}-{a}" for e, d, a in DOCUMENT_MATRIX])
def test_golden_markdown_and_json(ex: Example, doc: str, audience: str) -> None:
    built = document(ex, doc, audience)
    _check(GOLDEN / ex.name / f"{doc}-{audience}.md", render_markdown(built))
    _check(GOLDEN / ex.name / f"{doc}-{audience}.json", render_json(built))


def test_no_stray_golden_files() -> None:
    """Every golden file belongs to a document the matrix renders (no leftovers after a rename)."""
    wanted = {GOLDEN / e.name / f"{d}-{a}.{ext}" for e, d, a in DOCUMENT_MATRIX for ext in ("md", "json")}
    present = set(GOLDEN.rglob("*.md")) | set(GOLDEN.rglob("*.json"))
    assert present - wanted == set()
