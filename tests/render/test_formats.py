"""PDF output, render speed (every format, PDF included), the CLI command and its errors, and the cold start of `mednec evaluate`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from mednec.render.formats import render

from .cases import EXAMPLES, document, example

FORMATS = ("markdown", "html", "json", "pdf")


def test_pdf_renders() -> None:
    pdf = render(document(example("del5q"), "denial", "patient"), "pdf")
    assert isinstance(pdf, bytes) and pdf.startswith(b"%PDF") and len(pdf) > 5000


@pytest.mark.parametrize("fmt", FORMATS)
def test_one_article_renders_in_under_200_ms_after_start_up(fmt: str) -> None:
    ex = example("first-line")
    render(document(ex), fmt)  # start-up: templates compiled, evidence loaded
    best = min(_timed(lambda: render(document(ex), fmt)) for _ in range(3))
    assert best < 0.2, f"{fmt}: {best * 1000:.0f} ms"


def _timed(fn: object) -> float:
    t = time.perf_counter()
    fn()  # type: ignore[operator]
    return time.perf_counter() - t


def _mednec(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", "from mednec.cli import main; main()", *map(str, args)],
                          capture_output=True, text=True, timeout=120, check=False, cwd=cwd)


def test_cli_report_writes_markdown_and_pdf(tmp_path: Path) -> None:
    case = EXAMPLES / "luspatercept-first-line.yaml"
    proc = _mednec("report", case, "--drug", "Reblozyl", "--audience", "payer")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("# Is luspatercept-aamt (Reblozyl) medically necessary")
    out = tmp_path / "letter.pdf"
    proc = _mednec("report", case, "--drug", "Reblozyl", "--document", "letter", "--format", "pdf", "-o", out)
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["luspatercept-first-line.yaml", "--document", "denial"],
                     "only produced for does_not_meet_criteria", id="denial-for-a-met-case"),
        pytest.param(["luspatercept-del5q.yaml", "--document", "letter"], "only produced for meets_criteria",
                     id="letter-for-an-unmet-case"),
        pytest.param(["luspatercept-first-line.yaml", "--document", "info-request"],
                     "only produced for insufficient_information", id="info-request-for-a-met-case"),
        pytest.param(["luspatercept-first-line.yaml", "--format", "pdf"], "-o FILE.pdf", id="pdf-without-output"),
        pytest.param(["--general", "--document", "denial"], "--general gives the article only", id="general-letter"),
        pytest.param([], "give a case file, or --general", id="no-case"),
        pytest.param(["luspatercept-first-line.yaml", "--general"], "leave out the case file", id="case-and-general"),
    ],
)
def test_cli_report_errors_exit_2_with_a_message(args: list[str], needle: str) -> None:
    proc = _mednec("report", *args, "--drug", "luspatercept", cwd=EXAMPLES)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert needle in " ".join(proc.stderr.split()), proc.stderr
    assert "Traceback" not in proc.stderr


def test_evaluate_does_not_import_the_document_stack() -> None:
    """`mednec evaluate` must not pay for jinja2 or typst (its cold start stays < 0.5 s)."""
    code = ("import sys, mednec.cli, mednec.cli.report, mednec.render.formats; "
            "print(','.join(m for m in ('jinja2', 'typst', 'markupsafe') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert proc.stdout.strip() == ""
