"""Family test (held-out round 4, f77): "His own LDL was 240 before any statin; now 150 on atorvastatin 80 mg"
read 240 as the current LDL-C (a value from before any treatment used as the on-therapy value, which can decide an
LDL threshold the wrong way) and no untreated value. An LDL-C said to be from before any statin / treatment /
lipid-lowering therapy, then a value now, gives the untreated LDL-C (the HeFH criterion's) and the current one;
before a named drug ("LDL 160 before Praluent, 95 now") it stays the pre-treatment value of that drug."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
BEFORE = ["before any statin", "before any statins", "before any treatment", "before any lipid-lowering therapy",
          "before any cholesterol medication", "prior to any statin", "before starting any statin"]
FORMS = ["LDL was {a} {b}; now {c} on atorvastatin 80 mg", "LDL {a} {b}, {c} now on rosuvastatin 40",
         "LDL-C {a} mg/dL {b}, now {c} mg/dL on atorvastatin 80"]


def _facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {f.fact: f.value for f in u.facts}


@pytest.mark.parametrize(("form", "before", "drug"), itertools.product(FORMS, BEFORE, ["Repatha", "Praluent", "Leqvio"]))
def test_an_ldl_before_any_treatment_is_the_untreated_value(runtime: Runtime, form: str, before: str, drug: str) -> None:
    f = _facts(f"{drug}: 38M, {form.format(a=240, b=before, c=150)} for 6 months", runtime)
    assert f.get("ldl_c_untreated") == 240
    assert f.get("ldl_c") == 150


@pytest.mark.parametrize("drug", ["Praluent", "Repatha"])
def test_before_the_drug_stays_its_pretreatment_value(runtime: Runtime, drug: str) -> None:
    f = _facts(f"{drug} renewal: LDL 160 before {drug}, 95 now on it", runtime)
    assert f.get("ldl_c_pretreatment") == 160 and f.get("ldl_c") == 95 and "ldl_c_untreated" not in f
