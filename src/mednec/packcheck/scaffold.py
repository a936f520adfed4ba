"""``mednec packs new NAME``: a working pack skeleton an author edits into a real pack.

The skeleton is complete -- one policy with a pathway, a condition, a lab fact with two units and
text names, vocabulary, a reference, evidence for documents and eight test cases covering every
determination -- and the record of its policy version's logic digest (``policy-versions.yaml``), so
``mednec --packs-dir DIR policies check`` passes before any edit, and every file shows the format
it uses. Its reference is a placeholder that says so; a real pack replaces
it (and every criterion's citation) with the label, guideline or payer policy it rests on.
"""

from __future__ import annotations

import re
from pathlib import Path

from mednec.errors import CaseFormatError
from mednec.packcheck.versions import render_record
from mednec.policies.logic import RECORD_FILE, logic_digest
from mednec.states import Verdict
from mednec.yaml_loader import load_user_yaml

__all__ = ["write_pack"]

_ID = re.compile(r"[a-z][a-z0-9_]{1,40}")


def _pack_yaml(name: str, folder: str) -> str:
    return f"""# The pack: id, title, version, its policy folders and (optionally) the guideline treatment
# sequence, drug classes and drugs no policy covers (see mednec/policies/loader.py).
id: {name}
title: "{name.replace('_', ' ').capitalize()} (replace with the clinical area)"
version: "0.1"
policies: [{folder}]
sequence: []
drug_classes: {{}}
"""


def _facts_yaml(name: str) -> str:
    return f"""# The pack's facts, added to the core fact dictionary (mednec/facts/dictionary.yaml describes the
# format). Core facts every pack may read: birth_date, age, sex, diagnosis, weight, height,
# medication_history. `names` makes a fact readable from questions, notes and FHIR code texts.
version: "0.1"

documents:
  {name}_lab_report: Laboratory report with date stating the {name} marker

extends:
  diagnosis:
    values:
      {name}_condition: {{label: "{name.replace('_', ' ')} condition", synonyms: [{name.replace('_', ' ')} disease], codes: []}}
      {name}_other: {{label: "another condition the policy does not cover", codes: []}}

facts:
  {name}_marker:
    label: {name.replace('_', ' ').capitalize()} marker
    type: number
    unit: mg/dL
    units: {{mg/dL: 1, g/L: 100}}
    range: [0, 10000]
    names: [{name.replace('_', ' ')} marker, {name[:3].upper()}M]
    document: {name}_lab_report
    question: What is the latest {name.replace('_', ' ')} marker (with its date)?
"""


def _vocabulary_yaml(name: str, drug: str) -> str:
    return f"""# How questions and notes name this pack's drugs and conditions (mednec/policies/vocabulary.py).
drug_aliases:
  {drug}: [{drug}-xyz]
conditions:
  {name}_condition: [{name.replace('_', ' ')} syndrome]
outside_conditions: []
outside_drugs: []
"""


def _references_yaml(name: str) -> str:
    return f"""# Every `cite:` resolves here (mednec/policies/references.py: kind, title, year, issuer, url, ...).
{name}-placeholder:
  kind: decision
  title: "PLACEHOLDER: replace with the label, guideline or payer policy each criterion rests on"
  issuer: the pack author
  year: 2026
  status: unverified
"""


def _policy_yaml(name: str, pid: str, drug: str) -> str:
    return f"""id: {pid}
version: "0.1.0"
effective_date: 2026-01-01
title: {drug.capitalize()} for {name.replace('_', ' ')} condition (skeleton; replace every criterion and citation)
label_status: Skeleton policy written by `mednec packs new`.
drug:
  generic: {drug}
  brands: [{drug.capitalize()}brand]
conditions:
  - {{system: mednec, code: {name}_condition, display: "{name.replace('_', ' ')} condition"}}
common:
  - id: adult
    text: Adult (18 years or older)
    fact: age
    ge: 18
    cite: [{name}-placeholder]
pathways:
  - id: marker_high
    name: Marker at or above the threshold
    cite: [{name}-placeholder]
    criteria:
      - id: diagnosed
        text: Diagnosis of {name.replace('_', ' ')} condition
        fact: diagnosis
        in: [{name}_condition]
        cite: [{name}-placeholder]
      - id: marker_at_least
        text: Marker at or above the policy's threshold
        fact: {name}_marker
        ge: {{param: marker_min}}
        unit: mg/dL
        cite: [{name}-placeholder]
parameters:
  marker_min:
    value: 100
    unit: mg/dL
    text: The lowest marker value the policy accepts
    cite: [{name}-placeholder]
initial_authorization:
  weeks: 26
  cite: [{name}-placeholder]
notes:
  - Skeleton written by `mednec packs new`; every criterion cites a placeholder to be replaced.
"""


