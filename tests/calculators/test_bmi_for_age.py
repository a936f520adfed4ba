"""BMI-for-age percentile (CDC 2000 growth charts, LMS method), ages 10 to 20 years.

Published values it is checked against:
* CDC, "Defining Child BMI Categories": a 10-year-old boy 54.5 in tall weighing 96 lb has a BMI
  of 22.5 at the 96th percentile; a 15-year-old girl 63.7 in tall weighing 210 lb has a BMI of
  36.4 at the 99th percentile.
* CDC's own printed 85th and 95th percentiles in the bmiagerev file, for every shipped row: the
  percentile of the printed BMI is 85 (95), and the LMS formula gives back the printed BMI.
And the table itself: it covers every month from 120 to 240 for both sexes, ages increase, and
L, M and S change smoothly from row to row (a mistyped value would stand out).
"""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.calculators.bmi import bmi
from mednec.calculators.bmi_for_age import (
    FIRST_MONTH,
    LAST_MONTH,
    bmi_at_percentile,
    bmi_for_age,
    completed_months,
    lms,
    rows,
)

LB, INCH = 0.45359237, 2.54


@pytest.mark.parametrize(
    ("bmi_value", "sex", "months", "cdc_percentile"),
    [
        (22.5, "male", 120, 96),                          # CDC example, BMI as CDC states it
        (bmi(96 * LB, 54.5 * INCH), "male", 120, 96),     # the same boy from his weight and height (22.7)
        (36.4, "female", 180, 99),                        # CDC example, BMI as CDC states it
        (bmi(210 * LB, 63.7 * INCH), "female", 180, 99), # the same girl from her weight and height
    ],
)
def test_cdc_worked_examples(bmi_value: float, sex: str, months: int, cdc_percentile: int) -> None:
    r = bmi_for_age(bmi_value, sex, months)
    assert round(r.percentile) == cdc_percentile
    assert r.percentile >= 95  # both are obesity by CDC's definition


def test_the_15_year_old_girl_is_over_120_percent_of_the_95th() -> None:
    r = bmi_for_age(36.4, "female", 180)
    assert r.p95 == pytest.approx(28.12369169, abs=1e-6)  # CDC's printed P95 at 180.5 months
    assert r.percent_of_p95 == pytest.approx(36.4 / 28.12369169 * 100, rel=1e-6)
    assert r.percent_of_p95 >= 120  # severe obesity by CDC's definition


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r.sex}-{r.agemos}")
def test_every_row_gives_back_cdcs_printed_percentiles(row: object) -> None:
    from mednec.calculators.bmi_for_age import Lms

    assert isinstance(row, Lms)
    assert bmi_at_percentile(row, 85) == pytest.approx(row.p85, abs=1e-6)
    assert bmi_at_percentile(row, 95) == pytest.approx(row.p95, abs=1e-6)


def test_the_table_covers_every_month_and_is_smooth() -> None:
    table = rows()
    assert len(table) == 2 * (LAST_MONTH - FIRST_MONTH + 1) + 2  # + the exact-240.0 row of each sex
    for sex in ("male", "female"):
        got = [lms(sex, m) for m in range(FIRST_MONTH, LAST_MONTH + 1)]
        assert [r.agemos for r in got] == [m + 0.5 for m in range(FIRST_MONTH, LAST_MONTH + 1)]
        for key, limit in (("m", 0.002), ("l", 0.002), ("s", 0.0001)):
            values = [getattr(r, key) for r in got]
            steps = [b - a for a, b in zip(values, values[1:], strict=False)]
            bends = [abs(b - a) for a, b in zip(steps, steps[1:], strict=False)]
            assert max(bends) < limit, (sex, key)


