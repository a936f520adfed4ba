"""Body mass index and adult BMI classes.

BMI = weight (kg) / height (m)²; in pounds and inches, weight (lb) / height (in)² × 703
(CDC, "About Adult BMI": 68 kg and 165 cm give 24.98; 150 lb and 65 in give 24.96). mednec
converts pounds and inches to kilograms and centimetres first (1 lb = 0.45359237 kg,
1 in = 2.54 cm), so one formula serves both.

Thresholds are compared on the unrounded value; BMI is rounded to one decimal only for
display. Adult classes (CDC): below 18.5 underweight, 18.5 to < 25 healthy weight, 25 to
< 30 overweight, 30 to < 35 obesity class 1, 35 to < 40 class 2, 40 or more class 3.
"""

from __future__ import annotations

__all__ = ["BMI_CITATION", "bmi", "bmi_class"]

BMI_CITATION = "cdc-adult-bmi"

_CLASSES = (
    (18.5, "underweight"),
    (25.0, "healthy_weight"),
    (30.0, "overweight"),
    (35.0, "obesity_class_1"),
    (40.0, "obesity_class_2"),
)


def bmi(weight_kg: float, height_cm: float) -> float:
    """Body mass index in kg/m².

    >>> round(bmi(68, 165), 2)
    24.98
    """
    if weight_kg <= 0 or height_cm <= 0:
        raise ValueError("weight and height must be positive")
    metres = height_cm / 100.0
    return weight_kg / (metres * metres)


def bmi_class(value: float) -> str:
    """The adult BMI class of ``value`` (kg/m²), e.g. ``obesity_class_1`` for 32.4."""
    for upper, name in _CLASSES:
        if value < upper:
            return name
    return "obesity_class_3"
