"""The PDF (Typst): its text, its links to the references, its bytes, and the escaping of data text."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mednec.render import formats
from mednec.render.formats import printed, render_pdf, render_typst, typst_escape

from .cases import DOCUMENT_MATRIX, Example, document, example

PDFTOTEXT = shutil.which("pdftotext")
needs_pdftotext = pytest.mark.skipif(
    PDFTOTEXT is None, reason="pdftotext (Debian package poppler-utils) is not installed: PDF text not checked")
ICON = {"met": "✔ met", "not_met": "✘ not met", "unknown": "? unknown"}
# One document of each type and audience, and an article for each determination.
PDF_CASES = [
    ("first-line", "article", "clinician"),
    ("del5q", "article", "payer"),
    ("missing-epo", "article", "clinician"),
    ("first-line", "article", "patient"),
    ("general-luspatercept", "article", "clinician"),
    ("after-esa-failure", "letter", "clinician"),
    ("del5q", "denial", "patient"),
    ("missing-epo", "info-request", "clinician"),
]
IDS = ["-".join(c) for c in PDF_CASES]


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    assert PDFTOTEXT is not None
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run([PDFTOTEXT, "-raw", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True,
                          check=True, timeout=60).stdout


def _squash(text: str) -> str:
    """Text without whitespace or hyphens: line breaks (and pdftotext's joining of hyphenated lines) vanish."""
    return re.sub(r"[\s\-\u00ad]", "", text)


def _references(doc: object) -> tuple[object, ...]:
    return getattr(doc, "references", None) or doc.article.references  # type: ignore[attr-defined]


@needs_pdftotext
@pytest.mark.parametrize(("name", "doc", "audience"), PDF_CASES, ids=IDS)
def test_pdf_text_has_every_status_and_reference(name: str, doc: str, audience: str, tmp_path: Path) -> None:
    built = document(example(name), doc, audience)
    text = _pdf_text(render_pdf(built), tmp_path)
    flat, squashed = " ".join(text.split()), _squash(text)
    if doc == "article" and audience != "patient" and not built.general:
        statuses = [c.status for g in built.groups for c in g.criteria if c.status]
        assert statuses
        for code, shown in ICON.items():
            assert flat.count(shown) >= statuses.count(code), f"{shown!r}: {flat.count(shown)} < {statuses.count(code)}"
    refs = _references(printed(built))  # the printed list: what the document cites (issue 17)
    assert refs
    for r in refs:
        assert _squash(f"{r.n}. {r.text[:40]}") in squashed, f"reference {r.n} is not in the PDF text"
    assert "\\" not in text, "a Typst escape shows in the PDF"


@pytest.mark.parametrize(("ex", "doc", "audience"), DOCUMENT_MATRIX,
                         ids=[f"{e.name}-{d}-{a}" for e, d, a in DOCUMENT_MATRIX])
def test_every_citation_mark_links_to_a_listed_reference(ex: Example, doc: str, audience: str) -> None:
    """Each number of a #cites(...) mark has its <ref-N> label in the reference list (Typst source)."""
    built = document(ex, doc, audience)
    source = render_typst(built)
    cited = {int(n) for marks in re.findall(r"#cites\(([\d, ]+)\);", source) for n in marks.split(",")}
    labels = {int(n) for n in re.findall(r"<ref-(\d+)>", source)}
    assert labels == {r.n for r in _references(printed(built))}
    assert cited <= labels, f"marks without a reference: {sorted(cited - labels)}"


def test_same_document_same_bytes() -> None:
    built = document(example("del5q"), "denial", "clinician")
    first = render_pdf(built)
    formats.typst_compiler.clear()  # a fresh compiler, as in another process
    assert render_pdf(built) == first
    assert render_pdf(document(example("del5q"), "denial", "clinician")) == first


def test_pdf_is_tagged_and_titled() -> None:
    pdf = render_pdf(document(example("first-line"), "letter", "clinician"))
    assert b"/StructTreeRoot" in pdf and b"/MarkInfo" in pdf, "not a tagged PDF"
    assert b"/Lang (en" in pdf or b"/Lang(en" in pdf


@needs_pdftotext
@pytest.mark.parametrize("text", ["Hb 8.1 g/dL", "https://x.org/a_b", "#5", "$100", "<7 days>", "a*b", "@x", "[1]",
                                  "x // not a comment", "-5 -- --- ... 'a' \"b\" ~ \\ = + / -? *bold* _it_ `raw`",
                                  "1. not a list", "- not a list", "= not a heading", "#set text(red)"])
def test_typst_escape_shows_the_text_as_given(text: str, tmp_path: Path) -> None:
    assert _tiny_pdf_text(typst_escape(text), tmp_path) == " ".join(text.split())


# Printable text of the documents' kind: ASCII, Latin-1, and the symbols they use; newlines included.
# Not the soft hyphen (U+00AD): invisible, and pdftotext gives it back twice.
_TEXT = st.text(st.one_of(st.characters(min_codepoint=0x20, max_codepoint=0x7e),
                          st.characters(min_codepoint=0xa0, max_codepoint=0xff, exclude_characters="\xad"),
                          st.sampled_from("\n\r\t\u2028 §·–—“”‘’→↳−≤≥✔✘µ×±°…")), max_size=60)


@needs_pdftotext
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=_TEXT)
def test_typst_escape_round_trips_through_the_pdf(text: str, tmp_path: Path) -> None:
    assert "".join(_tiny_pdf_text(typst_escape(text), tmp_path).split()) == "".join(text.split())


