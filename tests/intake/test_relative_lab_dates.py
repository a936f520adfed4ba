"""A lab value dated relative to today (family from the held-out LDL set, tests/heldout h34: "LDL 190 mg/dL
drawn 8 months ago" was taken as current, so a 240-day-old LDL-C passed the 120-day recency rule)."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)


@pytest.mark.parametrize(("words", "days"), [("drawn 8 months ago", 243.5), ("(3 weeks ago)", 21), (", checked 10 days ago", 10),
                                            ("measured 2 years ago", 730.5), ("from about 5 months ago", 152.2)])
@pytest.mark.parametrize("lab", ["LDL 190 mg/dL", "LDL-C 4.9 mmol/L", "HbA1c 8.1%", "BMI 33"])
def test_the_value_takes_the_date(runtime: Runtime, lab: str, words: str, days: float) -> None:
    u = understand(f"Leqvio, {lab} {words}", runtime.catalog, runtime.dictionary, AS_OF)
    dated = [f.date for f in u.facts if f.fact in ("ldl_c", "hba1c", "bmi")]
    assert len(dated) == 1 and dated[0] is not None and abs((AS_OF - dated[0]).days - days) <= 12, (lab, words, dated)


def test_an_old_ldl_fails_the_recency_rule(runtime: Runtime) -> None:
    a = answer("Leqvio, LDL 190 mg/dL drawn 8 months ago, prior MI, Lipitor 80 mg daily for 1 yr", runtime, as_of=AS_OF)
    assert a.determination is not None and a.determination.criterion("ldl_recent").status.value == "not_met"


def test_an_undated_value_stays_undated(runtime: Runtime) -> None:
    u = understand("Leqvio, LDL 190 mg/dL, prior MI", runtime.catalog, runtime.dictionary, AS_OF)
    assert [f.date for f in u.facts if f.fact == "ldl_c"] == [None]
