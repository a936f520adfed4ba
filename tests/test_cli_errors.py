"""Bad input through the real command line: exit status 2, a message naming the field, and
no traceback. Runs ``python -m mednec`` (or, without a ``mednec/__main__.py``, the installed
``mednec`` script) in a subprocess, as a user would."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "luspatercept-first-line.yaml"

HEADER = "as_of: 2026-11-20\npatient: {birth_date: 1956-02-14, sex: male}\n"


def mednec_command() -> list[str]:
    if importlib.util.find_spec("mednec.__main__") is not None:
        return [sys.executable, "-m", "mednec"]
    script = shutil.which("mednec")
    if script is None:
        pytest.fail("neither `python -m mednec` nor a `mednec` script is available")
    return [script]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MEDNEC_DEBUG"}
    env["COLUMNS"] = "80"  # rich must not wrap the field name away at a narrow width
    return subprocess.run(
        [*mednec_command(), *map(str, args)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )


def assert_clean_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert "Traceback" not in proc.stdout
    assert "internal error" not in proc.stderr
    for n in needles:
        assert n in proc.stderr, (n, proc.stderr)


def test_example_case_runs() -> None:
    """Sanity check of the harness: the shipped example evaluates with status 0."""
    proc = run("evaluate", EXAMPLE, "--drug", "luspatercept", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["determination"] == "meets_criteria"


@pytest.mark.parametrize(
    ("name", "text", "needles"),
    [
        pytest.param("case.yaml", HEADER + "facts:\n  hemoglobin: [8.1\n",
                     ["case.yaml", "malformed YAML", "line"], id="malformed-yaml"),
        pytest.param("case.json", '{"as_of": "2026-11-20", "facts": {"hemoglobin": 8.1,}}',
                     ["case.json", "malformed JSON", "line 1"], id="malformed-json"),
        pytest.param("case.yaml", HEADER + "facts:\n  hemoglobn: 8.1\n",
                     ["facts.hemoglobn", "'hemoglobin'", "did you mean"], id="unknown-fact"),
        pytest.param("case.yaml", HEADER + "facts:\n  hemoglobin: {value: 8.1, unit: mg}\n",
                     ["facts.hemoglobin.unit", "'mg'", "g/dL"], id="wrong-unit"),
        pytest.param("case.yaml", HEADER + "facts:\n  hemoglobin: 150\n",
                     ["facts.hemoglobin", "plausible"], id="implausible-value"),
        pytest.param("case.yaml",
                     HEADER + "facts:\n  hemoglobin: {value: 8.1, date: 2027-01-01}\n",
                     ["facts.hemoglobin.date", "2027-01-01"], id="future-date"),
        pytest.param("case.yaml", HEADER + "facts:\n  del5q: true\n  karyotype: normal\n",
                     ["facts.del5q", "facts.karyotype", "del(5q)"], id="contradiction"),
        pytest.param("case.yaml", HEADER + "facts: {}\nnotes: hello\n",
                     ["notes", "unknown key"], id="unknown-top-level-key"),
        pytest.param("case.json",
                     '{"as_of": "2026-11-20", "facts": {"platelets": "120000 /uL",'
                     ' "rbc_transfusions": [{"date": "2026-12-01", "units": 2}]}}',
                     ["facts.rbc_transfusions[0].date"], id="future-transfusion-json"),
    ],
)
def test_bad_case_file(tmp_path: Path, name: str, text: str, needles: list[str]) -> None:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    assert_clean_error(run("evaluate", path, "--drug", "luspatercept"), *needles)


def test_unknown_drug_lists_known_drugs() -> None:
    proc = run("evaluate", EXAMPLE, "--drug", "aspirin")
    assert_clean_error(proc, "drug", "aspirin", "Known drugs", "luspatercept")


def test_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-case.yaml"
    assert_clean_error(run("evaluate", missing, "--drug", "luspatercept"),
                       "no-such-case.yaml", "no such file")


def test_bad_as_of_option() -> None:
    proc = run("evaluate", EXAMPLE, "--drug", "luspatercept", "--as-of", "10/11/2026")
    assert_clean_error(proc, "--as-of", "YYYY-MM-DD")


def test_as_of_option_makes_a_date_future(tmp_path: Path) -> None:
    # the example's hemoglobin is dated 2026-11-10: an earlier --as-of makes it future
    proc = run("evaluate", EXAMPLE, "--drug", "luspatercept", "--as-of", "2026-11-01")
    assert_clean_error(proc, "facts.", "after the evaluation date 2026-11-01")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["evaluate", EXAMPLE], "--drug", id="missing-drug-option"),
        pytest.param(["evaluate", EXAMPLE, "-d", "luspatercept", "--format", "pdf"], "--format",
                     id="bad-format"),
        pytest.param(["evalute", EXAMPLE], "evalute", id="unknown-command"),
    ],
)
def test_usage_errors(args: list[str | Path], needle: str) -> None:
    assert_clean_error(run(*args), needle)
