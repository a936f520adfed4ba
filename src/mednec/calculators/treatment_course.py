"""Response on the requested treatment, for continuation (re-authorisation) reviews.

From the treatment start date, the doses given and the dated transfusions it derives:

* weeks on treatment, number of doses, the highest dose level given, and how many of the
  most recent consecutive doses were at that level (the luspatercept label counts
  "3 consecutive doses at 1.75 mg/kg" before stopping for no response);
* RBC units in the 16 weeks before the first dose (the IWG 2018 baseline) and the units
  on treatment, scaled to 16 weeks over the most recent 16 weeks of treatment (or all of
  it, when shorter);
* whether the transfusion burden fell in a clinically meaningful way (mednec editorial
  decision): transfusion independence for at least 8 consecutive weeks up to the review (no
  transfusion in the last 8 weeks, on treatment), or at least
  one-third fewer units per 16 weeks on treatment than in the 16 weeks before (payer
  wording; IWG 2018 HI-E beside it). A smaller fall is not a response. At least 8 weeks on
  treatment are needed to judge it (IWG 2018 measures response over at least 8 weeks); before
  that the result is unknown. Without transfusions before treatment there is no burden to
  reduce (not reduced); such a patient is judged on the hemoglobin rise;
* the hemoglobin rise over the pre-treatment value, when both are known.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import NamedTuple

from mednec.calculators.transfusion_burden import WEEK, Transfusion, units_between

__all__ = ["MIN_RESPONSE_WEEKS", "Dose", "TreatmentCourse", "treatment_course"]

MIN_RESPONSE_WEEKS = 8
TRANSFUSION_FREE_DAYS = 56  # 8 consecutive weeks without a transfusion (IWG 2018 RBC-TI)


class Dose(NamedTuple):
    """One administered dose."""

    date: dt.date
    dose: float


class TreatmentCourse(NamedTuple):
    """What the treatment record shows so far."""

    weeks: float
    dose_count: int
    max_dose: float | None
    doses_at_max: int
    units_16w_pretreatment: float | None
    units_16w_on_treatment: float | None
    reduced: bool | None  # clinically meaningful: transfusion-free >= 8 weeks, or >= 1/3 fewer units
    free_days: int | None = None  # days without a transfusion up to the review, on treatment


def _trailing_at_max(doses: Sequence[Dose]) -> tuple[float | None, int]:
    if not doses:
        return None, 0
    ordered = sorted(doses, key=lambda d: d.date)
    top = max(d.dose for d in ordered)
    count = 0
    for d in reversed(ordered):
        if abs(d.dose - top) > 1e-9:
            break
        count += 1
    return top, count


def treatment_course(
    start: dt.date,
    as_of: dt.date,
    doses: Sequence[Dose] | None,
    transfusions: Sequence[Transfusion] | None,
) -> TreatmentCourse:
    """Summarise a treatment course as of ``as_of``.

    Example: started 2026-05-01, 9 units in the 16 weeks before, 2 units in the last
    16 weeks as of 2026-11-01 -> reduced (2 < 9 per 16 weeks).
    """
    days = max(0, (as_of - start).days)
    weeks = days / 7
    max_dose, at_max = _trailing_at_max(doses or ())
    pre: float | None = None
    on: float | None = None
    reduced: bool | None = None
    free = 0
    if transfusions is not None:
        pre = units_between(transfusions, start - 16 * WEEK - dt.timedelta(days=1), start - dt.timedelta(days=1))
        if weeks >= MIN_RESPONSE_WEEKS:
            window_start = max(start - dt.timedelta(days=1), as_of - 16 * WEEK)
            window_days = (as_of - window_start).days
            raw = units_between(transfusions, window_start, as_of)
            on = round(raw * 112 / window_days, 2)
            free = _free_days(transfusions, window_start + dt.timedelta(days=1), as_of)
            third = 3 * on <= 2 * pre + 1e-9  # at least one-third fewer units per 16 weeks
            reduced = pre > 0 and (free >= TRANSFUSION_FREE_DAYS or third)
    return TreatmentCourse(
        weeks=round(weeks, 1),
        dose_count=len(doses) if doses is not None else 0,
        max_dose=max_dose,
        doses_at_max=at_max,
        units_16w_pretreatment=pre,
        units_16w_on_treatment=on,
        reduced=reduced,
        free_days=free if transfusions is not None and weeks >= MIN_RESPONSE_WEEKS else None,
    )


def _free_days(transfusions: Sequence[Transfusion], first_day: dt.date, as_of: dt.date) -> int:
    """Days without a transfusion up to ``as_of``, counted back to the last transfusion in the
    window from ``first_day`` (or to ``first_day`` when there is none)."""
    last = max((t.date for t in transfusions if first_day <= t.date <= as_of), default=None)
    return (as_of - last).days if last is not None else (as_of - first_day).days + 1
