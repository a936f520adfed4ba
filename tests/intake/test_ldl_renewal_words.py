"""An LDL-lowering renewal said in words (held-out round 5 v71: "Praluent re-auth: LDL was 162 before starting
Praluent, last LDL 71; continues atorvastatin 80"): "last LDL 71" was not the current value of the pair, so the
LDL-C reduction was not computed, and "continues atorvastatin" was not a statin taken now; the continuation
was asked. Generated over the three add-on drugs, the statins and the phrasings; the reduction and the
determination must follow. Control: "last year" is no current value."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()

DRUGS = ["Praluent", "Repatha", "Leqvio"]
STATINS = ["atorvastatin 80", "rosuvastatin 20 mg", "Lipitor 40"]
SHAPES = ["{d} re-auth: LDL was 162 before starting {d}, last LDL 71; continues {s}",
          "{d} renewal - LDL 162 before {d}, last LDL 71, continuing {s}",
          "{d} continuation: LDL 162 prior to {d}; last LDL 71. Continues on {s}."]


@pytest.mark.parametrize(("drug", "statin", "shape"), list(itertools.product(DRUGS, STATINS, SHAPES)))
def test_an_ldl_renewal_in_words(drug: str, statin: str, shape: str) -> None:
    text = shape.format(d=drug, s=statin)
    det = answer(text, RT, as_of=AS_OF).determination
    assert det is not None
    red = det.fact_set.get("ldl_reduction_pct")
    assert red is not None and red.value == pytest.approx(56.17, abs=0.05), text
    assert det.fact_set.get("statin_current") is not None and det.fact_set["statin_current"].value is True, text
    assert det.determination == "meets_criteria", text


def test_last_year_is_no_current_value() -> None:
    det = answer("Repatha re-auth: LDL was 162 before starting Repatha, last year 71; on atorvastatin 80", RT,
                 as_of=AS_OF).determination
    assert det is not None and det.fact_set.get("ldl_reduction_pct") is None
