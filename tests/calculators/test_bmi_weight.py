"""BMI and percent weight change.

BMI worked examples from the CDC's "About Adult BMI" page: weight 68 kg and height 165 cm
give 68 ÷ 1.65² = 24.98; weight 150 lb and height 5'5" (65 in) give 150 ÷ 65² × 703 = 24.96.
mednec converts pounds and inches first (1 lb = 0.45359237 kg, 1 in = 2.54 cm), so the
imperial example checks that conversion too. Adult classes (CDC): < 18.5, 18.5 - < 25,
25 - < 30, 30 - < 35, 35 - < 40, ≥ 40.
"""

from __future__ import annotations

import pytest

from mednec.calculators.bmi import bmi, bmi_class
from mednec.calculators.weight_change import percent_change, percent_loss

LB, INCH = 0.45359237, 2.54


@pytest.mark.parametrize(
    ("weight_kg", "height_cm", "expected"),
    [
        (68, 165, 24.98),                 # CDC metric example
        (150 * LB, 65 * INCH, 24.96),     # CDC pounds-and-inches example, converted
        (88, 165, 32.32),                 # 88 / 1.65² (the GLP-1 facts' first vignette)
    ],
)
def test_bmi_published_examples(weight_kg: float, height_cm: float, expected: float) -> None:
    assert round(bmi(weight_kg, height_cm), 2) == expected


@pytest.mark.parametrize(
    ("value", "klass"),
    [
        (18.49, "underweight"), (18.5, "healthy_weight"), (24.99, "healthy_weight"),
        (25.0, "overweight"), (29.99, "overweight"), (30.0, "obesity_class_1"),
        (34.99, "obesity_class_1"), (35.0, "obesity_class_2"), (39.99, "obesity_class_2"),
        (40.0, "obesity_class_3"), (62.0, "obesity_class_3"),
    ],
)
def test_bmi_classes_at_their_bounds(value: float, klass: str) -> None:
    assert bmi_class(value) == klass


def test_bmi_is_not_rounded_before_a_threshold() -> None:
    # 29.96 displays as 30.0 but is below 30: the comparison uses the unrounded value
    value = bmi(81.57, 165)
    assert round(value, 1) == 30.0 and value < 30


@pytest.mark.parametrize(("w", "h"), [(0, 170), (70, 0), (-1, 170)])
def test_bmi_rejects_impossible_inputs(w: float, h: float) -> None:
    with pytest.raises(ValueError):
        bmi(w, h)


@pytest.mark.parametrize(
    ("baseline", "current", "change"),
    [
        (102, 99, -2.94),    # the facts' continuation vignette: -2.9 %, below a 5 % rule
        (100, 95, -5.0),     # exactly 5 % lost
        (120, 126, 5.0),     # a gain is positive
        (88, 88, 0.0),
    ],
)
def test_percent_change(baseline: float, current: float, change: float) -> None:
    assert round(percent_change(baseline, current), 2) == change
    assert round(percent_loss(baseline, current), 2) == -change or change == 0


def test_percent_change_needs_a_positive_baseline() -> None:
    with pytest.raises(ValueError):
        percent_change(0, 80)
