"""Dates written day-first with dots ("14.10.2026") or as "the 23rd of November 2026" (held-out round 5 v14,
v26): the dotted dates were not read at all, and "the 23rd of November 2026" was read as 1 November 2026 (its
"November 2026"), so transfusions fell outside or inside the 8-week window by chance. Generated: each form
for dates across the year, alone and in a transfusion log; the parsed date must be the written one. A dotted
date is day-first (the convention where dots are used); a decimal number is never a date."""

from __future__ import annotations

import datetime as dt

import pytest

from mednec.intake.text.numbers import find_dates, parse_date_text

DAYS = [dt.date(2026, m, d) for m in (1, 2, 3, 6, 9, 10, 11, 12) for d in (1, 2, 9, 13, 23, 28)]
ORD = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}


def _forms(d: dt.date) -> list[str]:
    month = d.strftime("%B")
    return [f"{d.day:02d}.{d.month:02d}.{d.year}", f"{d.day}.{d.month}.{d.year}",
            f"the {d.day}{ORD.get(d.day, 'th')} of {month} {d.year}", f"{d.day}{ORD.get(d.day, 'th')} of {month}, {d.year}"]


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_each_form_is_the_written_date(day: dt.date) -> None:
    for form in _forms(day):
        got = find_dates(f"PRBC 1 unit on {form} at the infusion center")
        assert [x[2] for x in got] == [day], (form, got)
        assert parse_date_text(form.removeprefix("the ")) == day, form


@pytest.mark.parametrize("text", ["Hb 9.1 on 2 units", "ANC 1.5, plt 2.50", "dose 1.33 mg/kg", "v1.2.3"])
def test_decimals_are_no_dates(text: str) -> None:
    assert find_dates(text) == [], text


@pytest.mark.parametrize("log", ["PRBC: 14.10.2026 (1 u), 09.11.2026 (1 u).", "Transfusions: 10/14/2026 (1 unit), 11/09/2026 (1 unit)",
                                 "RBC transfusions 2026-10-14 (1 u); 2026-11-09 (1 u)"])
def test_a_count_in_brackets_after_its_date(log: str) -> None:
    from mednec.ask import answer
    from mednec.runtime import default_runtime

    rt = default_runtime()
    det = answer(f"Reblozyl, MDS IPSS-R low, ESA-naive, EPO 260, Hb 8.2, normal karyotype. {log}", rt,
                 as_of=dt.date(2026, 12, 6)).determination
    assert det is not None and det.fact_set["rbc_units_8w"].value == 2, log
    assert det.determination == "meets_criteria", log
