"""A course ended at an approximate or abbreviated relative time (held-out round 9 t9-g08): "Was on metformin 500 BID
until ~2 yrs ago, stopped. No current oral meds." was read as metformin taken now (the "2 yrs ago" as its start) --
a confident "meets" for Mounjaro, whose oral-drug step needs metformin within 90 days or its failure. Round 5's
"until 3 months ago" was read; "~", "about", "approx.", "around" and "yrs" / "mos" / "wks" were not. Written before
the change (helper text9): 6 ways x 4 lengths x 2 drugs; the Mounjaro determination follows the end's distance."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.ask import answer
from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)
WAYS = ["until ~{n} {u} ago", "until about {n} {u} ago", "until approx. {n} {u} ago", "until around {n}{u} ago",
        "till ~{n} {u} ago", "until {n} {u} ago"]
# (number, unit as written, days back, within the 90-day window?)
LENGTHS = [(2, "yrs", 730, False), (18, "mos", 548, False), (6, "wks", 42, True), (2, "mo", 61, True)]
DRUGS = [("Mounjaro - T2DM dx 2019, A1c 7.9%. Was on metformin 500 BID {way}, stopped. No current oral meds.", "metformin"),
         ("Repatha for ASCVD (MI 2021), LDL 120. Was on atorvastatin 40 mg {way}.", "atorvastatin")]
CASES = list(itertools.product(WAYS, LENGTHS, DRUGS))


@pytest.mark.parametrize(("way", "length", "drug"), CASES)
def test_an_end_ago_is_an_end(runtime: Runtime, way: str, length: tuple, drug: tuple) -> None:
    n, unit, days, _ = length
    text = drug[0].format(way=way.format(n=n, u=unit))
    u = understand(text, runtime.catalog, runtime.dictionary, AS_OF)
    [course] = [c for c in u.case["facts"]["medication_history"] if c["drug"] == drug[1]]
    assert course["response"] == "stopped"
    assert abs((AS_OF - dt.date.fromisoformat(str(course["end"]))).days - days) <= 3
    assert "start" not in course


@pytest.mark.parametrize(("way", "length"), list(itertools.product(WAYS, LENGTHS)))
def test_mounjaro_follows_the_end(runtime: Runtime, way: str, length: tuple) -> None:
    n, unit, _, recent = length
    d = answer(DRUGS[0][0].format(way=way.format(n=n, u=unit)), runtime, as_of=AS_OF).determination
    assert d is not None
    assert d.determination == ("meets_criteria" if recent else "insufficient_information")
