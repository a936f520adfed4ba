"""Family tests (held-out round 4, f55, f49 and the round-3 leftover r46).

- A diagnosis word whose code a condition fact lists ("hyperlipidemia", "mixed hyperlipidemia": E78.5 / E78.2,
  listed by the GLP-1 comorbidity ``dyslipidemia``) gives the fact beside the diagnosis, as "dyslipidemia" did:
  "Saxenda for BMI 27 with hyperlipidemia" asked for the comorbidity.
- A BMI-for-age percentile said as a bound ("her BMI is over the 99th percentile", "BMI is 36, which his
  pediatrician says is above the 99th percentile") is read as its floor, only when the BMI is what the bound is
  about ("LDL above the 99th percentile" is no BMI percentile)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


def _facts(text: str, runtime: Runtime) -> dict[str, object]:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    return {f.fact: f.value for f in u.facts}


@pytest.mark.parametrize(("drug", "word"), itertools.product(
    ["Wegovy", "Zepbound", "Saxenda"], ["hyperlipidemia", "hyperlipidaemia", "mixed hyperlipidemia", "dyslipidemia",
                                        "mixed dyslipidemia"]))
def test_a_lipid_diagnosis_word_is_the_comorbidity(runtime: Runtime, drug: str, word: str) -> None:
    assert _facts(f"{drug} for BMI 28 with {word} on a statin, 3 months of diet and exercise", runtime).get("dyslipidemia") is True


@pytest.mark.parametrize("text", ["Wegovy for BMI 28, no hyperlipidemia, 3 months of diet",
                                  "Wegovy for BMI 28, mother has hyperlipidemia, 3 months of diet",
                                  "Wegovy for BMI 28 (E78.5 coded in error?), 3 months of diet"])
def test_a_negated_or_relatives_lipid_word_gives_no_comorbidity(runtime: Runtime, text: str) -> None:
    assert _facts(text, runtime).get("dyslipidemia") is not True


BOUNDS = ["is over the {p}th percentile", "is above the {p}th percentile", "over the {p}th percentile",
          "is 36, which his pediatrician says is above the {p}th percentile", "is greater than the {p}th percentile",
          "> {p}th percentile", "is at or above the {p}th percentile"]


@pytest.mark.parametrize(("bound", "p"), itertools.product(BOUNDS, (95, 97, 99)))
def test_a_bmi_percentile_bound_is_its_floor(runtime: Runtime, bound: str, p: int) -> None:
    f = _facts(f"Wegovy for my 14-year-old son, his BMI {bound.format(p=p)}, 6 months of a weight program", runtime)
    assert f.get("bmi_percentile") == p


@pytest.mark.parametrize("text", ["Praluent for 30M whose LDL has been above the 99th percentile for his age",
                                  "Wegovy for 14 yo with BMI 36; his height is above the 97th percentile",
                                  "Repatha: LDL-C over the 95th percentile, 16 year old with HeFH"])
def test_a_bound_about_another_measure_is_no_bmi_percentile(runtime: Runtime, text: str) -> None:
    assert "bmi_percentile" not in _facts(text, runtime)
