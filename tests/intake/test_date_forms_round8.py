"""Family test (held-out round 8 l11, l02, s04, t13): dates as EHRs and British letters write them were not read --
"7-Jul-2026", "07-Jul-2026", "8-Aug-26" (day, month's abbreviation and year joined by hyphens) and "Oct '26" (a month
and an abbreviated year). An LDL-C "on 7-Jul-2026" was then taken as undated, hence current (mednec's LDL
decision: a value stated without a date is current), and once the statin step was read the answer became a
confident wrong 'meets' for a value 152 days old (> 120). Table-driven: each form alone and as an LDL-C's date;
controls: ranges and ratios ("7-10", "1-2 mg") are no dates."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.intake.question import understand
from mednec.intake.text.numbers import find_dates
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
FORMS = [("7-Jul-2026", dt.date(2026, 7, 7)), ("07-Jul-2026", dt.date(2026, 7, 7)), ("7-jul-2026", dt.date(2026, 7, 7)),
         ("8-Aug-26", dt.date(2026, 8, 8)), ("15-Sep-2026", dt.date(2026, 9, 15)), ("1-Dec-2025", dt.date(2025, 12, 1)),
         ("Oct '26", dt.date(2026, 10, 1)), ("Aug '26", dt.date(2026, 8, 1)), ("Feb ’26", dt.date(2026, 2, 1)),
         ("March '25", dt.date(2025, 3, 1))]


@pytest.mark.parametrize(("text", "day"), FORMS)
def test_the_date_form_is_read(text: str, day: dt.date) -> None:
    assert [d for _, _, d in find_dates(f"drawn {text}.")] == [day]


@pytest.mark.parametrize(("text", "day"), FORMS)
def test_an_ldl_dated_so_has_its_age(runtime: Runtime, text: str, day: dt.date) -> None:
    u = understand(f"Repatha: MI 2020, atorvastatin 80 mg daily x 5 years, LDL 112 on {text}", runtime.catalog,
                   runtime.dictionary, AS_OF)
    ldl = [f for f in u.facts if f.fact == "ldl_c"]
    assert ldl and ldl[0].date == day, (text, ldl)


@pytest.mark.parametrize("text", ["Hb 7-10 over the year", "1-2 mg daily", "q2-3 wks", "aged 8-12", "Rx '26 refill"])
def test_no_date_in_ranges(text: str) -> None:
    assert find_dates(text) == []
