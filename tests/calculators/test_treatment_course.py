"""Response on the requested treatment (continuation reviews).

Rules (module docstring of ``mednec.calculators.treatment_course``):

* weeks on treatment = days from the first dose to ``as_of`` / 7 (rounded to 0.1);
* the highest dose level and how many of the most recent *consecutive* doses were at it;
* pre-treatment units: the 16 weeks (112 days) before the first dose, start-112 .. start-1;
* on-treatment units: over the most recent 16 weeks of treatment, or all of it when shorter,
  scaled to 16 weeks. Day counting is inclusive, as in transfusion_burden: a course that
  started ``n`` days before ``as_of`` covers n + 1 calendar days (start .. as_of);
* reduced: on-treatment rate < pre-treatment units, judged only after >= 8 weeks on
  treatment; before that it is None (unknown), and so is the on-treatment rate.
"""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.calculators.transfusion_burden import Transfusion
from mednec.calculators.treatment_course import MIN_RESPONSE_WEEKS, Dose, treatment_course

START = dt.date(2026, 5, 1)


def d(n: int) -> dt.date:
    """The date ``n`` days after START (negative: before)."""
    return START + dt.timedelta(days=n)


def tx(n: int, units: float = 1) -> Transfusion:
    return Transfusion(d(n), units)


# --- doses at the highest level ----------------------------------------------------------
@pytest.mark.parametrize(
    ("levels", "max_dose", "at_max"),
    [
        pytest.param([1.0], 1.0, 1, id="single"),
        pytest.param([1.0, 1.0, 1.0], 1.0, 3, id="never-titrated"),
        # label titration 1 -> 1.33 -> 1.75 mg/kg, then 3 doses at 1.75
        pytest.param([1.0, 1.0, 1.33, 1.75, 1.75, 1.75], 1.75, 3, id="three-at-max"),
        pytest.param([1.0, 1.33, 1.75, 1.75], 1.75, 2, id="two-at-max"),
        # only the trailing run counts: an earlier dose at the top level does not
        pytest.param([1.75, 1.33, 1.75], 1.75, 1, id="interrupted-run"),
        pytest.param([1.75, 1.75, 1.33, 1.75, 1.75], 1.75, 2, id="interrupted-run-2"),
        # reduced after reaching the top: no dose at max at the end
        pytest.param([1.0, 1.75, 1.33], 1.75, 0, id="dose-reduced-after-max"),
    ],
)
def test_doses_at_max(levels: list[float], max_dose: float, at_max: int) -> None:
    doses = [Dose(d(21 * i), level) for i, level in enumerate(levels)]
    c = treatment_course(START, d(21 * len(levels)), doses, None)
    assert c.max_dose == max_dose
    assert c.doses_at_max == at_max
    assert c.dose_count == len(levels)


def test_doses_are_ordered_by_date_not_input_order() -> None:
    # dates: day 0 -> 1.0, day 21 -> 1.75, day 42 -> 1.75 (given shuffled)
    doses = [Dose(d(42), 1.75), Dose(d(0), 1.0), Dose(d(21), 1.75)]
    c = treatment_course(START, d(50), doses, None)
    assert (c.max_dose, c.doses_at_max, c.dose_count) == (1.75, 2, 3)


@pytest.mark.parametrize("doses", [None, []], ids=["no-record", "empty-record"])
def test_no_doses(doses: list[Dose] | None) -> None:
    c = treatment_course(START, d(30), doses, None)
    assert (c.max_dose, c.doses_at_max, c.dose_count) == (None, 0, 0)


# --- weeks on treatment ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days", "weeks"),
    [
        (0, 0.0),
        (1, 0.1),      # 1/7 = 0.14
        (55, 7.9),     # 7.857
        (56, 8.0),
        (184, 26.3),   # 26.29
    ],
)
def test_weeks(days: int, weeks: float) -> None:
    assert treatment_course(START, d(days), None, None).weeks == weeks


def test_as_of_before_start_counts_zero_weeks() -> None:
    c = treatment_course(START, d(-10), None, [tx(-20, 2)])
    assert c.weeks == 0.0
    assert c.reduced is None


# --- pre-treatment units: start-112 .. start-1 ------------------------------------------
@pytest.mark.parametrize(
    ("day", "counted"),
    [
        (-113, False),  # more than 16 weeks before the first dose
        (-112, True),   # the first day of the 16-week baseline
        (-56, True),
        (-1, True),     # the day before the first dose
        (0, False),     # the day of the first dose is on treatment
        (10, False),
    ],
)
def test_pretreatment_window_edges(day: int, counted: bool) -> None:
    c = treatment_course(START, d(120), None, [tx(day, 2)])
    assert c.units_16w_pretreatment == (2.0 if counted else 0.0)


