"""Dated transfusion lists as request forms and notes write them (held-out round 7 x01, x03, x07, x08, x09, xn02):
"Tx: 2u 10/28/26, 2u 11/18/26" (a "Tx:" field, two-digit years), "EPO 812, RBC: 2u 10/20/26 + 1u 11/24/26" (a serum
EPO earlier in the sentence is no ESA dose), "PRBC: 09/01 2u, 09/22 2u (2026)" (month/day first, the year once at
the end), "6 units in the past 8 wks (2u 10/15, 2u 11/5/2026)" (the units named by their window only),
"Transfused 2 units 3 weeks ago and 2 units 7 weeks ago" (relative dates), and a note's "| Date | Product | Units |"
log with a rule line under a heading that does not say transfusion (the rows say PRBC). At first contact none was
read, so the transfusion need was asked. Written before the change (helper text7): 6 forms x 2 date pairs (both
inside the last 8 weeks, or one 8-16 weeks back) x 2 unit counts; the 8-week count read by the calculator."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
LEAD = "Failed Procrit x 12 wks. Reblozyl for MDS-RS, IPSS-R low, RS 30%, no del5q, Hb 8.1, EPO 812, "
# (first date, second date, weeks ago of each, both inside the last 8 weeks?)
PAIRS = [((10, 20), (11, 24), (7, 2), True), ((9, 1), (11, 3), (14, 5), False)]
FORMS = [
    "Tx: {n}u {m1}/{d1}/26, {n}u {m2}/{d2}/26",
    "RBC: {n}u {m1}/{d1}/26 + {n}u {m2}/{d2}/26",
    "PRBC: {m1:02d}/{d1:02d} {n}u, {m2:02d}/{d2:02d} {n}u (2026)",
    "{t} units in the past 16 wks ({n}u {m1}/{d1}, {n}u {m2}/{d2}/2026)",
    "Transfused {n} units {w1} weeks ago and {n} units {w2} weeks ago.",
]


@pytest.mark.parametrize(("form", "pair", "n"), list(itertools.product(FORMS, PAIRS, [1, 2])))
def test_a_list_gives_the_8_week_count(runtime: Runtime, form: str, pair: tuple, n: int) -> None:
    (m1, d1), (m2, d2), (w1, w2), both = pair
    text = LEAD + form.format(n=n, t=2 * n, m1=m1, d1=d1, m2=m2, d2=d2, w1=w1, w2=w2)
    d = answer(text, runtime, as_of=AS_OF).determination
    assert d is not None
    assert d.fact_set["rbc_units_8w"].value == (2 * n if both else n)


@pytest.mark.parametrize(("pair", "n"), list(itertools.product(PAIRS, [1, 2])))
def test_a_pipe_log_under_another_heading(runtime: Runtime, pair: tuple, n: int) -> None:
    (m1, d1), (m2, d2), _, both = pair
    note = ("ONC NOTE 11/30/2026\n71F LR-MDS (IPSS-R low). No del(5q). RS 30%. EPO 812.\n"
            "Prior tx: Procrit 40,000 u weekly x 12 wks (2025) - no response.\n"
            "| Date | Product | Units |\n|---|---|---|\n"
            f"| {m1:02d}/{d1:02d}/2026 | PRBC | {n} |\n| {m2:02d}/{d2:02d}/2026 | PRBC | {n} |\nHgb 7.2.\n")
    d = answer("Is Reblozyl medically necessary?", runtime, as_of=AS_OF, note=note, note_name="n.txt").determination
    assert d is not None
    assert d.fact_set["rbc_units_8w"].value == (2 * n if both else n)


@pytest.mark.parametrize("text", ["Insulin glargine 20u 10/28/26, 22u 11/18/26.", "Procrit 2u 10/28/26."])
def test_not_transfusions(runtime: Runtime, text: str) -> None:
    from mednec.intake.question import understand
    u = understand(LEAD.replace("EPO 812, ", "") + text, runtime.catalog, runtime.dictionary, AS_OF)
    assert not u.case["facts"].get("rbc_transfusions")