def _tiny_pdf_text(markup: str, tmp_path: Path) -> str:
    source = f"#set page(width: auto, height: auto, margin: 4pt)\n#set text(font: \"Libertinus Serif\")\n{markup}\n"
    with formats.typst_compiler() as compiler:
        pdf = compiler.compile(input=source.encode(), format="pdf")
    assert isinstance(pdf, bytes)
    return " ".join(_pdf_text(pdf, tmp_path).split())


def test_pdfs_render_in_parallel_threads_with_the_same_bytes() -> None:
    """The web and the API render PDFs from several threads: compilers come from a pool, each used
    by one thread at a time, and the output does not depend on which one compiled it."""
    from concurrent.futures import ThreadPoolExecutor

    docs = [document(example(name), doc, "clinician")
            for name, doc in (("first-line", "letter"), ("del5q", "denial"), ("first-line", "article"))] * 2
    alone = [render_pdf(d) for d in docs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(render_pdf, docs))
    assert together == alone
    assert formats.typst_compiler._made <= formats.typst_compiler.size


def _page_colours(pdf: bytes, where: Path) -> set[tuple[int, int, int]]:
    """The colours of page 1 rasterised by pdftoppm (binary PPM, parsed here)."""
    (where / "doc.pdf").write_bytes(pdf)
    subprocess.run([PDFTOPPM or "pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-singlefile",
                    str(where / "doc.pdf"), str(where / "page")], capture_output=True, check=True)
    ppm = (where / "page.ppm").read_bytes()
    header = re.match(rb"P6\s+(\d+)\s+(\d+)\s+(\d+)\s", ppm)
    assert header is not None
    data = ppm[header.end():]
    return {tuple(data[i:i + 3]) for i in range(0, len(data) - 2, 3)}  # type: ignore[misc]


PDFTOPPM = shutil.which("pdftoppm")
DENIED_FILL, PENDING_FILL, APPROVED_FILL = (0xFB, 0xE9, 0xE9), (0xFF, 0xF4, 0xD6), (0xE3, 0xF4, 0xE8)


@pytest.mark.skipif(PDFTOPPM is None, reason="pdftoppm (poppler-utils) is not installed")
@pytest.mark.parametrize(("status", "fill"), [("denied", DENIED_FILL), ("approved", APPROVED_FILL),
                                              ("submitted", PENDING_FILL)])
def test_the_status_box_is_coloured_by_meaning(status: str, fill: tuple[int, int, int], tmp_path: Path) -> None:
    """Issue 18: a decided denial's status box is red (the HTML pages' denied colours), an approval
    green, anything still open amber; before, a denial showed in the pending amber."""
    from mednec.render.letters import build_document

    from .cases import determination, sources

    ex = example("del5q")
    det, _ = determination(ex)
    built = build_document(det, sources(ex), document="article", audience="clinician", review_status=status)
    colours = _page_colours(render_pdf(built), tmp_path)
    assert fill in colours
    assert not ({DENIED_FILL, PENDING_FILL, APPROVED_FILL} - {fill}) & colours