def test_pretreatment_units_are_known_before_8_weeks() -> None:
    c = treatment_course(START, d(20), None, [tx(-100, 3), tx(-50, 3), tx(-1, 3)])
    assert c.units_16w_pretreatment == 9.0
    assert c.units_16w_on_treatment is None
    assert c.reduced is None


def test_no_transfusion_record_leaves_everything_unknown() -> None:
    c = treatment_course(START, d(200), [Dose(d(0), 1.0)], None)
    assert c.units_16w_pretreatment is None
    assert c.units_16w_on_treatment is None
    assert c.reduced is None


# --- on-treatment units, scaled to 16 weeks ---------------------------------------------
def test_docstring_example_reduced() -> None:
    # started 2026-05-01, as of 2026-11-01 (184 days): 9 units in the 16 weeks before,
    # 2 units in the last 16 weeks -> 2 per 16 weeks < 9 -> reduced. A transfusion early in
    # treatment (day 10, 174 days before as_of) is outside the last 16 weeks.
    as_of = dt.date(2026, 11, 1)
    transfusions = [tx(-100, 3), tx(-50, 3), tx(-1, 3), tx(10, 2),
                    Transfusion(as_of - dt.timedelta(days=30), 2)]
    c = treatment_course(START, as_of, None, transfusions)
    assert c.weeks == 26.3
    assert c.units_16w_pretreatment == 9.0
    assert c.units_16w_on_treatment == 2.0
    assert c.reduced is True


@pytest.mark.parametrize(
    ("day", "counted"),
    [
        (200 - 112, False),  # exactly 16 weeks before as_of: outside
        (200 - 111, True),   # first day of the last 16 weeks
        (200, True),         # as_of itself
    ],
)
def test_on_treatment_window_edges_after_16_weeks(day: int, counted: bool) -> None:
    c = treatment_course(START, d(200), None, [tx(day, 4)])
    # 112-day window, no scaling
    assert c.units_16w_on_treatment == (4.0 if counted else 0.0)


def test_on_treatment_units_scaled_when_shorter_than_16_weeks() -> None:
    # 69 days after the first dose = 70 calendar days on treatment (start .. as_of);
    # 5 units in them -> 5 * 112 / 70 = 8.0 per 16 weeks.
    c = treatment_course(START, d(69), None, [tx(0, 1), tx(30, 2), tx(69, 2)])
    assert c.weeks == 9.9
    assert c.units_16w_on_treatment == 8.0


def test_on_treatment_rate_rounded_to_2_decimals() -> None:
    # 97 days after start = 98 days on treatment; 1 unit -> 112 / 98 = 1.142857 -> 1.14
    c = treatment_course(START, d(97), None, [tx(50, 1)])
    assert c.units_16w_on_treatment == 1.14


# --- reduced: true / false / unknown ----------------------------------------------------
def test_min_response_weeks_is_8() -> None:
    assert MIN_RESPONSE_WEEKS == 8


@pytest.mark.parametrize(
    ("as_of_day", "transfusions", "reduced"),
    [
        # 16+ weeks on treatment (no scaling): 8 before, 2 on -> reduced
        pytest.param(150, [tx(-60, 4), tx(-20, 4), tx(100, 2)], True, id="8-to-2-reduced"),
        # 8 before, 8 on -> not reduced (equal is not lower)
        pytest.param(150, [tx(-60, 4), tx(-20, 4), tx(60, 4), tx(120, 4)], False,
                     id="8-to-8-not-reduced"),
        # 2 before, 4 on -> not reduced (worse)
        pytest.param(150, [tx(-20, 2), tx(60, 2), tx(120, 2)], False, id="2-to-4-not-reduced"),
        # never transfused: 0 before, 0 on -> not reduced
        pytest.param(150, [], False, id="0-to-0-not-reduced"),
        # no transfusions on treatment after 8 weeks exactly: judged
        pytest.param(56, [tx(-30, 4)], True, id="exactly-8-weeks-judged"),
        # 55 days: under 8 weeks -> unknown, whatever the numbers
        pytest.param(55, [tx(-30, 4)], None, id="under-8-weeks-unknown"),
        pytest.param(20, [tx(-30, 4), tx(10, 6)], None, id="3-weeks-unknown"),
    ],
)
def test_reduced(as_of_day: int, transfusions: list[Transfusion], reduced: bool | None) -> None:
    c = treatment_course(START, d(as_of_day), None, transfusions)
    assert c.reduced is reduced
    assert (c.units_16w_on_treatment is None) is (reduced is None)