def _evidence_yaml(name: str, pid: str) -> str:
    return f"""# Cited statements for documents (mednec/render/evidence.py); every criterion and pathway has plain words.
version: "0.1"
policies:
  {pid}:
    label: {name}-placeholder
    plain:
      name: the requested drug
      what: a skeleton treatment
      pathways:
        marker_high: your marker is high enough
      criteria:
        adult: you are 18 or older
        diagnosed: you have the condition
        marker_at_least: your marker is at or above the level the policy sets
"""


# (file name, title, age, diagnosis, marker value or None, marker unit, expected determination)
_CASES = (
    ("01-meets.yaml", "Adult with the condition, marker 150 mg/dL", 50, True, 150, "mg/dL", Verdict.MEETS),
    ("02-meets-at-threshold.yaml", "Marker exactly at 100 mg/dL", 40, True, 100, "mg/dL", Verdict.MEETS),
    ("03-meets-si-units.yaml", "Marker 1.2 g/L (120 mg/dL)", 61, True, 1.2, "g/L", Verdict.MEETS),
    ("04-not-met-marker-low.yaml", "Marker 99 mg/dL, below the threshold", 45, True, 99, "mg/dL",
     Verdict.NOT_MET),
    ("05-not-met-minor.yaml", "Age 16", 16, True, 150, "mg/dL", Verdict.NOT_MET),
    ("06-not-met-other-condition.yaml", "Another condition", 50, False, 150, "mg/dL",
     Verdict.NOT_MET),
    ("07-insufficient-no-marker.yaml", "Marker not documented", 50, True, None, "mg/dL", Verdict.INSUFFICIENT),
    ("08-not-met-marker-si-low.yaml", "Marker 0.5 g/L (50 mg/dL)", 70, True, 0.5, "g/L",
     Verdict.NOT_MET),
)


def _case_yaml(name: str, title: str, age: int, diagnosed: bool, value: float | None, unit: str,
               expect: Verdict) -> str:
    lines = [f"name: {title}", "phase: initial", "as_of: 2026-11-20", "case:", "  patient: {sex: female}",
             "  facts:", f"    age: {age}"]
    lines.append(f"    diagnosis: {name}_condition" if diagnosed else f"    diagnosis: {name}_other")
    if value is not None:
        lines.append(f"    {name}_marker: {{value: {value}, unit: {unit}, date: 2026-11-01}}")
    lines += ["expect:", f"  determination: {expect}"]
    if expect is Verdict.MEETS:
        lines.append("  pathway: marker_high")
    return "\n".join(lines) + "\n"


def write_pack(directory: Path, name: str, drug: str = "exampledrug") -> Path:
    """Write the skeleton of pack ``name`` under ``directory`` (created); refuses an existing folder."""
    if not _ID.fullmatch(name):
        raise CaseFormatError("a pack id is 2-41 lower-case letters, digits or underscores, starting with a letter",
                              field="name")
    if not re.fullmatch(r"[a-z][a-z0-9 -]{1,40}", drug):
        raise CaseFormatError("a drug name is 2-41 lower-case letters, digits, spaces or hyphens", field="drug")
    folder = directory / name
    if folder.exists():
        raise CaseFormatError("already exists; choose another name or folder", field=str(folder))
    drug_folder = re.sub(r"[^a-z0-9]+", "_", drug)
    pid = f"{drug_folder.replace('_', '-')}-{name.replace('_', '-')}"
    (folder / drug_folder / "cases").mkdir(parents=True)
    files = {
        "pack.yaml": _pack_yaml(name, drug_folder),
        "facts.yaml": _facts_yaml(name),
        "vocabulary.yaml": _vocabulary_yaml(name, drug),
        "references.yaml": _references_yaml(name),
        "evidence.yaml": _evidence_yaml(name, pid),
        f"{drug_folder}/policy.yaml": _policy_yaml(name, pid, drug),
    }
    for fname, title, age, dx, value, unit, expect in _CASES:
        files[f"{drug_folder}/cases/{fname}"] = _case_yaml(name, title, age, dx, value, unit, expect)
    for rel, text in files.items():
        (folder / rel).write_text(text, "utf-8")
    policy_raw = load_user_yaml(files[f"{drug_folder}/policy.yaml"])  # the policy's logic digest, recorded
    record = {str(policy_raw["id"]): {str(policy_raw["version"]): logic_digest(policy_raw)}}
    (folder / RECORD_FILE).write_text(render_record(record), "utf-8")
    return folder
