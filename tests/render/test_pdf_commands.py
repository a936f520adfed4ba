"""A command in a PDF's related questions breaks only between its words.

Held out (written before the change): the Wegovy article's PDF printed 'mednec report
wegovy-weight-adult.yaml --' at the end of a line and 'drug semaglutide' on the next, because Typst
may break a line after a hyphen; a reader copying the command gets '--' and 'drug' apart. Each command of
the related questions must keep every word whole on one line of the PDF's text.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mednec.render.formats import render_pdf

from .cases import document, example

PDFTOTEXT = shutil.which("pdftotext")
pytestmark = pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed")


@pytest.mark.parametrize(("name", "audience"), [("wegovy", "clinician"), ("repatha", "payer"),
                                                ("first-line", "clinician"), ("ozempic-no-diabetes", "clinician")])
def test_each_command_word_stays_whole(tmp_path: Path, name: str, audience: str) -> None:
    doc = document(example(name), "article", audience)
    path = tmp_path / "doc.pdf"
    path.write_bytes(render_pdf(doc))
    assert PDFTOTEXT is not None
    text = subprocess.run([PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    section = text.split("Related questions", 1)[1].split("References", 1)[0]
    lines = [ln.rstrip() for ln in section.splitlines()]
    words = {w for r in doc.related for w in r.command.split(" ")}
    broken = [ln.split()[-1] for ln in lines if ln.split() and ln.split()[-1] not in words
              and any(w.startswith(ln.split()[-1]) and w != ln.split()[-1] for w in words if "-" in w)
              and ln.split()[-1].endswith("-")]
    assert broken == [], broken
