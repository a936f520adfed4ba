"""`mednec ask` and `mednec extract` through the real command line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from mednec.runtime import Runtime

HERE = Path(__file__).resolve().parent
NOTE = HERE / "notes" / "n01-luspatercept-after-esa.txt"
ROOT = HERE.parents[1]


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``python -m mednec ARGS`` as a user runs it (no debug tracebacks, 80 columns)."""
    env = {k: v for k, v in os.environ.items() if k != "MEDNEC_DEBUG"}
    env["COLUMNS"] = "80"
    return subprocess.run([sys.executable, "-m", "mednec", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_ask_text_shows_what_was_understood_then_the_determination() -> None:
    proc = run("ask", "Is Reblozyl medically necessary for a 70-year-old man with MDS-RS, Hb 8.1, hemoglobin below 10?",
               "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.index("What I understood") < out.upper().index("INSUFFICIENT INFORMATION")
    assert '"70-year-old man"' in out and '"Hb 8.1"' in out
    assert "bound, not a measured value" in out


def test_ask_json_has_the_evaluate_keys_plus_understood() -> None:
    ev = run("evaluate", ROOT / "examples" / "luspatercept-first-line.yaml", "--drug", "reblozyl", "--format", "json")
    proc = run("ask", "luspatercept for MDS-RS, RS 20%, EPO 210", "--format", "json", "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(json.loads(ev.stdout)) | {"understood"} == set(data)
    facts = {f["fact"]: f for f in data["understood"]["facts"]}
    assert facts["serum_epo"]["span"]["text"] == "EPO 210"
    assert data["determination"] == "insufficient_information"
    assert any("question" in q.lower() or q for q in data["missing_documentation"][0]["questions"])


def test_ask_outside_the_pack_exits_0_with_closest_questions() -> None:
    proc = run("ask", "What is the immediate management for thyroid storm?", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["determination"] is None and data["answer"] == "no_policy"
    assert data["message"].startswith("no computable policy for this")
    assert len(data["closest_questions"]) == 3
    text = run("ask", "Is azacitidine medically necessary for higher-risk MDS?").stdout
    assert "no computable policy for this" in text and "Questions mednec can answer" in text


def test_ask_markdown() -> None:
    proc = run("ask", "Aranesp for MDS, Hb 9, EPO 40, IPSS-R low, symptomatic, ESA-naive", "--format", "markdown",
               "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("## What I understood")
    assert "**Determination: Meets criteria**" in proc.stdout


def test_ask_with_a_note_the_newer_value_wins_and_the_conflict_is_shown() -> None:
    proc = run("ask", "Is Reblozyl still appropriate? Her Hb is 7.2 now.", "--note", NOTE, "--format", "json",
               "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    hb = next(f for f in data["facts"] if f["fact"] == "hemoglobin")
    assert hb["value"] == 7.2
    conflict = next(c for c in data["understood"]["conflicts"] if c["fact"] == "hemoglobin")
    assert conflict["kept"]["value"] == 7.2 and conflict["dropped"]["value"] == 8.1
    assert data["understood"]["sources"] == [f"note {NOTE.name}", "question"]


def test_ask_with_drug_option() -> None:
    proc = run("ask", "MDS-RS, IPSS-R low", "--drug", "Reblozyl", "--format", "json", "--as-of", "2026-11-20")
    assert json.loads(proc.stdout)["policy"]["id"] == "luspatercept-mds"


def test_extract_yaml_is_a_case_file_that_evaluates(tmp_path: Path, runtime: Runtime) -> None:
    proc = run("extract", NOTE, "--as-of", "2026-11-20")
    assert proc.returncode == 0, proc.stderr
    case_file = tmp_path / "case.yaml"
    case_file.write_text(proc.stdout, "utf-8")
    data = yaml.safe_load(proc.stdout)
    assert 'Hemoglobin 8.1 g/dL' in data["facts"]["hemoglobin"]["source"]
    ev = run("evaluate", case_file, "--drug", "Reblozyl", "--format", "json")
    assert ev.returncode == 0, ev.stderr
    assert json.loads(ev.stdout)["determination"] == "meets_criteria"


def test_extract_json() -> None:
    proc = run("extract", NOTE, "--format", "json", "--as-of", "2026-11-20")
    data = json.loads(proc.stdout)
    assert set(data) == {"case", "understood", "not_used", "conflicts", "drug"}
    text = NOTE.read_text("utf-8")
    for f in data["understood"]:
        assert text[f["span"]["start"]:f["span"]["end"]] == f["span"]["text"]


def test_extract_missing_file_is_a_clean_error() -> None:
    proc = run("extract", "no-such-note.txt")
    assert proc.returncode == 2 and "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_evaluate_cold_start_does_not_import_spacy() -> None:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mednec", "evaluate", str(ROOT / "examples" / "luspatercept-first-line.yaml"),  # noqa: E501
         "--drug", "reblozyl", "--format", "json"], capture_output=True, text=True, timeout=60, check=True)
    imported = [line.split("|")[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")]
    assert not [m for m in imported if m.split(".")[0] in ("spacy", "medspacy", "thinc")]
    assert "mednec.intake.notes" not in imported
