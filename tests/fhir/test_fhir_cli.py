"""`mednec fhir ...` through the real command line, and `mednec evaluate` not importing FHIR."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from tests.code_systems import UCUM

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "fhir"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "MEDNEC_DEBUG"}
    env["COLUMNS"] = "200"
    return subprocess.run([sys.executable, "-m", "mednec", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=120, check=False)


def test_to_case_yaml_is_a_case_file_with_provenance(tmp_path: Path) -> None:
    proc = run("fhir", "to-case", FIXTURES / "bundle-missing-epo.json")
    assert proc.returncode == 0, proc.stderr
    case = yaml.safe_load(proc.stdout)
    assert case["facts"]["hemoglobin"]["source"] == "FHIR Observation/hb-20261110"
    assert "#   hemoglobin <- Observation/hb-20261110" in proc.stdout
    assert "#   entry[10] Observation/hb-prelim: status is preliminary" in proc.stdout
    saved = tmp_path / "case.yaml"
    saved.write_text(proc.stdout)
    evaluated = run("evaluate", saved, "--drug", "luspatercept", "--format", "json")
    assert json.loads(evaluated.stdout)["determination"] == "insufficient_information"


def test_to_case_json() -> None:
    proc = run("fhir", "to-case", FIXTURES / "bundle-first-line.json", "--format", "json")
    data = json.loads(proc.stdout)
    assert set(data) == {"case", "provenance", "unmapped"}
    assert data["unmapped"] == [{"entry": 25, "resource": "Encounter/enc-1",
                                 "reason": "Encounter is not read by mednec"}]


def test_an_invalid_resource_is_listed_naming_the_field_and_the_rest_is_read() -> None:
    """Spec change (issue 15): an entry that is not valid FHIR is listed as not used, naming the
    field; the rest of the bundle is read (it was exit 2 for the whole bundle)."""
    proc = run("fhir", "to-case", FIXTURES / "bundle-invalid.json", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    unmapped = {u["resource"]: u["reason"] for u in json.loads(proc.stdout)["unmapped"]}
    assert "entry[1].resource(Observation/hb1).valueQuantity.value" in unmapped["Observation/hb1"]
    assert "Traceback" not in proc.stderr
    bad = run("fhir", "to-case", FIXTURES / "cds-order-sign-request.json")
    assert bad.returncode == 2 and "expected a FHIR Bundle" in bad.stderr


def test_questionnaire_then_apply_response(tmp_path: Path, answer_questionnaire: Callable[..., Any]) -> None:
    proc = run("fhir", "questionnaire", EXAMPLES / "luspatercept-missing-epo.yaml", "--drug", "Reblozyl")
    assert proc.returncode == 0, proc.stderr
    q = json.loads(proc.stdout)
    assert q["resourceType"] == "Questionnaire"
    qr = answer_questionnaire(q, {
        "serum_epo": {"value": 210, "unit": "mIU/mL", "system": UCUM, "code": "m[IU]/mL"},
        "serum_epo.date": "2026-10-02",
        "ring_sideroblasts_pct": {"value": 4, "unit": "%", "system": UCUM, "code": "%"},
        "sf3b1_mutation": False,
    })
    response = tmp_path / "qr.json"
    response.write_text(json.dumps(qr))
    merged = tmp_path / "merged.yaml"
    out = run("fhir", "apply-response", EXAMPLES / "luspatercept-missing-epo.yaml", response, "--drug", "Reblozyl",
              "--format", "json", "--save-case", merged)
    assert out.returncode == 0, out.stderr
    det = json.loads(out.stdout)
    assert det["determination"] == "meets_criteria"
    epo = next(f for f in det["facts"] if f["fact"] == "serum_epo")
    assert epo["provenance"]["source"] == "QuestionnaireResponse/qr-1 item serum_epo"
    assert yaml.safe_load(merged.read_text())["facts"]["sf3b1_mutation"]["value"] is False


def test_questionnaire_with_nothing_missing_exits_2() -> None:
    proc = run("fhir", "questionnaire", FIXTURES / "bundle-first-line.json", "--drug", "luspatercept")
    assert proc.returncode == 2
    assert "nothing to ask" in proc.stderr


def test_evaluate_on_a_yaml_case_does_not_import_fhir_resources() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from mednec.cli import app\n"
        f"r = CliRunner().invoke(app, ['evaluate', {str(EXAMPLES / 'luspatercept-first-line.yaml')!r},"
        " '--drug', 'luspatercept', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in sys.modules if m.startswith(('fhir', 'mednec.intake.fhir', 'mednec.fhir'))))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
