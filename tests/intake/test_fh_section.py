"""Family test (held-out round 4, fn06): a note's "FH:" line that names relatives ("FH: mother HTN, father
T2DM, MI at 68") is a family-history section: its conditions are the relatives' (the father's MI was read as
the patient's prior MI) and "FH" there is no familial hypercholesterolemia. "FH:" followed by FH findings (no
relative named) stays the patient's familial hypercholesterolemia."""

from __future__ import annotations

import pytest

from mednec.intake.notes import read_note
from mednec.runtime import Runtime
from tests.intake.conftest import AS_OF

HEAD = "Clinic note 11/10/2026\n58 y.o. male. BMI 33.\n"


def _read(text: str, runtime: Runtime) -> dict[str, object]:
    u = read_note(text, runtime.catalog, runtime.dictionary, AS_OF, name="fh.txt")
    return {f.fact: f.value for f in u.facts}


@pytest.mark.parametrize("line", [
    "FH: mother HTN, father T2DM, MI at 68.",
    "FH: father MI at 55, mother stroke at 70",
    "FH:\n  father - MI at 60, stroke\n  mother - hypertension",
    "Fh: brother with PAD and MI",
    "FH: sister with medullary thyroid cancer",
])
@pytest.mark.parametrize("fact", ["prior_mi", "prior_ischemic_stroke", "symptomatic_pad"])
def test_fh_with_relatives_is_family_history(runtime: Runtime, line: str, fact: str) -> None:
    facts = _read(HEAD + line + "\nPlan: Repatha.\n", runtime)
    assert fact not in facts
    assert facts.get("diagnosis") != "E78.01"


def test_a_relatives_mtc_under_fh_still_counts(runtime: Runtime) -> None:
    # the GLP-1 labels contraindicate a family history of MTC: a relative's MTC is the fact itself
    assert _read(HEAD + "FH: sister with medullary thyroid cancer\nPlan: Wegovy.\n", runtime).get("mtc_men2_history") is True


def test_fh_without_a_relative_is_familial_hypercholesterolemia(runtime: Runtime) -> None:
    facts = _read(HEAD + "FH: LDLR pathogenic variant, LDL 190 untreated\nPlan: Repatha.\n", runtime)
    assert facts.get("diagnosis") == "E78.01"
