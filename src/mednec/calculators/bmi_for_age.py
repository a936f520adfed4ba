"""BMI-for-age percentile for ages 10 to 20 years (CDC 2000 growth charts, LMS method).

The LMS table is CDC's ``bmiagerev`` file (rows 120.5 to 240.5 months, shipped in
``data/cdc_bmiagerev_10_20y.csv`` with its source; nothing is downloaded). For a BMI ``X`` at an
age and sex with parameters ``L, M, S`` (CDC, "Percentile Data Files with LMS Values"):

* z = ((X / M) ** L - 1) / (L * S)            (L is never 0 in this table)
* percentile = 100 * Phi(z), the standard normal distribution function
* the BMI at percentile p is M * (1 + L * S * z_p) ** (1 / L); the 95th percentile uses z = 1.6449

Ages: CDC lists each month at its half month, which stands for the whole month (120.5 is 120.0 to
120.99 months), so an age of ``m`` completed months reads the row ``m + 0.5``. Ages are counted in
completed months from the date of birth (:func:`completed_months`); an age in whole years alone
does not fix the row (the 95th percentile moves by about 0.6 kg/m² within a year at 12 to 17).

Above the 95th percentile CDC's Extended BMI-for-age charts (December 2022) replace the LMS
percentiles for display; their 95th percentile curve is the LMS one, so whether a BMI is at or
above the 95th percentile -- what the policies ask -- is the same under both. Percentiles above the
95th computed here are therefore labelled as LMS values; the percent of the 95th percentile (BMI /
P95 x 100, the measure of severe obesity) is exact under both.

Checked against CDC's worked examples ("Defining Child BMI Categories"): a 10-year-old boy with
BMI 22.5 is at the 96th percentile; a 15-year-old girl with BMI 36.4 at the 99th.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import cache
from importlib import resources
from statistics import NormalDist
from typing import NamedTuple

__all__ = [
    "BMI_FOR_AGE_CITATION",
    "FIRST_MONTH",
    "LAST_MONTH",
    "BmiForAge",
    "Lms",
    "bmi_at_percentile",
    "bmi_for_age",
    "completed_months",
    "lms",
    "rows",
]

BMI_FOR_AGE_CITATION = "cdc-bmi-for-age-2000"
#: The ages in completed months the shipped table covers (10.0 to 20.99 years).
FIRST_MONTH, LAST_MONTH = 120, 240
_DATA = "data/cdc_bmiagerev_10_20y.csv"
_NORMAL = NormalDist()


class Lms(NamedTuple):
    """One row of CDC's table: the LMS parameters and CDC's printed 85th and 95th percentiles."""

    sex: int  # 1 male, 2 female (CDC's coding)
    agemos: float
    l: float  # noqa: E741 - CDC's name
    m: float
    s: float
    p85: float
    p95: float


class BmiForAge(NamedTuple):
    """A BMI placed on the CDC BMI-for-age chart."""

    z: float
    percentile: float  # 0-100, unrounded
    p95: float  # the BMI at the 95th percentile for this age and sex, kg/m²
    percent_of_p95: float  # BMI / P95 x 100
    row: Lms


@cache
def _table() -> dict[tuple[int, float], Lms]:
    text = resources.files("mednec.calculators").joinpath(_DATA).read_text("utf-8")
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out: dict[tuple[int, float], Lms] = {}
    for rec in csv.DictReader(io.StringIO("\n".join(lines))):
        row = Lms(int(rec["Sex"]), float(rec["Agemos"]), float(rec["L"]), float(rec["M"]), float(rec["S"]),
                  float(rec["P85"]), float(rec["P95"]))
        out[(row.sex, row.agemos)] = row
    return out


def rows() -> tuple[Lms, ...]:
    """Every row of the shipped table, in file order (for checks)."""
    return tuple(_table().values())


def completed_months(birth_date: dt.date, on: dt.date) -> int:
    """Completed months of age on ``on`` (a month is complete on the same day of a later month).

    >>> completed_months(dt.date(2011, 3, 15), dt.date(2026, 3, 14))
    179
    >>> completed_months(dt.date(2011, 3, 15), dt.date(2026, 3, 15))
    180
    """
    months = (on.year - birth_date.year) * 12 + on.month - birth_date.month
    if on.day < birth_date.day:
        months -= 1
    return months


def lms(sex: str, months: int) -> Lms:
    """The table row for ``sex`` ('male' or 'female') at ``months`` completed months.

    Raises ``ValueError`` outside 120-240 months or for another sex (the table has no row).
    """
    code = {"male": 1, "female": 2}.get(sex)
    if code is None:
        raise ValueError(f"the CDC BMI-for-age charts are by sex, male or female; got {sex!r}")
    if not FIRST_MONTH <= months <= LAST_MONTH:
        raise ValueError(f"the shipped CDC table covers {FIRST_MONTH}-{LAST_MONTH} months of age; got {months}")
    return _table()[(code, months + 0.5)]


def bmi_for_age(bmi: float, sex: str, months: int) -> BmiForAge:
    """The z-score, percentile and percent of the 95th percentile of ``bmi`` (kg/m²).

    >>> r = bmi_for_age(22.5, "male", 120)
    >>> round(r.percentile)
    96
    """
    if bmi <= 0:
        raise ValueError("BMI must be positive")
    row = lms(sex, months)
    z = ((bmi / row.m) ** row.l - 1.0) / (row.l * row.s)
    p95 = bmi_at_percentile(row, 95.0)
    return BmiForAge(z, 100.0 * _NORMAL.cdf(z), p95, 100.0 * bmi / p95, row)


def bmi_at_percentile(row: Lms, percentile: float) -> float:
    """The BMI at ``percentile`` (0-100, exclusive) for a table row."""
    z = _NORMAL.inv_cdf(percentile / 100.0)
    value: float = row.m * (1.0 + row.l * row.s * z) ** (1.0 / row.l)
    return value
