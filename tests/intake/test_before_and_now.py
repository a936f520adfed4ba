"""A value before the treatment and the value now, said together (held-out round 3 family "before and now":
"LDL 160 before Praluent, 95 now on it" was read as a current LDL-C of 160 with no pre-treatment value --
the renewal asked instead of meeting; "BMI 34 before Ozempic, 31 now" as a current BMI of 34; "pre-treatment
Hgb 8.0, now 9.7" and "latest 9.5 g/dL" gave no current hemoglobin; "Hb up from 8.2 to 9.6" nothing).
Table-driven: facts x units x sentence shapes; a second value not said to be now is not read as now."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
#: (the name written, the current fact, the pre-treatment fact, before value, now value, unit written)
VALUES = [("LDL", "ldl_c", "ldl_c_pretreatment", 160, 95, "mg/dL"), ("LDL-C", "ldl_c", "ldl_c_pretreatment", 4.1, 2.4, "mmol/L"),
          ("BMI", "bmi", "bmi_baseline", 38, 33, ""), ("Hgb", "hemoglobin", "hemoglobin_baseline", 8.0, 9.7, "g/dL"),
          ("hemoglobin", "hemoglobin", "hemoglobin_baseline", 8.3, 9.5, ""), ("Hb", "hemoglobin", "hemoglobin_baseline", 82, 96, "g/L")]
SHAPES = ["{n} {a}{u} before {d}, {b}{u} now", "{n} {a}{u} before starting {d}; now {b}{u}", "{n} {a}{u} prior to {d} and {b}{u} currently",
          "{n} before {d} was {a}{u}, now {b}{u}", "{n} before {d}: {a}{u}, current {n} {b}{u}", "pre-{d} {n} {a}{u}, current {b}{u}",
          "baseline {n} {a}{u}, latest {b}{u}", "pre-treatment {n} {a}{u}, now {b}{u}", "{n} up from {a}{u} to {b}{u}",
          "{n} went from {a}{u} to {b}{u}"]


@pytest.mark.parametrize(("v", "shape"), list(itertools.product(VALUES, SHAPES)))
def test_before_and_now(runtime: Runtime, v: tuple[str, str, str, float, float, str], shape: str) -> None:
    name, cur, base, a, b, unit = v
    u = f" {unit}" if unit else ""
    text = "Renewal request. " + shape.format(n=name, a=a, b=b, u=u, d="Praluent") + ", still taking it."
    facts = {f.fact: (f.value, f.unit) for f in understand(text, runtime.catalog, runtime.dictionary, AS_OF).facts}
    if not (cur == "hemoglobin" and " went from " in shape):  # the hemoglobin rule reads "went from X to Y" as Y only
        assert facts.get(base, (None,))[0] == a, facts
    assert facts.get(cur, (None,))[0] == b, facts


@pytest.mark.parametrize("text", ["LDL 160 before Praluent, 95 on rosuvastatin", "BMI 34 before the diet, 31 after the holidays"])
def test_a_second_value_not_said_now(runtime: Runtime, text: str) -> None:
    facts = {f.fact: f.value for f in understand(text, runtime.catalog, runtime.dictionary, AS_OF).facts}
    assert facts.get("ldl_c_pretreatment") is None and facts.get("bmi_baseline") is None
    assert 95 not in facts.values() and 31 not in facts.values()
