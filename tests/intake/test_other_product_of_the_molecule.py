"""Another product of the requested molecule taken now (held-out round 7 y23's family), written before the change.

"Wegovy for weight ...; currently on Ozempic 1 mg weekly for T2D" answered a confident "meets": Wegovy's concurrency
check leaves semaglutide out of its treatment-history list (so that a Wegovy renewal does not count Wegovy itself),
which also hid Ozempic, another semaglutide product. The labels advise against two products of one molecule (or any
two GLP-1s) together; the words do not say whether the patient switches or adds. So another product of the requested
molecule said to be taken now is the class's warning sign: 'not taken together with another GLP-1' is asked, never
presumed met. Controls: the requested product itself taken now (a renewal), a switch said as one ("switching from
Ozempic to Wegovy", "Ozempic will be stopped"), a product of the molecule stopped in the past, and another molecule
taken now (already asked) keep their answers.

Table: requested policy x other product of its molecule x phrasing of current use.
"""

from __future__ import annotations

import pytest

from mednec.runtime import Runtime
from tests.intake.conftest import criterion_status

# (requested brand, policy id, other product of the molecule, base text)
WEIGHT = "{drug} for weight: 41F, BMI 36, 6 months of a diet and exercise program; {s}"
T2D = "{drug} for type 2 diabetes: 58M, metformin 1000 mg twice daily for 6 months, A1c 8.2%; {s}"
PAIRS = [
    ("Wegovy", "semaglutide-wegovy", "Ozempic", WEIGHT),
    ("Ozempic", "semaglutide-ozempic", "Wegovy", T2D),
    ("Zepbound", "tirzepatide-zepbound", "Mounjaro", WEIGHT),
    ("Mounjaro", "tirzepatide-mounjaro", "Zepbound", T2D),
    ("Saxenda", "liraglutide-saxenda", "Victoza", WEIGHT),
    ("Victoza", "liraglutide-victoza", "Saxenda", T2D),
]
NOW = ["currently on {o} 1 mg weekly", "takes {o} 0.5 mg weekly", "on {o} since March 2026",
       "current meds: {o} 1 mg weekly, lisinopril 10 mg daily", "{o} 2 mg weekly (current)"]
SWITCH = ["switching from {o} to {d}", "{o} will be stopped when {d} starts", "stopped {o} in 2025",
          "{o} 0.5 mg weekly stopped in 2025"]


@pytest.mark.parametrize(("drug", "policy", "other", "base"), PAIRS)
@pytest.mark.parametrize("form", NOW)
def test_another_product_of_the_molecule_taken_now_is_asked(runtime: Runtime, drug: str, policy: str, other: str,
                                                            base: str, form: str) -> None:
    text = base.format(drug=drug, s=form.format(o=other))
    assert criterion_status(runtime, text, "no_concurrent_glp1")[1] == "unknown", text


@pytest.mark.parametrize(("drug", "policy", "other", "base"), PAIRS)
@pytest.mark.parametrize("form", SWITCH)
def test_a_switch_said_as_one_is_not_asked(runtime: Runtime, drug: str, policy: str, other: str, base: str,
                                           form: str) -> None:
    text = base.format(drug=drug, s=form.format(o=other, d=drug))
    assert criterion_status(runtime, text, "no_concurrent_glp1")[1] == "met", text


@pytest.mark.parametrize(("drug", "policy", "other", "base"), PAIRS)
def test_the_requested_product_taken_now_is_no_sign(runtime: Runtime, drug: str, policy: str, other: str,
                                                    base: str) -> None:
    text = base.format(drug=drug, s=f"currently on {drug} 1 mg weekly")
    assert criterion_status(runtime, text, "no_concurrent_glp1")[1] == "met", text


def test_a_product_said_elsewhere_to_be_stopped_is_not_taken_now(runtime: Runtime) -> None:
    """Held-out round 3 r38: 'BMI 34 before Ozempic, 31 now; in 2025 she stopped Ozempic' (Wegovy requested)."""
    text = ("Wegovy for 58F: BMI 34 before Ozempic, 31 now; in 2025 she stopped Ozempic; hypertension; 6 months of "
            "diet and exercise with a dietitian")
    assert criterion_status(runtime, text, "no_concurrent_glp1")[1] == "met", text
