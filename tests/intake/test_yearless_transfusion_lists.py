"""Dated transfusions in a list whose dates carry no year, or a year only on the last ("PRBC 2u 10/15, 2u 11/05
and 2u 11/26/2026"; held-out round 6 w13): only the last was read, so 6 units in 8 weeks became 2 -- a confident
wrong 'does not meet' for imetelstat (>= 4 units). A month/day without a year after a count of units is the most
recent such day on or before the text's date, as a day and month in words already is ("1 unit on the 2nd of
November"). Table-driven: the count's spelling x the date's form x the list's joiners; every unit must be read,
and a count that is not of blood ("EPO 500 U/L 10/15") or a rate ("4u/8wk") is no dated transfusion.
Held out: written before the change, first contact in the commit.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from mednec.intake.question import understand
from mednec.runtime import Runtime

AS_OF = dt.date(2026, 12, 6)  # the held-out rounds' evaluation date

COUNTS = ["{n}u", "{n} u", "{n} units", "{n} units PRBC", "{n} U"]
DATES = [  # (the three dates as written, the days they name)
    (("10/15", "11/05", "11/26/2026"), ("2026-10-15", "2026-11-05", "2026-11-26")),
    (("10/15", "11/5", "11/26"), ("2026-10-15", "2026-11-05", "2026-11-26")),
    (("10/15/26", "11/05/26", "11/26/26"), ("2026-10-15", "2026-11-05", "2026-11-26")),
    (("9/30", "10/21", "11/18/2026"), ("2026-09-30", "2026-10-21", "2026-11-18")),
]
JOINS = [(", ", " and "), ("; ", "; "), (", ", ", ")]
LEADS = ["Rytelo for MDS, IPSS-R low, EPO 800, no del(5q). PRBC {x}.", "Imetelstat: MDS IPSS-R low, EPO 800, no del5q; transfused {x}."]
ITEMS = list(itertools.product(COUNTS, DATES, JOINS, LEADS))


def _events(runtime: Runtime, q: str) -> list[tuple[dt.date, float]]:
    u = understand(q, runtime.catalog, runtime.dictionary, AS_OF)
    facts = runtime.parse_case(u.case, as_of=AS_OF).facts
    fv = facts.get("rbc_transfusions")
    return sorted((e["date"], float(e["units"])) for e in (fv.value if fv else ()))


@pytest.mark.parametrize(("count", "dates", "join", "lead"), ITEMS)
def test_every_dated_unit_in_the_list_is_read(runtime: Runtime, count: str, dates: tuple[tuple[str, ...], tuple[str, ...]],
                                              join: tuple[str, str], lead: str) -> None:
    written, days = dates
    parts = [f"{count.format(n=2)} {d}" for d in written]
    x = parts[0] + join[0] + parts[1] + join[1] + parts[2]
    got = _events(runtime, lead.format(x=x))
    assert got == [(dt.date.fromisoformat(d), 2.0) for d in days], (x, got)


@pytest.mark.parametrize("q", [
    "Rytelo: MDS IPSS-R low, EPO 500 U/L 10/15, TD 4u/8wk, no del(5q)",
    "Rytelo: MDS IPSS-R low, TD 4u/8wk since 10/15, no del(5q)",
])
def test_no_dated_transfusion_from_a_concentration_or_a_rate(runtime: Runtime, q: str) -> None:
    got = _events(runtime, q)
    assert all(d != dt.date(2026, 10, 15) for d, _ in got), got
