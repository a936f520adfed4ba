"""A command that needs a missing optional extra names the extra and exits 69 (through the real entry point)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mednec.extras import EXTRA_OF_MODULE, extra_for, installed

ROOT = Path(__file__).resolve().parent.parent

# Hide one package (as if its extra were not installed), then run the CLI's entry point.
_RUNNER = textwrap.dedent(
    """
    import sys
    from importlib.abc import MetaPathFinder

    class Hide(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] == {hidden!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, Hide())
    sys.argv = ["mednec", *{argv!r}]
    from mednec.cli import main
    main()
    """
)


def _run(hidden: str, *argv: str) -> subprocess.CompletedProcess[str]:
    code = _RUNNER.format(hidden=hidden, argv=list(argv))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)


@pytest.mark.parametrize(
    ("hidden", "argv", "extra"),
    [
        ("typst", ["report", "examples/luspatercept-first-line.yaml", "--drug", "Reblozyl", "--format", "pdf",
                   "-o", "/dev/null"], "pdf"),
        ("fhir", ["evaluate", "tests/fixtures/fhir/bundle-first-line.json", "--drug", "Reblozyl"], "fhir"),
        ("medspacy", ["extract", "examples/luspatercept-first-line.yaml"], "notes"),
        ("sqlalchemy", ["cases", "list"], "service"),
    ],
)
def test_missing_extra_is_named(hidden: str, argv: list[str], extra: str) -> None:
    proc = _run(hidden, *argv)
    assert proc.returncode == 69, proc.stderr
    assert f"'{extra}'" in proc.stderr and f"mednec[{extra}]" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_base_commands_need_no_extra() -> None:
    """evaluate, policies check and Markdown documents run with every extra's packages hidden."""
    for hidden in ("sqlalchemy", "medspacy", "typst", "fhir", "fastapi"):
        proc = _run(hidden, "evaluate", "examples/luspatercept-first-line.yaml", "--drug", "Reblozyl", "--format", "json")
        assert proc.returncode == 0, (hidden, proc.stderr)
        proc = _run(hidden, "report", "examples/luspatercept-first-line.yaml", "--drug", "Reblozyl")
        assert proc.returncode == 0, (hidden, proc.stderr)


def test_extra_for_maps_only_known_modules() -> None:
    assert extra_for(ModuleNotFoundError("x", name="typst")) == "pdf"
    assert extra_for(ModuleNotFoundError("x", name="fhir.resources.R4B")) == "fhir"
    assert extra_for(ModuleNotFoundError("x", name="not_a_mednec_dependency")) is None
    assert set(EXTRA_OF_MODULE.values()) == {"service", "notes", "pdf", "fhir", "population"}


def test_installed_reports_the_test_environment() -> None:
    # The test suite runs with every extra installed (README: pip install '.[all,test]').
    assert all(installed(e) for e in ("service", "notes", "pdf", "fhir", "population"))
