"""A transfusion dated by day and month without a year is the most recent such day on or before the text's
date (held-out round 5 v14: "Transfused 1 unit on the 2nd of November and 1 unit on the 23rd of November
2026" -- the first unit was dropped, a confident 'does not meet' on 1 unit in 8 weeks). Generated over the
day-month forms ("the 2nd of November", "2 Nov", "November 2nd", "Nov 2") and days before and after the
evaluation date's day of the year; controls: a day-month after the evaluation date is last year's."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import default_runtime

AS_OF = dt.date(2026, 12, 6)
RT = default_runtime()
ORD = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}
DAYS = [dt.date(2026, 11, 2), dt.date(2026, 10, 20), dt.date(2026, 12, 1), dt.date(2025, 12, 20)]


def _forms(d: dt.date) -> list[str]:
    return [f"the {d.day}{ORD.get(d.day, 'th')} of {d:%B}", f"{d.day} {d:%b}", f"{d:%B} {d.day}{ORD.get(d.day, 'th')}",
            f"{d:%b} {d.day}"]


@pytest.mark.parametrize(("day", "form"), [(d, f) for d in DAYS for f in _forms(d)])
def test_a_yearless_transfusion_date(day: dt.date, form: str) -> None:
    text = f"Reblozyl: MDS IPSS-R low, ESA naive, EPO 200, Hb 8.0. Transfused 1 unit on {form} and 1 unit on 11/23/2026."
    u = understand(text, RT.catalog, RT.dictionary, AS_OF)
    tx = RT.parse_case(u.case, as_of=AS_OF).facts["rbc_transfusions"].value
    assert sorted(e["date"] for e in tx) == sorted([day, dt.date(2026, 11, 23)]), (text, tx)


@pytest.mark.parametrize("shape", ["1 unit on {a} and 1 unit on {b} 2026", "PRBC 1 u {a}, 1 u {b}"])
def test_two_units_in_eight_weeks_meet(shape: str) -> None:
    from mednec.ask import answer

    for a, b in itertools.product(["the 2nd of November", "Nov 2"], ["the 23rd of November", "Nov 23"]):
        text = ("Reblozyl first line: 80-year-old, MDS with multilineage dysplasia, IPSS-R low, never received an ESA. "
                f"Serum EPO 480 U/L. Transfused {shape.format(a=a, b=b)}. Hemoglobin 7.9 g/dL. FISH negative for 5q deletion.")
        det = answer(text, RT, as_of=AS_OF).determination
        assert det is not None and det.determination == "meets_criteria", text