@pytest.mark.parametrize(("sex", "months"), [("male", 120), ("female", 150), ("male", 197), ("female", 240)])
def test_the_95th_percentile_boundary(sex: str, months: int) -> None:
    p95 = lms(sex, months).p95
    assert bmi_for_age(p95, sex, months).percentile == pytest.approx(95.0, abs=1e-5)
    assert bmi_for_age(p95 - 0.01, sex, months).percentile < 95
    assert bmi_for_age(p95 + 0.01, sex, months).percentile > 95


def test_the_median_is_the_50th_percentile() -> None:
    row = lms("female", 160)
    assert bmi_for_age(row.m, "female", 160).percentile == pytest.approx(50.0, abs=1e-9)


@pytest.mark.parametrize("sex", ["male", "female"])
def test_percentile_rises_with_bmi_and_falls_with_age_in_adolescence(sex: str) -> None:
    by_bmi = [bmi_for_age(b, sex, 168).percentile for b in (18, 21, 24, 27, 30, 35, 40)]
    assert by_bmi == sorted(by_bmi) and len(set(by_bmi)) == len(by_bmi)
    by_age = [bmi_for_age(26.0, sex, m).percentile for m in range(144, 216, 12)]
    assert by_age == sorted(by_age, reverse=True)


@pytest.mark.parametrize(
    ("born", "on", "months"),
    [
        (dt.date(2011, 3, 15), dt.date(2026, 3, 14), 179),
        (dt.date(2011, 3, 15), dt.date(2026, 3, 15), 180),
        (dt.date(2010, 6, 15), dt.date(2026, 12, 1), 197),
        (dt.date(2012, 1, 31), dt.date(2026, 2, 28), 168),  # no 31 February: the month is not complete
    ],
)
def test_completed_months(born: dt.date, on: dt.date, months: int) -> None:
    assert completed_months(born, on) == months


@pytest.mark.parametrize(
    ("sex", "months", "message"),
    [
        ("male", FIRST_MONTH - 1, "120-240 months"),
        ("female", LAST_MONTH + 1, "120-240 months"),
        ("other", 150, "male or female"),
        ("unknown", 150, "male or female"),
    ],
)
def test_outside_the_table_is_refused(sex: str, months: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        bmi_for_age(25.0, sex, months)


# --- the GLP-1 pack's registration: which cases it computes for, and what it says ---------------

def _derived(**patient_and_facts: object) -> object:
    from mednec.runtime import Runtime

    rt = Runtime.load()
    patient = {k: patient_and_facts.pop(k) for k in ("sex", "birth_date") if k in patient_and_facts}
    case = rt.parse_case({"patient": patient, "facts": patient_and_facts}, as_of=dt.date(2026, 12, 1))
    policy = rt.catalog.policy("semaglutide-wegovy")
    return rt.evaluate(case.facts, policy)


def test_the_pack_computes_the_percentile_from_date_of_birth_and_says_how() -> None:
    det = _derived(sex="female", birth_date="2012-03-10", weight="80 kg", height="165 cm")
    fv = det.fact_set.get("bmi_percentile")  # type: ignore[attr-defined]
    assert fv is not None and fv.derived
    assert fv.value == pytest.approx(bmi_for_age(bmi(80, 165), "female", 176).percentile, abs=0.01)
    assert fv.value >= 95
    assert "14 years 8 months" in fv.provenance.detail and "CDC 2000 BMI-for-age" in fv.provenance.detail


def test_no_percentile_and_no_note_for_an_adult() -> None:
    det = _derived(sex="male", birth_date="1980-01-01", bmi="32 kg/m2")
    assert det.fact_set.get("bmi_percentile") is None  # type: ignore[attr-defined]
    assert not [n for n in det.notes if "BMI-for-age" in n]  # type: ignore[attr-defined]


def test_under_ten_the_note_says_why_nothing_was_computed() -> None:
    det = _derived(sex="male", birth_date="2018-01-01", bmi="22 kg/m2")
    assert det.fact_set.get("bmi_percentile") is None  # type: ignore[attr-defined]
    assert [n for n in det.notes if "BMI-for-age" in n and "120-240 months" in n]  # type: ignore[attr-defined]
